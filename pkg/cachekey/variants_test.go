package cachekey

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
)

// variantSummary renders variants compactly: dimension[:name][=values]
// [?presence] @ref [cond], in order.
func variantSummary(u URLVariants) string {
	var parts []string
	for _, v := range u.Variants {
		s := string(v.Dimension)
		if v.Name != "" {
			s += ":" + v.Name
		}
		if v.Values != nil {
			s += "=" + strings.Join(v.Values, "/")
		}
		if v.Presence {
			s += "?presence"
		}
		if !v.Purgeable {
			s += "!unpurgeable"
		}
		s += "@" + v.Ref
		if v.Conditional {
			s += " cond"
		}
		parts = append(parts, s)
	}
	if u.Bypassed {
		parts = append(parts, "BYPASSED")
	}
	return strings.Join(parts, ", ")
}

const variantRules = `rules:
  - ref: html-device
    expression: http.request.uri.path.extension eq ""
    action_parameters: {cache: true, cache_key: {cache_by_device_type: true}}
  - ref: shop-geo
    expression: starts_with(http.request.uri.path, "/shop/")
    action_parameters: {cache_key: {custom_key: {user: {geo: true, lang: true}}}}
  - ref: app-header
    expression: starts_with(http.request.uri.path, "/app/") and any(http.request.headers["x-app"][*] eq "ios")
    action_parameters:
      cache_key:
        custom_key:
          header: {include: [X-Tier], check_presence: [x-beta], contains: {accept-encoding: [br, zstd]}}
          cookie: {include: [currency], check_presence: [session]}
  - ref: no-device-on-amp
    expression: ends_with(http.request.uri.path, "/amp")
    action_parameters: {cache_key: {cache_by_device_type: false}}
  - ref: logged-in-no-device
    expression: http.cookie contains "wp-" and starts_with(http.request.uri.path, "/blog/")
    action_parameters: {cache_key: {cache_by_device_type: false}}
  - ref: api-bypass
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: admin-bypass-for-staff
    expression: starts_with(http.request.uri.path, "/admin/") and ip.src in {10.0.0.0/8}
    action_parameters: {cache: false}
  - ref: disabled-geo
    enabled: false
    expression: "true"
    action_parameters: {cache_key: {custom_key: {user: {geo: true}}}}
`

func TestVariants(t *testing.T) {
	s := stackOf(t, variantRules)
	for _, c := range []struct {
		url, want string
		notes     []string // substrings expected in the notes
	}{
		{url: "https://example.com/style.css", want: ""},
		{url: "https://example.com/about", want: "device=mobile/desktop/tablet@html-device"},
		{url: "https://example.com/shop/shoes",
			want: "device=mobile/desktop/tablet@html-device, country@shop-geo, lang@shop-geo"},
		// URL-only rule that certainly matches overrides the earlier one.
		{url: "https://example.com/news/amp", want: ""},
		// A conditional override keeps the earlier value possible.
		{url: "https://example.com/blog/post",
			want:  "device=mobile/desktop/tablet@html-device cond",
			notes: []string{"rule logged-in-no-device reads header cookie"}},
		// Header-conditional rule on its path: assumed to match.
		{url: "https://example.com/app/home",
			want: "device=mobile/desktop/tablet@html-device, header:x-tier@app-header cond, header:x-beta?presence@app-header cond, " +
				"header:accept-encoding=br/zstd@app-header cond, cookie:currency@app-header cond, cookie:session?presence@app-header cond",
			notes: []string{"rule app-header reads header x-app, so a URL alone cannot decide it: assumed to match"}},
		// Its URL part is false: the header cannot make it match.
		{url: "https://example.com/other/x.js", want: ""},
		{url: "https://example.com/api/users", want: "BYPASSED", notes: []string{"rule api-bypass sets cache to false"}},
		// A bypass that depends on the client IP may not apply: keep the variants.
		{url: "https://example.com/admin/", want: "device=mobile/desktop/tablet@html-device",
			notes: []string{"rule admin-bypass-for-staff reads client address"}},
	} {
		t.Run(c.url, func(t *testing.T) {
			got, err := s.Variants(c.url)
			if err != nil {
				t.Fatal(err)
			}
			if g := variantSummary(got); g != c.want {
				t.Errorf("variants\n got %s\nwant %s", g, c.want)
			}
			notes := strings.Join(got.Notes, "\n")
			for _, n := range c.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
			if strings.Contains(notes, "disabled-geo") {
				t.Errorf("a disabled rule was considered: %s", notes)
			}
		})
	}
	if _, err := s.Variants("/relative"); err == nil {
		t.Error("a relative URL was accepted")
	}
}

// A rule whose expression does not parse may match anything, and makes the
// value it overrides uncertain.
func TestVariantsUnparsableRule(t *testing.T) {
	s := stackOf(t, `rules:
  - ref: geo
    expression: "true"
    action_parameters: {cache_key: {custom_key: {user: {geo: true}}}}
  - ref: broken
    expression: starts_with(http.request.uri.path, "/broken/"
    action_parameters: {cache_key: {custom_key: {user: {device_type: true}}}}
`)
	got, err := s.Variants("https://example.com/x.png")
	if err != nil {
		t.Fatal(err)
	}
	if g, want := variantSummary(got), "country@geo cond, device=mobile/desktop/tablet@broken cond"; g != want {
		t.Errorf("got %s, want %s", g, want)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "rule broken does not parse") {
		t.Errorf("notes %v", got.Notes)
	}
}

func TestPartialEval(t *testing.T) {
	for _, c := range []struct {
		expr string
		want truth
	}{
		{`http.host eq "example.com"`, tTrue},
		{`http.host eq "other.com"`, tFalse},
		{`http.cookie contains "x"`, tUnknown},
		{`not http.cookie contains "x"`, tUnknown},
		{`http.cookie contains "x" or http.host eq "example.com"`, tTrue},
		{`http.cookie contains "x" and http.host eq "other.com"`, tFalse},
		{`http.cookie contains "x" xor http.host eq "example.com"`, tUnknown},
		{`http.host eq "example.com" xor ssl`, tFalse},
		{`(http.request.method eq "GET")`, tUnknown},
		{`http.host in $hosts`, tUnknown},
	} {
		s := stackOf(t, "rules:\n  - ref: r\n    expression: '"+c.expr+"'\n    action_parameters: {cache: true}\n")
		env := mustEnv(t, "https://example.com/")
		if got := partialEval(env, s.rules[0].expr); got != c.want {
			t.Errorf("%s: %d, want %d", c.expr, got, c.want)
		}
	}
}

func mustEnv(t *testing.T, url string) *expr.Env {
	t.Helper()
	env, err := expr.NewEnv(expr.Request{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return env
}
