package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExitCodesMatch fails when README's "Exit codes" table and
// ExitCodes (which --help and the man pages are generated from) differ.
func TestReadmeExitCodesMatch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	_, section, ok := strings.Cut(readme, "\n## Exit codes\n")
	if !ok {
		t.Fatal("README.md has no \"## Exit codes\" section")
	}
	// The table is the first run of lines starting with '|' in the section.
	var table []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "|") {
			table = append(table, line)
		} else if len(table) > 0 {
			break
		}
	}
	got := strings.Join(table, "\n") + "\n"
	if want := ExitCodesMarkdown(); got != want {
		t.Errorf("README.md's exit-code table differs from cmdutil.ExitCodes:\n--- README\n%s--- code\n%s", got, want)
	}
}

// TestExitCodesCoverEveryCode checks that every code ExitCode can return is
// documented, once.
func TestExitCodesCoverEveryCode(t *testing.T) {
	seen := map[int]bool{}
	for _, e := range ExitCodes {
		if seen[e.Code] {
			t.Errorf("exit code %d documented twice", e.Code)
		}
		seen[e.Code] = true
	}
	for _, err := range []error{nil, os.ErrNotExist, &FlagError{Err: os.ErrInvalid}, &ValidationError{Err: os.ErrInvalid},
		&PartialError{Err: os.ErrInvalid}, &AuthError{Err: os.ErrInvalid}, &DiffError{}, &CancelError{}} {
		if c := ExitCode(err); !seen[c] {
			t.Errorf("ExitCode(%T) = %d, which ExitCodes does not document", err, c)
		}
	}
}
