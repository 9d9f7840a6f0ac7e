package rules

import (
	"bytes"
	"math/rand/v2"
	"slices"
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
			return mkPos(line+1, utf8.RuneCount(data[start:off])+1)
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

// newSource reads the file eight bytes at a time: its line index and its
// ascii and plain flags must be what a byte-by-byte look says, wherever in
// a word (or in the tail after the last whole word) the bytes fall.
func TestSourceIndexAndFlags(t *testing.T) {
	alphabet := []byte{'a', ' ', '~', '\n', '\n', '\t', '\r', 0x7f, 0x1f, 0xc3, 0xa9, '-'}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		data := make([]byte, rng.IntN(40))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(3) > 0 {
				data[i] = 'a'
			}
		}
		s := newSource(data)
		lines, ascii, plain := []int{0}, true, true
		for i, c := range data {
			if c == '\n' {
				lines = append(lines, i+1)
			} else if c < 0x20 || c > 0x7e {
				plain = false
			}
			ascii = ascii && c < 0x80
		}
		if !slices.Equal(s.lines, lines) || s.ascii != ascii || s.plain != plain {
			t.Fatalf("%q: lines %v ascii %v plain %v, want %v %v %v", data, s.lines, s.ascii, s.plain, lines, ascii, plain)
		}
	}
}

// scanSource computes newSource's flags in its own loop (sixteen bytes at
// a time, no line index): they must agree wherever the bytes fall, and the
// index it builds on first use must be newSource's.
func TestScanSourceFlags(t *testing.T) {
	alphabet := []byte{'a', ' ', '~', '\n', '\n', '\t', '\r', 0x7f, 0x1f, 0xc3, 0xa9, '-'}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n++ {
		data := make([]byte, rng.IntN(70))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(4) > 0 {
				data[i] = 'a'
			}
		}
		s, want := scanSource(data), newSource(data)
		if s.ascii != want.ascii || s.plain != want.plain {
			t.Fatalf("%q: ascii %v plain %v, want %v %v", data, s.ascii, s.plain, want.ascii, want.plain)
		}
		if !slices.Equal(s.index(), want.lines) || !slices.Equal(s.marks, want.marks) {
			t.Fatalf("%q: index %v marks %v, want %v %v", data, s.lines, s.marks, want.lines, want.marks)
		}
	}
}
