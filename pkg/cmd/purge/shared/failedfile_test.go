//go:build unix

package shared

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func newCmdEngine(f *cmdutil.Factory, kind purge.Kind, engine func(*purge.RunConfig)) *cobra.Command {
	return newCmdOpts(f, kind, func(j *Job) { j.Engine = engine })
}

// readItems reads a failed file back as purge would with -f.
func readItems(t *testing.T, kind purge.Kind, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := purge.NewReader(purge.FileInput(path, bytes.NewReader(data)), kind, 0)
	var out []string
	for r.Scan() {
		out = append(out, r.Item().Value)
	}
	return out
}

func writeInput(t *testing.T, dir string, items []string) string {
	t.Helper()
	path := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(path, []byte(strings.Join(items, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A --failed-file that is one of the inputs (by name, symlink or hard link)
// or a directory: exit 2, one line, zero requests (not even the zone
// lookup), the input intact.
func TestFailedFileRefusedBeforeSending(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, urls(5))
	want, _ := os.ReadFile(in)
	os.Symlink("urls.txt", filepath.Join(dir, "link.txt"))
	os.Link(in, filepath.Join(dir, "hard.txt"))
	for _, tc := range []struct{ failed, reason string }{
		{in, "is also the input"},
		{filepath.Join(dir, "link.txt"), "is also the input"},
		{filepath.Join(dir, "hard.txt"), "is also the input"},
		{dir, "is a directory"},
		{filepath.Join(dir, "nodir", "f.txt"), "cannot create it"},
	} {
		sb := cmdtest.NewSandbox(t, limits.Free, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "-f", in, "--failed-file", tc.failed)
		if code := cmdutil.ExitCode(err); code != 2 {
			t.Errorf("%s: exit %d (%v), want 2", tc.failed, code, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "--failed-file "+tc.failed) || !strings.Contains(msg, tc.reason) || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q", tc.failed, msg)
		}
		if n := sb.Server.Stats().Total; n != 0 {
			t.Errorf("%s: %d requests, want 0\n%s", tc.failed, n, st.Err.String())
		}
		if got, _ := os.ReadFile(in); !bytes.Equal(got, want) {
			t.Fatalf("%s: the input was changed to %q", tc.failed, got)
		}
	}
}

// At every confirmation the file read from disk lists every entry not yet
// confirmed (a superset), from before the first request to the end, where
// it lists exactly the failures. The rewrites are not paced here (a few ms
// apart instead of failedFileMinEvery), so the file must be seen to shrink
// during the run: the superset is checked across real rewrites, not only
// against the list written before the first request.
func TestFailedFileIsASupersetThroughoutTheRun(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) { c.Latency = 20 * time.Millisecond })
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	dir := t.TempDir()
	items := urls(400)
	in := writeInput(t, dir, items)
	failed := filepath.Join(dir, "failed.txt")
	var mu sync.Mutex
	confirmed := map[string]bool{}
	checks, shrunk := 0, 0
	engine := func(c *purge.RunConfig) {
		c.BatchSize = 10
		inner := c.OnConfirmed
		c.OnConfirmed = func(idx []int) {
			mu.Lock()
			defer mu.Unlock()
			listed := map[string]bool{}
			for _, v := range readItems(t, purge.KindURL, failed) {
				listed[v] = true
			}
			if len(listed) < len(items) {
				shrunk++ // only a mid-run rewrite lists fewer than all
			}
			for _, u := range items {
				if !confirmed[u] && !listed[u] {
					t.Errorf("after %d confirmations: %s is neither confirmed nor in the failed file", len(confirmed), u)
				}
			}
			checks++
			inner(idx)
			for _, i := range idx {
				confirmed[items[i]] = true
			}
		}
	}
	cmd := newCmdOpts(f, purge.KindURL, func(j *Job) { j.Engine, j.failedFileEvery = engine, 2*time.Millisecond })
	if err := cmdtest.Run(context.Background(), cmd, "-f", in, "--failed-file", failed, "--concurrency", "2"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if checks < 40 {
		t.Fatalf("OnConfirmed called %d times, want one per batch (40)", checks)
	}
	if shrunk == 0 {
		t.Fatalf("the failed file never shrank during the run: no mid-run rewrite was checked")
	}
	if got := readItems(t, purge.KindURL, failed); len(got) != 0 {
		t.Errorf("at the end the file lists %d items, want 0", len(got))
	}
}

// Between writes, confirmations shrink the file; it never loses an item not
// confirmed, and the final write holds exactly the failures.
func TestFailedFileShrinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "failed.txt")
	tgt, err := fileout.Check(path, fileout.Shared)
	if err != nil {
		t.Fatal(err)
	}
	entries := []purge.Entry{{Value: "#a"}, {Value: "b"}, {Value: "{c"}, {Value: "d"}}
	ff, err := startFailedFile(tgt, purge.FailedHeader{Kind: purge.KindTag}, entries, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ff.stop()
	if got := readItems(t, purge.KindTag, path); strings.Join(got, " ") != "#a b {c d" {
		t.Fatalf("before the first request: %q", got)
	}
	ff.confirmed([]int{0, 3})
	if err := ff.writePending(false); err != nil {
		t.Fatal(err)
	}
	if got := readItems(t, purge.KindTag, path); strings.Join(got, " ") != "b {c" {
		t.Fatalf("after confirming #a and d: %q", got)
	}
	if err := ff.commit(context.Background(), []purge.Failure{{Entry: entries[2], Reason: "HTTP 400"}}); err != nil {
		t.Fatal(err)
	}
	if got := readItems(t, purge.KindTag, path); strings.Join(got, " ") != "{c" {
		t.Fatalf("final: %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
}

// A FIFO stays a FIFO: written through once, at the end.
func TestFailedFileFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	got := make(chan string, 1)
	go func() {
		fh, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(fh)
		fh.Close()
		got <- string(b)
	}()
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), append(urls(3), "--failed-file", fifo)...); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if s := <-got; s != "" {
		t.Errorf("reader got %q, want nothing (no failures)", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
}

// Under umask 077 the failed file is 0600, not 0644. The umask is process-
// wide, so this runs in a child test process that does nothing else.
func TestFailedFileUmask(t *testing.T) {
	if os.Getenv("CFCACHE_TEST_UMASK_CHILD") == "1" {
		syscall.Umask(0o077)
		dir := os.Getenv("CFCACHE_TEST_DIR")
		sb := cmdtest.NewSandbox(t, limits.Free, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), append(urls(3), "--failed-file", filepath.Join(dir, "failed.txt"))...); err != nil {
			t.Fatalf("%v\n%s", err, st.Err.String())
		}
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailedFileUmask$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CFCACHE_TEST_UMASK_CHILD=1", "CFCACHE_TEST_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(dir, "failed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v under umask 077, want 0600", fi.Mode().Perm())
	}
}

// Ctrl-C with a FIFO --failed-file nobody reads: the end of the run does not
// wait for a reader (a plain open of a FIFO blocks until one comes, deaf to
// Ctrl-C), it exits 130 at once with the items not purged on stderr.
func TestFailedFileFIFONoReaderInterrupted(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine := func(c *purge.RunConfig) {
		c.BatchSize = 1
		inner := c.OnConfirmed
		c.OnConfirmed = func(idx []int) {
			inner(idx)
			cancel() // Ctrl-C once the first batch is confirmed
		}
	}
	done := make(chan error, 1)
	go func() {
		done <- cmdtest.Run(ctx, newCmdEngine(f, purge.KindURL, engine), append(urls(20), "--failed-file", fifo, "--concurrency", "1")...)
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		if r, oerr := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); oerr == nil {
			defer r.Close()
		}
		<-done
		t.Fatal("the interrupted run waited for a reader of the FIFO")
	}
	if code := cmdutil.ExitCode(err); code != 130 {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, st.Err.String())
	}
	if msg := err.Error(); !strings.Contains(msg, "--failed-file "+fifo+" was not written") || !strings.Contains(msg, "listed above") {
		t.Errorf("message %q", msg)
	}
	if n := strings.Count(st.Err.String(), "failed:"); n == 0 || n >= 20 {
		t.Errorf("%d failures listed on stderr, want the items not purged\n%s", n, st.Err.String())
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v", err)
	}
}
