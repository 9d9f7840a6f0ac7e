package cachekey

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// stackOf parses a rules file given as YAML.
func stackOf(t *testing.T, yaml string) *Stack {
	t.Helper()
	f, probs := rules.Parse("t.yaml", []byte(yaml))
	if probs.HasErrors() {
		t.Fatalf("rules: %s", probs)
	}
	return Compile(f.Rules)
}

func js(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

const stacked = `rules:
  - ref: all
    expression: "true"
    action_parameters:
      cache: true
      edge_ttl: {mode: respect_origin}
      cache_key: {cache_deception_armor: true, ignore_query_strings_order: true}
  - ref: static
    expression: http.request.uri.path.extension in {"css" "js"}
    action_parameters:
      edge_ttl: {mode: override_origin, default: 86400}
      cache_key: {cache_deception_armor: false}
  - ref: off
    enabled: false
    expression: "true"
    action_parameters: {cache: false}
  - ref: api
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: mobile-hdr
    expression: any(http.request.headers["x-app"][*] eq "ios")
    action_parameters:
      cache_key: {cache_by_device_type: true}
`

func TestStacking(t *testing.T) {
	s := stackOf(t, stacked)
	for _, c := range []struct {
		name     string
		req      expr.Request
		statuses []Status
		settings string
		setBy    map[string]string
		reasons  map[string]string // ref → substring of the reason
	}{
		{
			name:     "later rule wins per setting, untouched settings stay",
			req:      expr.Request{URL: "https://example.com/app.css"},
			statuses: []Status{Matched, Matched, Disabled, NotMatched, NotMatched},
			settings: `{"cache":true,"edge_ttl":{"mode":"override_origin","default":86400},"cache_key":{"cache_deception_armor":false,"ignore_query_strings_order":true}}`,
			setBy: map[string]string{"cache": "all", "edge_ttl": "static", "cache_key.cache_deception_armor": "static",
				"cache_key.ignore_query_strings_order": "all"},
			reasons: map[string]string{"off": "disabled", "api": `http.request.uri.path is "/app.css"`,
				"mobile-hdr": `http.request.headers["x-app"] is missing`},
		},
		{
			name:     "a later bypass overrides cache: true",
			req:      expr.Request{URL: "https://example.com/api/users", Headers: []expr.Header{{Name: "X-App", Value: "ios"}}},
			statuses: []Status{Matched, NotMatched, Disabled, Matched, Matched},
			settings: `{"cache":false,"edge_ttl":{"mode":"respect_origin"},"cache_key":{"cache_deception_armor":true,"ignore_query_strings_order":true,"cache_by_device_type":true}}`,
			setBy: map[string]string{"cache": "api", "edge_ttl": "all", "cache_key.cache_deception_armor": "all",
				"cache_key.ignore_query_strings_order": "all", "cache_key.cache_by_device_type": "mobile-hdr"},
			reasons: map[string]string{"static": `http.request.uri.path.extension is ""`},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := s.Evaluate(c.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []Status
			for _, r := range ev.Rules {
				got = append(got, r.Status)
				if want, ok := c.reasons[r.Ref]; ok && !strings.Contains(r.Reason, want) {
					t.Errorf("%s: reason %q, want it to contain %q", r.Ref, r.Reason, want)
				}
				if r.Status == Matched && r.Reason != "" {
					t.Errorf("%s matched with a reason %q", r.Ref, r.Reason)
				}
			}
			if !reflect.DeepEqual(got, c.statuses) {
				t.Errorf("statuses %v, want %v", got, c.statuses)
			}
			if g := js(ev.Effective.Settings); g != c.settings {
				t.Errorf("settings\n got %s\nwant %s", g, c.settings)
			}
			if !reflect.DeepEqual(ev.Effective.SetBy, c.setBy) {
				t.Errorf("set_by %v, want %v", ev.Effective.SetBy, c.setBy)
			}
		})
	}
}

func TestInvalidExpressionNeverMatches(t *testing.T) {
	s := stackOf(t, "rules:\n  - ref: broken\n    expression: http.host eq\n    action_parameters: {cache: false}\n")
	ev, err := s.Evaluate(expr.Request{URL: "https://example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if r := ev.Rules[0]; r.Status != Invalid || !strings.Contains(r.Reason, "does not parse") {
		t.Errorf("%+v", r)
	}
	if len(ev.Effective.Paths) != 0 {
		t.Errorf("settings from an invalid rule: %v", ev.Effective.SetBy)
	}
	if _, err := s.Evaluate(expr.Request{URL: "example.com/x"}); err == nil {
		t.Error("a URL without a scheme was accepted")
	}
}

func TestRefFallback(t *testing.T) {
	s := stackOf(t, "rules:\n  - expression: \"true\"\n    action_parameters: {cache: true}\n")
	ev, _ := s.Evaluate(expr.Request{URL: "https://example.com/"})
	if ev.Rules[0].Ref != "rules[0]" || ev.Effective.SetBy["cache"] != "rules[0]" {
		t.Errorf("%+v %v", ev.Rules[0], ev.Effective.SetBy)
	}
}

// keyCase runs one request through one rule's settings (expression true).
type keyCase struct {
	name   string
	params string // action_parameters as YAML flow
	req    expr.Request
	check  func(t *testing.T, k Key, p Purge)
}

func TestKeyAndPurge(t *testing.T) {
	ua := func(s string) expr.Header { return expr.Header{Name: "User-Agent", Value: s} }
	wantArgs := func(want ...string) func(*testing.T, Purge) {
		return func(t *testing.T, p Purge) {
			t.Helper()
			if !reflect.DeepEqual(p.Args, want) {
				t.Errorf("purge args\n got %q\nwant %q", p.Args, want)
			}
		}
	}
	for _, c := range []keyCase{
		{name: "default key keeps the query string as sent", params: "{cache: true}",
			req: expr.Request{URL: "https://WWW.Example.com/a?b=2&a=1#frag"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.URL != "https://www.example.com/a?b=2&a=1" || k.QueryMode != QueryAll || !k.Cached {
					t.Errorf("%+v", k)
				}
				wantArgs("purge", "url", "https://WWW.Example.com/a?b=2&a=1")(t, p)
			}},
		{name: "sorted query string", params: "{cache: true, cache_key: {ignore_query_strings_order: true}}",
			req: expr.Request{URL: "https://example.com/a?z=1&b=2&a=3&b=1"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Query != "a=3&b=2&b=1&z=1" || !k.QuerySorted {
					t.Errorf("query %q sorted %v", k.Query, k.QuerySorted)
				}
			}},
		{name: "include list", params: "{cache: true, cache_key: {custom_key: {query_string: {include: {list: [page, sort]}}}}}",
			req: expr.Request{URL: "https://example.com/c?utm=x&sort=p&page=2"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Query != "sort=p&page=2" || k.QueryMode != QueryInclude || js(k.QueryList) != `["page","sort"]` {
					t.Errorf("%+v", k)
				}
			}},
		{name: "include all", params: "{cache: true, cache_key: {custom_key: {query_string: {include: {all: true}}}}}",
			req: expr.Request{URL: "https://example.com/c?utm=x"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Query != "utm=x" || k.QueryMode != QueryAll {
					t.Errorf("%+v", k)
				}
			}},
		{name: "exclude list", params: "{cache: true, cache_key: {custom_key: {query_string: {exclude: {list: [utm]}}}}}",
			req: expr.Request{URL: "https://example.com/c?utm=x&id=3"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Query != "id=3" || k.QueryMode != QueryExclude {
					t.Errorf("%+v", k)
				}
			}},
		{name: "exclude all drops the query string", params: "{cache: true, cache_key: {custom_key: {query_string: {exclude: {all: true}}}}}",
			req: expr.Request{URL: "https://example.com/c?utm=x&id=3"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.URL != "https://example.com/c" || k.QueryMode != QueryNone {
					t.Errorf("%+v", k)
				}
			}},
		{name: "bypass", params: "{cache: false}", req: expr.Request{URL: "https://example.com/a.css"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Cached || !strings.Contains(k.Reason, "cache is false (set by r)") || len(p.Notes) == 0 {
					t.Errorf("%+v %+v", k, p)
				}
			}},
		{name: "no cache setting: default extensions", params: "{edge_ttl: {mode: bypass_by_default}}", req: expr.Request{URL: "https://example.com/a.CSS"},
			check: func(t *testing.T, k Key, p Purge) {
				if !k.Cached || !strings.Contains(k.Reason, "default caches .css") || !strings.Contains(k.Reason, "bypass_by_default") {
					t.Errorf("%+v", k)
				}
			}},
		{name: "no cache setting: HTML is not cached", params: "{browser_ttl: {mode: respect_origin}}", req: expr.Request{URL: "https://example.com/about"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Cached || !strings.Contains(k.Reason, "paths without an extension") {
					t.Errorf("%+v", k)
				}
			}},
		{name: "POST is never cached", params: "{cache: true}", req: expr.Request{URL: "https://example.com/a.css", Method: "post"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Cached || !strings.Contains(k.Reason, "not POST") {
					t.Errorf("%+v", k)
				}
			}},
		{name: "device type from the flag", params: "{cache: true, cache_key: {cache_by_device_type: true}}",
			req: expr.Request{URL: "https://example.com/", DeviceType: "Tablet", Headers: []expr.Header{ua("iPhone")}},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Device == nil || k.Device.Value != "tablet" || k.Device.Source != "flag" || k.Device.SetBy != "r" {
					t.Errorf("%+v", k.Device)
				}
				wantArgs("purge", "url", "https://example.com/", "--device", "tablet")(t, p)
			}},
		{name: "device type from the User-Agent", params: "{cache: true, cache_key: {custom_key: {user: {device_type: true}}}}",
			req: expr.Request{URL: "https://example.com/", Headers: []expr.Header{ua("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari")}},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Device == nil || k.Device.Value != "mobile" || k.Device.Source != "user-agent" {
					t.Errorf("%+v", k.Device)
				}
				wantArgs("purge", "url", "https://example.com/", "--device", "mobile")(t, p)
			}},
		{name: "device type assumed", params: "{cache: true, cache_key: {cache_by_device_type: true}}",
			req: expr.Request{URL: "https://example.com/"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Device.Value != "desktop" || k.Device.Source != "assumed" || !strings.Contains(strings.Join(p.Notes, "\n"), "--device all") {
					t.Errorf("%+v %v", k.Device, p.Notes)
				}
			}},
		{name: "geo and lang", params: "{cache: true, cache_key: {custom_key: {user: {geo: true, lang: true}}}}",
			req: expr.Request{URL: "https://example.com/", Country: "es", Headers: []expr.Header{{Name: "accept-language", Value: "de-DE,de;q=0.9,en;q=0.5"}}},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Country.Value != "ES" || k.Lang.Value != "de-DE" {
					t.Errorf("%+v %+v", k.Country, k.Lang)
				}
				// lang is purged by sending Accept-Language with the key's
				// first language (cloudflare.md, Purge; purge-cache-key).
				wantArgs("purge", "url", "https://example.com/", "--country", "ES", "--lang", "de-DE")(t, p)
				if len(p.NotPurgeable) != 0 {
					t.Errorf("not purgeable %v", p.NotPurgeable)
				}
				if !reflect.DeepEqual(p.Headers, []Header{{HeaderCountry, "ES"}, {HeaderLanguage, "de-DE"}}) {
					t.Errorf("headers %v", p.Headers)
				}
			}},
		{name: "lang without Accept-Language", params: "{cache: true, cache_key: {custom_key: {user: {lang: true}}}}",
			req: expr.Request{URL: "https://example.com/"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Lang == nil || k.Lang.Value != "" {
					t.Errorf("%+v", k.Lang)
				}
				// The copy for requests without a language: send none.
				wantArgs("purge", "url", "https://example.com/")(t, p)
				if len(p.NotPurgeable) != 0 || !strings.Contains(strings.Join(p.Notes, "\n"), "holds no language") {
					t.Errorf("%v %v", p.NotPurgeable, p.Notes)
				}
			}},
		{name: "lang that is no language tag", params: "{cache: true, cache_key: {custom_key: {user: {lang: true}}}}",
			req: expr.Request{URL: "https://example.com/", Headers: []expr.Header{{Name: "Accept-Language", Value: "*"}}},
			check: func(t *testing.T, k Key, p Purge) {
				wantArgs("purge", "url", "https://example.com/")(t, p)
				if !reflect.DeepEqual(p.NotPurgeable, []string{"lang"}) {
					t.Errorf("not purgeable %v", p.NotPurgeable)
				}
			}},
		{name: "lang beside headers", params: "{cache: true, cache_key: {custom_key: {header: {include: [X-Tier]}, user: {lang: true, device_type: true}}}}",
			req: expr.Request{URL: "https://example.com/", DeviceType: "mobile", Headers: []expr.Header{{Name: "X-Tier", Value: "gold"}, {Name: "Accept-Language", Value: "fr"}}},
			check: func(t *testing.T, k Key, p Purge) {
				wantArgs("purge", "url", "https://example.com/", "--device", "mobile", "--lang", "fr", "-H", "X-Tier: gold")(t, p)
				if !reflect.DeepEqual(p.Headers, []Header{{HeaderDevice, "mobile"}, {HeaderLanguage, "fr"}, {"X-Tier", "gold"}}) {
					t.Errorf("headers %v", p.Headers)
				}
			}},
		{name: "geo without a country assumes XX", params: "{cache: true, cache_key: {custom_key: {user: {geo: true}}}}",
			req: expr.Request{URL: "https://example.com/"},
			check: func(t *testing.T, k Key, p Purge) {
				if k.Country.Value != "XX" || k.Country.Source != "assumed" {
					t.Errorf("%+v", k.Country)
				}
				wantArgs("purge", "url", "https://example.com/", "--country", "XX")(t, p)
			}},
		{name: "headers: include, presence, contains, origin", params: `{cache: true, cache_key: {custom_key: {header: {include: [X-Tier, x-missing], check_presence: [x-beta], contains: {accept-encoding: [br, zstd]}}}}}`,
			req: expr.Request{URL: "https://example.com/", Headers: []expr.Header{{Name: "X-Tier", Value: "gold"}, {Name: "x-beta", Value: "1"},
				{Name: "Accept-Encoding", Value: "gzip, br"}, {Name: "Origin", Value: "https://app.example.com"}, {Name: "X-Forwarded-Scheme", Value: "https"}}},
			check: func(t *testing.T, k Key, p Purge) {
				want := `[{"name":"x-tier","kind":"value","present":true,"value":"gold","set_by":"r"},` +
					`{"name":"x-missing","kind":"value","present":false,"set_by":"r"},` +
					`{"name":"x-beta","kind":"presence","present":true,"value":"1","set_by":"r"},` +
					`{"name":"accept-encoding","kind":"contains","present":true,"value":"gzip, br","listed":["br","zstd"],"matched":["br"],"set_by":"r"},` +
					`{"name":"origin","kind":"default","present":true,"value":"https://app.example.com"}]`
				if g := js(k.Headers); g != want {
					t.Errorf("headers\n got %s\nwant %s", g, want)
				}
				wantArgs("purge", "url", "https://example.com/", "-H", "X-Tier: gold", "-H", "x-beta: 1",
					"-H", "Accept-Encoding: gzip, br", "-H", "Origin: https://app.example.com")(t, p)
			}},
		{name: "exclude_origin leaves Origin out", params: `{cache: true, cache_key: {custom_key: {header: {exclude_origin: true}}}}`,
			req: expr.Request{URL: "https://example.com/", Headers: []expr.Header{{Name: "Origin", Value: "https://app.example.com"}, {Name: "X-Forwarded-Host", Value: "h"}}},
			check: func(t *testing.T, k Key, p Purge) {
				if len(k.Headers) != 1 || k.Headers[0].Name != "x-forwarded-host" || len(k.Notes) != 1 {
					t.Errorf("%+v", k)
				}
				wantArgs("purge", "url", "https://example.com/", "-H", "X-Forwarded-Host: h")(t, p)
			}},
		{name: "cookies", params: `{cache: true, cache_key: {custom_key: {cookie: {include: [currency], check_presence: [session]}}}}`,
			req: expr.Request{URL: "https://example.com/", Headers: []expr.Header{{Name: "Cookie", Value: "session=abc; other=1"}}, Cookies: []expr.Cookie{{Name: "currency", Value: "EUR"}}},
			check: func(t *testing.T, k Key, p Purge) {
				want := `[{"name":"currency","kind":"value","present":true,"value":"EUR","set_by":"r"},{"name":"session","kind":"presence","present":true,"value":"abc","set_by":"r"}]`
				if g := js(k.Cookies); g != want {
					t.Errorf("cookies\n got %s\nwant %s", g, want)
				}
				wantArgs("purge", "url", "https://example.com/", "-H", "Cookie: session=abc; other=1; currency=EUR")(t, p)
			}},
		{name: "resolved host and deception armor", params: `{cache: true, cache_key: {cache_deception_armor: true, custom_key: {host: {resolved: true}}}}`,
			req: expr.Request{URL: "http://example.com:8080/x"},
			check: func(t *testing.T, k Key, p Purge) {
				if !k.HostResolved || !k.DeceptionArmor || k.Host != "example.com:8080" || k.Scheme != "http" {
					t.Errorf("%+v", k)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stackOf(t, "rules:\n  - ref: r\n    expression: \"true\"\n    action_parameters: "+c.params+"\n")
			res, err := s.Explain(c.req)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, res.Key, res.Purge)
			if len(res.Purge.Headers) != strings.Count(strings.Join(res.Purge.Args, "\x00"), "\x00-H\x00")+
				strings.Count(strings.Join(res.Purge.Args, "\x00"), "\x00--device\x00")+strings.Count(strings.Join(res.Purge.Args, "\x00"), "\x00--country\x00")+
				strings.Count(strings.Join(res.Purge.Args, "\x00"), "\x00--lang\x00") {
				t.Errorf("headers %v do not match args %q", res.Purge.Headers, res.Purge.Args)
			}
		})
	}
}

// A rule that shaped the key must match the purge entry too: the headers it
// matched on are sent, and a match on the method is flagged.
func TestPurgeCarriesWhatTheRuleMatchedOn(t *testing.T) {
	s := stackOf(t, `rules:
  - ref: app
    expression: http.request.headers["x-app"][0] eq "ios" and http.request.method eq "GET"
    action_parameters: {cache: true, cache_key: {cache_by_device_type: true}}
  - ref: ttl
    expression: http.user_agent contains "Bot"
    action_parameters: {edge_ttl: {mode: respect_origin}}
`)
	res, err := s.Explain(expr.Request{URL: "https://example.com/", DeviceType: "mobile",
		Headers: []expr.Header{{Name: "X-App", Value: "ios"}, {Name: "User-Agent", Value: "Bot"}}})
	if err != nil {
		t.Fatal(err)
	}
	// ttl matched too, but shaped no key part: its User-Agent is not sent.
	want := []string{"purge", "url", "https://example.com/", "--device", "mobile", "-H", "X-App: ios"}
	if !reflect.DeepEqual(res.Purge.Args, want) {
		t.Errorf("args %q, want %q", res.Purge.Args, want)
	}
	if n := strings.Join(res.Purge.Notes, "\n"); !strings.Contains(n, "rule app matches on the request method") {
		t.Errorf("notes %s", n)
	}
}

func TestDeviceFromUserAgent(t *testing.T) {
	for ua, want := range map[string]string{
		"": "desktop",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126":                      "desktop",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148":      "mobile",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit Mobile Safari/537.36": "mobile",
		"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit Safari/537.36":        "tablet",
		"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Mobile/15E148":               "tablet",
	} {
		if got := DeviceFromUserAgent(ua); got != want {
			t.Errorf("%q: %s, want %s", ua, got, want)
		}
	}
}

func TestFirstLanguage(t *testing.T) {
	for in, want := range map[string]string{"": "", "fr": "fr", "de-DE,de;q=0.9": "de-DE", " en-US ; q=1 , fr": "en-US"} {
		if got := FirstLanguage(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// A rule that put lang in the key and matched on Accept-Language gets the
// whole header in the purge (it must match the purge entry too); that header
// carries the same first language, so no --lang beside it.
func TestPurgeLangWhenTheRuleMatchedOnAcceptLanguage(t *testing.T) {
	s := stackOf(t, `rules:
  - ref: de
    expression: any(http.request.headers["accept-language"][*] contains "de")
    action_parameters: {cache: true, cache_key: {custom_key: {user: {lang: true}}}}
`)
	res, err := s.Explain(expr.Request{URL: "https://example.com/", Headers: []expr.Header{{Name: "Accept-Language", Value: "de-DE,de;q=0.9"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"purge", "url", "https://example.com/", "-H", "Accept-Language: de-DE,de;q=0.9"}
	if !reflect.DeepEqual(res.Purge.Args, want) || len(res.Purge.NotPurgeable) != 0 {
		t.Errorf("args %q, not purgeable %v", res.Purge.Args, res.Purge.NotPurgeable)
	}
}

// A rule that shaped the key by the header names it looked for (the field
// table's example any(http.request.headers.names[*] == "content-type")) must
// match the purge entry as well: the purge sends those headers. A match on
// header values as a whole cannot be carried, and is said.
func TestPurgeCarriesHeadersARuleLookedForByName(t *testing.T) {
	s := stackOf(t, `rules:
  - ref: app
    expression: any(lower(http.request.headers.names[*])[*] in {"x-app" "x-app-version"})
    action_parameters: {cache: true, cache_key: {cache_by_device_type: true}}
  - ref: json
    expression: any(http.request.headers.values[*] contains "json")
    action_parameters: {cache_key: {custom_key: {user: {geo: true}}}}
`)
	res, err := s.Explain(expr.Request{URL: "https://example.com/", DeviceType: "mobile", Country: "ES", HTTPVersion: "HTTP/2",
		Headers: []expr.Header{{Name: "X-App", Value: "ios"}, {Name: "Accept", Value: "application/json"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"purge", "url", "https://example.com/", "--device", "mobile", "--country", "ES", "-H", "X-App: ios"}
	if !reflect.DeepEqual(res.Purge.Args, want) {
		t.Errorf("args %q", res.Purge.Args)
	}
	if notes := strings.Join(res.Purge.Notes, "\n"); !strings.Contains(notes, "rule json matches on the request's header names or values as a whole") || strings.Contains(notes, "rule app matches") {
		t.Errorf("notes:\n%s", notes)
	}
}
