package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const richRules = `rules:
  - ref: everything
    description: 'Default: cache with device type'
    expression: "true"
    action_parameters:
      cache_key:
        cache_deception_armor: true
        cache_by_device_type: true
      cache: true
  - ref: multi-line
    enabled: false
    expression: |
      (http.host eq "a.example.com" and ssl)
      or http.request.uri.query contains "v=2"
    action_parameters:
      edge_ttl:
        status_code_ttl:
          - {status_code: 404, value: 0}
          - status_code_range: {from: 500, to: 599}
            value: -1
        mode: respect_origin
      cache_key:
        custom_key:
          query_string: {exclude: {list: [utm_source, "true", "123"]}}
          header:
            contains: {accept-language: [en, de], accept-encoding: [br, zstd]}
            exclude_origin: true
          user: {lang: true}
      vary:
        headers:
          accept: {action: normalize, media_types: [image/webp, image/avif]}
        default: {action: passthrough}
      read_timeout: 900
      future_setting: {nested: [1, 2.5, null]}
`

// TestRoundTrip: export, parse the export, and diff against the original
// shows no changes, in both formats; exporting again gives identical bytes.
func TestRoundTrip(t *testing.T) {
	f, probs := Parse("rich.yaml", []byte(richRules))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	for _, format := range []Format{YAML, JSON} {
		t.Run(string(format), func(t *testing.T) {
			out, err := Export(f.Rules, format)
			if err != nil {
				t.Fatal(err)
			}
			back, probs := Parse("export."+string(format), out)
			if probs.HasErrors() {
				t.Fatalf("export does not parse:\n%s\n%s", probs, out)
			}
			if d := Compute(f.Rules, back.Rules); d.HasChanges() {
				t.Errorf("round trip changed rules:\n%s\n%s", d.Text(nil), out)
			}
			again, _ := Export(back.Rules, format)
			if string(again) != string(out) {
				t.Errorf("second export differs:\n%s\n---\n%s", out, again)
			}
			if strings.Contains(string(out), "future_setting") == false {
				t.Error("unknown setting was dropped")
			}
		})
	}
	yml, _ := Export(f.Rules, YAML)
	golden(t, "export.yaml", yml)
}

// TestExportFromAPI: ref falls back to the id, read-only fields are left
// out, and the PUT body carries refs (and ids once attached).
func TestExportFromAPI(t *testing.T) {
	rs, err := ParseRuleset([]byte(`{"id": "rs1", "version": "4", "rules": [
	  {"id": "0123abcd", "version": "2", "last_updated": "2026-01-01T00:00:00Z", "action": "set_cache_settings",
	   "expression": "true", "action_parameters": {"cache": true}, "enabled": true, "logging": {"enabled": true}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Rules[0]
	if r.Ref != "0123abcd" || !r.RefFromID {
		t.Fatalf("ref = %q, from id %v", r.Ref, r.RefFromID)
	}
	out, _ := Export(rs.Rules, YAML)
	want := "rules:\n  - ref: 0123abcd\n    expression: \"true\"\n    action: set_cache_settings\n    action_parameters:\n      cache: true\n    enabled: true\n"
	if string(out) != want {
		t.Errorf("export:\n%s\nwant:\n%s", out, want)
	}
	for _, bad := range []string{"version", "last_updated", "id:"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("export contains read-only %q", bad)
		}
	}
	local := mustParse(t, "f.yaml", string(out))
	if n := AttachIDs(local, rs.Rules); n != 1 {
		t.Errorf("AttachIDs matched %d", n)
	}
	body := PutBody(local)
	var decoded map[string][]map[string]any
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatal(err)
	}
	got := decoded["rules"][0]
	if got["ref"] != "0123abcd" || got["id"] != "0123abcd" || got["version"] != nil {
		t.Errorf("PUT body rule = %v", got)
	}
}

// TestExpressionPositions maps columns through each way of writing a string.
func TestExpressionPositions(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"plain", "expression: http.hots eq \"a\"", "3:17"},
		{"single quoted with escape", `expression: 'http.host eq "it''s" and http.hots eq "b"'`, "3:43"},
		{"double quoted unicode", "expression: \"http.host eq \\\"é\\u00e9\\\" and http.hots eq \\\"b\\\"\"", "3:47"},
		{"folded", "expression: >\n      http.host eq \"a\"\n      and http.hots eq \"b\"", "5:11"},
		{"literal with blank line", "expression: |\n      http.host eq \"a\"\n\n      or http.hots eq \"b\"", "6:10"},
		{"plain multi-line", "expression: http.host eq \"a\"\n      and http.hots eq \"b\"", "4:11"},
		{"double quoted multi-line", "expression: \"http.host eq \\\"a\\\"\n      and http.hots eq \\\"b\\\"\"", "4:11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "rules:\n  - ref: a\n    " + tc.expr + "\n    action_parameters: {cache: true}\n"
			_, probs := Check("p.yaml", []byte(src), Options{})
			errs := probs.Errors()
			if len(errs) != 1 {
				t.Fatalf("want one problem, got:\n%s\n%s", probs, src)
			}
			if got := fmt.Sprintf("%d:%d", errs[0].Line, errs[0].Col); got != tc.want {
				t.Errorf("position %s, want %s (%s)\n%s", got, tc.want, errs[0], src)
			}
		})
	}
}

func TestSettingsSummary(t *testing.T) {
	f, _ := Parse("s.yaml", []byte(richRules+`  - ref: html
    expression: ssl
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 86400}
      browser_ttl: {mode: respect_origin}
      cache_key: {cache_by_device_type: true}
`))
	rules := f.Rules
	if got, want := rules[2].SettingsSummary(), "cache · edge 1d (override) · browser respect · key: device"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got, want := rules[1].SettingsSummary(), "edge respect +2 status TTLs · key: query, header, user · read timeout 900s · vary · future setting"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
