//go:build unix

package fileout

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// fifoPoll is how often a FIFO with no reader is tried again.
const fifoPoll = 100 * time.Millisecond

// openSpecial opens a FIFO or device for writing, never creating it (Check
// saw it exist, and it must not turn into a regular file; O_TRUNC is
// ignored by both).
//
// A plain open of a FIFO blocks in the kernel until a reader opens it, and
// nothing interrupts it: Ctrl-C would be ignored for as long as nobody
// reads. So a FIFO is opened non-blocking, which fails with ENXIO while
// there is no reader, and tried again every fifoPoll until ctx is done.
// Once open, O_NONBLOCK is cleared so writes wait for the reader like any
// write to a pipe (os.NewFile then sees a blocking descriptor and does
// plain writes, on every Unix).
func openSpecial(ctx context.Context, path string, fifo bool) (*os.File, error) {
	if !fifo {
		return os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	}
	for {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_TRUNC|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			if err := syscall.SetNonblock(fd, false); err != nil {
				syscall.Close(fd)
				return nil, &os.PathError{Op: "open", Path: path, Err: err}
			}
			return os.NewFile(uintptr(fd), path), nil
		}
		if err == syscall.EINTR {
			continue
		}
		if !errors.Is(err, syscall.ENXIO) {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		t := time.NewTimer(fifoPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
