package cmd_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
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

// TestDomainPackagesHaveNoTerminal holds the house style's third rule:
// domain logic lives in plain packages with no cobra, viper, iostreams or
// lipgloss, directly or through another of the module's packages (what the
// benchmarks and most tests exercise, docs/style.md). pkg/cachekey and
// pkg/warm took the variant expansion and the verification out of
// pkg/cmd/purge (issue 10).
func TestDomainPackagesHaveNoTerminal(t *testing.T) {
	const module = "github.com/cfcache/cfcache/"
	forbidden := []string{"github.com/spf13/cobra", "github.com/spf13/viper", module + "pkg/iostreams", module + "pkg/cmdutil", "github.com/charmbracelet/"}
	imports := func(pkg string) []string {
		dir := filepath.Join("..", "..", filepath.FromSlash(strings.TrimPrefix(pkg, module)))
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		fset := token.NewFileSet()
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				out = append(out, p)
			}
		}
		return out
	}
	for _, root := range []string{"cachekey", "warm", "purge", "limits", "rules", "expr", "wordpress"} {
		// Walk the module's packages root depends on, remembering how.
		via := map[string]string{module + "pkg/" + root: ""}
		queue := []string{module + "pkg/" + root}
		for len(queue) > 0 {
			pkg := queue[0]
			queue = queue[1:]
			for _, imp := range imports(pkg) {
				for _, bad := range forbidden {
					if imp == bad || strings.HasPrefix(imp, bad+"/") || strings.HasSuffix(bad, "/") && strings.HasPrefix(imp, bad) {
						t.Errorf("pkg/%s imports %s (through %s)", root, imp, chain(via, pkg))
					}
				}
				if _, seen := via[imp]; !seen && strings.HasPrefix(imp, module) {
					via[imp] = pkg
					queue = append(queue, imp)
				}
			}
		}
	}
}

// chain renders how pkg was reached: a → b → pkg.
func chain(via map[string]string, pkg string) string {
	var path []string
	for p := pkg; p != ""; p = via[p] {
		path = append([]string{strings.TrimPrefix(p, "github.com/cfcache/cfcache/")}, path...)
	}
	return strings.Join(path, " → ")
}
