//go:build unix

package manifest

import (
	"syscall"
)

// hashFile hashes the file at p with raw open/read/close: os.Open would add
// per file an *os.File (with a finalizer), a non-blocking-mode fcntl and an
// attempt to register the file with the network poller, which a regular
// file refuses; over 200,000 small files those syscalls cost more than the
// hashing. The walk has already told this is a regular file (or a link to
// one inside the directory).
func (hs *hasher) hashFile(p string) (State, error) {
	var fd int
	var err error
	for {
		// O_NONBLOCK changes nothing for a regular file, but a path
		// swapped for a FIFO since the walk cannot hang the open.
		fd, err = syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return State{}, err
	}
	st, err := hs.sum(func(b []byte) (int, error) {
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
	syscall.Close(fd)
	return st, err
}
