package expr

import "testing"

// The header and cookie arrays and maps, checked against the examples of
// Cloudflare's own documentation:
//   - fields: src/content/fields/index.yaml in cloudflare/cloudflare-docs
//     (commit 0026d94e5cfaf580bdb1871f5dc1380029fd9c28), the entries
//     http.request.headers, .names, .values and http.request.cookies;
//   - values: src/content/docs/ruleset-engine/rules-language/values.mdx,
//     "Arrays" and "Maps".
func TestEvalHeaderArraysAsCloudflareDocs(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		src  string
		want bool
	}{
		// fields, http.request.headers: keys lower-cased, example value
		// {"content-type": ["application/json"]}.
		{"headers example", Request{Headers: []Header{{"Content-Type", "application/json"}}},
			`any(http.request.headers["content-type"][*] == "application/json")`, true},
		{"headers keys are lower-case", Request{Headers: []Header{{"Content-Type", "application/json"}}},
			`any(http.request.headers["Content-Type"][*] == "application/json")`, false},
		// fields, http.request.headers: "When there are repeating headers,
		// the array includes them in the order they appear in the request."
		{"repeated header, in order", Request{Headers: []Header{{"Accept-Encoding", "gzip, br"}, {"accept-encoding", "zstd"}}},
			`http.request.headers["accept-encoding"][0] == "gzip, br" and http.request.headers["accept-encoding"][1] == "zstd"`, true},
		{"one header's list is one value", Request{Headers: []Header{{"Accept-Encoding", "gzip, br"}}},
			`len(http.request.headers["accept-encoding"]) == 1 and not any(http.request.headers["accept-encoding"][*] == "br")`, true},
		// fields, http.request.headers.names: original case over HTTP/1.1;
		// "In HTTP/2, the names of HTTP headers are always in lowercase",
		// with the example any(http.request.headers.names[*] == "content-type").
		{"names example over HTTP/2", Request{HTTPVersion: "HTTP/2", Headers: []Header{{"Content-Type", "application/json"}}},
			`any(http.request.headers.names[*] == "content-type")`, true},
		{"names over HTTP/3", Request{HTTPVersion: "HTTP/3", Headers: []Header{{"X-Tier", "gold"}}},
			`http.request.headers.names[0] == "x-tier"`, true},
		{"names keep their case over HTTP/1.1", Request{Headers: []Header{{"Content-Type", "application/json"}}},
			`any(http.request.headers.names[*] == "content-type")`, false},
		// values, Arrays examples (HTTP/1.1, case sensitive).
		{"values.mdx names[0]", Request{Headers: []Header{{"Content-Type", "text/html"}}},
			`http.request.headers.names[0] == "Content-Type"`, true},
		{"values.mdx any names", Request{Headers: []Header{{"Accept", "*/*"}, {"Content-Type", "text/html"}}},
			`any(http.request.headers.names[*] == "Content-Type")`, true},
		{"values.mdx any lower names", Request{Headers: []Header{{"CONTENT-TYPE", "text/html"}}},
			`any(lower(http.request.headers.names[*])[*] == "content-type")`, true},
		// fields, http.request.headers.values, examples 1 and 2; duplicate
		// headers are listed multiple times, in the order of .names.
		{"values example 1", Request{Headers: []Header{{"Accept", "text/html"}, {"Content-Type", "application/json"}}},
			`any(http.request.headers.values[*] == "application/json")`, true},
		{"values example 2", Request{Headers: []Header{{"X-Note", "This header value is longer than 10 bytes"}}},
			`any(len(http.request.headers.values[*])[*] gt 10)`, true},
		{"values example 2, short values", Request{Headers: []Header{{"X-Note", "short"}}},
			`any(len(http.request.headers.values[*])[*] gt 10)`, false},
		{"values duplicates, matching names", Request{Headers: []Header{{"X-A", "1"}, {"X-B", "2"}, {"X-A", "3"}}},
			`http.request.headers.names[2] == "X-A" and http.request.headers.values[2] == "3" and len(http.request.headers.values) == 3`, true},
		// values, Maps: a single Accept: application/json header.
		{"values.mdx map any", Request{Headers: []Header{{"Accept", "application/json"}}},
			`any(http.request.headers["accept"][*] == "application/json")`, true},
		{"values.mdx map any false", Request{Headers: []Header{{"Accept", "application/json"}}},
			`any(http.request.headers["accept"][*] == "text/plain")`, false},
		// values, Maps: ?filter=waf&filter=botm&filter=cdn.
		{"values.mdx all len in", Request{URL: "https://example.com/?filter=waf&filter=botm&filter=cdn"},
			`all(len(http.request.uri.args["filter"][*])[*] in {3 4})`, true},
		{"values.mdx all not len in", Request{URL: "https://example.com/?filter=waf&filter=botm&filter=cdn"},
			`all(not len(http.request.uri.args["filter"][*])[*] in {3 4})`, false},
		{"values.mdx has key", Request{URL: "https://example.com/?filter=waf&filter=botm&filter=cdn"},
			`len(http.request.uri.args["filter"]) >= 0`, true},
		{"values.mdx lacks key", Request{URL: "https://example.com/?filter=waf&filter=botm&filter=cdn"},
			`not len(http.request.uri.args["order"]) >= 0`, true},
		// fields, http.request.cookies: example {"app": ["test"]}; names
		// are URL-decoded and same-named cookies merged.
		{"cookies example", Request{Headers: []Header{{"Cookie", "app=test"}}},
			`any(http.request.cookies["app"][*] == "test")`, true},
		{"cookies merged after decoding", Request{Headers: []Header{{"Cookie", "app=test; a%70p=two"}}},
			`http.request.cookies["app"][1] == "two"`, true},
		// Cookies given apart (explain's --cookie) travel in the Cookie
		// header as a client sends them: the header fields see them too.
		{"cookies given apart are in the Cookie header", Request{Cookies: []Cookie{{"app", "test"}}},
			`any(http.request.headers.names[*] == "Cookie") and http.request.headers["cookie"][0] == "app=test"`, true},
		{"cookies given apart join the Cookie header sent", Request{Headers: []Header{{"Cookie", "a=1"}}, Cookies: []Cookie{{"b", "2"}}},
			`len(http.request.headers["cookie"]) == 1 and any(http.request.headers.values[*] == "a=1; b=2") and http.cookie == "a=1; b=2"`, true},
		{"cookies given apart over HTTP/2", Request{HTTPVersion: "HTTP/2", Cookies: []Cookie{{"b", "2"}}},
			`any(http.request.headers.names[*] == "cookie") and any(http.request.cookies["b"][*] == "2")`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			if r.URL == "" {
				r.URL = "https://www.example.com/"
			}
			e := MustParse(tt.src)
			if probs := Check(e, Options{}); HasErrors(probs) {
				t.Fatalf("%s: Check: %v", tt.src, probs)
			}
			env, err := NewEnv(r)
			if err != nil {
				t.Fatal(err)
			}
			if got, why := env.Eval(e); got != tt.want {
				t.Errorf("%s = %v, want %v (%s)", tt.src, got, tt.want, why)
			}
		})
	}
}

// values.mdx, Arrays: "you cannot use [*] with the == operator outside the
// context of an enclosing function call": the bare comparison is invalid (so
// never deployed), and Cloudflare's engine refuses an Array<Bool> as a whole
// filter (wirefilter engine/src/ast/mod.rs, FilterAst::lex_with). Only any()
// turns the per-element results into "true when any element matches".
func TestEvalBareUnpackedComparisonIsInvalid(t *testing.T) {
	for _, src := range []string{
		`http.request.headers.names[*] == "Content-Type"`,
		`http.request.headers.values[*] contains "json"`,
		`http.request.headers["accept"][*] == "application/json"`,
	} {
		e := MustParse(src)
		if !HasErrors(Check(e, Options{})) {
			t.Errorf("%s: Check found no error; Cloudflare refuses it", src)
		}
		env, err := NewEnv(Request{URL: "https://example.com/", Headers: []Header{{"Content-Type", "application/json"}, {"Accept", "application/json"}}})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := env.Eval(e); ok {
			t.Errorf("%s: true; an invalid expression never matches", src)
		}
	}
}

// cf.edge.server_port is the port the request reached Cloudflare on: the
// URL's when it names one, else 80 for http and 443 for https.
func TestEvalServerPortFromURL(t *testing.T) {
	for _, tt := range []struct {
		url  string
		port int64
	}{
		{"http://www.example.com/", 80},
		{"https://www.example.com/", 443},
		{"https://www.example.com:8443/a.css", 8443},
		{"http://www.example.com:8080", 8080},
		{"http://www.example.com:2052?x=1", 2052},
		{"https://[2001:db8::1]:2053/", 2053},
		{"https://[2001:db8::1]/", 443},
		{"https://www.example.com:443/", 443},
	} {
		env, err := NewEnv(Request{URL: tt.url})
		if err != nil {
			t.Fatal(err)
		}
		e := &Compare{X: &Field{Name: "cf.edge.server_port"}, Op: CmpEq, Y: &IntLit{Value: tt.port}}
		if ok, why := env.Eval(e); !ok {
			t.Errorf("%s: %s", tt.url, why)
		}
	}
}
