package expr

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{`true`, `true`},
		{`ssl`, `ssl`},
		{`!ssl`, `not ssl`},
		{`http.host == "a" && ssl || !ssl ^^ ssl`, `http.host eq "a" and ssl or not ssl xor ssl`},
		{`http.host != "a"`, `http.host ne "a"`},
		{`ip.src.asnum < 1 or ip.src.asnum <= 2 or ip.src.asnum > 3 or ip.src.asnum >= 4`, `ip.src.asnum lt 1 or ip.src.asnum le 2 or ip.src.asnum gt 3 or ip.src.asnum ge 4`},
		{`http.host ~ "^a"`, `http.host matches "^a"`},
		{`http.host  strict   wildcard "*.a"`, `http.host strict wildcard "*.a"`},
		{"http.host\n  eq\r\n\"a\"", `http.host eq "a"`},
		{`ip.src.asnum in {1..10 0x10 010 -5}`, `ip.src.asnum in {1..10 16 8 -5}`},
		{`ip.src in {2001:0DB8::/32 ::1 10.0.0.0..10.0.0.255}`, `ip.src in {2001:db8::/32 ::1 10.0.0.0..10.0.0.255}`},
		{`ip.src eq ::ffff:1.2.3.4`, `ip.src eq ::ffff:1.2.3.4`},
		{`ip.src eq abcd::1`, `ip.src eq abcd::1`},
		{`http.host eq "a\"b\\c\x41\101\x00"`, `http.host eq "a\"b\\cAA\x00"`},
		{`http.host eq r"a\b"`, `http.host eq r"a\b"`},
		{`http.host eq r##"a"#b"##`, `http.host eq r##"a"#b"##`},
		{`http.host eq r#"plain"#`, `http.host eq r"plain"`},
		{`http.host matches "a\.b\"c[\"]"`, `http.host matches "a\.b\"c[\"]"`},
		{`http.host matches r"^a\d+$"`, `http.host matches r"^a\d+$"`},
		{`http.request.headers["x"][0] eq "y"`, `http.request.headers["x"][0] eq "y"`},
		{`any(lower(http.request.headers.names[ * ])[*] eq "a")`, `any(lower(http.request.headers.names[*])[*] eq "a")`},
		{`concat( "a" , http.host ,1) eq "x"`, `concat("a", http.host, 1) eq "x"`},
		{`(((ssl)))`, `(((ssl)))`},
		{`not (ssl and ssl)`, `not (ssl and ssl)`},
		{`http.host in $my_list_1`, `http.host in $my_list_1`},
		{`cf.response.1xxx_code eq 1020`, `cf.response.1xxx_code eq 1020`},
		{`http.host eq "日本"`, `http.host eq "日本"`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := Format(e); got != tt.want {
			t.Errorf("Format(Parse(%q)) = %q, want %q", tt.in, got, tt.want)
		}
		e2, err := Parse(Format(e))
		if err != nil || !Equal(e, e2) {
			t.Errorf("round trip of %q failed: %v", tt.in, err)
		}
	}
}

func TestPrecedence(t *testing.T) {
	// not > and > xor > or
	e := MustParse(`not a or b xor c and d`)
	or, ok := e.(*Binary)
	if !ok || or.Op != OpOr {
		t.Fatalf("top is %T %v, want or", e, Format(e))
	}
	if n, ok := or.X.(*Not); !ok || Format(n.X) != "a" {
		t.Errorf("left of or = %s, want not a", Format(or.X))
	}
	xor, ok := or.Y.(*Binary)
	if !ok || xor.Op != OpXor {
		t.Fatalf("right of or = %s, want xor", Format(or.Y))
	}
	and, ok := xor.Y.(*Binary)
	if !ok || and.Op != OpAnd || Format(and) != "c and d" {
		t.Errorf("right of xor = %s, want c and d", Format(xor.Y))
	}
	// left-associative
	e = MustParse(`a and b and c`)
	if b := e.(*Binary); Format(b.X) != "a and b" || Format(b.Y) != "c" {
		t.Errorf("a and b and c grouped as %s / %s", Format(b.X), Format(b.Y))
	}
	// not applies to the whole comparison
	e = MustParse(`not http.host eq "a"`)
	if n, ok := e.(*Not); !ok || n.X.(*Compare).Op != CmpEq {
		t.Errorf("not http.host eq \"a\" parsed as %#v", e)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `1:1: expected an expression, found the end of the expression`},
		{`http.host eq )`, "1:14: expected a value after `eq`, found `)`"},
		{`(http.host eq )`, "1:15: expected a value after `eq`, found `)`"},
		{`http.host eq`, "1:13: expected a value after `eq`, found the end of the expression"},
		{`http.host eq "a"` + "\n  and ip.src in 1.2.3.4", "2:17: expected `{` or a list name `$name` after `in`, found `1.2.3.4` (a set needs braces: `{1.2.3.4}`)"},
		{`(ssl`, "1:5: expected `)` to close the `(` at 1:1, found the end of the expression"},
		{`ssl)`, "1:4: unexpected `)` with no matching `(`"},
		{`ssl ssl`, "1:5: expected a comparison operator or `and`/`or` after `ssl`, found `ssl`"},
		{`http.host = "a"`, "1:11: expected a comparison operator or `and`/`or` after `http.host`, found `=` (use `eq` or `==` to compare)"},
		{`http.host EQ "a"`, "1:11: expected a comparison operator or `and`/`or` after `http.host`, found `EQ` (operators must be written in lower case)"},
		{`http.host eq http.referer`, "1:14: expected a value after `eq`, found `http.referer` (the right-hand side must be a literal; comparing two fields is not supported)"},
		{`"a" eq http.host`, "1:1: expected a field or function call on the left of `eq`, found a string"},
		{`http.host eq "abc`, "1:14: string is not closed: missing `\"`"},
		{`http.host eq "a\nb"`, "1:16: invalid escape `\\n` in string: only `\\\"`, `\\\\`, `\\xHH` and `\\OOO` are allowed (use a raw string r\"...\" to avoid escaping)"},
		{`http.host eq r#"abc"`, "1:14: raw string is not closed: missing `\"#`"},
		{`http.host in {"a" "b"`, "1:22: expected `}` to close the set opened at 1:14, found the end of the expression"},
		{`http.host in {"a", "b"}`, "1:18: set elements are separated by spaces, not commas"},
		{`ip.src in {10.0.0.1/8}`, "1:12: invalid CIDR `10.0.0.1/8`: the address has bits set outside the /8 prefix (did you mean `10.0.0.0/8`?)"},
		{`ip.src eq 10.0.0.0/8`, "1:11: a CIDR `10.0.0.0/8` can only be used in a set: write `in {10.0.0.0/8}`"},
		{`ip.src in {10.0.0.9..10.0.0.1}`, "1:12: invalid IP range `10.0.0.9..10.0.0.1`: the start is after the end"},
		{`ip.src in {10.0.0.1..::1}`, "1:12: invalid IP range `10.0.0.1..::1`: both ends must be IPv4 or both IPv6"},
		{`ip.src.asnum in {10..1}`, "1:18: invalid integer range `10..1`: the start is after the end"},
		{`ip.src.asnum eq 1..2`, "1:17: a range `1..2` is only allowed inside a set `{...}`"},
		{`ip.src eq 1.2.3`, "1:11: invalid IP address `1.2.3`"},
		{`ip.src.asnum eq 12abc`, "1:17: invalid integer `12abc`"},
		{`http.request.headers[foo] eq "a"`, "1:22: expected a map key (a string), an array index (a number) or `*` inside `[...]`, found `foo`"},
		{`http.request.headers["a" eq "b"`, "1:26: expected `]` to close the `[` at 1:21, found `eq`"},
		{`lower(http.host eq "a"`, "1:23: expected `,` or `)` in the call to `lower`, found the end of the expression"},
		{`lower(, ) eq "a"`, "1:7: expected an argument to `lower(`, found `,`"},
		{`http.host matches 1`, "1:19: expected a regular expression string after `matches`, found `1`"},
		{`http.host wildcard 1`, "1:20: expected a string after `wildcard`, found `1`"},
		{`http.host eq {"a"}`, "1:14: expected a value after `eq`, found `{` (use `in` to compare with a set)"},
		{`and ssl`, "1:1: expected an expression, found `and`"},
		{`http.x.(a)`, "1:7: expected a comparison operator or `and`/`or` after `http.x`, found `.`"},
		{`http.request.uri.path ends_with ".html"`, "1:23: expected a comparison operator or `and`/`or` after `http.request.uri.path`, found `ends_with` (`ends_with` is a function: write ends_with(field, value))"},
		{"http.host eq \"a\"\n\nor\n  http.host eq (", "4:16: expected a value after `eq`, found `(`"},
		{`http.host eq "日本" or ip.src eq (`, "1:32: expected a value after `eq`, found `(`"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error %q", tt.in, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%q)\n got: %s\nwant: %s", tt.in, err, tt.want)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	src := strings.Repeat("(", 1000) + "ssl" + strings.Repeat(")", 1000)
	if _, err := Parse(src); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: %v", err)
	}
	src = strings.Repeat("not ", 1000) + "ssl"
	if _, err := Parse(src); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep not: %v", err)
	}
}

// Cloudflare's parser does not take a tab as whitespace (issue 12 §3): the
// expression is refused at the tab's column, even when it parses otherwise.
func TestParseRefusesTabsAndControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		want      string
	}{
		{"http.host eq\t\"a.example\"", 1, 13, "a tab"},
		{"\thttp.host eq \"a.example\"", 1, 1, "a tab"},
		{"http.host eq \"a\" and\n\tssl", 2, 1, "a tab"},
		{"http.host in {\"a\"\t\"b\"}", 1, 18, "a tab"},
		{"http.host eq \"a\"\x0b", 1, 17, "U+000B"},
		{"http.host eq\t", 1, 13, "a tab"}, // before the later "missing value" error
	} {
		_, err := Parse(tc.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tc.src, err)
			continue
		}
		if int(se.Pos.Line) != tc.line || int(se.Pos.Col) != tc.col || !strings.Contains(se.Msg, tc.want) {
			t.Errorf("Parse(%q) error at %d:%d %q, want %d:%d mentioning %q", tc.src, se.Pos.Line, se.Pos.Col, se.Msg, tc.line, tc.col, tc.want)
		}
	}
	// A tab inside a string literal is data, not a separator.
	if _, err := Parse("http.request.uri.path eq \"/a\tb\""); err != nil {
		t.Errorf("tab inside a string: %v", err)
	}
}
