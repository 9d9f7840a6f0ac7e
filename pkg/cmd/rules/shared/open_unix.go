//go:build unix

package shared

import (
	"os"
	"syscall"
)

// openInput opens a rules file for reading without os.Open's attempt to
// register it with the network poller: a regular file refuses, but the
// attempt starts the poller (an epoll instance, an eventfd, two epoll_ctl)
// in a process that has no other use for it, and once started the
// scheduler polls it whenever a thread goes idle (docs/performance.md,
// "Against start-up"). pkg/manifest opens files the same way. Errors are
// os.Open's (*os.PathError), so messages do not change.
func openInput(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			return os.NewFile(uintptr(fd), path), nil
		}
		if err != syscall.EINTR {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
}
