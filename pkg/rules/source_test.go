package rules

import (
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// pos must agree with counting runes from the line start, for long lines
// with multi-byte characters too (it uses checkpoints so it is not
// quadratic on one-line JSON).
func TestSourcePosMatchesRuneCount(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 700; i++ {
		b.WriteString(`{"é":"ü→`)
		if i%97 == 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat("x", i%13))
	}
	data := []byte(b.String())
	s := newSource(data)
	naive := func(off int) Pos {
		i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off }) - 1
		return Pos{Line: i + 1, Col: utf8.RuneCount(data[s.lines[i]:off]) + 1}
	}
	for off := 0; off <= len(data); off++ {
		if !utf8.RuneStart(safeByte(data, off)) {
			continue
		}
		if got, want := s.pos(off), naive(off); got != want {
			t.Fatalf("pos(%d) = %v, want %v", off, got, want)
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
