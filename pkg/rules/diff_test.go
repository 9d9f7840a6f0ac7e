package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/rules/... -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// markerStyler wraps lines in visible markers so the golden files show which
// style each line got, standing in for lipgloss colours.
type markerStyler struct{}

func (markerStyler) Added(s string) string   { return "[green]" + s + "[/]" }
func (markerStyler) Removed(s string) string { return "[red]" + s + "[/]" }
func (markerStyler) Changed(s string) string { return "[yellow]" + s + "[/]" }
func (markerStyler) Moved(s string) string   { return "[cyan]" + s + "[/]" }

func mustParse(t testing.TB, name, src string) []*Rule {
	t.Helper()
	f, probs := Check(name, []byte(src), Options{})
	if probs.HasErrors() {
		t.Fatalf("%s:\n%s", name, probs.Errors())
	}
	return f.Rules
}

const baseRules = `rules:
  - ref: static-assets
    description: Static assets for a week
    expression: http.request.uri.path.extension in {"css" "js" "woff2"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 604800}
  - ref: images
    description: Images for a month
    expression: http.request.uri.path.extension in {"jpg" "png" "webp"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 2592000}
      browser_ttl: {mode: override_origin, default: 86400}
  - ref: api-bypass
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: html-device
    expression: http.request.uri.path.extension eq ""
    action_parameters:
      cache: true
      cache_key:
        cache_by_device_type: true
        custom_key:
          header: {include: [x-tier]}
`

// edit applies string replacements to baseRules, failing if one misses.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("edit: %q not found", pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

func TestDiffGolden(t *testing.T) {
	imagesBlock := `  - ref: images
    description: Images for a month
    expression: http.request.uri.path.extension in {"jpg" "png" "webp"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 2592000}
      browser_ttl: {mode: override_origin, default: 86400}
`
	added := `  - ref: fonts
    description: Fonts for a year
    expression: http.request.uri.path.extension in {"woff" "woff2"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 31536000}
      cache_key: {ignore_query_strings_order: true}
`
	cases := []struct{ name, new string }{
		{"no_changes", baseRules},
		{"add", baseRules + added},
		{"remove", edit(t, baseRules, imagesBlock, "")},
		{"change", edit(t, baseRules,
			"default: 2592000", "default: 7776000",
			"description: Images for a month", "description: Images for three months",
			"browser_ttl: {mode: override_origin, default: 86400}", "browser_ttl: {mode: respect_origin}\n      serve_stale: {disable_stale_while_updating: true}",
			"action_parameters: {cache: false}", "enabled: false\n    action_parameters: {cache: false}",
			"include: [x-tier]", "include: [x-tier, x-region]")},
		{"move", edit(t, baseRules, imagesBlock, "") + imagesBlock},
		{"combined", `rules:
  - ref: fonts
    description: Fonts for a year
    expression: http.request.uri.path.extension in {"woff" "woff2"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 31536000}
  - ref: html-device
    expression: http.request.uri.path.extension eq ""
    action_parameters:
      cache: true
      cache_key:
        cache_by_device_type: true
  - ref: static-assets
    description: Static assets for a week
    expression: http.request.uri.path.extension in {"css" "js" "woff2"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 604800}
  - ref: api-bypass
    expression: |
      starts_with(http.request.uri.path, "/api/")
      or starts_with(http.request.uri.path, "/graphql")
    action_parameters: {cache: false}
  - ref: errors
    expression: "true"
    action_parameters:
      edge_ttl:
        mode: respect_origin
        status_code_ttl:
          - status_code_range: {from: 500}
            value: -1
`},
	}
	old := mustParse(t, "old.yaml", baseRules)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Compute(old, mustParse(t, "new.yaml", tc.new))
			if d.HasChanges() != (tc.name != "no_changes") {
				t.Errorf("HasChanges = %v", d.HasChanges())
			}
			plain := d.Text(nil)
			if strings.Contains(plain, "\x1b[") {
				t.Error("plain text contains ANSI escapes")
			}
			golden(t, "diff_"+tc.name+".txt", []byte(plain))
			golden(t, "diff_"+tc.name+".styled", []byte(d.Text(markerStyler{})))
			js, err := d.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "diff_"+tc.name+".json", js)
		})
	}
}

// TestDiffFromAPI: the same rules read from an API response (ids, versions,
// timestamps, another key order, defaults spelt out) show no changes.
func TestDiffFromAPI(t *testing.T) {
	api := `{"success": true, "errors": [], "messages": [], "result": {
  "id": "2f2feab2026849078ba485f918791bdc", "name": "default", "kind": "zone",
  "phase": "http_request_cache_settings", "version": "7", "last_updated": "2026-05-01T10:00:00Z",
  "rules": [
    {"id": "aa11", "version": "3", "ref": "static-assets", "last_updated": "2026-05-01T10:00:00Z",
     "enabled": true, "action": "set_cache_settings", "description": "Static assets for a week",
     "expression": "http.request.uri.path.extension in {\"css\" \"js\" \"woff2\"}",
     "action_parameters": {"edge_ttl": {"default": 604800, "mode": "override_origin"}, "cache": true}},
    {"id": "bb22", "version": "1", "ref": "images", "enabled": true, "action": "set_cache_settings",
     "description": "Images for a month",
     "expression": "http.request.uri.path.extension in {\"jpg\" \"png\" \"webp\"}",
     "action_parameters": {"browser_ttl": {"mode": "override_origin", "default": 86400}, "cache": true,
       "edge_ttl": {"mode": "override_origin", "default": 2592000}}},
    {"id": "cc33", "version": "1", "ref": "api-bypass", "enabled": true, "action": "set_cache_settings",
     "expression": "starts_with(http.request.uri.path, \"/api/\")", "description": "",
     "action_parameters": {"cache": false}, "categories": []},
    {"id": "dd44", "version": "1", "ref": "html-device", "enabled": true, "action": "set_cache_settings",
     "expression": "http.request.uri.path.extension eq \"\"",
     "action_parameters": {"cache_key": {"custom_key": {"header": {"include": ["x-tier"]}}, "cache_by_device_type": true}, "cache": true}}
  ]}}`
	rs, err := ParseRuleset([]byte(api))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Version != "7" || rs.Phase != PhaseRequest || len(rs.Rules) != 4 || rs.Rules[1].ID != "bb22" {
		t.Fatalf("ruleset = %+v", rs)
	}
	d := Compute(rs.Rules, mustParse(t, "file.yaml", baseRules))
	if d.HasChanges() {
		t.Errorf("API rules and file differ:\n%s", d.Text(nil))
	}
	if got := len(d.Unchanged); got != 4 {
		t.Errorf("unchanged = %d, want 4", got)
	}
}

func TestMovesAreMinimal(t *testing.T) {
	mk := func(refs ...string) []*Rule {
		var out []*Rule
		for _, r := range refs {
			out = append(out, &Rule{Ref: r, Expression: "true", Action: ActionSetCacheSettings, Enabled: true, Params: mustParse(t, "p.yaml", "rules: [{ref: x, expression: 'true', action_parameters: {cache: true}}]")[0].Params})
		}
		return out
	}
	d := Compute(mk("a", "b", "c", "d", "e"), mk("e", "a", "b", "c", "d"))
	if d.Summary.Move != 1 || d.Rules[0].Ref != "e" || d.Rules[0].Action != Move {
		t.Errorf("moving the last rule first should be one move, got %s", d.Text(nil))
	}
	d = Compute(mk("a", "b", "c"), mk("c", "b", "a"))
	if d.Summary.Move != 2 {
		t.Errorf("reversing three rules should be two moves, got %s", d.Text(nil))
	}
}
