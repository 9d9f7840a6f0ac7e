//go:build unix

package fileout

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testUmask is set once for the whole test binary, before any test runs and
// before Umask is first read: no test here creates files in parallel, so
// the set-and-forget syscall.Umask is safe in this process (unlike in
// cfcache itself, see Umask).
const testUmask = 0o027

func TestMain(m *testing.M) {
	syscall.Umask(testUmask)
	os.Exit(m.Run())
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func TestUmaskIsReadWithoutChangingIt(t *testing.T) {
	if got := Umask(); got != testUmask {
		t.Fatalf("Umask() = %#o, want %#o", got, testUmask)
	}
	if got := probeUmask(); got != testUmask {
		t.Fatalf("probeUmask() = %#o, want %#o", got, testUmask)
	}
	// Reading it left it as it was.
	if old := syscall.Umask(testUmask); old != testUmask {
		t.Fatalf("umask changed to %#o", old)
	}
}

// The contract: files are created with the umask applied, never wider;
// exports and backups 0600 at most.
func TestModesApplyTheUmask(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		perm os.FileMode
		want os.FileMode
	}{{Shared, 0o640}, {Private, 0o600}} {
		for _, existing := range []bool{false, true} {
			path := filepath.Join(dir, "f")
			os.Remove(path)
			if existing {
				if err := os.WriteFile(path, []byte("old"), 0o666); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, 0o666)
			}
			if err := WriteFile(path, []byte("new"), tc.perm); err != nil {
				t.Fatal(err)
			}
			if got := mode(t, path); got != tc.want {
				t.Errorf("perm %#o, existing %v: mode %v, want %v", tc.perm, existing, got, tc.want)
			}
			if b, _ := os.ReadFile(path); string(b) != "new" {
				t.Errorf("content %q", b)
			}
		}
	}
}

func TestRegularFileReplacedAtomicallyThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.txt")
	link := filepath.Join(dir, "link.txt")
	os.WriteFile(real, []byte("old"), 0o644)
	if err := os.Symlink("real.txt", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("new"), Shared); err != nil {
		t.Fatal(err)
	}
	if mode(t, link)&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	assertNoTemp(t, dir)
}

func TestFailedWriteLeavesTargetAndNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	os.WriteFile(path, []byte("old"), 0o644)
	tgt, err := Check(path, Shared)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := tgt.Write(func(w io.Writer) error { w.Write([]byte("half")); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("target holds %q", b)
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestFIFOIsWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	tgt, err := Check(fifo, Shared)
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Atomic() {
		t.Fatal("a FIFO must not be replaced atomically")
	}
	if err := WriteFile(fifo, []byte("through\n"), Shared); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through\n" {
		t.Fatalf("reader got %q", s)
	}
	if mode(t, fifo)&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v", mode(t, fifo))
	}
	assertNoTemp(t, dir)
}

func TestDeviceIsWrittenThrough(t *testing.T) {
	if err := WriteFile("/dev/null", []byte("x"), Private); err != nil {
		t.Fatal(err)
	}
	if mode(t, "/dev/null")&os.ModeDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
}

func TestRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "urls.txt")
	os.WriteFile(in, []byte("https://example.com/\n"), 0o644)
	hard := filepath.Join(dir, "hard.txt")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	soft := filepath.Join(dir, "soft.txt")
	os.Symlink("urls.txt", soft)
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, nil, 0o644)
	for _, tc := range []struct {
		name, path string
		inputs     []string
		want       string // "" = accepted
	}{
		{"directory", dir, nil, "is a directory"},
		{"missing directory", filepath.Join(dir, "no", "x"), nil, "cannot create it"},
		{"same path", in, []string{"-", in}, "is also the input"},
		{"hard link", hard, []string{in}, "is also the input"},
		{"symlink", soft, []string{in}, "is also the input"},
		{"input via symlink", in, []string{soft}, "is also the input"},
		{"other file", other, []string{in, "-"}, ""},
		{"new file", filepath.Join(dir, "new.txt"), []string{in}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.path, Shared, tc.inputs...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Fatalf("not one line: %q", err)
			}
			var pe *PathError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("not a *PathError: %T", err)
			}
		})
	}
	if b, _ := os.ReadFile(in); len(b) == 0 {
		t.Fatal("the input was emptied")
	}
}
