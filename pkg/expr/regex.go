package expr

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// Cloudflare evaluates `matches` with Rust's regex crate; Go's regexp is the
// same RE2 family and accepts nearly the same syntax. Known differences:
//   - Rust's `u` flag (Unicode mode, on by default) does not exist in Go; it is
//     dropped before compiling, e.g. `(?u)\p{Hangul}+`.
//   - Rust-only syntax Go rejects: verbose mode `(?x)`, class set operations
//     `[a-z&&[^aeiou]]`, `--`, `~~`, word-boundary assertions `\<`, `\>` and
//     `\b{start}`; such patterns are reported as unchecked, not invalid.
//   - `\d`, `\w`, `\s` and `\b` are Unicode-aware in Rust and ASCII-only in Go,
//     so non-ASCII input may match differently offline.
//   - Rust caps the compiled size of a regex; very large repetition counts that
//     Go accepts (up to 1000) may be refused by Cloudflare.

// compileRustRegex compiles a Cloudflare (Rust) pattern with Go's regexp after
// translating the differences above. It returns the error text when Go cannot
// compile it.
func compileRustRegex(pattern string) (*regexp.Regexp, string) {
	re, err := regexp.Compile(dropUnicodeFlag(pattern))
	if err != nil {
		return nil, strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	}
	return re, ""
}

// checkRustRegex is compileRustRegex's error without compiling: the
// syntax is all regexp.Compile checks (regexp.compile fails only where
// regexp/syntax.Parse does, in the mode regexp.Compile uses).
func checkRustRegex(pattern string) string {
	if _, err := syntax.Parse(dropUnicodeFlag(pattern), syntax.Perl); err != nil {
		return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	}
	return ""
}

// dropUnicodeFlag removes the `u` flag from inline flag groups: `(?u)` is
// deleted, `(?iu)` becomes `(?i)`, `(?u:x)` becomes `(?:x)`.
func dropUnicodeFlag(p string) string {
	if !strings.Contains(p, "u") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		if c == '(' && i+1 < len(p) && p[i+1] == '?' {
			j := i + 2
			for j < len(p) && (p[j] == '-' || (p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')) {
				j++
			}
			if j < len(p) && (p[j] == ')' || p[j] == ':') {
				flags := strings.ReplaceAll(p[i+2:j], "u", "")
				if flags == "-" {
					flags = ""
				}
				flags = strings.TrimSuffix(flags, "-")
				if p[j] == ')' && flags == "" {
					i = j
					continue
				}
				b.WriteString("(?")
				b.WriteString(flags)
				b.WriteByte(p[j])
				i = j
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// rustOnlySyntax reports a Rust-only construct in the pattern, or "".
func rustOnlySyntax(p string) string {
	switch {
	case strings.Contains(p, "(?x"), strings.Contains(p, "(?ix"), strings.Contains(p, "(?sx"), strings.Contains(p, "(?mx"):
		return "verbose mode (?x)"
	case strings.Contains(p, `\<`), strings.Contains(p, `\>`), strings.Contains(p, `\b{`), strings.Contains(p, `\B{`):
		return "word-boundary assertions"
	}
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '[' {
			inClass = true
			continue
		}
		if c == ']' {
			inClass = false
			continue
		}
		if inClass && i+1 < len(p) && (c == '&' || c == '-' || c == '~') && p[i+1] == c {
			return "character-class set operations (`&&`, `--`, `~~`)"
		}
	}
	return ""
}
