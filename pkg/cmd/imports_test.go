package cmd_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoCrossNounImports holds the house style: no command package imports
// another noun's package; what two nouns share moves to a package both
// import (docs/style.md, "Lessons from our own code"). Only root, which
// wires every noun into the tree, imports them.
func TestNoCrossNounImports(t *testing.T) {
	const prefix = "github.com/cfcache/cfcache/pkg/cmd/"
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		noun := strings.Split(filepath.ToSlash(path), "/")[0]
		if noun == "root" || !strings.Contains(filepath.ToSlash(path), "/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, prefix) {
				continue
			}
			if other := strings.Split(strings.TrimPrefix(p, prefix), "/")[0]; other != noun {
				t.Errorf("%s imports %s: a command package of %s imports the %s noun's", path, p, noun, other)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
