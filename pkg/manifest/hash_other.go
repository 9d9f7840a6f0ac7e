//go:build !unix

package manifest

import (
	"errors"
	"io"
	"os"

	"github.com/cfcache/cfcache/pkg/fileout"
)

// errChanged is a path that is no longer what the walk listed.
var errChanged = errors.New("changed since it was listed: not a regular file")

// hashFile hashes the file at p. regular says the walk saw a regular file:
// a symlink there now is refused (checked before the open, as there is no
// O_NOFOLLOW), and what was opened must be a regular file.
func (hs *hasher) hashFile(p string, regular bool) (State, error) {
	if regular {
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return State{}, errChanged
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return State{}, fileout.WithoutPath(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return State{}, fileout.WithoutPath(err)
	} else if !fi.Mode().IsRegular() {
		return State{}, errChanged
	}
	return hs.sum(func(b []byte) (int, error) {
		n, err := f.Read(b)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		return n, fileout.WithoutPath(err)
	})
}
