//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package budget

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The lock file stays open between locks, yet a lock still locks the file
// the path names at that moment, as opening it at each lock did: one
// removed or replaced since (a state directory cleaned by hand) is dropped
// for the new one, so processes that open the path now are excluded.
func TestLockFollowsTheFileAtItsPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json.lock")
	l := newFileLock(path)
	heldByL := func(when string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("%s: the file at the path is not locked (%v)", when, err)
		}
	}
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	heldByL("first lock")
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	heldByL("after the file was removed")
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	other := path + ".new"
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	heldByL("after the file was replaced")
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Errorf("still locked after Unlock: %v", err)
	}
}
