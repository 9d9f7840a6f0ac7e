package expr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format prints e in canonical form: English operator spellings (`eq`, `and`,
// `not`), single spaces, the author's parentheses kept, strings re-escaped
// minimally, raw strings kept raw with as few `#` as possible, numbers in
// decimal and IPv6 addresses compressed. Parse(Format(e)) is Equal to e for
// any e returned by Parse.
func Format(e Expr) string {
	if f, ok := e.(*Field); ok {
		return f.Name
	}
	// Room for a typical comparison or call, so that the builder does not
	// grow from 8 bytes through every power of two (explain formats a
	// sub-expression of every rule that does not match).
	var b strings.Builder
	b.Grow(64)
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case nil:
		b.WriteString("<nil>")
	case *Binary:
		writeOperand(b, x.X, x.Op, false)
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		b.WriteByte(' ')
		writeOperand(b, x.Y, x.Op, true)
	case *Not:
		b.WriteString("not ")
		if _, ok := x.X.(*Binary); ok {
			b.WriteByte('(')
			writeExpr(b, x.X)
			b.WriteByte(')')
		} else {
			writeExpr(b, x.X)
		}
	case *Paren:
		b.WriteByte('(')
		writeExpr(b, x.X)
		b.WriteByte(')')
	case *Compare:
		writeExpr(b, x.X)
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		b.WriteByte(' ')
		writeExpr(b, x.Y)
	case *Field:
		b.WriteString(x.Name)
	case *Index:
		writeExpr(b, x.X)
		b.WriteByte('[')
		if x.Star || x.Key == nil {
			b.WriteByte('*')
		} else {
			writeExpr(b, x.Key)
		}
		b.WriteByte(']')
	case *Call:
		b.WriteString(x.Name)
		b.WriteByte('(')
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	case *StringLit:
		if x.Raw {
			if writeRaw(b, x.Value) {
				return
			}
		}
		writeQuoted(b, x.Value)
	case *RegexLit:
		if !x.Raw && writeQuotedRegex(b, x.Pattern) {
			return
		}
		if !writeRaw(b, x.Pattern) {
			writeQuoted(b, x.Pattern)
		}
	case *IntLit:
		b.WriteString(strconv.FormatInt(x.Value, 10))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(x.Value))
	case *IPLit:
		if x.CIDR {
			b.WriteString(x.Prefix.String())
		} else {
			b.WriteString(x.Prefix.Addr().String())
		}
	case *IPRange:
		b.WriteString(x.Lo.String())
		b.WriteString("..")
		b.WriteString(x.Hi.String())
	case *IntRange:
		b.WriteString(strconv.FormatInt(x.Lo, 10))
		b.WriteString("..")
		b.WriteString(strconv.FormatInt(x.Hi, 10))
	case *Set:
		b.WriteByte('{')
		for i, el := range x.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeExpr(b, el)
		}
		b.WriteByte('}')
	case *ListRef:
		b.WriteByte('$')
		b.WriteString(x.Name)
	default:
		b.WriteString("<?>")
	}
}

// writeOperand writes a child of a binary operator, adding parentheses a
// hand-built tree would need (trees from Parse carry their own Paren nodes).
func writeOperand(b *strings.Builder, e Expr, parent LogicOp, right bool) {
	if c, ok := e.(*Binary); ok {
		if c.Op.precedence() < parent.precedence() || (right && c.Op.precedence() == parent.precedence()) {
			b.WriteByte('(')
			writeExpr(b, e)
			b.WriteByte(')')
			return
		}
	}
	writeExpr(b, e)
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	// s[start:i] needs no escape: it is written in one piece, not byte by
	// byte (explain quotes a request value for every rule that does not
	// match; docs/performance.md).
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != 0x7f:
			i++
			continue
		case c == '"' || c == '\\':
			b.WriteString(s[start:i])
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c < 0x20 || c == 0x7f:
			b.WriteString(s[start:i])
			writeHexEscape(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size // a valid rune is written as it is
				continue
			}
			b.WriteString(s[start:i])
			writeHexEscape(b, c)
			i++
		}
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

func writeHexEscape(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}

// writeRaw writes s as r#"..."# with the fewest `#` that keep it unambiguous.
func writeRaw(b *strings.Builder, s string) bool {
	for h := 0; h <= maxRawHashes; h++ {
		hashes := strings.Repeat("#", h)
		if strings.Contains(s, `"`+hashes) {
			continue
		}
		b.WriteByte('r')
		b.WriteString(hashes)
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		b.WriteString(hashes)
		return true
	}
	return false
}

// writeQuotedRegex writes a regex pattern in quoted form, mirroring the
// regex string lexer: outside a character class `"` becomes `\"`, every other
// character and escape is written as is. It returns false (writing nothing)
// when the pattern cannot be written that way.
func writeQuotedRegex(b *strings.Builder, pat string) bool {
	var out strings.Builder
	out.WriteByte('"')
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' {
			if i+1 >= len(pat) {
				return false
			}
			n := pat[i+1]
			if n == '"' && !inClass {
				return false
			}
			out.WriteByte('\\')
			out.WriteByte(n)
			i++
			continue
		}
		switch {
		case c == '"' && !inClass:
			out.WriteString(`\"`)
			continue
		case c == '[' && !inClass:
			inClass = true
		case c == ']' && inClass:
			inClass = false
		}
		out.WriteByte(c)
	}
	if inClass {
		return false
	}
	out.WriteByte('"')
	b.WriteString(out.String())
	return true
}
