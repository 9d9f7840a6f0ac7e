package manifest

import (
	"crypto/sha256"
	"hash"
)

// hasher is one worker's SHA-256 state and read buffer, reused for every
// file it hashes: no allocation per file but the path to open.
type hasher struct {
	h   hash.Hash
	buf []byte
}

func newHasher() *hasher {
	return &hasher{h: sha256.New(), buf: make([]byte, 64<<10)}
}

// sum hashes the content read by read (a file's read calls) until it
// reports 0 bytes: a small file is one read into the buffer, then the read
// that says it ended.
func (hs *hasher) sum(read func([]byte) (int, error)) (State, error) {
	var st State
	hs.h.Reset()
	for {
		n, err := read(hs.buf)
		if err != nil {
			return st, err
		}
		if n == 0 {
			break
		}
		hs.h.Write(hs.buf[:n])
		st.Size += int64(n)
	}
	hs.h.Sum(st.Hash[:0])
	return st, nil
}
