//go:build unix

package fileout

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
			if err := WriteFile(context.Background(), path, []byte("new"), tc.perm); err != nil {
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
	if err := WriteFile(context.Background(), link, []byte("new"), Shared); err != nil {
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
	if err := tgt.Write(context.Background(), func(w io.Writer) error { w.Write([]byte("half")); return boom }); !errors.Is(err, boom) {
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
	if err := WriteFile(context.Background(), fifo, []byte("through\n"), Shared); err != nil {
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
	if err := WriteFile(context.Background(), "/dev/null", []byte("x"), Private); err != nil {
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
		{"new file named twice", filepath.Join(dir, "new.txt"), []string{filepath.Join(dir, ".", "new.txt")}, "is also the input"},
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
			if err != nil && strings.Contains(tc.want, "input") && pe.SameAs != tc.inputs[len(tc.inputs)-1] {
				t.Fatalf("SameAs %q", pe.SameAs)
			}
		})
	}
	if b, _ := os.ReadFile(in); len(b) == 0 {
		t.Fatal("the input was emptied")
	}
}

// Replacing a file never widens its mode: a failed file the user keeps at
// 0600 stays 0600 (and the umask still applies: 0604 → 0600 under 027).
func TestReplaceNeverWidensTheMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "failed.txt")
	for _, tc := range []struct{ had, want os.FileMode }{
		{0o600, 0o600}, {0o604, 0o600}, {0o644, 0o640}, {0o755, 0o640}, {0o400, 0o400},
	} {
		os.Remove(path)
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, tc.had)
		if err := WriteFile(context.Background(), path, []byte("new"), Shared); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, path).Perm(); got != tc.want {
			t.Errorf("had %#o: mode %#o, want %#o", tc.had, got, tc.want)
		}
	}
}

// The new content is synced before the rename: a power loss never leaves
// the name on an empty file.
func TestSyncedBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.json")
	os.WriteFile(path, []byte("old"), 0o600)
	synced := 0
	fsyncFile = func(f *os.File) error {
		synced++
		if b, _ := os.ReadFile(f.Name()); string(b) != "new" {
			t.Errorf("synced a temporary file holding %q", b)
		}
		if b, _ := os.ReadFile(path); string(b) != "old" {
			t.Errorf("synced after the rename: the target holds %q", b)
		}
		return f.Sync()
	}
	defer func() { fsyncFile = (*os.File).Sync }()
	if err := WriteFile(context.Background(), path, []byte("new"), Private); err != nil {
		t.Fatal(err)
	}
	if synced != 1 {
		t.Fatalf("synced %d times, want 1", synced)
	}
	// A failed sync is a failed write: the target is untouched.
	boom := errors.New("EIO")
	fsyncFile = func(*os.File) error { return boom }
	if err := WriteFile(context.Background(), path, []byte("newer"), Private); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the sync's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	assertNoTemp(t, dir)
}

// A FIFO nobody opens for reading: Write waits for a reader until the
// context is done, then returns its error at once (Ctrl-C exits 130 at
// once, issue 9 #13). A plain open would block in the kernel for ever.
func TestFIFOWithNoReaderHonoursCancellation(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	tgt, err := Check(fifo, Shared)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tgt.Write(ctx, func(w io.Writer) error { _, err := io.WriteString(w, "x\n"); return err })
	}()
	time.Sleep(3 * fifoPoll) // let it wait a few rounds; not an assertion
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		// Unblock the stuck open so the test binary can end.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		<-done
		t.Fatal("Write ignored the cancelled context while the FIFO had no reader")
	}
	if mode(t, fifo)&os.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}
	assertNoTemp(t, dir)
}

// A reader that comes late still gets everything, more than a pipe's
// buffer: once open, the FIFO is written like any pipe (blocking writes).
func TestFIFOReaderComesLate(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	tgt, err := Check(fifo, Shared)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("https://example.com/a-long-enough-line\n", 30000) // ~1 MB
	done := make(chan error, 1)
	go func() {
		done <- tgt.Write(context.Background(), func(w io.Writer) error { _, err := io.WriteString(w, want); return err })
	}()
	time.Sleep(2 * fifoPoll) // the writer polls first; not an assertion
	r, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("reader got %d bytes, want %d", len(got), len(want))
	}
}
