package expr

import (
	"reflect"
	"testing"
)

// The response fields read the response given to WithResponse; the request's
// Env is left as it was.
func TestWithResponse(t *testing.T) {
	env, err := NewEnv(Request{URL: "https://example.com/blog/a"})
	if err != nil {
		t.Fatal(err)
	}
	resp := env.WithResponse(Response{Code: 404, Headers: []Header{
		{Name: "Content-Type", Value: "Text/HTML; charset=utf-8"}, {Name: "Cache-Tag", Value: "a"}, {Name: "cache-tag", Value: "b"}}})
	for src, want := range map[string]bool{
		`http.response.code eq 404`: true,
		`http.response.code ge 400 and starts_with(http.request.uri.path, "/blog/")`: true,
		`http.response.content_type.media_type eq "text/html"`:                       true,
		`http.response.headers["cache-tag"][1] eq "b"`:                               true,
		`any(http.response.headers.names[*] eq "Cache-Tag")`:                         true,
		`any(http.response.headers.values[*] contains "charset")`:                    true,
		`http.response.headers["etag"][0] eq "x"`:                                    false,
	} {
		e, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got, why := resp.Eval(e); got != want {
			t.Errorf("%s = %v, want %v (%s)", src, got, want, why)
		}
		if src == `http.response.code eq 404` && env.Matches(e) {
			t.Errorf("the request's Env sees the response")
		}
	}
	e, _ := Parse(`concat("product-", substring(http.request.uri.path, 6))`)
	if got, ok := resp.Strings(e); !ok || !reflect.DeepEqual(got, []string{"product-a"}) {
		t.Errorf("Strings = %v %v", got, ok)
	}
	e, _ = Parse(`cf.bot_management.ja3_hash`)
	if got, ok := resp.Strings(e); ok {
		t.Errorf("an unknown field gave %v", got)
	}
}
