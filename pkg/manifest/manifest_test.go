package manifest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func st(content string) State {
	return State{Hash: sha256.Sum256([]byte(content)), Size: int64(len(content))}
}

func paths(rs []Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Path)
	}
	return out
}

func TestScanHashesAndSymlinks(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "site")
	outside := filepath.Join(root, "secret.txt")
	write(t, root, "secret.txt", "secret")
	write(t, dir, "index.html", "home")
	write(t, dir, "blog/index.html", "blog")
	write(t, dir, "blog/My Post ü.html", "post")
	write(t, dir, "CaSe.CSS", "css")
	must(t, os.Symlink("../index.html", filepath.Join(dir, "blog", "home.html"))) // inside: hashed as the target
	must(t, os.Symlink(outside, filepath.Join(dir, "leak.txt")))                  // outside: skipped
	must(t, os.Symlink("nowhere", filepath.Join(dir, "broken")))                  // broken: skipped
	must(t, os.Symlink("blog", filepath.Join(dir, "alias")))                      // a directory: skipped
	write(t, dir, ".cfcache-manifest.json", "{}")                                 // excluded

	res, err := Scan(context.Background(), ScanOptions{Dir: dir, Workers: 3, Exclude: []Exclude{{filepath.Join(dir, ".cfcache-manifest.json"), "the manifest itself"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CaSe.CSS", "blog/My Post ü.html", "blog/home.html", "blog/index.html", "index.html"}
	if got := paths(res.Files); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	for _, f := range res.Files {
		if f.Path == "blog/home.html" && f.State != st("home") {
			t.Errorf("symlink inside DIR not hashed as its target's content")
		}
		if f.Path == "blog/My Post ü.html" && f.State != st("post") {
			t.Errorf("wrong hash for %s", f.Path)
		}
	}
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.Path] = s.Reason
	}
	for p, want := range map[string]string{"leak.txt": "outside the directory", "broken": "broken symlink", "alias": "directory", ".cfcache-manifest.json": "manifest"} {
		if !strings.Contains(skipped[p], want) {
			t.Errorf("skipped[%s] = %q, want it to say %q", p, skipped[p], want)
		}
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
}

func TestScanUnreadableFileIsAnError(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := t.TempDir()
	write(t, dir, "a.html", "a")
	write(t, dir, "b.html", "b")
	must(t, os.Chmod(filepath.Join(dir, "b.html"), 0))
	res, err := Scan(context.Background(), ScanOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Path != "b.html" {
		t.Fatalf("errors %v, want b.html", res.Errors)
	}
}

func TestCompareAndAll(t *testing.T) {
	old := Files{{"a", st("a")}, {"b", st("b")}, {"gone", st("x")}}
	files := []Record{{"a", st("a")}, {"b", st("B")}, {"new", st("n")}}
	d := Compare(old, files)
	if d.Added != 1 || d.Changed != 1 || d.Removed != 1 || d.Unchanged != 1 {
		t.Fatalf("diff %+v", d)
	}
	var got []string
	for _, c := range d.Changes {
		got = append(got, c.Op.String()+" "+c.Path)
	}
	if want := []string{"changed b", "removed gone", "added new"}; !slices.Equal(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if d := Compare(nil, files); d.Added != 3 || len(d.Changes) != 3 {
		t.Fatalf("no manifest: %+v", d)
	}
	if d := All(old, files); d.Added != 1 || d.Changed != 2 || d.Removed != 1 || d.Unchanged != 0 {
		t.Fatalf("--all: %+v", d)
	}
}

func TestNextKeepsOnlyConfirmed(t *testing.T) {
	old := Files{{"edit-failed", st("1")}, {"edit-ok", st("1")}, {"rm-failed", st("r")}, {"rm-ok", st("r")}, {"same", st("s")}}
	files := []Record{{"add-failed", st("a")}, {"add-ok", st("a")}, {"edit-failed", st("2")}, {"edit-ok", st("2")}, {"same", st("s")}}
	d := Compare(old, files)
	failed := map[string]bool{"add-failed": true, "edit-failed": true, "rm-failed": true}
	next := Next(files, d, func(p string) bool { return !failed[p] })
	want := []Record{{"add-ok", st("a")}, {"edit-failed", st("1")}, {"edit-ok", st("2")}, {"rm-failed", st("r")}, {"same", st("s")}}
	if !slices.Equal(next, want) {
		t.Fatalf("next %v\nwant %v", next, want)
	}
	// Running again against that manifest finds exactly the failed ones.
	var again []string
	for _, c := range Compare(Files(next), files).Changes {
		again = append(again, c.Path)
	}
	if want := []string{"add-failed", "edit-failed", "rm-failed"}; !slices.Equal(again, want) {
		t.Fatalf("re-run changes %q, want %q", again, want)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	recs := []Record{{"a b/ü\"x.html", st("1")}, {"index.html", st("2")}}
	var buf bytes.Buffer
	must(t, Write(&buf, "/srv/site", "https://example.com/", recs))
	m, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != "/srv/site" || m.BaseURL != "https://example.com/" || len(m.Files) != 2 || m.Files[0] != (Record{"a b/ü\"x.html", st("1")}) {
		t.Fatalf("round trip: %+v", m)
	}
	// A manifest that recorded an absolute directory compares it as such.
	if why := m.Foreign("/anywhere/m.json", "/srv/site", "https://example.com/"); why != "" {
		t.Errorf("own manifest foreign: %s", why)
	}
	if why := m.Foreign("/srv/m.json", "/srv/other", "https://example.org/"); !strings.Contains(why, "/srv/other") || !strings.Contains(why, "example.org") {
		t.Errorf("foreign reason %q names neither the directory nor the base URL", why)
	}
	// Empty.
	buf.Reset()
	must(t, Write(&buf, "/d", "https://e.com/", nil))
	if m, err := Decode(&buf); err != nil || len(m.Files) != 0 {
		t.Fatalf("empty manifest: %v %v", m, err)
	}
}

// The directory is recorded relative to the manifest: a CI workspace moved
// with its cached manifest keeps it; another directory does not.
func TestManifestDirRelativeToManifest(t *testing.T) {
	ws := t.TempDir()
	man, dir := filepath.Join(ws, "ci", "m.json"), filepath.Join(ws, "public")
	var buf bytes.Buffer
	must(t, Write(&buf, RecordedDir(man, dir), "https://e.com/", nil))
	m, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dir != "../public" {
		t.Fatalf("recorded dir %q", m.Dir)
	}
	moved := filepath.Join(t.TempDir(), "builds", "job2")
	if why := m.Foreign(filepath.Join(moved, "ci", "m.json"), filepath.Join(moved, "public"), "https://e.com/"); why != "" {
		t.Errorf("moved workspace: foreign (%s)", why)
	}
	if why := m.Foreign(man, filepath.Join(ws, "dist"), "https://e.com/"); !strings.Contains(why, "../public") || !strings.Contains(why, "../dist") {
		t.Errorf("another directory: %q", why)
	}
	if RecordedDir(filepath.Join(ws, "m.json"), ws) != "." {
		t.Errorf("DIR beside the manifest: %q", RecordedDir(filepath.Join(ws, "m.json"), ws))
	}
}

func TestManifestCorrupt(t *testing.T) {
	h := strings.Repeat("ab", 32)
	good := `{"version":1,"dir":"/d","base_url":"https://e.com/","files":{"a":{"sha256":"` + h + `","size":1}}}`
	if _, err := Decode(strings.NewReader(good)); err != nil {
		t.Fatalf("good manifest refused: %v", err)
	}
	cases := map[string]string{
		"":                 "ends too early",
		good[:len(good)/2]: "",
		"[]":               "top level",
		"not json":         "not valid JSON",
		good + "x":         "after the closing",
		strings.Replace(good, `1,"dir"`, `2,"dir"`, 1):                         "version 2",
		strings.Replace(good, `"dir":"/d",`, ``, 1):                            `no "dir"`,
		strings.Replace(good, `"/d"`, `""`, 1):                                 `"dir" is empty`,
		strings.Replace(good, h, "zz", 1):                                      "64 hex digits",
		strings.Replace(good, `"size":1`, `"size":-1`, 1):                      "negative",
		strings.Replace(good, `"size":1`, `"size":"1"`, 1):                     "want int64",
		strings.Replace(good, `{"a"`, `{"../etc/passwd"`, 1):                   "escape",
		strings.Replace(good, `{"a"`, `{"/a"`, 1):                              "absolute path",
		strings.Replace(good, `{"a"`, `{"a//b"`, 1):                            "empty path segment",
		strings.Replace(good, `"files"`, `"extra":1,"files"`, 1):               `unknown key "extra"`,
		strings.Replace(good, `}}}`, `},"a":{"sha256":"`+h+`","size":1}}}`, 1): "twice",
	}
	for in, want := range cases {
		_, err := Decode(strings.NewReader(in))
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("Decode(%.40q) = %v, want a CorruptError", in, err)
			continue
		}
		if !strings.Contains(ce.Problem, want) {
			t.Errorf("Decode(%.40q): %q does not say %q", in, ce.Problem, want)
		}
	}
	// Load names the file.
	p := filepath.Join(t.TempDir(), "m.json")
	must(t, os.WriteFile(p, []byte("{"), 0o644))
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Load error %v does not name %s", err, p)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing manifest: %v, want ErrNotExist", err)
	}
}

func TestURLs(t *testing.T) {
	m, err := NewMapper("HTTPS://Example.COM/docs", []string{"index.html", "index.htm"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Base() != "https://example.com/docs/" {
		t.Fatalf("base %q", m.Base())
	}
	cases := map[string][]string{
		"index.html":                {"https://example.com/docs/", "https://example.com/docs/index.html"},
		"blog/index.htm":            {"https://example.com/docs/blog/", "https://example.com/docs/blog/index.htm"},
		"blog/Index.html":           {"https://example.com/docs/blog/Index.html"}, // case kept: not an index name
		"My File.HTML":              {"https://example.com/docs/My%20File.HTML"},
		"café/naïve.html":           {"https://example.com/docs/café/naïve.html"}, // raw: --url-form decides
		"a%b#c?d*e.txt":             {"https://example.com/docs/a%25b%23c%3Fd%2Ae.txt"},
		"nbsp\u00a0x.html":          {"https://example.com/docs/nbsp%C2%A0x.html"},
		"dir with space/index.html": {"https://example.com/docs/dir%20with%20space/", "https://example.com/docs/dir%20with%20space/index.html"},
		"...html":                   {"https://example.com/docs/...html"},
	}
	for p, want := range cases {
		got, err := m.URLs(p)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("URLs(%q) = %q, %v; want %q", p, got, err, want)
		}
	}
	for _, bad := range []string{"../x", "a/../../x", "/etc/passwd", "a/./b", ""} {
		if _, err := m.URLs(bad); err == nil {
			t.Errorf("URLs(%q) escaped the base URL", bad)
		}
	}
	for _, bad := range []string{"ftp://e.com/", "https:///x", "https://u@e.com/", "https://e.com/?q", "https://e.com/#f", "https://e.com/a/../b", "e.com"} {
		if _, err := NormalizeBase(bad); err == nil {
			t.Errorf("NormalizeBase(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "a/index.html", ".."} {
		if _, err := NewMapper("https://e.com", []string{bad}); err == nil {
			t.Errorf("--index %q accepted", bad)
		}
	}
	if r, _ := NormalizeBase("https://e.com"); r != "https://e.com/" {
		t.Errorf("root base %q", r)
	}
}

// A base path is escaped as file names are: non-ASCII stays raw (purge's
// --url-form decides), what a path cannot hold raw is encoded, however the
// base was written.
func TestBasePathEscapedLikeFileNames(t *testing.T) {
	for _, in := range []string{"https://example.com/café docs/", "https://example.com/caf%C3%A9%20docs", "https://example.com/café%20docs/"} {
		m, err := NewMapper(in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Base() != "https://example.com/café%20docs/" {
			t.Errorf("NormalizeBase(%q) = %q", in, m.Base())
		}
		if got, _ := m.URLs("thé.html"); !slices.Equal(got, []string{"https://example.com/café%20docs/thé.html"}) {
			t.Errorf("URLs under %q = %q", in, got)
		}
	}
	for in, want := range map[string]string{"https://E.com": "https://e.com/", "https://e.com/a//b": "https://e.com/a//b/", "https://e.com/a%2Fb/": "https://e.com/a%2Fb/", "https://e.com/100%25/": "https://e.com/100%25/"} {
		if got, err := NormalizeBase(in); got != want {
			t.Errorf("NormalizeBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeBase("https://e.com/a/%2E%2E/b"); err == nil {
		t.Error("an encoded .. segment accepted")
	}
}

func TestPlanConfirmed(t *testing.T) {
	m, _ := NewMapper("https://e.com/", []string{"index.html", "index.htm"})
	d := Diff{Changes: []Change{{Path: "a.css", Op: Changed}, {Path: "b/index.htm", Op: Added}, {Path: "b/index.html", Op: Removed}}}
	p, err := m.PlanFor(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://e.com/a.css", "https://e.com/b/", "https://e.com/b/index.htm", "https://e.com/b/index.html"}
	if !slices.Equal(p.URLs, want) {
		t.Fatalf("URLs %q, want %q (the shared directory URL once)", p.URLs, want)
	}
	// The directory URL failed: both index files are not done; a.css is.
	ok := p.Confirmed(func(i int) bool { return p.URLs[i] != "https://e.com/b/" })
	if !ok("a.css") || ok("b/index.htm") || ok("b/index.html") || !ok("unchanged.html") {
		t.Fatal("confirmation does not follow the URLs")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
