package expr

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// fuzzSeeds are added to the checked-in corpus under testdata/fuzz.
var fuzzSeeds = []string{
	`http.host eq "www.example.com"`,
	`not ssl or ip.src in {192.0.2.0/24 2001:db8::/32 10.0.0.1..10.0.0.9}`,
	`any(lower(http.request.headers.names[*])[*] == "content-type")`,
	`http.request.uri.path matches r#"^/a"b$"#`,
	`http.request.uri.path matches "^/[\"a]+\.css$"`,
	`ip.src.asnum in {1..10 0x20 017} && !(http.cookie contains "x") ^^ true`,
	`http.request.full_uri wildcard "https://*.example.com/\*\\*"`,
	`substring(http.host, -3, 0) eq "com" xor len(http.request.uri.args["a"]) ge 1`,
	`http.host in $my_hosts`,
	`lookup_json_string(http.request.body.raw, "a", 0) eq "\x41\101"`,
	`(((ssl)))`,
	`ip.src eq fe80::1`,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		lines := strings.Count(src, "\n") + 1
		for _, p := range CheckExpression(src, limits.Pro) {
			if p.Line < 1 || p.Col < 1 || p.Line > lines || p.Message == "" {
				t.Fatalf("problem with a bad position or no message in %q: %+v", src, p)
			}
		}
		if err != nil {
			return
		}
		out := Format(e)
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("Format output does not parse:\n in: %q\nout: %q\nerr: %v", src, out, err)
		}
		if !Equal(e, e2) {
			t.Fatalf("round trip changed the tree:\n in: %q\nout: %q\nre:  %q", src, out, Format(e2))
		}
		if out2 := Format(e2); out2 != out {
			t.Fatalf("Format is not stable: %q then %q", out, out2)
		}
	})
}

var fuzzRequests = []Request{
	{
		URL:     "https://www.example.com/a/b.CSS?x=1&x=2&y",
		Headers: []Header{{"Accept", "text/css"}, {"Cookie", "a=1; b%20c=2"}, {"User-Agent", "Mozilla"}},
		IP:      netip.MustParseAddr("192.0.2.7"), Country: "GB", Continent: "EU", ASN: 13335, BotScore: 30,
		Lists: map[string][]string{"my_hosts": {"www.example.com"}, "ips": {"192.0.2.0/24"}},
	},
	{URL: "http://[2001:db8::1]:8080", IP: netip.MustParseAddr("2001:db8::1")},
}

func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	envs := make([]*Env, len(fuzzRequests))
	for i, r := range fuzzRequests {
		env, err := NewEnv(r)
		if err != nil {
			f.Fatal(err)
		}
		envs[i] = env
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			return
		}
		for _, env := range envs {
			ok, why := env.Eval(e)
			if ok != env.Matches(e) {
				t.Fatalf("Eval and Matches disagree on %q", src)
			}
			if !ok && why.Expr == "" {
				t.Fatalf("false without explanation for %q", src)
			}
			if !ok {
				if _, err := Parse(why.Expr); err != nil {
					t.Fatalf("explanation names an expression that does not parse: %q: %v", why.Expr, err)
				}
			}
			_ = why.String()
		}
	})
}
