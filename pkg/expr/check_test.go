package expr

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

func TestCheckExpression(t *testing.T) {
	tests := []struct {
		src  string
		plan limits.Plan
		want []string // exact Problem.String() values, in order
	}{
		{`http.host eq "www.example.com"`, limits.Free, nil},
		{`true`, limits.Free, nil},
		{`ssl and not ssl`, limits.Free, nil},
		{`http.reqest.uri eq "/"`, limits.Free, []string{"1:1: error: unknown field `http.reqest.uri`, did you mean `http.request.uri`?"}},
		{`http.request.cookies["wordpress_logged_in_*"][0] eq "1"`, limits.Pro, []string{"1:22: warning: `*` is not a wildcard in a map key: this matches only a cookie literally named \"wordpress_logged_in_*\"; to match by prefix use `http.cookie contains \"wordpress_logged_in_\"`"}},
		{`http.request.uri.path.extension in {"CSS" "js"}`, limits.Free, []string{"1:37: warning: http.request.uri.path.extension is lower-cased by Cloudflare, so \"CSS\" never matches; write \"css\""}},
		{`http.request.uri.path matches "^/a"`, limits.Pro, []string{"1:23: error: `matches` (regular expressions) requires a Business or Enterprise plan; this zone is on pro"}},
		{`http.request.uri.path matches "^/a"`, limits.Business, nil},
		{`http.request.uri.path matches "^/(a"`, limits.Business, []string{"1:31: error: invalid regular expression: missing closing ): `^/(a`"}},
		{`http.request.uri.path matches "[a-z&&[^aeiou]]"`, limits.Business, []string{"1:31: warning: regular expression uses Rust-only character-class set operations (`&&`, `--`, `~~`) and could not be checked offline"}},
		{`http.request.uri.path matches "(?u)\p{Greek}"`, limits.Business, nil},
		{`http.request.uri.path wildcard r"/a\b"`, limits.Free, []string{"1:32: error: invalid escape `\\b` in wildcard pattern: only `\\*` and `\\\\` are allowed"}},
		{`http.request.uri.path wildcard r"/a/\*\\"`, limits.Free, nil},
		{`ip.src.asnum wildcard "1*"`, limits.Free, []string{"1:14: error: `wildcard` only works on strings, but `ip.src.asnum` is Integer"}},
		{`ip.src.asnum eq "13335"`, limits.Free, []string{"1:17: error: cannot compare `ip.src.asnum` (Integer) with a string `\"13335\"`"}},
		{`ip.src eq 1`, limits.Free, []string{"1:11: error: cannot compare `ip.src` (IP address) with a number `1`"}},
		{`ip.src in {"10.0.0.1"}`, limits.Free, []string{"1:12: error: set element `\"10.0.0.1\"` is a string, but `ip.src` is IP address"}},
		{`http.host in {1 2}`, limits.Free, []string{"1:15: error: set element `1` is a number, but `http.host` is String", "1:17: error: set element `2` is a number, but `http.host` is String"}},
		{`ip.src.asnum in {}`, limits.Free, []string{"1:17: error: empty set: `in {}` never matches"}},
		{`ssl eq true`, limits.Free, []string{"1:5: error: `ssl` is a boolean: use it on its own (`ssl` or `not ssl`) instead of with `eq`"}},
		{`http.host`, limits.Free, []string{"1:1: error: the expression must be a condition, but `http.host` is a value of type String"}},
		{`http.host and ssl`, limits.Free, []string{"1:1: error: `http.host` is a String, not a condition: compare it, e.g. `http.host eq \"...\"`"}},
		{`http.request.headers["accept"] eq "a"`, limits.Free, []string{"1:32: error: `http.request.headers[\"accept\"]` is Array<String> and cannot be compared with `eq`: compare one element (`http.request.headers[\"accept\"][0]`) or every element with any(http.request.headers[\"accept\"][*] eq ...)"}},
		{`http.request.headers.names[*] eq "a"`, limits.Free, []string{"1:1: error: `http.request.headers.names[*] eq \"a\"` produces one boolean per array element; wrap it in any(...) or all(...)"}},
		{`any(http.request.headers.names[0] eq "a")`, limits.Free, []string{"1:5: error: `any()` needs one boolean per array element, such as any(field[*] eq ...); `http.request.headers.names[0] eq \"a\"` is Boolean"}},
		{`http.host[0] eq "a"`, limits.Free, []string{"1:10: error: `http.host` is a String and cannot be indexed"}},
		{`http.request.headers[0][0] eq "a"`, limits.Free, []string{"1:21: error: `http.request.headers` is a map: index it with a string key such as [\"name\"]"}},
		{`http.request.headers["X-Foo"][0] eq "a"`, limits.Free, []string{"1:22: warning: header names in http.request.headers are lower-case: \"X-Foo\" never matches; use \"x-foo\""}},
		{`lowr(http.host) eq "a"`, limits.Free, []string{"1:1: error: unknown function `lowr`, did you mean `lower`?"}},
		{`to_string(ip.src.asnum) eq "1"`, limits.Free, []string{"1:1: error: function `to_string()` cannot be used in cache rules: it is only available in rewrite expressions of Transform Rules and dynamic URL redirects"}},
		{`lower(http.host, "x") eq "a"`, limits.Free, []string{"1:1: error: wrong number of arguments to `lower`: got 2, want 1"}},
		{`ends_with("abc", "c")`, limits.Free, []string{"1:11: error: argument 1 of `ends_with` must be a field or function result, not a literal"}},
		{`starts_with(http.request.uri.args.names[*], "a")`, limits.Free, []string{"1:1: error: `starts_with(http.request.uri.args.names[*], \"a\")` produces one boolean per array element; wrap it in any(...) or all(...)"}},
		{`any(starts_with(http.request.uri.args.names[*], "a"))`, limits.Free, nil},
		{`any(ends_with(http.host, http.request.uri.args.names[*]))`, limits.Free, []string{"1:26: error: `[*]` can only be used in the first argument of a function call"}},
		{`url_decode(http.request.uri.path, "x") eq "a"`, limits.Free, []string{"1:35: error: url_decode options may only contain `r` (recursive) and `u` (Unicode)"}},
		{`has_value(http.request.headers.names, 1)`, limits.Free, []string{"1:39: error: argument 2 of `has_value` must be String to match `http.request.headers.names`, but it is Integer"}},
		{`http.response.code eq 200`, limits.Enterprise, []string{"1:1: error: field `http.response.code` cannot be used in cache rules: it is a response field, and cache rules run on the request; Cache Response Rules (a file with `phase: response`) may use it"}},
		{`any(http.request.accepted_languages[*] eq "en")`, limits.Enterprise, []string{"1:5: error: field `http.request.accepted_languages` cannot be used in cache rules: it is only available in Transform Rules"}},
		{`ip.geoip.country eq "GB"`, limits.Free, []string{"1:1: warning: field `ip.geoip.country` is deprecated; use `ip.src.country`"}},
		{`any(http.request.cookies["a"][*] eq "b")`, limits.Free, []string{"1:5: error: field `http.request.cookies` requires a pro plan (Pro or above); this zone is on free"}},
		{`cf.bot_management.score lt 30`, limits.Business, []string{"1:1: error: field `cf.bot_management.score` requires a enterprise plan (Enterprise add-on); this zone is on business"}},
		{`http.host in $Hosts`, limits.Enterprise, []string{"1:14: error: list name `Hosts` may only contain lower-case letters, digits and `_`"}},
		{`http.host in $hosts`, limits.Business, []string{"1:14: error: `in $hosts` (is in list) in cache rules requires an Enterprise plan; this zone is on business"}},
		{`ip.src gt 10.0.0.1`, limits.Free, []string{"1:8: warning: Cloudflare documents `gt` as unsupported for IP addresses; use `in {a..b}` or a CIDR"}},
		{`http.request.method in {"get" "POST"}`, limits.Free, []string{"1:25: warning: http.request.method is upper-case, so \"get\" never matches; write \"GET\""}},
		{`ssl xor any(http.request.uri.args.names[*] eq "a")`, limits.Free, nil},
		{`any(http.request.uri.args.names[*] eq "a" or http.request.uri.args.names[*] eq "b")`, limits.Free, nil},
		{`ssl and http.request.uri.args.names[*] eq "a"`, limits.Free, []string{"1:5: error: `and` mixes a single condition with one per array element; put the array part inside any(...) or all(...)"}},
		{`any(http.request.body.multipart.names[*][0] eq "picture")`, limits.Enterprise, nil},
		{`len(http.request.uri.args["a"]) ge 0 and http.request.uri.args.names[0] eq "a"`, limits.Free, nil},
		{`concat(http.request.uri.args.names, http.request.headers.names)[0] eq "a"`, limits.Free, nil},
		{`is_timed_hmac_valid_v0("k", http.request.uri, 100, http.request.timestamp.sec, 8)`, limits.Free, []string{"1:1: error: function `is_timed_hmac_valid_v0()` requires a pro plan; this zone is on free"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range CheckExpression(tt.src, tt.plan) {
			got = append(got, p.String())
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("CheckExpression(%q, %s)\n got: %q\nwant: %q", tt.src, tt.plan, got, tt.want)
		}
	}
}

func TestCheckExpressionLength(t *testing.T) {
	src := `http.host in {` + strings.Repeat(`"a.example.com" `, 300) + `}`
	probs := CheckExpression(src, limits.Free)
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "Cloudflare allows at most 4096") {
		t.Errorf("long expression: %v", probs)
	}
	l := limits.Default().For(limits.Free)
	l.ExpressionMaxLength = 100000
	if probs := CheckExpressionWith(src, Options{Plan: limits.Free, Limits: l}); len(probs) != 0 {
		t.Errorf("overridden limit: %v", probs)
	}
}

func TestFieldTable(t *testing.T) {
	if n := len(fieldRows); n < 170 {
		t.Errorf("field table has %d rows; the source has 173", n)
	}
	for _, name := range CacheRuleFields {
		f, ok := LookupField(name)
		if !ok || !f.InCacheRules {
			t.Errorf("cache-rule field %s missing or unavailable: %+v", name, f)
		}
	}
	for _, name := range []string{"cf.bot_management.score", "cf.bot_management.verified_bot", "cf.bot_management.ja4"} {
		if f, ok := LookupField(name); !ok || !f.InCacheRules || f.MinPlan != limits.Enterprise {
			t.Errorf("%s: %+v", name, f)
		}
	}
	want := map[string]string{
		"http.request.cookies":              "Map<Array<String>>",
		"ip.src":                            "IP address",
		"ip.src.asnum":                      "Integer",
		"ssl":                               "Boolean",
		"http.request.body.multipart.names": "Array<Array<String>>",
		"cf.random_seed":                    "Bytes",
	}
	for name, typ := range want {
		if f, _ := LookupField(name); f.Type.String() != typ {
			t.Errorf("%s has type %s, want %s", name, f.Type, typ)
		}
	}
	seen := map[string]bool{}
	for _, r := range fieldRows {
		if seen[r.name] {
			t.Errorf("duplicate row %s", r.name)
		}
		seen[r.name] = true
	}
}

// cf.zone.name is documented for request-phase rules outside the field list
// the table is generated from (issue 12 §2), so it must be known.
func TestZoneNameField(t *testing.T) {
	f, ok := LookupField("cf.zone.name")
	if !ok || !f.InCacheRules || f.Type.Kind != KindString {
		t.Fatalf("cf.zone.name: %+v, known %v", f, ok)
	}
	if probs := CheckExpression(`cf.zone.name eq "example.com"`, limits.Free); len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
}
