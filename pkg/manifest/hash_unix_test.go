//go:build unix

package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A path the walk listed as a regular file may be swapped before it is
// opened: for a FIFO, a device or a symlink the hash must fail, naming the
// change, never record an empty file or follow the link out of DIR.
func TestHashRefusesWhatChangedSinceTheWalk(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "page.html")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	outside := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(outside, []byte("secret"), 0o644))
	link := filepath.Join(dir, "link.html")
	must(t, os.Symlink(outside, link))
	h := newHasher()
	for _, c := range []struct {
		path    string
		regular bool
	}{{fifo, true}, {fifo, false}, {link, true}, {"/dev/null", false}} {
		st, err := h.hashFile(c.path, c.regular)
		if err == nil || !strings.Contains(err.Error(), "changed since it was listed") {
			t.Errorf("hashFile(%s, regular=%v) = %+v, %v; want a refusal", c.path, c.regular, st, err)
		}
	}
	// A link the walk saw as a link (to a file inside DIR) is followed.
	real := filepath.Join(dir, "real.html")
	must(t, os.WriteFile(real, []byte("x"), 0o644))
	in := filepath.Join(dir, "in.html")
	must(t, os.Symlink(real, in))
	if st, err := h.hashFile(in, false); err != nil || st.Size != 1 {
		t.Errorf("link inside: %+v, %v", st, err)
	}
	if st, err := h.hashFile(real, true); err != nil || st.Size != 1 {
		t.Errorf("regular file: %+v, %v", st, err)
	}
}
