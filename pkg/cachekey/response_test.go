package cachekey

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

func parseRules(t *testing.T, src string) []*rules.Rule {
	t.Helper()
	f, probs := rules.Parse("r.yaml", []byte(src))
	if probs.HasErrors() {
		t.Fatalf("%v", probs)
	}
	return f.Rules
}

const responseRules = `phase: response
rules:
  - ref: html-cc
    expression: http.response.content_type.media_type eq "text/html"
    action: set_cache_control
    action_parameters:
      s-maxage: {operation: set, value: 300, cloudflare_only: true}
      max-age: {operation: set, value: 0}
      private: {operation: remove}
      no-cache: {operation: set, qualifiers: [Set-Cookie]}
  - ref: tag-blog
    expression: starts_with(http.request.uri.path, "/blog/")
    action: set_cache_tags
    action_parameters: {operation: add, values: [blog, news]}
  - ref: tag-path
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, expression: 'concat("p-", substring(http.request.uri.path, 6))'}
  - ref: tag-edge
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, expression: 'cf.bot_management.ja3_hash'}
  - ref: untag-errors
    expression: http.response.code ge 400
    action: set_cache_tags
    action_parameters: {operation: remove, values: [news]}
  - ref: strip
    expression: http.response.code eq 404
    action: set_cache_settings
    action_parameters: {strip_etags: true, strip_set_cookie: true}
  - ref: unstrip
    expression: http.response.code eq 200
    action: set_cache_settings
    action_parameters: {strip_etags: false}
`

// The origin's Cache-Control and Cache-Tag are the starting point; matching
// rules apply in order; cloudflare_only directives stay at the edge; the
// later rule wins per strip switch; a response rule overrides a Cache Rule's
// edge_ttl, browser_ttl and origin_cache_control, and CDN-Cache-Control.
func TestResponseEvaluate(t *testing.T) {
	s := CompileResponse(parseRules(t, responseRules))
	request := Compile(parseRules(t, `rules:
  - ref: long
    expression: "true"
    action_parameters:
      cache: true
      origin_cache_control: false
      strip_etags: true
      edge_ttl: {mode: override_origin, default: 86400}
      browser_ttl: {mode: override_origin, default: 3600}
`))
	req := expr.Request{URL: "https://www.example.com/blog/post"}
	ev, err := request.Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	resp := expr.Response{Code: 404, Headers: []expr.Header{
		{Name: "Content-Type", Value: "text/html; charset=utf-8"},
		{Name: "Cache-Control", Value: `public, private, max-age=60, community="UCI"`},
		{Name: "CDN-Cache-Control", Value: "max-age=600"},
		{Name: "Cache-Tag", Value: "origin-a, news"},
	}}
	res, err := s.Evaluate(req, resp, ev.Effective)
	if err != nil {
		t.Fatal(err)
	}
	var status []string
	for _, r := range res.Rules {
		status = append(status, r.Ref+"="+string(r.Status))
	}
	if got := strings.Join(status, " "); got != "html-cc=matched tag-blog=matched tag-path=matched tag-edge=matched untag-errors=matched strip=matched unstrip=not_matched" {
		t.Errorf("rules: %s", got)
	}
	if res.CacheControl != `public, max-age=0, community="UCI", s-maxage=300, no-cache="Set-Cookie"` {
		t.Errorf("edge Cache-Control %q", res.CacheControl)
	}
	if res.Downstream != `public, max-age=0, community="UCI", no-cache="Set-Cookie"` {
		t.Errorf("downstream Cache-Control %q", res.Downstream)
	}
	if want := []string{"origin-a", "blog", "p-post"}; !reflect.DeepEqual(res.CacheTags, want) {
		t.Errorf("tags %v, want %v", res.CacheTags, want)
	}
	if !reflect.DeepEqual(res.TagsAtEdge, []string{"tag-edge"}) {
		t.Errorf("tags at the edge %v", res.TagsAtEdge)
	}
	if !reflect.DeepEqual(res.Stripped, []string{"ETag", "Set-Cookie"}) || res.SetBy["stripped.ETag"] != "strip" {
		t.Errorf("stripped %v set by %v", res.Stripped, res.SetBy)
	}
	for path, ref := range map[string]string{"cache_control.s-maxage": "html-cc", "cache_control.private": "html-cc",
		"cache_tags.blog": "tag-blog", "cache_tags.p-post": "tag-path", "cache_tags": "untag-errors"} {
		if res.SetBy[path] != ref {
			t.Errorf("set_by[%s] = %q, want %q", path, res.SetBy[path], ref)
		}
	}
	var over []string
	for _, o := range res.Overrides {
		over = append(over, o.Setting+":"+o.RequestRef+">"+o.ResponseRef)
	}
	if got := strings.Join(over, " "); got != "strip_etags:long>strip origin_cache_control:long>html-cc edge_ttl:long>html-cc browser_ttl:long>html-cc CDN-Cache-Control:>html-cc" {
		t.Errorf("overrides: %s", got)
	}

	// A 200: the later rule turns strip_etags back off, so neither the
	// response rule nor the Cache Rule strips ETag.
	resp.Code = 200
	res, _ = s.Evaluate(req, resp, ev.Effective)
	if len(res.Stripped) != 0 || res.SetBy["stripped.ETag"] != "unstrip" {
		t.Errorf("200: stripped %v set by %q", res.Stripped, res.SetBy["stripped.ETag"])
	}
	if !strings.Contains(res.Rules[4].Reason, "http.response.code is 200") {
		t.Errorf("reason %q", res.Rules[4].Reason)
	}
}

// With no response rule matching, nothing is overridden and the origin's
// headers pass through.
func TestResponseNoMatch(t *testing.T) {
	s := CompileResponse(parseRules(t, responseRules))
	req := expr.Request{URL: "https://www.example.com/app.css"}
	res, err := s.Evaluate(req, expr.Response{Code: 200, Headers: []expr.Header{{Name: "Cache-Control", Value: "max-age=60"}}},
		Effective{Settings: rules.NewObject(), SetBy: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.CacheControl != "max-age=60" || res.Downstream != "max-age=60" || len(res.Overrides) != 0 {
		t.Errorf("%+v", res)
	}
}

// Cache tags are case-insensitive (cloudflare.md): a tag the origin sent as
// "Blog" is removed by a rule removing "blog", and adding "BLOG" to it adds
// nothing (review of issue 12, finding 5).
func TestResponseTagsCaseInsensitive(t *testing.T) {
	s := CompileResponse(parseRules(t, `phase: response
rules:
  - ref: add
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, values: [ORIGIN1, extra]}
  - ref: untag
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: remove, values: [blog]}
`))
	resp := expr.Response{Code: 404, Headers: []expr.Header{{Name: "Cache-Tag", Value: "origin1,Blog,BLOG"}}}
	res, err := s.Evaluate(expr.Request{URL: "https://example.com/blog/abc"}, resp, Effective{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"origin1", "extra"}; !reflect.DeepEqual(res.CacheTags, want) {
		t.Errorf("tags %v, want %v", res.CacheTags, want)
	}
}

// A set_cache_tags expression that does not parse makes the rule invalid,
// with the reason; it is not "computed at the edge" (review finding 1).
func TestResponseTagExpressionThatDoesNotParseIsInvalid(t *testing.T) {
	s := CompileResponse(parseRules(t, `phase: response
rules:
  - ref: broken
    expression: "true"
    action: set_cache_tags
    action_parameters: {operation: add, expression: 'concat("a", http.request.uri.path'}
`))
	res, err := s.Evaluate(expr.Request{URL: "https://example.com/"}, expr.Response{Code: 200}, Effective{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Rules[0]; r.Status != Invalid || !strings.Contains(r.Reason, "tag expression does not parse") {
		t.Errorf("rule: %s %q", r.Status, r.Reason)
	}
	if len(res.TagsAtEdge) != 0 {
		t.Errorf("tags at the edge %v", res.TagsAtEdge)
	}
}

// What a rule did is recorded, not inferred from what is left: an
// edge-only removal leaves the origin's directive downstream and is still a
// removal (review finding 10).
func TestResponseRecordsRemovals(t *testing.T) {
	s := CompileResponse(parseRules(t, `phase: response
rules:
  - ref: b
    expression: "true"
    action: set_cache_control
    action_parameters:
      s-maxage: {operation: remove, cloudflare_only: true}
      private: {operation: set}
`))
	resp := expr.Response{Code: 200, Headers: []expr.Header{{Name: "Cache-Control", Value: "max-age=10, s-maxage=70"}}}
	res, err := s.Evaluate(expr.Request{URL: "https://example.com/"}, resp, Effective{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Removed["cache_control.s-maxage"] || res.Removed["cache_control.private"] {
		t.Errorf("removed %v", res.Removed)
	}
}
