//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package budget

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// fileLock is flock(2) on a lock file opened once for the process and kept
// open. gofrs/flock opens the file at each lock and closes it at each
// unlock: an open, four fcntl calls and a close around every locked update,
// two of which every API call makes (docs/performance.md, "Against
// start-up"). Held open, a lock is a flock, an lstat and an unlock.
type fileLock struct {
	path string
	f    *os.File // nil until the first Lock
	fd   int
	fi   os.FileInfo // f's, to tell whether path still names it
}

func newFileLock(path string) locker { return &fileLock{path: path} }

// Lock takes the exclusive lock. Opening the file at each lock also meant
// locking whatever file path names now; so does this: a lock file removed
// or replaced since it was opened (a state directory cleaned by hand)
// excludes no process that opens path, and the file path names is opened
// and locked instead. As before, it is never opened through a symbolic
// link.
func (l *fileLock) Lock() error {
	for {
		if l.f == nil {
			f, err := os.OpenFile(l.path, os.O_CREATE|os.O_RDWR|noFollow, 0o600)
			if err != nil {
				return err
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return err
			}
			l.f, l.fd, l.fi = f, int(f.Fd()), fi
		}
		if err := syscall.Flock(l.fd, syscall.LOCK_EX); err != nil {
			return &fs.PathError{Op: "flock", Path: l.path, Err: err}
		}
		cur, err := os.Lstat(l.path)
		if err == nil && os.SameFile(cur, l.fi) {
			return nil
		}
		_ = syscall.Flock(l.fd, syscall.LOCK_UN)
		l.f.Close()
		l.f = nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
}

// Unlock releases the lock and keeps the file open for the next Lock.
func (l *fileLock) Unlock() error {
	return syscall.Flock(l.fd, syscall.LOCK_UN)
}
