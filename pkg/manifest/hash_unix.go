//go:build unix

package manifest

import (
	"errors"
	"syscall"
)

// errChanged is a path that is no longer what the walk listed.
var errChanged = errors.New("changed since it was listed: not a regular file")

// hashFile hashes the file at p with raw open/fstat/read/close: os.Open
// would add per file an *os.File (with a finalizer), a non-blocking-mode
// fcntl and an attempt to register the file with the network poller, which
// a regular file refuses; over 200,000 small files those syscalls cost more
// than the hashing. regular says the walk saw a regular file (not a link to
// one inside the directory): it is opened with O_NOFOLLOW, so a symlink
// swapped in since (one that could lead out of the directory) is refused.
func (hs *hasher) hashFile(p string, regular bool) (State, error) {
	// O_NONBLOCK changes nothing for a regular file, but a path swapped
	// for a FIFO since the walk cannot hang the open.
	flags := syscall.O_RDONLY | syscall.O_CLOEXEC | syscall.O_NONBLOCK
	if regular {
		flags |= syscall.O_NOFOLLOW
	}
	var fd int
	var err error
	for {
		fd, err = syscall.Open(p, flags, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.ELOOP && regular {
		return State{}, errChanged // a symlink now
	}
	if err != nil {
		return State{}, err
	}
	defer syscall.Close(fd)
	// What was opened is checked, not the path: a FIFO or device read
	// non-blocking would look like an empty file.
	var fst syscall.Stat_t
	if err := syscall.Fstat(fd, &fst); err != nil {
		return State{}, err
	}
	if fst.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return State{}, errChanged
	}
	return hs.sum(func(b []byte) (int, error) {
		for {
			n, err := syscall.Read(fd, b)
			if err != syscall.EINTR {
				if n < 0 {
					n = 0
				}
				return n, err
			}
		}
	})
}
