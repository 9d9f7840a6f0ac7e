package cmd_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	// upPath is a relative path that climbs: "../x", "../../y".
	// ".../" (an elided URL path) is not one.
	upPath = regexp.MustCompile(`(?:^|[^\w./])((?:\.\./)+[\w.\-/]*)`)
	// docsFile is a citation of one of the project's docs, docs/ then a
	// name ending in .md.
	docsFile = regexp.MustCompile(`(?:^|[^\w./-])(docs/[\w-]+\.md)\b`)
	// outside names the places outside the repository that comments used to
	// cite before the contract and facts were copied into docs/ (issue 13).
	outside = regexp.MustCompile("shared" + "/docs/|/work" + "/")
)

// TestReferencesStayInRepository holds issue 13's "comments cite the
// project's own docs, not files outside the repository": no Go file, doc,
// script or example points at a path outside the checkout (a reader of a
// clone or a release tarball has nothing there), and every doc cited outside
// docs/ exists there (docs/interface.md, docs/cloudflare.md, docs/style.md;
// docs themselves quote other repositories' docs/ folders).
func TestReferencesStayInRepository(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			// Generated reference pages quote help text checked at its
			// source; build outputs and caches (.gitignore) are not the
			// repository's.
			switch rel {
			case ".git", ".cache", "bin", "dist", "docs/cli", "docs/man", "completions":
				return filepath.SkipDir
			}
			return nil
		}
		if !textFile(rel) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range bytes.Split(data, []byte("\n")) {
			s := string(line)
			where := rel + ":" + strconv.Itoa(i+1)
			if m := outside.FindString(s); m != "" {
				t.Errorf("%s cites %q, outside the repository: cite docs/interface.md or docs/cloudflare.md", where, m)
			}
			for _, m := range upPath.FindAllStringSubmatch(s, -1) {
				target := filepath.Join(filepath.Dir(path), filepath.FromSlash(m[1]))
				if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
					t.Errorf("%s cites %q, outside the repository", where, m[1])
				}
			}
			for _, m := range docsFile.FindAllStringSubmatch(s, -1) {
				if strings.HasPrefix(rel, "docs/") {
					break
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m[1]))); err != nil {
					t.Errorf("%s cites %s, which the repository does not have", where, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files under %s: is the walk rooted at the repository?", checked, root)
	}
}

// textFile reports whether a file is source, docs or a script: what a
// reader follows a citation from.
func textFile(rel string) bool {
	switch filepath.Ext(rel) {
	case ".go", ".md", ".sh", ".txtar", ".yaml", ".yml", ".json", ".golden":
		return true
	}
	base := filepath.Base(rel)
	return base == "Makefile" || strings.HasPrefix(rel, ".ci/")
}
