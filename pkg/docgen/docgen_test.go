package docgen

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/root"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// TestGeneratedFilesAreFresh fails when docs/, man pages or completions/ were
// not regenerated after a command changed: run `make docs`.
func TestGeneratedFilesAreFresh(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	tmp := t.TempDir()
	if err := Generate(root.NewCmdRoot(&cmdutil.Factory{IOStreams: io}), tmp, DefaultDirs); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join("..", "..")
	for _, dir := range []string{DefaultDirs.Markdown, DefaultDirs.Man, DefaultDirs.Completions} {
		want := readTree(t, filepath.Join(tmp, dir))
		got := readTree(t, filepath.Join(repo, dir))
		for name, content := range want {
			if c, ok := got[name]; !ok {
				t.Errorf("%s/%s is missing: run `make docs`", dir, name)
			} else if !bytes.Equal(c, content) {
				t.Errorf("%s/%s is stale: run `make docs`", dir, name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s/%s is no longer generated: run `make docs`", dir, name)
			}
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return nil
	})
	return out
}

// issue 13 §3: every man page is titled by its own command
// (cfcache-purge-url(1), not CFCACHE(1) on all of them) and has an EXIT
// STATUS section with every code of cmdutil.ExitCodes.
func TestManPagesTitledByCommandWithExitStatus(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	tmp := t.TempDir()
	rootCmd := root.NewCmdRoot(&cmdutil.Factory{IOStreams: io})
	if err := Generate(rootCmd, tmp, DefaultDirs); err != nil {
		t.Fatal(err)
	}
	pages := readTree(t, filepath.Join(tmp, DefaultDirs.Man))
	if len(pages) < 10 {
		t.Fatalf("only %d man pages", len(pages))
	}
	if _, ok := pages["cfcache-purge-url.1"]; !ok {
		t.Error("no cfcache-purge-url.1")
	}
	for name, b := range pages {
		page := string(b)
		cmdName := strings.TrimSuffix(name, ".1")
		if want := "\n.TH \"" + cmdName + "\" \"1\" "; !strings.Contains(page, want) {
			t.Errorf("%s: want title %q, got %q", name, want, firstLine(page, ".TH"))
		}
		_, exit, ok := strings.Cut(page, "\n.SH EXIT STATUS\n")
		if !ok {
			t.Errorf("%s: no EXIT STATUS section", name)
			continue
		}
		exit, _, _ = strings.Cut(exit, "\n.SH ")
		for _, e := range cmdutil.ExitCodes {
			if !strings.Contains(exit, fmt.Sprintf(".TP\n\\fB%d\\fP\n", e.Code)) {
				t.Errorf("%s: exit code %d missing from EXIT STATUS", name, e.Code)
			}
		}
	}
}

func firstLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
