package docgen

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
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
