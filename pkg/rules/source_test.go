package rules

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// pos must agree with counting lines and runes from the start, for long
// lines with multi-byte characters too (it uses checkpoints so it is not
// quadratic on one-line JSON) and for ASCII files (which skip them), and
// offset must turn the position back into the offset.
func TestSourcePosMatchesRuneCount(t *testing.T) {
	for _, sample := range []string{`{"é":"ü→`, `{"e":"u-`} {
		var b strings.Builder
		for i := 0; i < 700; i++ {
			b.WriteString(sample)
			if i%97 == 0 {
				b.WriteString("\n")
			}
			if i%101 == 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(strings.Repeat("x", i%13))
		}
		data := []byte(b.String())
		s := newSource(data)
		naive := func(off int) Pos {
			line := bytes.Count(data[:off], []byte("\n"))
			start := bytes.LastIndexByte(data[:off], '\n') + 1
			return Pos{Line: line + 1, Col: utf8.RuneCount(data[start:off]) + 1}
		}
		for off := 0; off <= len(data); off++ {
			if !utf8.RuneStart(safeByte(data, off)) {
				continue
			}
			got, want := s.pos(off), naive(off)
			if got != want {
				t.Fatalf("%q: pos(%d) = %v, want %v", sample, off, got, want)
			}
			if back := s.offset(got); back != off {
				t.Fatalf("%q: offset(%v) = %d, want %d", sample, got, back, off)
			}
		}
	}
}

func safeByte(d []byte, i int) byte {
	if i >= len(d) {
		return 0
	}
	return d[i]
}

// A 300-rule API answer is one line of JSON: reading it must stay fast.
func BenchmarkParseRuleset300(b *testing.B) {
	f, _ := Parse("300.yaml", []byte(rules300(0)))
	body := PutBody(f.Rules)
	for b.Loop() {
		if _, err := ParseRuleset(body); err != nil {
			b.Fatal(err)
		}
	}
}
