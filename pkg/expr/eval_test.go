package expr

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

var sampleRequest = Request{
	Method: "GET",
	URL:    "https://www.example.com/Articles/Index.HTML?section=539061&expand=comments&tag=a&tag=b#frag",
	Headers: []Header{
		{"Accept", "text/html"},
		{"Accept-Encoding", "br"},
		{"Accept-Encoding", "gzip"},
		{"Cookie", "session=8521F6; theme=light"},
		{"User-Agent", "Mozilla/5.0 (iPhone)"},
		{"X-Forwarded-For", "203.0.113.195, 70.41.3.18"},
		{"Referer", "https://developer.example.org/"},
	},
	Cookies:   []Cookie{{"wp%20user", "x"}},
	IP:        netip.MustParseAddr("203.0.113.7"),
	Country:   "GB",
	Continent: "EU",
	ASN:       13335,
	BotScore:  12,
	Lists:     map[string][]string{"hosts": {"WWW.example.com"}, "nets": {"203.0.113.0/24"}, "asns": {"13335"}},
}

func TestEvalFields(t *testing.T) {
	env, err := NewEnv(sampleRequest)
	if err != nil {
		t.Fatal(err)
	}
	true_ := []string{
		`http.host eq "www.example.com"`,
		`http.request.full_uri eq "https://www.example.com/Articles/Index.HTML?section=539061&expand=comments&tag=a&tag=b"`,
		`http.request.uri eq "/Articles/Index.HTML?section=539061&expand=comments&tag=a&tag=b"`,
		`http.request.uri.path eq "/Articles/Index.HTML"`,
		`http.request.uri.path.extension eq "html"`,
		`raw.http.request.uri.path.extension eq "HTML"`,
		`http.request.uri.query eq "section=539061&expand=comments&tag=a&tag=b"`,
		`http.request.uri.args["tag"][1] eq "b"`,
		`len(http.request.uri.args["tag"]) eq 2`,
		`http.request.uri.args.names[0] eq "section"`,
		`http.request.method eq "GET"`,
		`ssl`,
		`http.cookie eq "session=8521F6; theme=light; wp%20user=x"`,
		`http.request.cookies["wp user"][0] eq "x"`,
		`http.request.cookies["theme"][0] eq "light"`,
		`any(http.request.headers["accept-encoding"][*] eq "gzip")`,
		`http.request.headers.names[1] eq "Accept-Encoding"`,
		`http.user_agent contains "iPhone"`,
		`http.referer eq "https://developer.example.org/"`,
		`http.x_forwarded_for eq "203.0.113.195, 70.41.3.18"`,
		`ip.src eq 203.0.113.7 and ip.src in {203.0.113.0/24} and ip.src in {203.0.113.1..203.0.113.9}`,
		`ip.src.country eq "GB" and ip.src.continent eq "EU" and ip.src.asnum eq 13335`,
		`ip.geoip.country eq "GB"`,
		`cf.bot_management.score lt 30`,
		`cf.edge.server_port eq 443`,
		`http.host wildcard "*.EXAMPLE.com"`,
		`http.request.uri.path wildcard "/articles/*.html"`,
		`http.request.uri.path strict wildcard "/Articles/*.HTML"`,
		`http.request.full_uri wildcard "https://www.example.com/*"`,
		`http.request.uri.path matches "(?i)^/articles/"`,
		`http.host in $hosts and ip.src in $nets and ip.src.asnum in $asns`,
		`lower(http.request.uri.path) eq "/articles/index.html"`,
		`upper(http.host) eq "WWW.EXAMPLE.COM"`,
		`starts_with(http.request.uri.path, "/Articles") and ends_with(http.request.uri.path, ".HTML")`,
		`substring(http.host, -3) eq "com" and substring(http.host, 0, 3) eq "www"`,
		`concat(http.host, http.request.uri.path) eq "www.example.com/Articles/Index.HTML"`,
		`url_decode(http.request.cookies.names[0]) eq "x" or true`,
		`has_key(http.request.headers, "accept") and not has_key(http.request.headers, "Accept")`,
		`has_value(http.request.uri.args.values, "comments")`,
		`all(http.request.headers["accept-encoding"][*] in {"br" "gzip"})`,
		`any(lower(http.request.headers.names[*])[*] eq "user-agent")`,
		`not any(http.request.headers["x-missing"][*] eq "a")`,
		`all(http.request.headers["x-missing"][*] eq "a")`,
		`not http.request.headers["x-missing"][0] eq "a"`,
		`not http.request.headers["x-missing"][0] ne "a"`,
		`ssl xor false`,
		`http.host ge "www" and http.host lt "xxx"`,
	}
	for _, src := range true_ {
		e, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if ok, why := env.Eval(e); !ok {
			t.Errorf("%s: false: %s", src, why)
		}
	}
}

func TestEvalExplanations(t *testing.T) {
	env, err := NewEnv(sampleRequest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ src, want string }{
		{`http.host eq "img.example.com"`, "`http.host eq \"img.example.com\"` was false: http.host is \"www.example.com\""},
		{`ssl and http.request.uri.path.extension in {"css" "js"}`, "`http.request.uri.path.extension in {\"css\" \"js\"}` was false: http.request.uri.path.extension is \"html\""},
		{`not ssl`, "`not ssl` was false: `ssl` was true: ssl is true"},
		{`http.host eq "a" or http.host eq "b"`, "`http.host eq \"a\" or http.host eq \"b\"` was false: http.host is \"www.example.com\""},
		{`http.request.cookies["wordpress_logged_in_*"][0] ne ""`, "`http.request.cookies[\"wordpress_logged_in_*\"][0] ne \"\"` was false: http.request.cookies[\"wordpress_logged_in_*\"] is missing (no such key)"},
		{`any(http.request.headers["accept-encoding"][*] eq "zstd")`, "`any(http.request.headers[\"accept-encoding\"][*] eq \"zstd\")` was false: no element matched; http.request.headers[\"accept-encoding\"] is [\"br\", \"gzip\"]"},
		{`cf.tls_version eq "TLSv1.3"`, "`cf.tls_version eq \"TLSv1.3\"` was false: cf.tls_version is not known offline (treated as missing)"},
		{`cf.bot_management.static_resource`, "`cf.bot_management.static_resource` was false: cf.bot_management.static_resource is not known offline (assumed false)"},
		{`http.host in $other`, "`http.host in $other` was false: http.host is \"www.example.com\"; list $other was not provided, so nothing is in it"},
		{`ssl xor true`, "`ssl xor true` was false: both sides were true; ssl is true"},
		{`(ssl and (lower(http.host) eq "x"))`, "`lower(http.host) eq \"x\"` was false: lower(http.host) is \"www.example.com\""},
		{`starts_with(http.request.uri.path, "/blog")`, "`starts_with(http.request.uri.path, \"/blog\")` was false: http.request.uri.path is \"/Articles/Index.HTML\""},
	}
	for _, tt := range tests {
		ok, why := env.Eval(MustParse(tt.src))
		if ok {
			t.Errorf("%s: true, want false", tt.src)
			continue
		}
		if why.String() != tt.want {
			t.Errorf("%s\n got: %s\nwant: %s", tt.src, why, tt.want)
		}
	}
}

func TestPathExtension(t *testing.T) {
	// The table from the field's description in index.yaml.
	for path, want := range map[string]string{
		"/foo": "", "/foo.mp3": "mp3", "/.mp3": "", "/.foo.mp3": "mp3",
		"/foo.tar.bz2": "bz2", "/foo.": "", "/foo.MP3": "mp3", "/a.b/c": "",
	} {
		if got := pathExtension(path); got != want {
			t.Errorf("pathExtension(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pat, s string
		fold   bool
		want   bool
	}{
		{"https://example.com/a/*", "https://example.com/a/", true, true},
		{"https://example.com/a/*", "https://example.com/a/sub/folder/?name=value", true, true},
		{"https://example.com/a/*", "https://example.com/ab/", true, false},
		{"https://example.com/a/*", "https://sub.example.com/a/", true, false},
		{"*.example.com/*/page.html", "http://sub.example.com/folder/page.html", true, true},
		{"*.example.com/*/page.html", "https://admin.example.com/team/subteam/page.html", true, true},
		{"*.example.com/*/page.html", "https://example.com/ab/page.html", true, false},
		{"*.example.com/*/page.html", "https://sub.example.com/folder2/page.html?s=value", true, false},
		{"*.EXAMPLE.com", "www.example.COM", true, true},
		{"*.EXAMPLE.com", "www.example.com", false, false},
		{`a\*b`, "a*b", false, true},
		{`a\*b`, "axb", false, false},
		{"*", "", false, true},
		{"", "", false, true},
		{"a*a", "a", false, false},
		{"*ab*ab", "xabyab", false, true},
	}
	for _, tt := range tests {
		w, err := parseWildcard(tt.pat)
		if err != nil {
			t.Fatalf("%q: %v", tt.pat, err)
		}
		if got := w.match(tt.s, tt.fold); got != tt.want {
			t.Errorf("wildcard %q on %q (fold=%v) = %v", tt.pat, tt.s, tt.fold, got)
		}
	}
}

func TestNewEnvErrors(t *testing.T) {
	for _, u := range []string{"", "/path", "ftp://x/", "https://"} {
		if _, err := NewEnv(Request{URL: u}); err == nil {
			t.Errorf("NewEnv(%q) succeeded", u)
		}
	}
	ok, why := Eval(MustParse("true"), Request{URL: "nope"})
	if ok || why.Detail == "" {
		t.Errorf("Eval with a bad URL = %v, %v", ok, why)
	}
}

func TestFunctionsEval(t *testing.T) {
	env, err := NewEnv(Request{
		URL:     "https://example.com/%E4%BD%A0?q=a%2520b&json=x",
		Headers: []Header{{"X-Json", `{"a":{"b":[1,"two",3]}}`}, {"X-Categories", "groceries,electronics,diy,auto"}},
		IP:      netip.MustParseAddr("113.10.0.2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		`url_decode(http.request.uri.args["q"][0]) eq "a%20b"`,
		`url_decode(http.request.uri.args["q"][0], "r") eq "a b"`,
		`lookup_json_integer(http.request.headers["x-json"][0], "a", "b", 0) eq 1`,
		`lookup_json_string(http.request.headers["x-json"][0], "a", "b", 1) eq "two"`,
		`not lookup_json_string(http.request.headers["x-json"][0], "a", "b", 0) eq "1"`,
		`split(http.request.headers["x-categories"][0], ",", 3)[2] eq "diy,auto"`,
		`join(split(http.request.headers["x-categories"][0], ",", 64), "|") eq "groceries|electronics|diy|auto"`,
		`remove_bytes(http.host, "\x2e\x65") eq "xamplcom"`,
		`to_string(ip.src) eq "113.10.0.2"`,
		`to_string(cidr(ip.src, 24, 24)) eq "113.10.0.0"`,
		`regex_replace("/foo/a/path", "^/foo/([^/]*)/(.*)$", "/bar/${2}/${1}") eq "/bar/path/a"`,
		`wildcard_replace(http.request.full_uri, "https://*.com/*", "${2}") eq "%E4%BD%A0?q=a%2520b&json=x"`,
		`remove_query_args(http.request.uri.query, "json") eq "q=a%2520b"`,
		`encode_base64("hello world") eq "aGVsbG8gd29ybGQ" and encode_base64("hello world", "p") eq "aGVsbG8gd29ybGQ="`,
		`decode_base64("MTIzYWJj") eq "123abc"`,
		`len(sha256("x")) eq 32`,
		`concat("String1", " ", "String", 2) eq "String1 String2"`,
	} {
		e, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if ok, why := env.Eval(e); !ok {
			t.Errorf("%s: %s", src, why)
		}
	}
}

func TestEvalHandBuiltTree(t *testing.T) {
	env, err := NewEnv(sampleRequest)
	if err != nil {
		t.Fatal(err)
	}
	e := &Binary{Op: OpAnd,
		X: &Compare{Op: CmpWildcard, X: &Field{Name: "http.host"}, Y: &StringLit{Value: "*.EXAMPLE.com"}},
		Y: &Compare{Op: CmpMatches, X: &Field{Name: "http.request.uri.path"}, Y: &RegexLit{Pattern: "^/Articles/"}},
	}
	if ok, why := env.Eval(e); !ok {
		t.Errorf("hand-built tree: %s", why)
	}
	if got, want := Format(&Not{X: e}), `not (http.host wildcard "*.EXAMPLE.com" and http.request.uri.path matches "^/Articles/")`; got != want {
		t.Errorf("Format = %s, want %s", got, want)
	}
}

// TestEvalToIsEval: EvalTo writes exactly Eval's Explanation.String(),
// after whatever b holds, for every corpus expression against every corpus
// request, and for the explanation table's cases (rules explain prints
// EvalTo's text where it printed Eval's).
func TestEvalToIsEval(t *testing.T) {
	c, envs := loadCorpus(t)
	srcs := []string{
		`starts_with(http.request.uri.path, "/x") and ssl`,
		`ends_with(http.cookie, "x")`,
		`starts_with(http.cookie, http.host)`,
		`starts_with(lower(http.request.uri.path), "/x")`,
		`http.cookie eq "x"`,
		`http.request.headers["accept"][0] eq "x"`,
		`http.request.headers["x-missing"][*] eq "x"`,
		`starts_with(http.request.headers["x-missing"][0], "x")`,
		`cf.tls_version eq "x"`,
		`starts_with(cf.tls_version, "x")`,
		`concat("a", "b") eq "c"`,
		`http.host in $other`,
		`(http.host eq "x")`,
		`not http.host eq "www.example.com"`,
		`http.cookie contains "a; b" or http.cookie eq "a; b"`,
		`(ssl and http.host eq "x") and ssl`,
		`ssl and (http.host eq "www.example.com" and not ssl)`,
		`ssl and ((http.host eq "www.example.com")) and ssl and http.request.method eq "POST"`,
		`http.request.headers["accept-encoding"][*] eq "br" and http.request.headers["accept-encoding"][*] eq "gzip"`,
		`http.request.headers["x-missing"][0] eq "a" and ssl`,
		`ssl and http.request.headers["x-missing"][*] eq "a"`,
	}
	for _, cc := range c.Cases {
		srcs = append(srcs, cc.Expr)
	}
	env, err := NewEnv(sampleRequest)
	if err != nil {
		t.Fatal(err)
	}
	envs["sample"] = env
	envs["semicolons"], err = NewEnv(Request{URL: "https://h.example.com/a;%20b/x;y?q=1;2",
		Headers: []Header{{"Cookie", "a=1; b; b; c=2"}, {"Accept", "x; y"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range srcs {
		e, err := Parse(src)
		if err != nil {
			continue
		}
		for name, env := range envs {
			ok, why := env.Eval(e)
			var b strings.Builder
			b.WriteString("before|")
			if got := env.EvalTo(&b, e); got != ok {
				t.Errorf("%s on %s: EvalTo %v, Eval %v", src, name, got, ok)
			}
			if want := "before|" + why.String(); b.String() != want {
				t.Errorf("%s on %s:\n got: %s\nwant: %s", src, name, b.String(), want)
			}
		}
	}
}

// writeQuotedBytewise is writeQuoted as it was, one byte at a time: the
// reference the run-at-a-time version must match.
func writeQuotedBytewise(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c < 0x20 || c == 0x7f:
			writeHexEscape(b, c)
			i++
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				writeHexEscape(b, c)
				i++
				continue
			}
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	b.WriteByte('"')
}

func TestWriteQuotedIsBytewise(t *testing.T) {
	cases := []string{"", "plain", `"`, `\`, `a"b\c`, "\x00\x1f\x7f", "tab\there", "é ü 😀", "\xff", "a\xffb",
		"\xe2\x82", "x\xe2\x82", "€\xe2", "end\\", `"start`, "mixed é\"\\\n\x7f\xc0\xafz", "\u2028\ufffd"}
	for i := range 256 {
		cases = append(cases, string([]byte{byte(i)}), "a"+string([]byte{byte(i)})+"b")
	}
	for _, s := range cases {
		var got, want strings.Builder
		writeQuoted(&got, s)
		writeQuotedBytewise(&want, s)
		if got.String() != want.String() {
			t.Errorf("%q: got %s, want %s", s, got.String(), want.String())
		}
	}
}
