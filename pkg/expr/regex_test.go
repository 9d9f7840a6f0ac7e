package expr

import (
	"strings"
	"testing"
)

// TestCheckRustRegexMatchesCompile: Parse only checks a pattern's syntax
// (checkRustRegex) and compiles it on first evaluation; the verdict and
// the message must be compileRustRegex's.
func TestCheckRustRegexMatchesCompile(t *testing.T) {
	patterns := []string{
		`^/c/[0-9]+$`, `(?i)^/blog/`, `(?u)\p{Hangul}+`, `(?iu)x`, `(?u:a)b`, `\.(jpg|png)$`,
		`a{1001}`, `a{2,1}`, `(?P<n>a)(?P<n>b)`, `(?P<>a)`, `[z-a]`, `(?i`, `x**`, `a++`, `\8`, `\pX`,
		`(`, `)`, `[`, `]`, `\`, `[[:foo:]]`, `(?<n>a)`, `\Q*\E`, `\z`, `\Z`, `x{0}{0}`,
		strings.Repeat("(", 1001) + strings.Repeat(")", 1001), strings.Repeat(`(a{100}){100}`, 3),
	}
	for _, p := range patterns {
		_, want := compileRustRegex(p)
		if got := checkRustRegex(p); got != want {
			t.Errorf("%q: checkRustRegex says %q, compileRustRegex %q", p, got, want)
		}
	}
}

// TestPlainRegexSyntax: checkRustRegex skips the parse of a pattern
// plainRegexSyntax accepts; its verdict and message must still be
// compileRustRegex's for every pattern of up to five characters over
// the alphabet of regular-expression syntax (3.4 million), and
// the shortcut must be taken for the plain patterns rules are written with.
func TestPlainRegexSyntax(t *testing.T) {
	if testing.Short() {
		t.Skip("every short pattern")
	}
	const alphabet = `a0()|*+?[]^-\d.${u:`
	var b []byte
	var walk func(n int)
	walk = func(n int) {
		p := string(b)
		if plainRegexSyntax(p) {
			if _, msg := compileRustRegex(p); msg != "" {
				t.Errorf("%q: taken as plain, but compiling it says %q", p, msg)
			}
		}
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			b = append(b, alphabet[i])
			walk(n - 1)
			b = b[:len(b)-1]
		}
	}
	walk(5)
	for _, p := range []string{`^/c/[0-9]+$`, `\.(jpg|png|gif)$`, `^/api/v[0-9]+/`, `^/(en|de|fr)/.*\.html?$`,
		`[a-zA-Z0-9_\-]+`, `^/static/.+\.[a-f0-9]+\.js$`, `^/blog/(?:`[:7], `\w+@\S+|^$`} {
		if !plainRegexSyntax(p) {
			t.Errorf("%q: not taken as plain", p)
		}
	}
	for _, p := range []string{`[(?u)]`, `(?i)a`, `a{2}`, `[[:alpha:]]`, `\pL`, `é`, "a\tb", `a**`, `*a`, `(a`, `a)`, `[z-a]`, `[a`, `\`, `\8`} {
		if plainRegexSyntax(p) {
			t.Errorf("%q: taken as plain", p)
		}
	}
}

// FuzzPlainRegexSyntax: a pattern plainRegexSyntax accepts compiles.
func FuzzPlainRegexSyntax(f *testing.F) {
	for _, p := range []string{`^/c/[0-9]+$`, `[]a-]`, `[^\]-a]`, `(a|)*?`, `\_\ \.`, `[--/]`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !plainRegexSyntax(p) {
			return
		}
		if _, msg := compileRustRegex(p); msg != "" {
			t.Errorf("%q: taken as plain, but compiling it says %q", p, msg)
		}
	})
}

// TestRegexPatternText: a quoted pattern is the string's text, except
// that `\"` outside a character class stands for `"`.
func TestRegexPatternText(t *testing.T) {
	for src, want := range map[string]string{
		`"^/c/[0-9]+$"`:       `^/c/[0-9]+$`,
		`"a\"b"`:              `a"b`,
		`"\"a[\"]\"\."`:       `"a[\"]"\.`,
		`"[\"]"`:              `[\"]`,
		`"["]"`:               `["]`,
		`"\\\"x"`:             `\\"x`,
		`"\d+\"\"[^"\]]*\"$"`: `\d+""[^"\]]*"$`,
	} {
		e, err := parseSource(`http.host matches ` + src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := e.(*Compare).Y.(*RegexLit).Pattern; got != want {
			t.Errorf("%s: pattern %q, want %q", src, got, want)
		}
	}
}
