//go:build !unix

package manifest

import (
	"errors"
	"io"
	"os"
)

// hashFile hashes the file at p.
func (hs *hasher) hashFile(p string) (State, error) {
	f, err := os.Open(p)
	if err != nil {
		return State{}, unwrapPath(err)
	}
	defer f.Close()
	return hs.sum(func(b []byte) (int, error) {
		n, err := f.Read(b)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		return n, unwrapPath(err)
	})
}
