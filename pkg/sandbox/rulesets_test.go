package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

const entrypoint = "/zones/" + DefaultZoneID + "/rulesets/phases/" + CacheSettingsPhase + "/entrypoint"

func rule(ref, expr string) map[string]any {
	r := map[string]any{"action": "set_cache_settings", "expression": expr,
		"action_parameters": map[string]any{"cache": true}}
	if ref != "" {
		r["ref"] = ref
	}
	return r
}

func (e *env) putRules(rules ...map[string]any) *response {
	e.t.Helper()
	if rules == nil {
		rules = []map[string]any{}
	}
	return e.call(http.MethodPut, entrypoint, testToken, map[string]any{"rules": rules})
}

func TestEntrypointLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	res := e.call(http.MethodGet, entrypoint, testToken, nil)
	if res.Status != 404 || res.code() != codeNoRuleset || !strings.Contains(res.Env.Errors[0].Message, "could not find entrypoint ruleset") {
		t.Fatalf("GET before any PUT: %d %s", res.Status, res.Body)
	}

	// Version 1: one rule with a ref, one without.
	res = e.putRules(rule("static", `http.request.uri.path.extension in {"css" "js"}`), rule("", "true"))
	if res.Status != 200 {
		t.Fatalf("PUT 1: %d %s", res.Status, res.Body)
	}
	var v1 Ruleset
	res.result(t, &v1)
	if v1.Version != "1" || v1.Kind != "zone" || v1.Phase != CacheSettingsPhase || !isHexID(v1.ID) || len(v1.Rules) != 2 {
		t.Fatalf("v1 %+v", v1)
	}
	static, catchAll := v1.Rules[0], v1.Rules[1]
	if !isHexID(static.ID) || static.Ref != "static" || static.Version != "1" || !static.Enabled {
		t.Errorf("static rule %+v", static)
	}
	if catchAll.Ref != catchAll.ID {
		t.Errorf("ref should default to the id: %+v", catchAll)
	}

	// Version 2: keep static unchanged (by ref), change the catch-all (by id),
	// add a rule. Ids stay; only the changed rule's version moves.
	changed := rule("", "true")
	changed["id"] = catchAll.ID
	changed["enabled"] = false
	res = e.putRules(rule("static", `http.request.uri.path.extension in {"css" "js"}`), changed, rule("images", `starts_with(http.request.uri.path, "/img/")`))
	var v2 Ruleset
	res.result(t, &v2)
	if v2.Version != "2" || v2.ID != v1.ID || len(v2.Rules) != 3 {
		t.Fatalf("v2 %+v", v2)
	}
	if r := v2.Rules[0]; r.ID != static.ID || r.Version != "1" || !r.LastUpdated.Equal(static.LastUpdated) {
		t.Errorf("unchanged rule moved: %+v", r)
	}
	if r := v2.Rules[1]; r.ID != catchAll.ID || r.Version != "2" || r.Enabled {
		t.Errorf("changed rule: %+v", r)
	}

	// Version 3: PUT replaces all rules: the left-out ones are gone.
	e.clock.Advance(time.Minute)
	res = e.putRules(rule("images", `starts_with(http.request.uri.path, "/img/")`))
	var v3 Ruleset
	res.result(t, &v3)
	if v3.Version != "3" || len(v3.Rules) != 1 || v3.Rules[0].ID != v2.Rules[2].ID || !v3.LastUpdated.After(v2.LastUpdated) {
		t.Fatalf("v3 %+v", v3)
	}

	var got Ruleset
	e.call(http.MethodGet, entrypoint, testToken, nil).result(t, &got)
	if got.Version != "3" || len(got.Rules) != 1 {
		t.Errorf("GET after PUT: %+v", got)
	}

	var versions []RulesetInfo
	e.call(http.MethodGet, entrypoint+"/versions", testToken, nil).result(t, &versions)
	if len(versions) != 3 || versions[0].Version != "1" || versions[2].Version != "3" {
		t.Errorf("versions %+v", versions)
	}
	var old Ruleset
	e.call(http.MethodGet, entrypoint+"/versions/1", testToken, nil).result(t, &old)
	if old.Version != "1" || len(old.Rules) != 2 || old.Rules[0].ID != static.ID {
		t.Errorf("version 1 %+v", old)
	}
	if res := e.call(http.MethodGet, entrypoint+"/versions/9", testToken, nil); res.Status != 404 {
		t.Errorf("missing version: %d", res.Status)
	}
}

func TestEntrypointDryRun(t *testing.T) {
	e := newEnv(t, nil)
	res := e.call(http.MethodPut, entrypoint+"?dry_run=true", testToken, map[string]any{"rules": []any{rule("a", "true")}})
	if res.Status != 200 || string(res.Env.Result) != "null" {
		t.Fatalf("dry run: %d %s", res.Status, res.Body)
	}
	if _, ok := e.srv.CacheRules(DefaultZoneID); ok {
		t.Fatal("dry run created the ruleset")
	}
	res = e.call(http.MethodPut, entrypoint+"?dry_run=true", testToken, map[string]any{"rules": []any{rule("a", "")}})
	if res.Status != 400 || res.pointer() != "/rules/0/expression" {
		t.Fatalf("dry run validation: %d %s", res.Status, res.Body)
	}
}

func TestUnknownActionParametersSurvive(t *testing.T) {
	e := newEnv(t, nil)
	params := `{"cache":true,"vary":{"default":{"action":"normalize"},"headers":{"accept":{"action":"passthrough"}}},"future_field":[1,2]}`
	body := `{"rules":[{"ref":"v","action":"set_cache_settings","expression":"true","action_parameters":` + params + `}]}`
	if res := e.call(http.MethodPut, entrypoint, testToken, body); res.Status != 200 {
		t.Fatalf("PUT: %d %s", res.Status, res.Body)
	}
	var got Ruleset
	e.call(http.MethodGet, entrypoint, testToken, nil).result(t, &got)
	if string(got.Rules[0].ActionParameters) != params {
		t.Errorf("action_parameters\n got %s\nwant %s", got.Rules[0].ActionParameters, params)
	}
}

func TestEntrypointValidation(t *testing.T) {
	tooMany := make([]any, 11)
	for i := range tooMany {
		tooMany[i] = rule("r"+strings.Repeat("x", i), "true")
	}
	withParams := func(p string) string {
		return `{"rules":[{"action":"set_cache_settings","expression":"true","action_parameters":` + p + `}]}`
	}
	cases := []struct {
		name    string
		plan    limits.Plan
		body    any
		pointer string
	}{
		{"ok", limits.Free, map[string]any{"rules": []any{rule("a", "true")}}, ""},
		{"rules missing", limits.Free, `{"name":"x"}`, "/rules"},
		{"rules not array", limits.Free, `{"rules":{}}`, "/rules"},
		{"wrong action", limits.Free, `{"rules":[{"action":"block","expression":"true"}]}`, "/rules/0/action"},
		{"no action", limits.Free, `{"rules":[{"expression":"true"}]}`, "/rules/0/action"},
		{"empty expression", limits.Free, `{"rules":[{"action":"set_cache_settings","expression":" "}]}`, "/rules/0/expression"},
		{"expression too long", limits.Free, map[string]any{"rules": []any{rule("a", "true"), rule("b", strings.Repeat("a", 4097))}}, "/rules/1/expression"},
		{"expression type", limits.Free, `{"rules":[{"action":"set_cache_settings","expression":42}]}`, "/rules/0/expression"},
		{"too many rules for free", limits.Free, map[string]any{"rules": tooMany}, "/rules"},
		{"eleven rules fine on pro", limits.Pro, map[string]any{"rules": tooMany}, ""},
		{"duplicate refs", limits.Free, map[string]any{"rules": []any{rule("a", "true"), rule("a", "true")}}, "/rules/1/ref"},
		{"unknown rule id", limits.Free, `{"rules":[{"id":"` + strings.Repeat("f", 32) + `","action":"set_cache_settings","expression":"true"}]}`, "/rules/0/id"},
		{"wrong kind", limits.Free, `{"kind":"managed","rules":[]}`, "/kind"},
		{"wrong phase", limits.Free, `{"phase":"http_request_firewall_custom","rules":[]}`, "/phase"},
		{"regex on free", limits.Free, map[string]any{"rules": []any{rule("a", `http.request.uri.path matches "^/a"`)}}, "/rules/0/expression"},
		{"regex tilde on pro", limits.Pro, map[string]any{"rules": []any{rule("a", `http.request.uri.path ~ "^/a"`)}}, "/rules/0/expression"},
		{"regex on business", limits.Business, map[string]any{"rules": []any{rule("a", `http.request.uri.path matches "^/a"`)}}, ""},
		{"matches inside a string is not regex", limits.Free, map[string]any{"rules": []any{rule("a", `http.host eq "matches.example.com" or http.request.uri.path eq r#"~"#`)}}, ""},
		{"edge ttl under free minimum", limits.Free, withParams(`{"edge_ttl":{"mode":"override_origin","default":60}}`), "/rules/0/action_parameters/edge_ttl/default"},
		{"edge ttl fine on business", limits.Business, withParams(`{"edge_ttl":{"mode":"override_origin","default":60}}`), ""},
		{"status code ttl on pro", limits.Pro, withParams(`{"edge_ttl":{"mode":"respect_origin","status_code_ttl":[{"status_code":404,"value":60}]}}`), "/rules/0/action_parameters/edge_ttl/status_code_ttl"},
		{"browser ttl default without override", limits.Free, withParams(`{"browser_ttl":{"mode":"respect_origin","default":60}}`), "/rules/0/action_parameters/browser_ttl/default"},
		{"custom key header on business", limits.Business, withParams(`{"cache_key":{"custom_key":{"header":{"include":["x-a"]}}}}`), "/rules/0/action_parameters/cache_key/custom_key/header"},
		{"query string list on pro", limits.Pro, withParams(`{"cache_key":{"custom_key":{"query_string":{"include":{"list":["a"]}}}}}`), "/rules/0/action_parameters/cache_key/custom_key/query_string"},
		{"ignore query string on free", limits.Free, withParams(`{"cache_key":{"ignore_query_strings_order":true,"custom_key":{"query_string":{"exclude":{"all":true}}}}}`), ""},
		{"custom key header on enterprise", limits.Enterprise, withParams(`{"cache_key":{"custom_key":{"header":{"include":["x-a"]}}}}`), ""},
		{"action parameters not object", limits.Free, withParams(`[1]`), "/rules/0/action_parameters"},
		{"ttl of wrong type", limits.Free, withParams(`{"edge_ttl":{"mode":"override_origin","default":"1h"}}`), "/rules/0/action_parameters/edge_ttl/default"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Zones[0].Plan = tc.plan })
			res := e.call(http.MethodPut, entrypoint, testToken, tc.body)
			if tc.pointer == "" {
				if res.Status != 200 {
					t.Fatalf("want success: %d %s", res.Status, res.Body)
				}
				return
			}
			if res.Status != 400 || res.pointer() != tc.pointer {
				t.Fatalf("got %d pointer %q, want 400 %q: %s", res.Status, res.pointer(), tc.pointer, res.Body)
			}
			if _, ok := e.srv.CacheRules(DefaultZoneID); ok {
				t.Error("rejected PUT stored a ruleset")
			}
		})
	}
}

func TestEditCacheRulesOutOfBand(t *testing.T) {
	e := newEnv(t, nil)
	if res := e.putRules(rule("a", "true")); res.Status != 200 {
		t.Fatal(res.Status)
	}
	rs, err := e.srv.EditCacheRules("example.com", func(rules []Rule) []Rule {
		rules[0].Expression = `http.host eq "example.com"`
		return append(rules, Rule{Ref: "dashboard", Action: "set_cache_settings", Expression: "true", Enabled: true,
			ActionParameters: json.RawMessage(`{"cache":false}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got Ruleset
	e.call(http.MethodGet, entrypoint, testToken, nil).result(t, &got)
	if got.Version != "2" || rs.Version != "2" || len(got.Rules) != 2 || got.Rules[0].Expression != `http.host eq "example.com"` ||
		got.Rules[0].Version != "2" || got.Rules[1].Ref != "dashboard" {
		t.Errorf("after edit: %+v", got)
	}
	if _, err := e.srv.EditCacheRules("example.com", func([]Rule) []Rule {
		return []Rule{{Action: "log", Expression: "true"}}
	}); err == nil || !strings.Contains(err.Error(), "/rules/0/action") {
		t.Errorf("invalid edit: %v", err)
	}
}
