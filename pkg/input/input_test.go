package input

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdutil"
)

func TestOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "items.txt")
	if err := os.WriteFile(file, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Close()
	files := []string{file, "-"}
	if _, err := os.Stat("/dev/fd"); err == nil {
		files = append(files, fmt.Sprintf("/dev/fd/%d", r.Fd()))
	}
	srcs, closeAll, err := Open(strings.NewReader(""), []string{"x"}, files, "items")
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	if len(srcs) != len(files)+1 || srcs[0].Name != "" || !srcs[1].Rereadable || srcs[2].Rereadable {
		t.Fatalf("%+v", srcs)
	}
	if len(srcs) == 4 && srcs[3].Rereadable {
		t.Fatal("a pipe is not rereadable")
	}

	_, _, err = Open(nil, nil, []string{"-", "-"}, "items")
	if cmdutil.ExitCode(err) != 2 || err.Error() != "-f - given twice: stdin can be read once" {
		t.Fatalf("-f - twice: %v", err)
	}
	_, _, err = Open(nil, nil, []string{filepath.Join(t.TempDir(), "none")}, "URLs")
	if cmdutil.ExitCode(err) != 2 || !strings.HasPrefix(err.Error(), "cannot read URLs: ") {
		t.Fatalf("missing file: %v", err)
	}
}
