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
	if plainRegexSyntax(pattern) {
		return ""
	}
	if _, err := syntax.Parse(dropUnicodeFlag(pattern), syntax.Perl); err != nil {
		return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	}
	return ""
}

// plainRegexSyntax reports whether pattern is written only with syntax that
// regexp/syntax.Parse always accepts, so that checking it needs no parse:
// printable ASCII literals, `.`, `^`, `$`, `|`, groups without flags, `*`,
// `+` and `?` (lazy or not) after something to repeat, escapes of
// punctuation and `\d \s \w \b \A \z` and their negations, and bracket
// classes of literals, escaped punctuation and ascending ranges. Anything
// else (flags, counted repetition, Unicode, POSIX classes, ...) is left to
// syntax.Parse, which gives the messages: false never means invalid. A
// `matches` pattern is usually this plain, and parsing it built a tree of
// about 1 kB only to be dropped (docs/performance.md, "Against start-up").
// TestPlainRegexSyntax holds it to syntax.Parse.
func plainRegexSyntax(p string) bool {
	// Short, shallow patterns: no size or nesting limit of syntax.Parse
	// can be reached.
	const maxLen, maxDepth = 1000, 50
	// An inline flag group is what dropUnicodeFlag rewrites, wherever
	// it is (even inside a class): leave such a pattern to the parse.
	if len(p) > maxLen || strings.Contains(p, "(?") {
		return false
	}
	depth := 0
	repeatable := false // the last item can take `*`, `+` or `?`
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '(':
			if i+1 < len(p) && p[i+1] == '?' {
				return false // flags or a named group
			}
			if depth++; depth > maxDepth {
				return false
			}
			repeatable = false
			i++
		case ')':
			if depth--; depth < 0 {
				return false
			}
			repeatable = true
			i++
		case '|', '^', '$':
			repeatable = false
			i++
		case '*', '+', '?':
			if !repeatable {
				return false // nothing to repeat, or a repetition repeated
			}
			i++
			if i < len(p) && p[i] == '?' {
				i++
			}
			repeatable = false
		case '{':
			return false
		case '[':
			n := plainClassLen(p[i:])
			if n == 0 {
				return false
			}
			repeatable = true
			i += n
		case '\\':
			if i+1 >= len(p) {
				return false
			}
			switch e := p[i+1]; {
			case strings.IndexByte("dDsSwW", e) >= 0 || isPunct(e):
				repeatable = true
			case strings.IndexByte("bBAz", e) >= 0:
				repeatable = false
			default:
				return false
			}
			i += 2
		default:
			if c < ' ' || c > '~' {
				return false
			}
			repeatable = true
			i++
		}
	}
	return depth == 0
}

// plainClassLen is the length of the plain bracket class at the start of
// s (see plainRegexSyntax), or 0. It follows regexp/syntax's parseClass:
// a `]` first is a literal, `-` before anything but the closing `]` makes
// a range.
func plainClassLen(s string) int {
	i := 1
	if i < len(s) && s[i] == '^' {
		i++
	}
	for first := true; ; first = false {
		if i >= len(s) {
			return 0
		}
		if s[i] == ']' && !first {
			return i + 1
		}
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("dDsSwW", s[i+1]) >= 0 {
			i += 2
			continue
		}
		lo, n := plainClassChar(s[i:])
		if n == 0 {
			return 0
		}
		i += n
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			hi, n := plainClassChar(s[i+1:])
			if n == 0 || hi < lo {
				return 0
			}
			i += 1 + n
		}
	}
}

// plainClassChar reads one character of a plain class: printable ASCII
// other than `[` and `\`, or `\` and punctuation. It returns the character
// and its length, 0 when it is anything else.
func plainClassChar(s string) (byte, int) {
	switch c := s[0]; {
	case c == '\\':
		if len(s) > 1 && isPunct(s[1]) {
			return s[1], 2
		}
	case c >= ' ' && c <= '~' && c != '[':
		return c, 1
	}
	return 0, 0
}

// isPunct reports printable ASCII that is neither a letter nor a digit:
// escaped, it always stands for itself in regexp/syntax.
func isPunct(c byte) bool {
	return c >= ' ' && c <= '~' && !isIdentChar(c) || c == '_'
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
