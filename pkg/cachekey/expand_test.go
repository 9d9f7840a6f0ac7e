package cachekey

import (
	"strings"
	"testing"

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

func compileAuto(t testing.TB) *Stack {
	t.Helper()
	f, probs := rules.Parse("rules.yaml", []byte(autoRules))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	return Compile(f.Rules)
}

// expandAll expands each URL (with own headers for the first, if any) and
// renders every copy as "URL Name=value,...".
func expandAll(x *Expander, own []Header, urls ...string) ([]string, error) {
	var out []string
	for i, u := range urls {
		var o []Header
		if i == 0 {
			o = own
		}
		sets, err := x.Expand(u, o)
		if err != nil {
			return nil, err
		}
		for _, set := range sets {
			var hs []string
			for _, h := range set {
				hs = append(hs, h.Name+"="+h.Value)
			}
			out = append(out, u+" "+strings.Join(hs, ","))
		}
	}
	return out, nil
}

func TestExpandPerURL(t *testing.T) {
	x, err := NewExpander(compileAuto(t), VariantChoices{Countries: []string{"ES", "US"}, Headers: []string{"X-Tenant: acme"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := expandAll(x, nil,
		"https://example.com/app.css",    // no rule matches: as is
		"https://example.com/about",      // device type: 3 variants
		"https://example.com/shop/x.png", // country: ES, US
		"https://example.com/api/v1.json",
	)
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
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = []string{
		"1 URL(s): country (rule shop-by-country)",
		"1 URL(s): device (rule html-by-device)",
		"1 URL(s): header x-tenant (rule api-by-header)",
	}
	if s := x.Summary(); strings.Join(s, "\n") != strings.Join(want, "\n") {
		t.Fatalf("summary does not say which rule required what:\n%s", strings.Join(s, "\n"))
	}
}

func TestExpandNeedsValuesTheRulesCannotGive(t *testing.T) {
	x, _ := NewExpander(compileAuto(t), VariantChoices{})
	_, err := x.Expand("https://example.com/shop/x.png", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "rule shop-by-country") || !strings.Contains(err.Error(), "--country") {
		t.Fatalf("got %v", err)
	}
	_, err = x.Expand("https://example.com/api/x", nil)
	if err == nil || !strings.Contains(err.Error(), "-H 'x-tenant: VALUE'") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewExpander(compileAuto(t), VariantChoices{Headers: []string{"X-Tenant"}}); err == nil || err.Error() != `-H "X-Tenant": want 'Name: value'` {
		t.Fatalf("got %v", err)
	}
}

func TestExpandDeviceRestrictionAndOwnHeadersWin(t *testing.T) {
	devices := []string{"Mobile"}
	x, _ := NewExpander(compileAuto(t), VariantChoices{Devices: devices})
	got, err := expandAll(x, []Header{{Name: "CF-Device-Type", Value: "tablet"}}, "https://example.com/about", "https://example.com/contact")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "https://example.com/about CF-Device-Type=tablet" || got[1] != "https://example.com/contact CF-Device-Type=mobile" {
		t.Fatalf("got %v", got)
	}
	if devices[0] != "Mobile" {
		t.Fatalf("the caller's --device values were changed: %v", devices)
	}
}

// A URL without variants is one copy with the entry's own headers, the
// very slice given (entries of one combination share theirs).
func TestExpandWithoutVariantsKeepsOwnHeaders(t *testing.T) {
	x, _ := NewExpander(compileAuto(t), VariantChoices{})
	own := []Header{{Name: "X-Other", Value: "1"}}
	sets, err := x.Expand("https://example.com/app.css", own)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || len(sets[0]) != 1 || &sets[0][0] != &own[0] {
		t.Fatalf("got %v", sets)
	}
}

// APO with cache by device type: HTML URLs on its hostnames get the three
// device copies, combined with what the rules require; the device required
// by both a rule and APO is one dimension, not two; images and other hosts
// are left alone. The summary names APO.
func TestExpandAPO(t *testing.T) {
	stack := compileAuto(t).WithAPO(APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com", "www.example.com"}})
	x, err := NewExpander(stack, VariantChoices{Countries: []string{"ES"}, Headers: []string{"X-Tenant: acme"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := expandAll(x, nil,
		"https://example.com/about",             // rule and APO: 3, not 9
		"https://example.com/shop/",             // country × APO devices
		"https://www.example.com/page.html?p=2", // APO only (the rule wants no extension)
		"https://example.com/wp-content/a.png",  // not HTML
		"https://cdn.example.com/",              // not an APO hostname: the rule's device copies only
	)
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
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := strings.Join(x.Summary(), "\n"); !strings.Contains(s, "device (APO for WordPress, "+SettingAPODevice+")") {
		t.Fatalf("summary does not name APO:\n%s", s)
	}
}

// user.lang puts the visitor's first Accept-Language language in the key; a
// purge entry's Accept-Language reaches that copy (cloudflare.md, Purge), so
// --variants auto purges the languages given with --lang and the copy for
// visitors who sent none, and refuses without --lang as it does without
// --country.
func TestExpandLang(t *testing.T) {
	const langRules = `rules:
  - ref: docs-by-lang
    expression: starts_with(http.request.uri.path, "/docs/")
    action_parameters: {cache: true, cache_key: {custom_key: {user: {lang: true, geo: true}}}}
`
	f, probs := rules.Parse("rules.yaml", []byte(langRules))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	s := Compile(f.Rules)

	x, _ := NewExpander(s, VariantChoices{Countries: []string{"ES"}})
	_, err := x.Expand("https://example.com/docs/a", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "rule docs-by-lang") || !strings.Contains(err.Error(), "--lang") {
		t.Fatalf("got %v", err)
	}

	x, _ = NewExpander(s, VariantChoices{Countries: []string{"ES"}, Langs: []string{"fr", "en-US"}})
	got, err := expandAll(x, nil, "https://example.com/docs/a", "https://example.com/blog/b")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://example.com/docs/a Accept-Language=en-US,CF-IPCountry=ES",
		"https://example.com/docs/a Accept-Language=fr,CF-IPCountry=ES",
		"https://example.com/docs/a CF-IPCountry=ES",
		"https://example.com/blog/b ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range x.Summary() {
		if strings.Contains(line, "no purge header reaches") {
			t.Errorf("lang called unpurgeable: %s", line)
		}
	}
}
