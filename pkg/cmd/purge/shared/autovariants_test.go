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

func TestAutoVariantsPerURL(t *testing.T) {
	a, err := newAutoVariants(compileAuto(t), nil, []string{"ES", "US"}, []string{"X-Tenant: acme"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.expand([]purge.Entry{
		entry("https://example.com/app.css"),    // no rule matches: as is
		entry("https://example.com/about"),      // device type: 3 variants
		entry("https://example.com/shop/x.png"), // country: ES, US
		entry("https://example.com/api/v1.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://example.com/app.css ",
		"https://example.com/about CF-Device-Type=desktop",
		"https://example.com/about CF-Device-Type=mobile",
		"https://example.com/about CF-Device-Type=tablet",
		"https://example.com/shop/x.png CF-IPCountry=ES",
		"https://example.com/shop/x.png CF-IPCountry=US",
		"https://example.com/api/v1.json x-tenant=acme",
		"https://example.com/api/v1.json ",
	}
	if g := headersOf(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	if s := strings.Join(a.summary(), "\n"); !strings.Contains(s, "device (rule html-by-device)") || !strings.Contains(s, "country (rule shop-by-country)") {
		t.Fatalf("summary does not say which rule required what:\n%s", s)
	}
}

func TestAutoVariantsNeedValuesTheRulesCannotGive(t *testing.T) {
	a, _ := newAutoVariants(compileAuto(t), nil, nil, nil)
	_, err := a.expand([]purge.Entry{entry("https://example.com/shop/x.png")})
	if err == nil || !strings.Contains(err.Error(), "arg:1: https://example.com/shop/x.png: rule shop-by-country") || !strings.Contains(err.Error(), "--country") {
		t.Fatalf("got %v", err)
	}
	_, err = a.expand([]purge.Entry{entry("https://example.com/api/x")})
	if err == nil || !strings.Contains(err.Error(), "-H 'x-tenant: VALUE'") {
		t.Fatalf("got %v", err)
	}
}

func TestAutoVariantsDeviceRestrictionAndOwnHeadersWin(t *testing.T) {
	a, _ := newAutoVariants(compileAuto(t), []string{"mobile"}, nil, nil)
	own := entry("https://example.com/about")
	own.Headers = []purge.Header{{Name: "CF-Device-Type", Value: "tablet"}}
	got, err := a.expand([]purge.Entry{own})
	if err != nil {
		t.Fatal(err)
	}
	if g := headersOf(got); len(g) != 1 || g[0] != "https://example.com/about CF-Device-Type=tablet" {
		t.Fatalf("got %v", g)
	}
}

// APO with cache by device type: HTML URLs on its hostnames get the three
// device copies, combined with what the rules require; the device required
// by both a rule and APO is one dimension, not two; images and other hosts
// are left alone. The summary names APO.
func TestAutoVariantsAPO(t *testing.T) {
	stack := compileAuto(t).WithAPO(cachekey.APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com", "www.example.com"}})
	a, err := newAutoVariants(stack, nil, []string{"ES"}, []string{"X-Tenant: acme"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.expand([]purge.Entry{
		entry("https://example.com/about"),             // rule and APO: 3, not 9
		entry("https://example.com/shop/"),             // country × APO devices
		entry("https://www.example.com/page.html?p=2"), // APO only (the rule wants no extension)
		entry("https://example.com/wp-content/a.png"),  // not HTML
		entry("https://cdn.example.com/"),              // not an APO hostname: the rule's device copies only
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://example.com/about CF-Device-Type=desktop",
		"https://example.com/about CF-Device-Type=mobile",
		"https://example.com/about CF-Device-Type=tablet",
		"https://example.com/shop/ CF-Device-Type=desktop,CF-IPCountry=ES",
		"https://example.com/shop/ CF-Device-Type=mobile,CF-IPCountry=ES",
		"https://example.com/shop/ CF-Device-Type=tablet,CF-IPCountry=ES",
		"https://www.example.com/page.html?p=2 CF-Device-Type=desktop",
		"https://www.example.com/page.html?p=2 CF-Device-Type=mobile",
		"https://www.example.com/page.html?p=2 CF-Device-Type=tablet",
		"https://example.com/wp-content/a.png ",
		"https://cdn.example.com/ CF-Device-Type=desktop",
		"https://cdn.example.com/ CF-Device-Type=mobile",
		"https://cdn.example.com/ CF-Device-Type=tablet",
	}
	if g := headersOf(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	if s := strings.Join(a.summary(), "\n"); !strings.Contains(s, "device (APO for WordPress, "+cachekey.SettingAPODevice+")") {
		t.Fatalf("summary does not name APO:\n%s", s)
	}
}
