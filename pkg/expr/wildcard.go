package expr

import (
	"fmt"
	"strings"
)

// wildcardPattern is a parsed `wildcard` / `strict wildcard` operand: literal
// parts separated by `*`, which matches any run of characters (including
// none). The whole value must match. `\*` is a literal star and `\\` a literal
// backslash; any other escape, and `**`, are invalid (Cloudflare's rules).
type wildcardPattern struct {
	parts []string // len(parts) = number of stars + 1
	lower []string // ASCII-lowercased parts, for the case-insensitive operator
}

func parseWildcard(s string) (*wildcardPattern, error) {
	w := &wildcardPattern{}
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("wildcard pattern ends with a lone `\\` (write `\\\\` for a backslash)")
			}
			n := s[i+1]
			if n != '*' && n != '\\' {
				return nil, fmt.Errorf("invalid escape `\\%c` in wildcard pattern: only `\\*` and `\\\\` are allowed", n)
			}
			cur.WriteByte(n)
			i++
			prevStar = false
		case '*':
			if prevStar {
				return nil, fmt.Errorf("wildcard pattern contains `**`, which Cloudflare rejects")
			}
			w.parts = append(w.parts, cur.String())
			cur.Reset()
			prevStar = true
		default:
			cur.WriteByte(c)
			prevStar = false
		}
	}
	w.parts = append(w.parts, cur.String())
	w.lower = make([]string, len(w.parts))
	for i, p := range w.parts {
		w.lower[i] = asciiLower(p)
	}
	return w, nil
}

// match reports whether the whole of s matches; fold selects the
// case-insensitive (ASCII) comparison of the `wildcard` operator.
func (w *wildcardPattern) match(s string, fold bool) bool {
	parts := w.parts
	if fold {
		parts = w.lower
		s = asciiLower(s)
	}
	if len(parts) == 1 {
		return s == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// asciiLower lowercases ASCII letters only, like Cloudflare's lower().
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
