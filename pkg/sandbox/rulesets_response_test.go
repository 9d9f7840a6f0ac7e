package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

const respEntrypoint = "/zones/" + DefaultZoneID + "/rulesets/phases/" + ResponseCachePhase + "/entrypoint"

// TestResponseEntrypoint: the response phase has its own entrypoint, with
// the request phase's lifecycle (404 10003, versions, ids kept by ref) and
// its own actions.
func TestResponseEntrypoint(t *testing.T) {
	e := newEnv(t, nil)
	res := e.call(http.MethodGet, respEntrypoint, testToken, nil)
	if res.Status != 404 || res.code() != codeNoRuleset || !strings.Contains(res.Env.Errors[0].Message, ResponseCachePhase) {
		t.Fatalf("GET before any PUT: %d %s", res.Status, res.Body)
	}
	strip := map[string]any{"ref": "strip", "expression": "http.response.code eq 200", "action": "set_cache_settings",
		"action_parameters": map[string]any{"strip_set_cookie": true}}
	tags := map[string]any{"ref": "tags", "expression": "true", "action": "set_cache_tags",
		"action_parameters": map[string]any{"operation": "add", "values": []string{"blog"}}}
	cc := map[string]any{"ref": "cc", "expression": "true", "action": "set_cache_control",
		"action_parameters": map[string]any{"max-age": map[string]any{"operation": "set", "value": 60},
			"private": map[string]any{"operation": "set", "qualifiers": []string{"set-cookie"}, "cloudflare_only": true}}}
	res = e.call(http.MethodPut, respEntrypoint, testToken, map[string]any{"rules": []any{strip, tags, cc}})
	if res.Status != 200 {
		t.Fatalf("PUT: %d %s", res.Status, res.Body)
	}
	var v1 Ruleset
	res.result(t, &v1)
	if v1.Version != "1" || v1.Phase != ResponseCachePhase || len(v1.Rules) != 3 {
		t.Fatalf("v1 %+v", v1)
	}
	res = e.call(http.MethodPut, respEntrypoint, testToken, map[string]any{"rules": []any{tags}})
	var v2 Ruleset
	res.result(t, &v2)
	if v2.Version != "2" || v2.Rules[0].ID != v1.Rules[1].ID {
		t.Fatalf("v2 %+v", v2)
	}
	var versions []RulesetInfo
	e.call(http.MethodGet, respEntrypoint+"/versions", testToken, nil).result(t, &versions)
	if len(versions) != 2 {
		t.Errorf("versions %+v", versions)
	}
	var old Ruleset
	e.call(http.MethodGet, respEntrypoint+"/versions/1", testToken, nil).result(t, &old)
	if len(old.Rules) != 3 {
		t.Errorf("version 1 %+v", old)
	}
	// The request phase is untouched.
	if res := e.call(http.MethodGet, entrypoint, testToken, nil); res.Status != 404 {
		t.Errorf("request phase: %d %s", res.Status, res.Body)
	}
	if _, ok := e.srv.PhaseRules(DefaultZoneName, ResponseCachePhase); !ok {
		t.Error("PhaseRules: no response ruleset")
	}
}

func TestResponsePhaseRefusals(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name, path string
		rule       map[string]any
		pointer    string
	}{
		{"request setting in response phase", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_settings", "action_parameters": map[string]any{"cache": true}}, "/rules/0/action_parameters/cache"},
		{"response action in request phase", entrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_tags", "action_parameters": map[string]any{"operation": "add", "values": []string{"x"}}}, "/rules/0/action"},
		{"request action unknown in response phase", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "rewrite"}, "/rules/0/action"},
		{"tags with values and expression", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_tags", "action_parameters": map[string]any{"operation": "add", "values": []string{"x"}, "expression": "\"y\""}}, "/rules/0/action_parameters"},
		{"tags without operation", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_tags", "action_parameters": map[string]any{"values": []string{"x"}}}, "/rules/0/action_parameters/operation"},
		// Review of issue 12, findings 1 and 2: tags and tag expressions.
		{"tag expression unclosed", respEntrypoint, tagsRule(map[string]any{"operation": "add", "expression": `concat("a", http.request.uri.path`}),
			"/rules/0/action_parameters/expression"},
		{"tag expression unknown field", respEntrypoint, tagsRule(map[string]any{"operation": "add", "expression": `concat("a", http.nope.field)`}),
			"/rules/0/action_parameters/expression"},
		{"tag expression with a tab", respEntrypoint, tagsRule(map[string]any{"operation": "add", "expression": "concat(\"a\",\thttp.request.uri.path)"}),
			"/rules/0/action_parameters/expression"},
		{"tag expression a condition", respEntrypoint, tagsRule(map[string]any{"operation": "add", "expression": "http.response.code eq 200"}),
			"/rules/0/action_parameters/expression"},
		{"tag expression regex_replace on free", respEntrypoint, tagsRule(map[string]any{"operation": "add", "expression": `regex_replace(http.request.uri.path, "^/(.*)", "${1}")`}),
			"/rules/0/action_parameters/expression"},
		{"tag too long", respEntrypoint, tagsRule(map[string]any{"operation": "add", "values": []string{"ok", strings.Repeat("a", 1025)}}),
			"/rules/0/action_parameters/values/1"},
		{"tag with a comma", respEntrypoint, tagsRule(map[string]any{"operation": "add", "values": []string{"a,b"}}),
			"/rules/0/action_parameters/values/0"},
		{"tag with a space", respEntrypoint, tagsRule(map[string]any{"operation": "add", "values": []string{"has space"}}),
			"/rules/0/action_parameters/values/0"},
		{"tag not ASCII", respEntrypoint, tagsRule(map[string]any{"operation": "add", "values": []string{"blög"}}),
			"/rules/0/action_parameters/values/0"},
		{"max-age set without value", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_control", "action_parameters": map[string]any{"max-age": map[string]any{"operation": "set"}}}, "/rules/0/action_parameters/max-age/value"},
		{"unknown directive", respEntrypoint, map[string]any{"ref": "a", "expression": "true",
			"action": "set_cache_control", "action_parameters": map[string]any{"max_age": map[string]any{"operation": "set", "value": 1}}}, "/rules/0/action_parameters/max_age"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call(http.MethodPut, tc.path, testToken, map[string]any{"rules": []any{tc.rule}})
			if res.Status != 400 || res.code() != codeRulesetInvalid || res.pointer() != tc.pointer {
				t.Errorf("%d %s; want 400 at %s", res.Status, res.Body, tc.pointer)
			}
		})
	}
}

func tagsRule(params map[string]any) map[string]any {
	return map[string]any{"ref": "a", "expression": "true", "action": "set_cache_tags", "action_parameters": params}
}

// TestResponsePhaseTagsAccepted: the documented tag expression and the
// longest tag pass (cloudflare-docs cache/how-to/cache-response-rules/settings.mdx).
func TestResponsePhaseTagsAccepted(t *testing.T) {
	e := newEnv(t, nil)
	rules := []any{
		tagsRule(map[string]any{"operation": "add", "expression": `split(http.response.headers["surrogate-keys"][0], ",", 1)`}),
		tagsRule(map[string]any{"operation": "set", "values": []string{strings.Repeat("a", 1024), "Blog-1"}}),
	}
	rules[1].(map[string]any)["ref"] = "b"
	if res := e.call(http.MethodPut, respEntrypoint, testToken, map[string]any{"rules": rules}); res.Status != 200 {
		t.Errorf("%d %s", res.Status, res.Body)
	}
}

// TestResponsePhaseRuleCount: the per-plan counts apply to the response
// phase's entrypoint too (10 on Free).
func TestResponsePhaseRuleCount(t *testing.T) {
	e := newEnv(t, nil)
	var rules []any
	for i := 0; i < e.srv.cfg.Limits.For(limits.Free).RulesPerZone+1; i++ {
		rules = append(rules, map[string]any{"ref": strings.Repeat("r", i+1), "expression": "true",
			"action": "set_cache_settings", "action_parameters": map[string]any{"strip_etags": true}})
	}
	res := e.call(http.MethodPut, respEntrypoint, testToken, map[string]any{"rules": rules})
	if res.Status != 400 || res.pointer() != "/rules" || !strings.Contains(string(res.Body), ResponseCachePhase) {
		t.Errorf("11 rules on %s: %d %s", "free", res.Status, res.Body)
	}
}
