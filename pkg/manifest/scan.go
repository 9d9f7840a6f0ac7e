package manifest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// ScanOptions configure Scan.
type ScanOptions struct {
	// Dir is the directory to scan.
	Dir string
	// Workers hash files at once; 0 means GOMAXPROCS (at least 2, so one
	// waiting on the disk does not idle a core).
	Workers int
	// Exclude are absolute paths of files not to scan (the manifest itself
	// when it lies in Dir, and the temporary files it is written through).
	Exclude []string
}

// Skipped is a file not scanned, and why: said to the user, never dropped
// silently.
type Skipped struct {
	Path   string // relative, '/'-separated
	Reason string
}

// FileError is a file that should have been hashed and could not be.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// ScanResult is the directory as it is now.
type ScanResult struct {
	Files   []Record // sorted by path
	Skipped []Skipped
	Errors  []*FileError
}

// Scan walks Dir with filepath.WalkDir, which reads one directory at a time,
// and hashes every regular file with a bounded pool of workers, each
// streaming the file through SHA-256 with its own buffer: a tree of 200,000
// files costs its list of records, never its contents.
//
// Symlinks are never followed out of Dir: one to a regular file inside Dir
// is hashed as that file's content (a site's server would serve it); one
// that points outside, is broken, or points to a directory (which could
// loop) is skipped and said. FIFOs, sockets and devices are skipped and said
// (opening a FIFO would block). A file name that is not valid UTF-8 has no
// URL a manifest can record, and is skipped and said.
func Scan(ctx context.Context, opts ScanOptions) (*ScanResult, error) {
	root, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	// The walk and the containment check use the real path, so DIR may
	// itself be a symlink (a "current" release link) and a link inside is
	// judged by where it really leads.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(realRoot)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", opts.Dir)
	}
	exclude := map[string]bool{}
	var excludeTmp []string
	for _, e := range opts.Exclude {
		if r, err := realPathOf(e); err == nil {
			exclude[r] = true
			excludeTmp = append(excludeTmp, filepath.Join(filepath.Dir(r), "."+filepath.Base(r)+"."))
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = max(2, runtime.GOMAXPROCS(0))
	}

	type job struct{ rel, full string }
	type result struct {
		rec Record
		err error
	}
	jobs := make(chan job, workers*4)
	results := make(chan result, workers*4)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			h := sha256.New()
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain
				}
				st, err := hashFile(j.full, h, buf)
				results <- result{rec: Record{Path: j.rel, State: st}, err: err}
			}
		}()
	}
	res := &ScanResult{}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			if r.err != nil {
				res.Errors = append(res.Errors, &FileError{Path: r.rec.Path, Err: r.err})
				continue
			}
			res.Files = append(res.Files, r.rec)
		}
	}()

	var skipped []Skipped
	walkErr := filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == realRoot {
			return err
		}
		rel, rerr := filepath.Rel(realRoot, p)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			// An unreadable directory would hide its files: that is an
			// error, not a skip (its files would look removed).
			res.Errors = append(res.Errors, &FileError{Path: rel, Err: unwrapPath(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if exclude[p] || hasAnyPrefix(p, excludeTmp) {
			skipped = append(skipped, Skipped{Path: rel, Reason: "the manifest itself"})
			return nil
		}
		if !utf8.ValidString(rel) {
			skipped = append(skipped, Skipped{Path: strings.ToValidUTF8(rel, "\uFFFD"), Reason: "file name is not valid UTF-8: no URL for it can be recorded"})
			return nil
		}
		switch t := d.Type(); {
		case t.IsRegular():
		case t&fs.ModeSymlink != 0:
			if why := linkProblem(realRoot, p); why != "" {
				skipped = append(skipped, Skipped{Path: rel, Reason: why})
				return nil
			}
		default:
			skipped = append(skipped, Skipped{Path: rel, Reason: "not a regular file (" + t.String() + ")"})
			return nil
		}
		select {
		case jobs <- job{rel: rel, full: p}:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
	close(jobs)
	wg.Wait()
	close(results)
	<-collected
	if walkErr != nil {
		return nil, walkErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Skipped = skipped
	slices.SortFunc(res.Files, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(res.Errors, func(a, b *FileError) int { return strings.Compare(a.Path, b.Path) })
	return res, nil
}

// hashFile streams the file at p through h with buf.
func hashFile(p string, h interface {
	io.Writer
	Sum([]byte) []byte
	Reset()
}, buf []byte) (State, error) {
	var st State
	f, err := os.Open(p)
	if err != nil {
		return st, unwrapPath(err)
	}
	defer f.Close()
	h.Reset()
	// io.CopyBuffer with the worker's buffer: *os.File's WriteTo would
	// allocate a fresh 32 KiB buffer per file, 200,000 times.
	n, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf)
	if err != nil {
		return st, unwrapPath(err)
	}
	h.Sum(st.Hash[:0])
	st.Size = n
	return st, nil
}

// linkProblem says why the symlink at p must not be hashed, or "".
func linkProblem(realRoot, p string) string {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "broken symlink: not followed"
	}
	if !within(realRoot, target) {
		return "symlink to " + target + ", outside the directory: not followed"
	}
	fi, err := os.Stat(target)
	switch {
	case err != nil:
		return "symlink target unreadable: " + unwrapPath(err).Error()
	case fi.IsDir():
		return "symlink to a directory: not followed (it could loop)"
	case !fi.Mode().IsRegular():
		return "symlink to a file that is not regular: not followed"
	}
	return ""
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func realPathOf(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	// The file may not exist yet: resolve its directory.
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	r := filepath.Join(dir, filepath.Base(abs))
	if rr, err := filepath.EvalSymlinks(r); err == nil {
		r = rr
	}
	return r, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) && strings.HasSuffix(s, ".tmp") {
			return true
		}
	}
	return false
}

// unwrapPath drops the "open /abs/path: " prefix: the caller names the file
// by its relative path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err
	}
	return err
}
