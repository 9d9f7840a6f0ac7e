package rules

import (
	"unicode/utf8"
)

// exprFilePos maps a position inside a string value (1-based line and
// column counted in characters, as an ExpressionChecker reports them) to the
// file. It re-scans the scalar as written (JSON escapes, YAML quoting, line
// folding, block indentation) and checks that the scan reproduces the value;
// when it cannot, it falls back to where the value starts, which is still the
// right line for single-line expressions.
func exprFilePos(src *source, v *Value, line, col int) Pos {
	if src == nil || v == nil || v.Pos.Line == 0 {
		return Pos{}
	}
	target := runeIndex(v.Str, line, col)
	off := int(v.off)
	if off < 0 || off > len(src.data) {
		return v.Pos
	}
	want := []rune(v.Str)
	if target > len(want) {
		target = len(want)
	}
	var offs []int
	switch v.style {
	case styleJSON:
		offs = scanJSONString(src.data, off, target+1)
	case styleLiteral, styleFolded:
		offs = scanBlock(src.data, off, target+1, v.style == styleFolded)
	default:
		offs = scanFlow(src.data, off, target+1, v.style)
	}
	// A problem just past the end (an unclosed parenthesis) asks for one
	// rune more than the value has; a scan of a plain or quoted scalar can
	// return an offset for it, which has no rune of the value to check.
	if len(offs) > len(want) {
		offs = offs[:len(want)]
	}
	// offs[i] is where rune i of the value was written. Check that the scan
	// agrees with the value; escapes and folded line breaks legitimately
	// differ, anything else means the scan went wrong.
	for i, o := range offs {
		r, _ := utf8.DecodeRune(src.data[o:])
		if r != want[i] && r != '\\' && r != '\'' && r != '\n' && r != '\r' {
			return v.Pos
		}
	}
	if len(offs) <= target {
		if target == len(want) && len(offs) == target && target > 0 {
			// A problem at the end of the value ("unclosed paren"): point just
			// past the last character.
			last := offs[target-1]
			_, n := utf8.DecodeRune(src.data[last:])
			return src.pos(last + n)
		}
		return v.Pos
	}
	return src.pos(offs[target])
}

// runeIndex converts a 1-based line/column in s into a rune index.
func runeIndex(s string, line, col int) int {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	l, idx := 1, 0
	rs := []rune(s)
	for idx < len(rs) && l < line {
		if rs[idx] == '\n' {
			l++
		}
		idx++
	}
	for c := 1; c < col && idx < len(rs) && rs[idx] != '\n'; c++ {
		idx++
	}
	return idx
}

// scanJSONString returns the byte offset of each decoded rune of the JSON
// string starting with the quote at off, up to n runes.
func scanJSONString(d []byte, off, n int) []int {
	var out []int
	i := off + 1
	for i < len(d) && len(out) < n {
		switch d[i] {
		case '"':
			return out
		case '\\':
			out = append(out, i)
			if i+1 < len(d) && d[i+1] == 'u' {
				i += 6
				// A surrogate pair is one rune written as two escapes.
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' && isHighSurrogate(d[i-4:i]) {
					i += 6
				}
			} else {
				i += 2
			}
		default:
			out = append(out, i)
			_, sz := utf8.DecodeRune(d[i:])
			i += sz
		}
	}
	return out
}

func isHighSurrogate(hex []byte) bool {
	if len(hex) != 4 {
		return false
	}
	c := hex[0] | 0x20
	return c == 'd' && (hex[1] == '8' || hex[1] == '9' || hex[1]|0x20 == 'a' || hex[1]|0x20 == 'b')
}

// scanFlow handles plain, single- and double-quoted YAML scalars, which may
// span lines: a line break between text becomes a space, blank lines become
// newlines, and indentation and trailing spaces are dropped.
func scanFlow(d []byte, off, n int, style scalarStyle) []int {
	var out []int
	i := off
	quote := byte(0)
	switch style {
	case styleDouble:
		quote = '"'
		i++
	case styleSingle:
		quote = '\''
		i++
	}
	for i < len(d) && len(out) < n {
		c := d[i]
		switch {
		case quote != 0 && c == quote:
			if quote == '\'' && i+1 < len(d) && d[i+1] == '\'' {
				out = append(out, i)
				i += 2
				continue
			}
			return out
		case quote == '"' && c == '\\':
			if i+1 < len(d) && (d[i+1] == '\n' || d[i+1] == '\r') {
				// An escaped line break joins lines without a space.
				i = skipIndent(d, skipEOL(d, i+1))
				continue
			}
			out = append(out, i)
			switch {
			case i+1 < len(d) && d[i+1] == 'x':
				i += 4
			case i+1 < len(d) && d[i+1] == 'u':
				i += 6
			case i+1 < len(d) && d[i+1] == 'U':
				i += 10
			default:
				i += 2
			}
		case c == ' ' || c == '\t':
			// Whitespace directly before a line break is not part of the value.
			j := i
			for j < len(d) && (d[j] == ' ' || d[j] == '\t') {
				j++
			}
			if j < len(d) && (d[j] == '\n' || d[j] == '\r') {
				i = j
				continue
			}
			out = append(out, i)
			i++
		case c == '\n' || c == '\r':
			brk := i
			i = skipEOL(d, i)
			blank := 0
			for {
				j := skipIndent(d, i)
				if j < len(d) && (d[j] == '\n' || d[j] == '\r') {
					blank++
					i = skipEOL(d, j)
					continue
				}
				i = j
				break
			}
			if blank == 0 {
				out = append(out, brk)
			}
			for k := 0; k < blank; k++ {
				out = append(out, brk)
			}
		default:
			out = append(out, i)
			_, sz := utf8.DecodeRune(d[i:])
			i += sz
		}
	}
	return out
}

func skipEOL(d []byte, i int) int {
	if i < len(d) && d[i] == '\r' {
		i++
	}
	if i < len(d) && d[i] == '\n' {
		i++
	}
	return i
}

func skipIndent(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	return i
}

// scanBlock handles literal (|) and folded (>) block scalars whose header is
// at off: content starts on the next line at the indentation of the first
// non-blank line.
func scanBlock(d []byte, off, n int, folded bool) []int {
	i := off
	for i < len(d) && d[i] != '\n' {
		i++
	}
	i = skipEOL(d, i)
	// Find the indentation from the first non-blank line.
	indent := -1
	for j := i; j < len(d); {
		k := j
		for k < len(d) && d[k] == ' ' {
			k++
		}
		if k < len(d) && d[k] != '\n' && d[k] != '\r' {
			indent = k - j
			break
		}
		j = skipEOL(d, k)
		if k >= len(d) {
			break
		}
	}
	if indent <= 0 {
		return nil
	}
	var out []int
	prevText := false
	pendingBreak := -1
	blanks := 0
	for i < len(d) && len(out) < n {
		k := i
		for k < len(d) && d[k] == ' ' && k-i < indent {
			k++
		}
		if k < len(d) && (d[k] == '\n' || d[k] == '\r') || k >= len(d) {
			// Blank line.
			if !folded {
				out = append(out, k)
			} else {
				blanks++
			}
			i = skipEOL(d, k)
			continue
		}
		if k-i < indent {
			return out // dedent: the scalar ended
		}
		if folded && prevText {
			if blanks == 0 {
				out = append(out, pendingBreak)
			}
			for b := 0; b < blanks; b++ {
				out = append(out, pendingBreak)
			}
		}
		blanks = 0
		for k < len(d) && d[k] != '\n' && d[k] != '\r' && len(out) < n {
			out = append(out, k)
			_, sz := utf8.DecodeRune(d[k:])
			k += sz
		}
		if !folded {
			out = append(out, k)
		}
		prevText = true
		pendingBreak = k
		i = skipEOL(d, k)
	}
	return out
}
