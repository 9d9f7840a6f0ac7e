package shared

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/rules"
)

const autoRules = `rules:
  - ref: html-by-device
    expression: http.request.uri.path.extension eq ""
    action_parameters:
      cache: true
      cache_key:
        cache_by_device_type: true
  - ref: shop-by-country
    expression: starts_with(http.request.uri.path, "/shop/")
    action_parameters:
      cache_key:
        custom_key:
          user:
            geo: true
  - ref: api-by-header
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters:
      cache_key:
        custom_key:
          header:
            include: ["x-tenant"]
`

func compileAuto(t *testing.T) *cachekey.Stack {
	t.Helper()
	f, probs := rules.Parse("rules.yaml", []byte(autoRules))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	return cachekey.Compile(f.Rules)
}

func entry(url string) purge.Entry { return purge.Entry{Value: url, Source: "arg", Line: 1} }

func headersOf(es []purge.Entry) []string {
	var out []string
	for _, e := range es {
		var hs []string
		for _, h := range e.Headers {
			hs = append(hs, h.Name+"="+h.Value)
		}
		out = append(out, e.Value+" "+strings.Join(hs, ","))
	}
	return out
}

// The algorithm is tested in pkg/cachekey (expand_test.go); here, that the
// run's adapter keeps every entry's fields, converts the headers and names
// the entry an error is about.
func TestAutoVariantsExpandsEntries(t *testing.T) {
	a, err := newAutoVariants(compileAuto(t), cachekey.VariantChoices{Countries: []string{"ES"}})
	if err != nil {
		t.Fatal(err)
	}
	own := purge.Entry{Value: "https://example.com/shop/", Source: "urls.txt", Line: 7, Headers: []purge.Header{{Name: "X-Other", Value: "1"}}}
	got, err := a.expand([]purge.Entry{entry("https://example.com/app.css"), own})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://example.com/app.css ",
		"https://example.com/shop/ CF-Device-Type=desktop,CF-IPCountry=ES,X-Other=1",
		"https://example.com/shop/ CF-Device-Type=mobile,CF-IPCountry=ES,X-Other=1",
		"https://example.com/shop/ CF-Device-Type=tablet,CF-IPCountry=ES,X-Other=1",
	}
	if g := headersOf(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range got[1:] {
		if e.Source != "urls.txt" || e.Line != 7 {
			t.Fatalf("entry lost its position: %+v", e)
		}
	}
	if s := strings.Join(a.summary(), "\n"); !strings.Contains(s, "1 URL(s): country (rule shop-by-country)") {
		t.Fatalf("summary:\n%s", s)
	}
}

func TestAutoVariantsErrorNamesTheEntry(t *testing.T) {
	a, _ := newAutoVariants(compileAuto(t), cachekey.VariantChoices{})
	_, err := a.expand([]purge.Entry{entry("https://example.com/shop/x.png")})
	if err == nil || !strings.Contains(err.Error(), "arg:1: https://example.com/shop/x.png: rule shop-by-country") || !strings.Contains(err.Error(), "--country") {
		t.Fatalf("got %v", err)
	}
	if _, err := newAutoVariants(compileAuto(t), cachekey.VariantChoices{Headers: []string{"nocolon"}}); err == nil {
		t.Fatal("a -H without ':' was accepted")
	}
}
