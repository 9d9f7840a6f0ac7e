package cachekey

import (
	"slices"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
)

func TestIsHTML(t *testing.T) {
	for p, want := range map[string]bool{
		"": true, "/": true, "/blog/": true, "/2024/05/hello-world": true, "/about.html": true, "/a/b.HTM": true,
		"/wp-content/x.jpg": false, "/style.css": false, "/feed.xml": false, "/sitemap.xml": false, "/v1.2/": true,
	} {
		if got := IsHTML(p); got != want {
			t.Errorf("IsHTML(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestAPOCovers(t *testing.T) {
	a := APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com", "www.example.com"}}
	for u, want := range map[string]bool{
		"https://example.com/":                 true,
		"https://WWW.example.com/hello-world/": true,
		"http://example.com/page?x=1":          true,
		"https://example.com/logo.png":         false,
		"https://shop.example.com/":            false,
		"not a url":                            false,
	} {
		if got := a.Covers(u); got != want {
			t.Errorf("Covers(%q) = %v, want %v", u, got, want)
		}
	}
	if (APO{Enabled: true, Hostnames: []string{"example.com"}}).Covers("https://example.com/") {
		t.Error("APO without cache by device type covers")
	}
	if (APO{CacheByDeviceType: true}).Covers("https://example.com/") {
		t.Error("APO off covers")
	}
	if !(APO{Enabled: true, CacheByDeviceType: true}).Covers("https://any.example.com/") {
		t.Error("no hostnames listed: every host should be covered")
	}
}

// APO's device dimension comes with the Cache Rules' own, named APO; a
// bypassed URL still has APO's copies.
func TestVariantsWithAPO(t *testing.T) {
	s := stackOf(t, `rules:
  - ref: api-by-header
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters:
      cache_key:
        custom_key:
          header:
            include: ["x-tenant"]
  - ref: no-cache-preview
    expression: starts_with(http.request.uri.path, "/preview/")
    action_parameters:
      cache: false
`)
	plain := s
	s = s.WithAPO(APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com"}})
	v, err := s.Variants("https://example.com/api/posts")
	if err != nil || len(v.Variants) != 2 || v.Variants[1].Ref != RefAPO || v.Variants[1].Dimension != DimDevice ||
		!slices.Equal(v.Variants[1].Values, DeviceTypes()) {
		t.Fatalf("api: %+v %v", v, err)
	}
	v, _ = s.Variants("https://example.com/preview/draft")
	if !v.Bypassed || len(v.Variants) != 1 || v.Variants[0].Ref != RefAPO {
		t.Fatalf("bypassed: %+v", v)
	}
	if v, _ := s.Variants("https://example.com/logo.png"); len(v.Variants) != 0 {
		t.Fatalf("image: %+v", v)
	}
	if v, _ := plain.Variants("https://example.com/"); len(v.Variants) != 0 {
		t.Fatalf("WithAPO changed the receiver: %+v", v)
	}
}

func TestExplainWithAPO(t *testing.T) {
	s := Compile(nil).WithAPO(APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com"}})
	res, err := s.Explain(expr.Request{URL: "https://example.com/hello/", DeviceType: "tablet"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key.Device == nil || res.Key.Device.Value != "tablet" || res.Key.Device.SetBy != RefAPO {
		t.Fatalf("device: %+v", res.Key.Device)
	}
	if !slices.Contains(res.Purge.Args, "--device") || !slices.Contains(res.Purge.Args, "tablet") {
		t.Fatalf("purge args: %v", res.Purge.Args)
	}
	res, _ = s.Explain(expr.Request{URL: "https://example.com/logo.png"})
	if res.Key.Device != nil {
		t.Fatalf("image has a device: %+v", res.Key.Device)
	}
}
