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
