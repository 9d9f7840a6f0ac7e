package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

func TestParsePhase(t *testing.T) {
	for in, want := range map[string]string{
		"request": PhaseRequest, "Response": PhaseResponse, PhaseRequest: PhaseRequest, PhaseResponse: PhaseResponse,
	} {
		if got, err := ParsePhase(in); err != nil || got != want {
			t.Errorf("ParsePhase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePhase("http_request_firewall_custom"); err == nil {
		t.Error("a firewall phase was accepted")
	}
}

func TestFilePhase(t *testing.T) {
	for src, want := range map[string]string{
		"rules: []\n":                                                               PhaseRequest,
		"phase: request\nrules: []\n":                                               PhaseRequest,
		"phase: response\nrules: []\n":                                              PhaseResponse,
		"phase: http_response_cache_settings\nrules: []\n":                          PhaseResponse,
		"{\"phase\": \"response\", \"rules\": []}":                                  PhaseResponse,
		"phase: http_request_cache_settings\nrules: []\n":                           PhaseRequest,
		"rules: []\nphase: RESPONSE\n":                                              PhaseResponse,
		"result: {phase: http_response_cache_settings, rules: []}\nsuccess: true\n": PhaseResponse,
	} {
		f, probs := Parse("r.yaml", []byte(src))
		if probs.HasErrors() || f.Phase != want {
			t.Errorf("%q: phase %q, problems %v; want %q", src, f.Phase, probs, want)
		}
	}
}

// TestResponsePhaseInvalid: every problem of a response-phase file, at the
// line of the key at fault.
func TestResponsePhaseInvalid(t *testing.T) {
	head := "phase: response\nrules:\n  - ref: a\n    expression: http.response.code eq 200\n"
	cases := []struct {
		name, plan, src string
		want            []string
	}{
		{"bad phase value", "", "phase: responses\nrules: []\n",
			[]string{`r.yaml:1: phase: "responses" is not a phase: want request or response (Cache Rules or Cache Response Rules); did you mean "response"?`}},
		{"phase not a string", "", "phase: [response]\nrules: []\n",
			[]string{`r.yaml:1: phase: want request or response, got a list`}},
		{"request setting in response phase", "", head + "    action_parameters:\n      cache: true\n",
			[]string{"r.yaml:6: rules[0].action_parameters.cache: unknown setting"}},
		{"strip not a bool", "", head + "    action_parameters:\n      strip_etags: \"yes\"\n",
			[]string{`r.yaml:6: rules[0].action_parameters.strip_etags: want true or false, got the string "yes"`}},
		{"no settings", "", head,
			[]string{"r.yaml:3: rules[0].action_parameters: no settings: set_cache_settings needs at least one of strip_etags, strip_set_cookie, strip_last_modified"}},
		{"request-only action", "", "rules:\n  - ref: a\n    expression: \"true\"\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [x]}\n",
			[]string{"r.yaml:4: rules[0].action: action \"set_cache_tags\" belongs to Cache Response Rules (http_response_cache_settings), not Cache Rules: put the rule in a file with `phase: response`"}},
		{"unknown action", "", head + "    action: set_cache_tag\n    action_parameters: {operation: add, values: [x]}\n",
			[]string{"r.yaml:5: rules[0].action: action \"set_cache_tag\" is not valid in phase http_response_cache_settings: want set_cache_settings, set_cache_tags, set_cache_control; did you mean \"set_cache_tags\"?"}},
		{"tags both values and expression", "", head + "    action: set_cache_tags\n    action_parameters:\n      operation: add\n      values: [a]\n      expression: concat(\"a\", \"b\")\n",
			[]string{"r.yaml:9: rules[0].action_parameters.expression: give values or expression, not both"}},
		{"tags neither", "", head + "    action: set_cache_tags\n    action_parameters:\n      operation: set\n",
			[]string{"r.yaml:6: rules[0].action_parameters.values: missing: give values (a list of tags) or expression"}},
		{"tags bad operation", "", head + "    action: set_cache_tags\n    action_parameters:\n      operation: append\n      values: [a]\n",
			[]string{`r.yaml:7: rules[0].action_parameters.operation: "append" is not one of add, remove, set`}},
		{"tags missing operation", "", head + "    action: set_cache_tags\n    action_parameters:\n      values: [a, \"\"]\n",
			[]string{"r.yaml:6: rules[0].action_parameters.operation: missing (required): one of add, remove, set",
				"r.yaml:7: rules[0].action_parameters.values[1]: empty cache tag"}},
		{"cache-control set without value", "", head + "    action: set_cache_control\n    action_parameters:\n      max-age:\n        operation: set\n",
			[]string{"r.yaml:7: rules[0].action_parameters.max-age.value: missing: operation set needs a value in seconds"}},
		{"cache-control remove with value", "", head + "    action: set_cache_control\n    action_parameters:\n      s-maxage: {operation: remove, value: 10}\n",
			[]string{"r.yaml:7: rules[0].action_parameters.s-maxage.value: a value is only allowed with operation set (operation is remove)"}},
		{"cache-control unknown directive", "", head + "    action: set_cache_control\n    action_parameters:\n      max_age: {operation: set, value: 10}\n",
			[]string{"r.yaml:7: rules[0].action_parameters.max_age: unknown setting; did you mean \"max-age\"?"}},
		{"cache-control flag with value", "", head + "    action: set_cache_control\n    action_parameters:\n      immutable: {operation: set, value: 1}\n",
			[]string{"r.yaml:7: rules[0].action_parameters.immutable.value: unknown setting"}},
		{"cache-control negative", "", head + "    action: set_cache_control\n    action_parameters:\n      stale-if-error:\n        operation: set\n        value: -5\n        cloudflare_only: 1\n",
			[]string{"r.yaml:9: rules[0].action_parameters.stale-if-error.value: -5 is out of range: want at least 0 (seconds)",
				"r.yaml:10: rules[0].action_parameters.stale-if-error.cloudflare_only: want true or false, got the number 1"}},
		{"cache-control qualifiers on remove", "", head + "    action: set_cache_control\n    action_parameters:\n      no-cache:\n        operation: remove\n        qualifiers: [set-cookie]\n",
			[]string{"r.yaml:9: rules[0].action_parameters.no-cache.qualifiers: qualifiers are only allowed with operation set (operation is remove)"}},
		{"response field in request phase", "", "rules:\n  - ref: a\n    expression: http.response.code eq 200\n    action_parameters: {cache: true}\n",
			[]string{"r.yaml:3:17: rules[0].expression: http.response.code is a response field; Cache Rules match requests, so it is only available in Cache Response Rules (a file with phase: response)"}},
		{"free plan count", "free", "phase: response\nrules:\n" + strings.Repeat("  - {ref: r, expression: \"true\", action_parameters: {strip_etags: true}}\n", 11),
			nil}, // refs repeat; checked below by count only
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := tc.plan
			if plan == "" {
				plan = "enterprise"
			}
			_, probs := Check("r.yaml", []byte(tc.src), Options{Limits: limitsFor(plan)})
			if tc.want == nil {
				found := false
				for _, p := range probs.Errors() {
					found = found || strings.Contains(p.Message, "11 rules exceed the free plan's limit of 10")
				}
				if !found {
					t.Errorf("no count problem in %v", probs)
				}
				return
			}
			var got []string
			for _, p := range probs.Errors() {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
	}
}

func TestResponsePhaseValid(t *testing.T) {
	src := "phase: response\nrules:\n" +
		"  - ref: strip\n    expression: http.response.headers[\"set-cookie\"][0] ne \"\" and http.response.content_type.media_type eq \"image/png\"\n    action_parameters: {strip_set_cookie: true, strip_last_modified: false}\n" +
		"  - ref: tags\n    expression: any(http.response.headers.names[*] eq \"x-tag\")\n    action: set_cache_tags\n    action_parameters: {operation: set, expression: 'concat(\"a\", \"b\")'}\n" +
		"  - ref: cc\n    expression: http.response.code in {200 301}\n    action: set_cache_control\n    action_parameters:\n      max-age: {operation: remove}\n      private: {operation: set, qualifiers: [set-cookie]}\n      no-store: {operation: set, cloudflare_only: true}\n"
	f, probs := Check("r.yaml", []byte(src), Options{Limits: limitsFor("free")})
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	out, err := ExportPhase(f.Phase, f.Rules, YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "phase: response\nrules:\n") {
		t.Errorf("export does not start with the phase:\n%s", out)
	}
	// Directives keep the documented order in export.
	if i, j := strings.Index(string(out), "max-age"), strings.Index(string(out), "no-store"); i < 0 || j < i {
		t.Errorf("directive order:\n%s", out)
	}
	back, probs := Check("again.yaml", out, Options{Limits: limitsFor("free")})
	if len(probs) > 0 || back.Phase != PhaseResponse || Compute(f.Rules, back.Rules).HasChanges() {
		t.Errorf("round trip: %v\n%s", probs, out)
	}
}

// TestValidateRulesPhase: rules that did not come from a file (rollback's)
// are checked against Options.Phase.
func TestValidateRulesPhase(t *testing.T) {
	r := []*Rule{{Ref: "a", Expression: "true", Action: ActionSetCacheTags, Enabled: true,
		Params: mustObj(t, `{"operation": "add", "values": ["x"]}`)}}
	if probs := ValidateRules("v2", r, Options{Phase: PhaseResponse}); probs.HasErrors() {
		t.Errorf("response phase: %v", probs)
	}
	if probs := ValidateRules("v2", r, Options{}); !probs.HasErrors() {
		t.Error("set_cache_tags passed in the request phase")
	}
}

func mustObj(t *testing.T, s string) *Value {
	t.Helper()
	v, err := parseJSONValue([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestResponseSettingsSummary(t *testing.T) {
	f, probs := Parse("r.yaml", []byte(`phase: response
rules:
  - {ref: a, expression: "true", action: set_cache_tags, action_parameters: {operation: add, values: [blog, news]}}
  - ref: b
    expression: "true"
    action: set_cache_control
    action_parameters:
      private: {operation: remove}
      s-maxage: {operation: set, value: 300, cloudflare_only: true}
      no-cache: {operation: set, qualifiers: [set-cookie]}
  - {ref: c, expression: "true", action_parameters: {strip_set_cookie: true}}
`))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	for i, want := range []string{"tags add: blog, news",
		`cache-control: s-maxage=300 (edge only) · -private · no-cache="set-cookie"`,
		"strip set cookie"} {
		if got := f.Rules[i].SettingsSummary(); got != want {
			t.Errorf("rules[%d]: %q, want %q", i, got, want)
		}
	}
}

// TestTagValues: set_cache_tags' values are tags as cloudflare.md ("Purge")
// defines them (review of issue 12, finding 2: all of these validated).
func TestTagValues(t *testing.T) {
	long := strings.Repeat("a", 1100)
	src := "phase: response\nrules:\n  - ref: t\n    expression: \"true\"\n    action: set_cache_tags\n    action_parameters:\n      operation: add\n      values:\n" +
		"        - " + long + "\n" + // line 9
		"        - \"a,b\"\n" + // 10
		"        - blög\n" + // 11
		"        - has space\n" + // 12
		"        - dup\n" + // 13
		"        - DUP\n" + // 14
		"        - dup\n" + // 15
		"        - \"tab\\there\"\n" + // 16
		"        - " + strings.Repeat("b", 1024) + "\n" // 17: the longest allowed
	_, probs := Check("r.yaml", []byte(src), Options{Limits: limitsFor("free")})
	var got []string
	for _, p := range probs {
		got = append(got, string(p.Severity)+" "+p.String())
	}
	p := "rules[0].action_parameters.values"
	want := []string{
		"error r.yaml:9: " + p + "[0]: cache tag is 1100 characters long: at most 1024",
		`error r.yaml:10: ` + p + `[1]: cache tag "a,b" holds a comma, which separates tags in the Cache-Tag header: give each tag as its own value`,
		`error r.yaml:11: ` + p + `[2]: cache tag "blög" holds the non-ASCII character 'ö': tags are printable ASCII without spaces`,
		`error r.yaml:12: ` + p + `[3]: cache tag "has space" holds a space: tags are printable ASCII without spaces`,
		`warning r.yaml:14: ` + p + `[5]: warning: cache tag "DUP" differs from values[4] "dup" only in case: tags are case-insensitive, so it is the same tag`,
		`warning r.yaml:15: ` + p + `[6]: warning: duplicate cache tag "dup": values[4] already gives it`,
		`error r.yaml:16: ` + p + `[7]: cache tag "tab\there" holds a tab: tags are printable ASCII without spaces`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// TestTagValuesFollowTheLimits: a tag's longest length is the limits
// table's TagMaxLength (a user's limits file may lower it, as for the
// older 120 of cloudflare.md "Purge"), as purge checks it, not a constant.
func TestTagValuesFollowTheLimits(t *testing.T) {
	lim := limitsFor("free")
	lim.TagMaxLength = 120
	src := "phase: response\nrules:\n  - ref: t\n    expression: \"true\"\n    action: set_cache_tags\n    action_parameters:\n      operation: add\n      values:\n" +
		"        - " + strings.Repeat("a", 121) + "\n" + // line 9
		"        - " + strings.Repeat("b", 120) + "\n"
	_, probs := Check("r.yaml", []byte(src), Options{Limits: lim})
	want := "r.yaml:9: rules[0].action_parameters.values[0]: cache tag is 121 characters long: at most 120"
	if len(probs) != 1 || probs[0].String() != want {
		t.Errorf("problems %v, want [%s]", probs, want)
	}
}

// TestEmptyExpressionColumn: an empty expression is reported at its value,
// wherever it is written (review of issue 12, finding 11: the JSON value on
// the next line gave ee.json:1:33, the key's column plus len("expression:")).
func TestEmptyExpressionColumn(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"ee.json", "{\"rules\":[{\"ref\":\"a\",\"expression\":\n   \"\", \"action_parameters\": {\"cache\": true}}]}\n", "ee.json:2:4"},
		{"ee2.json", "{\"rules\":[{\"ref\":\"a\", \"expression\" :  \"\", \"action_parameters\": {\"cache\": true}}]}\n", "ee2.json:1:39"},
		{"quoted.yaml", "rules:\n  - ref: a\n    \"expression\":\n    action_parameters: {cache: true}\n", "quoted.yaml:3:18"},
		{"plain.yaml", "rules:\n  - ref: a\n    expression: ''\n    action_parameters: {cache: true}\n", "plain.yaml:3:17"},
	} {
		_, probs := Check(tc.name, []byte(tc.src), Options{})
		if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), tc.want+": rules[0].expression: empty expression") {
			t.Errorf("%s: want one problem at %s, got %v", tc.name, tc.want, probs)
		}
	}
}

// Each phase is counted against its own limit (limits' response_rules_per_zone
// for Cache Response Rules, rules_per_zone for Cache Rules): a config that
// lowers one does not apply to the other. Before, both phases were counted
// against rules_per_zone.
func TestRuleCountPerPhase(t *testing.T) {
	lim := limits.Default().For(limits.Free)
	lim.ResponseRulesPerZone = 2
	three := "rules:\n" + strings.Repeat("  - ref: r\n    expression: 'true'\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [a]}\n", 1)
	for i := 1; i < 3; i++ {
		three += strings.ReplaceAll("  - ref: rN\n    expression: 'true'\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [a]}\n", "N", fmt.Sprint(i))
	}
	f, probs := Parse("r.yaml", []byte("phase: response\n"+three))
	if probs.HasErrors() {
		t.Fatalf("parse: %v", probs)
	}
	got := fmt.Sprint(Validate(f, Options{Limits: lim}))
	if !strings.Contains(got, "3 rules exceed the free plan's limit of 2 per zone") {
		t.Errorf("response file over its own limit:\n%s", got)
	}
	f, _ = Parse("q.yaml", []byte(strings.ReplaceAll(strings.ReplaceAll(three, "action: set_cache_tags\n", ""), "{operation: add, values: [a]}", "{cache: true}")))
	if got := fmt.Sprint(Validate(f, Options{Limits: lim})); strings.Contains(got, "exceed") {
		t.Errorf("request file counted against the response limit:\n%s", got)
	}
}
