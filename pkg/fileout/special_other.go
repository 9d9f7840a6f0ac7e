//go:build !unix

package fileout

import (
	"context"
	"os"
)

// openSpecial opens a device for writing, never creating it. Outside Unix
// there are no FIFOs in the file system to wait on.
func openSpecial(_ context.Context, path string, _ bool) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
}

// syncDir is a no-op: a directory cannot be opened for syncing on Windows.
func syncDir(string) error { return nil }
