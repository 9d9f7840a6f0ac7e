package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestLintWarnings checks each lint: files that are valid but suspicious.
func TestLintWarnings(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"overridden by a later catch-all", `rules:
  - ref: images
    expression: http.request.uri.path.extension in {"jpg" "png"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 86400}
  - ref: everything
    expression: "true"
    action_parameters:
      edge_ttl: {mode: respect_origin}
`, []string{`cache.yaml:6: rules[0].action_parameters.edge_ttl: warning: always overridden by rules[1] "everything" (line 7), which matches every request and comes later`}},
		{"overridden by the same expression", `rules:
  - ref: a
    expression: (http.host eq "a.example.com")
    action_parameters:
      cache_key: {cache_by_device_type: true, cache_deception_armor: true}
  - ref: b
    expression: http.host eq "a.example.com"
    action_parameters:
      cache_key: {cache_by_device_type: false}
`, []string{`cache.yaml:5: rules[0].action_parameters.cache_key.cache_by_device_type: warning: always overridden by rules[1] "b" (line 6), which has the same expression and comes later`}},
		{"later rule disabled does not override", `rules:
  - ref: a
    expression: ssl
    action_parameters: {cache: true}
  - ref: b
    expression: "true"
    enabled: false
    action_parameters: {cache: false}
`, nil},
		{"cache false with ttls", `rules:
  - ref: api
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters:
      cache: false
      edge_ttl: {mode: override_origin, default: 60}
      browser_ttl: {mode: bypass}
`, []string{
			"cache.yaml:6: rules[0].action_parameters.edge_ttl: warning: cache is false, so matching responses are never cached and edge_ttl has no effect"}},
		{"restricted header values that overlap or never match", `rules:
  - ref: a
    expression: ssl
    action_parameters:
      cache_key:
        custom_key:
          header:
            contains:
              accept-language: [en, en-GB]
              accept-encoding: [GZIP]
`, []string{
			`cache.yaml:9: rules[0].action_parameters.cache_key.custom_key.header.contains.accept-language[0]: warning: "en" is part of "en-GB": accept-language values match as case-sensitive substrings, so every request matching [1] also matches this one`,
			`cache.yaml:10: rules[0].action_parameters.cache_key.custom_key.header.contains.accept-encoding[0]: warning: "GZIP" has upper-case letters: accept-encoding values match as case-sensitive substrings and browsers send accept-encoding in lower case, so this never matches`}},
		{"edge default without override", `rules:
  - ref: a
    expression: ssl
    action_parameters:
      edge_ttl:
        mode: respect_origin
        default: 60
`, []string{"cache.yaml:7: rules[0].action_parameters.edge_ttl.default: warning: default is ignored unless mode is override_origin (mode is respect_origin)"}},
		{"disabled duplicate", `rules:
  - ref: a
    expression: http.host eq "a.example.com"
    action_parameters: {cache: true, edge_ttl: {mode: override_origin, default: 3600}}
  - ref: a-old
    expression: (http.host eq "a.example.com")
    enabled: false
    action_parameters:
      edge_ttl: {default: 3600, mode: override_origin}
      cache: true
`, []string{`cache.yaml:7: rules[1]: warning: disabled and identical to enabled rules[0] "a" (line 2); delete one`}},
		{"overlapping status codes", `rules:
  - ref: a
    expression: "true"
    action_parameters:
      edge_ttl:
        mode: respect_origin
        status_code_ttl:
          - status_code_range: {from: 400, to: 499}
            value: 60
          - status_code: 404
            value: 0
`, []string{"cache.yaml:10: rules[0].action_parameters.edge_ttl.status_code_ttl[1]: warning: overlaps status_code_ttl[0]: which TTL applies is unclear"}},
		{"expression traps", `rules:
  - ref: a
    expression: http.request.uri.path.extension in {"CSS" "js"} or http.request.cookies["wp_logged_in_*"][0] eq "1"
    action_parameters: {cache: true}
`, []string{
			`cache.yaml:3:53: rules[0].expression: warning: http.request.uri.path.extension is lower-case, so "CSS" never matches; write "css"`,
			`cache.yaml:3:89: rules[0].expression: warning: the * in cookie name "wp_logged_in_*" is literal, not a wildcard, so this never matches the cookies it looks like it should`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := Check("cache.yaml", []byte(tc.src), Options{})
			if probs.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", probs.Errors())
			}
			var got []string
			for _, p := range probs.Warnings() {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("warnings:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
	}
}

// TestNormExprShortcut holds normExpr's shortcut for single-spaced text to
// what splitting and joining the words gives.
func TestNormExprShortcut(t *testing.T) {
	for _, e := range []string{"", " ", "a", "a b", "a  b", " a", "a ", "a\tb", "a\nb", "a\u00a0b", "a\u0085b",
		"a\u2003b", "é b", "\xff b", "a\xe2\x80", "a\vb", "a\fb", "a\rb", "a\x1fb", "\u00a0", "(a)", "( a )", "(a) ", "true", " (true) ", `http.host eq "a  b"`} {
		if got, want := normExpr(e), refNormExpr(e); got != want {
			t.Errorf("normExpr(%q) = %q, want %q", e, got, want)
		}
	}
}

func refNormExpr(e string) string {
	e = strings.Join(strings.Fields(e), " ")
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") && balancedInside(e[1:len(e)-1]) {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	return e
}

// TestSettings lists settings in file order, cache_key and custom_key split
// into their parts, known and unknown keys alike.
func TestSettings(t *testing.T) {
	f, probs := Parse("s.yaml", []byte(`rules:
  - ref: a
    expression: "true"
    action_parameters:
      edge_ttl: {mode: respect_origin}
      cache_key:
        cache_deception_armor: true
        future_part: 1
        custom_key:
          header: {include: [x-a]}
          future_key: {}
          query_string: {exclude: {all: true}}
        ignore_query_strings_order: true
      cache: true
  - ref: b
    expression: "true"
    action_parameters: {}
  - ref: c
    expression: "true"
    action_parameters: {cache_key: {}}
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var got []string
	for _, s := range f.Rules[0].Settings() {
		got = append(got, fmt.Sprintf("%s@%d:%d", s.Path, s.pos.Line, s.pos.Col))
	}
	want := []string{"edge_ttl@5:7", "cache_key.cache_deception_armor@7:9", "cache_key.future_part@8:9",
		"cache_key.custom_key.header@10:11", "cache_key.custom_key.future_key@11:11",
		"cache_key.custom_key.query_string@12:11", "cache_key.ignore_query_strings_order@13:9", "cache@14:7"}
	if !slices.Equal(got, want) {
		t.Errorf("Settings() = %q, want %q", got, want)
	}
	for _, r := range f.Rules[1:] {
		if s := r.Settings(); s != nil {
			t.Errorf("%s: Settings() = %v, want nil", r.Ref, s)
		}
	}
}
