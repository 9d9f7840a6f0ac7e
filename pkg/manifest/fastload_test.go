package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// written is a manifest as Write produces it, with paths that need every
// kind of JSON escape Write emits.
func written(t testing.TB, paths ...string) []byte {
	recs := make([]Record, len(paths))
	for i, p := range paths {
		recs[i] = Record{Path: p, State: st(p)}
		recs[i].Size = int64(i) * 1000003
	}
	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	var buf bytes.Buffer
	if err := Write(&buf, "/srv/site", "https://example.com/a&b/", recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var trickyPaths = []string{
	"index.html", "a b/ü\"x.html", `back\slash.html`, "<script>&amp;.html", "line\u2028sep.html",
	"tab\there.html", "emoji/😀.html", "z/0", "a/b/c/d/e.css", "ctl\x01.txt",
}

// decodeBoth reads b with the fast path and with Decode.
func decodeBoth(b []byte) (fast *Manifest, ok bool, general *Manifest, err error) {
	fast, ok = decodeWritten(bufio.NewReaderSize(bytes.NewReader(b), 64<<10), int64(len(b)))
	general, err = Decode(bytes.NewReader(b))
	return
}

// Every manifest Write produces is read by the fast path, to the same
// manifest Decode reads.
func TestFastPathAgreesOnWrittenManifests(t *testing.T) {
	inputs := [][]string{trickyPaths, {"one.html"}}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		var ps []string
		seen := map[string]bool{}
		for range 1 + r.IntN(40) {
			var sb strings.Builder
			for range 1 + r.IntN(12) {
				alphabet := []rune("abc/é\"\\<>& \u2028😀\x7f")
				sb.WriteRune(alphabet[r.IntN(len(alphabet))])
			}
			p := sb.String()
			if PathProblem(p) == "" && !seen[p] {
				seen[p] = true
				ps = append(ps, p)
			}
		}
		if len(ps) > 0 {
			inputs = append(inputs, ps)
		}
	}
	for _, ps := range inputs {
		b := written(t, ps...)
		fast, ok, general, err := decodeBoth(b)
		if err != nil {
			t.Fatalf("Decode refused a written manifest: %v\n%s", err, b)
		}
		if !ok {
			t.Fatalf("fast path refused a written manifest:\n%s", b)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Fatalf("fast path and Decode disagree:\n%+v\n%+v", fast, general)
		}
	}
}

// Anything else the fast path refuses (Load then reads it with Decode, so
// every corruption is told as before), or reads exactly as Decode does.
func TestFastPathRefusesOrAgrees(t *testing.T) {
	good := string(written(t, "a.html", "b/index.html", "c.css"))
	h := strings.Repeat("ab", 32)
	line := func(p string, size string) string {
		return `    "` + p + `": {"sha256": "` + h + `", "size": ` + size + `}`
	}
	files := func(lines ...string) string {
		return strings.Replace(good, good[strings.Index(good, "\n    "):strings.LastIndex(good, "\n  }")], "\n"+strings.Join(lines, ",\n"), 1)
	}
	cases := map[string]string{
		"version 2":        strings.Replace(good, `"version": 1`, `"version": 2`, 1),
		"relative dir":     strings.Replace(good, `"/srv/site"`, `"../srv/site"`, 1),
		"empty dir":        strings.Replace(good, `"/srv/site"`, `""`, 1),
		"empty base":       strings.Replace(good, `"https://example.com/a\u0026b/"`, `""`, 1),
		"bad hex":          files(line("a", "1"), strings.Replace(line("b", "1"), h, strings.Repeat("zz", 32), 1)),
		"short hash":       files(strings.Replace(line("a", "1"), h, "ab", 1)),
		"upper hex":        files(strings.Replace(line("a", "1"), h, strings.ToUpper(h), 1)),
		"negative size":    files(line("a", "-1")),
		"leading zero":     files(line("a", "01")),
		"float size":       files(line("a", "1.0")),
		"huge size":        files(line("a", "99999999999999999999")),
		"string size":      files(line("a", `"1"`)),
		"no size":          files(`    "a": {"sha256": "` + h + `"}`),
		"dot-dot path":     files(line("../etc/passwd", "1")),
		"absolute path":    files(line("/a", "1")),
		"empty segment":    files(line("a//b", "1")),
		"empty path":       files(line("", "1")),
		"twice":            files(line("a", "1"), line("a", "2")),
		"unsorted":         files(line("b", "1"), line("a", "2")),
		"raw control":      files(line("a\x01", "1")),
		"invalid utf-8":    files(line("a\xff", "1")),
		"bad escape":       files(line(`a\q`, "1")),
		"escaped slash":    files(line(`a\/b`, "1")),
		"surrogate":        files(line(`a\ud800`, "1")),
		"nul escape":       files(line(`a\u0000`, "1")),
		"trailing comma":   files(line("a", "1") + ","),
		"extra key":        strings.Replace(good, `  "files"`, "  \"extra\": 1,\n  \"files\"", 1),
		"crlf":             strings.ReplaceAll(good, "\n", "\r\n"),
		"data after":       good + "x",
		"two objects":      good + good,
		"compact":          `{"version":1,"dir":"/d","base_url":"https://e.com/","files":{"a":{"sha256":"` + h + `","size":1}}}`,
		"empty files":      string(written(t)),
		"no final newline": strings.TrimSuffix(good, "\n"),
	}
	for i := range len(good) {
		cases[fmt.Sprintf("truncated at %d", i)] = good[:i]
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		b := []byte(good)
		const bytesTried = "\x00\"\\{}:,0 a/\n.-9fZ\xff"
		b[r.IntN(len(b))] = bytesTried[r.IntN(len(bytesTried))]
		cases[fmt.Sprintf("mutation %d", i)] = string(b)
	}
	dir := t.TempDir()
	for name, in := range cases {
		fast, ok, general, err := decodeBoth([]byte(in))
		if ok && (err != nil || !reflect.DeepEqual(fast, general)) {
			t.Errorf("%s: fast path read %+v, Decode %+v, %v\n%s", name, fast, general, err, in)
		}
		// Load (fast path, then Decode) says exactly what Decode says.
		p := filepath.Join(dir, "m.json")
		must(t, os.WriteFile(p, []byte(in), 0o644))
		m, lerr := Load(p)
		var ce *CorruptError
		switch {
		case err == nil && (lerr != nil || !reflect.DeepEqual(m, general)):
			t.Errorf("%s: Load %+v, %v; Decode %+v", name, m, lerr, general)
		case err != nil && (!errors.As(lerr, &ce) || ce.Path != p || "manifest "+p+lerr.Error()[len("manifest "+p):] != lerr.Error() || ce.Problem != err.(*CorruptError).Problem):
			t.Errorf("%s: Load error %v, Decode error %v", name, lerr, err)
		}
	}
	// The cases Decode must refuse are refused by Load too.
	for _, name := range []string{"version 2", "empty dir", "bad hex", "negative size", "dot-dot path", "twice", "data after", "raw control"} {
		p := filepath.Join(dir, "m.json")
		must(t, os.WriteFile(p, []byte(cases[name]), 0o644))
		var ce *CorruptError
		if _, err := Load(p); !errors.As(err, &ce) {
			t.Errorf("%s: Load %v, want a CorruptError", name, err)
		}
		if _, ok := decodeWritten(bufio.NewReader(strings.NewReader(cases[name])), 0); ok {
			t.Errorf("%s: the fast path did not refuse it", name)
		}
	}
}

// BenchmarkLoad reads a manifest of 50,000 files as Write produces it,
// with the fast path (Load) and with the token decoder (Decode).
func BenchmarkLoad(b *testing.B) {
	recs := make([]Record, 50000)
	for i := range recs {
		recs[i] = Record{Path: fmt.Sprintf("d%03d/page-%06d.html", i%1000, i), State: st(fmt.Sprint(i))}
	}
	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	p := filepath.Join(b.TempDir(), "m.json")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := Write(f, "/srv/site", "https://example.com/", recs); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m, err := Load(p); err != nil || len(m.Files) != len(recs) {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			m, err := Decode(f)
			f.Close()
			if err != nil || len(m.Files) != len(recs) {
				b.Fatal(err)
			}
		}
	})
}
