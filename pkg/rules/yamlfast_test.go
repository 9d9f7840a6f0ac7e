package rules

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// yamlCorpus is the rules files of the project (examples, the e2e scripts'
// files) and hand-written cases at the edges of the fast subset.
func yamlCorpus(t testing.TB) map[string]string {
	c := map[string]string{
		"gen300": gen300(),
		"edges": `# comment first
rules:   # trailing comment
- ref: "quoted ref"
  description: 'it''s single'
  expression: |
    http.host eq "a.example.com"

    or http.host eq "b"   # inside the literal
  action_parameters: {cache: true, edge_ttl: {mode: override_origin, default: 60}, list: [a, "b", 'c', 1, -2, 0.5, null, ~, True, FALSE]}
- ref: b
  expression: |-
      starts_with(http.request.uri.path, "/ü/")
  enabled: false
  action_parameters:
    cache_key:
      custom_key:
        query_string:
          include:
            list:
            - page
            -   sort   # spaced
        empty: {}
        none: []
    serve_stale: {disable_stale_while_updating: true}

# trailing comment
`,
		"unicode": "rules:\n  - ref: é\n    description: «ünïcode» 😀 text\n    expression: http.host eq \"ü.example\" and true\n    action_parameters: {cache: true, description: \"😀 x\"}\n",
		"numbers": "a: 0\nb: -0\nc: 10.25\nd: 1e3\ne: 0x1F\nf: .inf\ng: 1_000\nh: 2001-12-14\ni: +1\nj: 007\n",
	}
	for _, pat := range []string{"../../examples/rules/*.yaml", "../../e2e/testdata/script/*.txtar", "testdata/corpus/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(f, ".txtar") {
				c[f] = string(data)
				continue
			}
			// The YAML files of a txtar archive.
			parts := strings.Split(string(data), "\n-- ")
			for _, p := range parts[1:] {
				name, body, ok := strings.Cut(p, " --\n")
				if ok && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
					c[f+"/"+name] = body + "\n"
				}
			}
		}
	}
	return c
}

func gen300() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule %d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}\n    action_parameters:\n      cache: true\n      edge_ttl:\n        mode: override_origin\n        default: %d\n      browser_ttl:\n        mode: respect_origin\n      cache_key:\n        cache_deception_armor: true\n        custom_key:\n          query_string:\n            exclude:\n              list: [\"utm_source\", \"utm_medium\"]\n", i, i, i, 3600+i)
	}
	return b.String()
}

// sameValue compares two trees, positions, styles and offsets included.
func sameValue(a, b *Value, path string) error {
	if (a == nil) != (b == nil) {
		return fmt.Errorf("%s: nil %v vs %v", path, a == nil, b == nil)
	}
	if a == nil {
		return nil
	}
	if a.Kind != b.Kind || a.Bool != b.Bool || a.Num != b.Num || a.Str != b.Str || a.Pos != b.Pos ||
		a.style != b.style || a.off != b.off || len(a.Items()) != len(b.Items()) || len(a.Fields()) != len(b.Fields()) {
		return fmt.Errorf("%s: fast %+v\n  yaml.v3 %+v", path, *a, *b)
	}
	for i := range a.Items() {
		if err := sameValue(a.Items()[i], b.Items()[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, f := range a.Fields() {
		g := b.Fields()[i]
		if f.Key != g.Key || f.KeyPos != g.KeyPos {
			return fmt.Errorf("%s: key %q at %v vs %q at %v", path, f.Key, f.KeyPos, g.Key, g.KeyPos)
		}
		if err := sameValue(f.Value, g.Value, path+"."+f.Key); err != nil {
			return err
		}
	}
	return nil
}

// checkFast fails when the fast reader accepts src and yaml.v3 refuses it
// or reads it differently. It reports whether the fast reader took it.
func checkFast(t testing.TB, name, src string) bool {
	s := newSource([]byte(src))
	fast, err := parseYAMLFast(s)
	if errors.Is(err, errSlow) {
		return false
	}
	if err != nil {
		t.Fatalf("%s: fast reader error %v (only errSlow is allowed)", name, err)
	}
	slow, err := parseYAMLv3(s)
	if err != nil {
		t.Fatalf("%s: the fast reader took what yaml.v3 refuses (%v):\n%s", name, err, src)
	}
	if err := sameValue(fast, slow, "$"); err != nil {
		t.Fatalf("%s: the readers differ: %v\n%s", name, err, src)
	}
	return true
}

func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	taken := 0
	corpus := yamlCorpus(t)
	for name, src := range corpus {
		if checkFast(t, name, src) {
			taken++
		}
	}
	// The fast reader must actually take the project's own files.
	for _, name := range []string{"gen300", "edges", "unicode", "../../examples/rules/static-assets.yaml"} {
		if _, err := parseYAMLFast(newSource([]byte(corpus[name]))); err != nil {
			t.Errorf("%s: left to yaml.v3 (%v): the fast path no longer covers rules files", name, err)
		}
	}
	// Mutants: every one the fast reader takes, yaml.v3 must read the same.
	const alphabet = " -:#\"'|{}[],\n&*!>0.\\~?"
	mutants, mtaken := 0, 0
	for name, src := range corpus {
		if len(src) > 4000 {
			src = src[:4000]
		}
		step := len(src)/150 + 1
		for i := 0; i < len(src); i += step {
			for k, c := range alphabet {
				var m string
				switch k % 3 {
				case 0:
					m = src[:i] + string(c) + src[i:]
				case 1:
					m = src[:i] + string(c) + src[min(i+1, len(src)):]
				default:
					m = src[:i] + src[min(i+1+k%5, len(src)):]
				}
				mutants++
				if checkFast(t, fmt.Sprintf("%s mutated at %d with %q", name, i, c), m) {
					mtaken++
				}
			}
		}
	}
	t.Logf("corpus: %d files, %d taken by the fast reader; mutants: %d, %d taken", len(corpus), taken, mutants, mtaken)
}

func FuzzFastYAML(f *testing.F) {
	for _, src := range yamlCorpus(f) {
		if len(src) < 3000 {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkFast(t, "fuzz", src)
	})
}

// plainASCIIWord must never take a word holding a byte fastSafeBytes
// looks at twice, and must take every word of newlines and printable ASCII:
// every pair of byte values at every pair of places, in a word of 'a'.
func TestPlainASCIIWord(t *testing.T) {
	plain := func(c byte) bool { return c == '\n' || c >= 0x20 && c < 0x7f }
	var w [8]byte
	for k1 := 0; k1 < 8; k1++ {
		for k2 := k1; k2 < 8; k2++ {
			for b1 := 0; b1 < 256; b1++ {
				for b2 := 0; b2 < 256; b2++ {
					for i := range w {
						w[i] = 'a'
					}
					w[k1], w[k2] = byte(b1), byte(b2)
					want := plain(w[k1]) && plain(w[k2])
					if got := plainASCIIWord(binary.LittleEndian.Uint64(w[:])); got != want {
						t.Fatalf("plainASCIIWord(%q) = %v, want %v", w, got, want)
					}
				}
			}
		}
	}
}

// A Value is most of what reading a rules file allocates: Kind, Bool,
// style and the offset share one word (docs/performance.md, "Against
// start-up").
func TestValueSize(t *testing.T) {
	if strconv.IntSize != 64 {
		t.Skip("sizes are for 64-bit platforms")
	}
	if got := unsafe.Sizeof(Value{}); got > 96 {
		t.Errorf("Value is %d bytes, want at most 96", got)
	}
}

// The decoder looks for repeated keys only in files the fast reader left
// to yaml.v3, so the fast reader must leave every such file, block or flow.
func TestFastYAMLLeavesRepeatedKeys(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rules:\n  - ref: a\n    expression: \"true\"\n    ref: b\n", "r.yaml:4: rules[0].ref: duplicate key (first given on line 2)"},
		{"rules:\n  - ref: a\n    action_parameters: {cache: true, cache: false}\n", "r.yaml:3: rules[0].action_parameters.cache: duplicate key (first given on line 3)"},
		{"rules: []\nrules: []\n", "r.yaml:2: rules: duplicate key (first given on line 1)"},
	} {
		if _, err := parseYAMLFast(newSource([]byte(tc.src))); !errors.Is(err, errSlow) {
			t.Errorf("the fast reader took a repeated key (%v):\n%s", err, tc.src)
		}
		_, probs := Parse("r.yaml", []byte(tc.src))
		found := false
		for _, p := range probs {
			found = found || p.String() == tc.want
		}
		if !found {
			t.Errorf("%q: got %v, want %q among them", tc.src, probs, tc.want)
		}
	}
}

// The fast reader finds document markers as it reads lines (it has no line
// index to scan up front): one at the start of any line, after a block
// scalar or past the end of the mapping too, leaves the file to yaml.v3.
func TestFastYAMLLeavesDocumentMarkers(t *testing.T) {
	for _, src := range []string{"---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n", "a: |\n  x\n---\n",
		"a: |\n  x\n\n...\n", "a:\n  b: 1\n---x\n", "a: 1\n# c\n\n---\n", "a:\n  - 1\n----\n"} {
		if _, err := parseYAMLFast(scanSource([]byte(src))); !errors.Is(err, errSlow) {
			t.Errorf("the fast reader took a document marker (%v):\n%s", err, src)
		}
	}
	for _, src := range []string{"a: |\n  x\n  ---\n", "a: 1\n# ---\n", "a: '---'\n", "a:\n  - b\n  - x---\n"} {
		if _, err := parseYAMLFast(scanSource([]byte(src))); err != nil {
			t.Errorf("the fast reader left %q to yaml.v3: %v", src, err)
		}
	}
}

// TestFastYAMLReservesBoundedSlabs: the fast reader sizes its first slabs
// from the file's lines, but only up to a bound: a file of a million
// blank lines (16 MiB of them pass the input cap) reserved 114 MB for
// values it does not hold.
func TestFastYAMLReservesBoundedSlabs(t *testing.T) {
	data := append(bytes.Repeat([]byte("\n"), 1<<20), "rules: []\n"...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, probs := Parse("blank.yaml", data)
	runtime.ReadMemStats(&after)
	if probs.HasErrors() || f == nil {
		t.Fatalf("%v", probs)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
		t.Errorf("reading a file of blank lines allocated %d MB", n>>20)
	}
}
