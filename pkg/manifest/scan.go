package manifest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/fileout"
)

// ScanOptions configure Scan.
type ScanOptions struct {
	// Dir is the directory to scan.
	Dir string
	// Workers hash files at once; 0 means GOMAXPROCS (at least 2, so one
	// waiting on the disk does not idle a core).
	Workers int
	// Exclude are files not to scan (the manifest itself when it lies in
	// Dir, and the temporary files it is written through), each skipped
	// with its reason.
	Exclude []Exclude
	// Known are the previous manifest's records, if any: a scanned path
	// equal to one of them shares its string, so 200,000 paths are held
	// once, not twice.
	Known Files
}

// Exclude is a file Scan must not hash (nor the temporary files it is
// written through), and the reason said when it is skipped.
type Exclude struct {
	Path   string
	Reason string // e.g. "the manifest itself"
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
	exclude := map[string]string{}
	var excludeTmp []Exclude // prefix of the temporary files, and the reason
	for _, e := range opts.Exclude {
		if r, err := realPathOf(e.Path); err == nil {
			exclude[r] = e.Reason
			excludeTmp = append(excludeTmp, Exclude{filepath.Join(filepath.Dir(r), "."+filepath.Base(r)+"."), e.Reason + " (a temporary file it is written through)"})
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = max(2, runtime.GOMAXPROCS(0))
	}

	// The walk hands files to the workers in batches: one channel send
	// per 256 files, not per file. A batch's records are a window of a
	// chunk of records, filled in place by the one worker that takes it.
	// The first chunk has room for the previous manifest's files and an
	// eighth more, so a usual run's records are that one chunk, never
	// copied; a first run's chunks double and are joined in the end.
	const batchSize = 256
	type batch struct {
		recs []Record
		full []string // the path to open, per record
		link []bool   // per record: the walk saw a symlink (to a file inside Dir)
		errs []*FileError
	}
	jobs := make(chan *batch, workers)
	var chunks [][]Record
	chunk := make([]Record, 0, max(4096, len(opts.Known)+len(opts.Known)/8+batchSize))
	var batches []*batch
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := newHasher()
			for b := range jobs {
				if ctx.Err() != nil {
					continue // drain
				}
				for i := range b.recs {
					st, err := h.hashFile(b.full[i], !b.link[i])
					if err != nil {
						b.errs = append(b.errs, &FileError{Path: b.recs[i].Path, Err: err})
						st.Size = -1 // not a file of the result
					}
					b.recs[i].State = st
				}
				b.full, b.link = nil, nil
			}
		}()
	}
	cur := &batch{}
	send := func() error {
		if len(cur.recs) == 0 {
			return nil
		}
		batches = append(batches, cur)
		chunk = chunk[:len(chunk)+len(cur.recs)]
		select {
		case jobs <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = &batch{}
		return nil
	}
	res := &ScanResult{}
	known := opts.Known
	hint := 0

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
		// A path the previous manifest has is stored once: the record
		// takes the manifest's string, and the walk's is garbage once the
		// file is hashed. The walk visits a directory's files in the
		// manifest's order, so the next record is tried before a search.
		if hint < len(known) && known[hint].Path == rel {
			rel = known[hint].Path
			hint++
		} else if i, found := slices.BinarySearchFunc(known, rel, func(r Record, p string) int { return strings.Compare(r.Path, p) }); found {
			rel = known[i].Path
			hint = i + 1
		}
		if err != nil {
			// An unreadable directory would hide its files: that is an
			// error, not a skip (its files would look removed).
			res.Errors = append(res.Errors, &FileError{Path: rel, Err: fileout.WithoutPath(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if why, ok := exclude[p]; ok {
			skipped = append(skipped, Skipped{Path: rel, Reason: why})
			return nil
		}
		if why := tmpOf(p, excludeTmp); why != "" {
			skipped = append(skipped, Skipped{Path: rel, Reason: why})
			return nil
		}
		if !utf8.ValidString(rel) {
			skipped = append(skipped, Skipped{Path: strings.ToValidUTF8(rel, "\uFFFD"), Reason: "file name is not valid UTF-8: no URL for it can be recorded"})
			return nil
		}
		isLink := false
		switch t := d.Type(); {
		case t.IsRegular():
		case t&fs.ModeSymlink != 0:
			isLink = true
			if why := linkProblem(realRoot, p); why != "" {
				skipped = append(skipped, Skipped{Path: rel, Reason: why})
				return nil
			}
		default:
			skipped = append(skipped, Skipped{Path: rel, Reason: "not a regular file (" + t.String() + ")"})
			return nil
		}
		if cur.recs == nil {
			if cap(chunk)-len(chunk) < batchSize {
				chunks = append(chunks, chunk)
				chunk = make([]Record, 0, 2*cap(chunk))
			}
			cur.recs = chunk[len(chunk) : len(chunk) : len(chunk)+batchSize]
			cur.full = make([]string, 0, batchSize)
			cur.link = make([]bool, 0, batchSize)
		}
		cur.recs = append(cur.recs, Record{Path: rel})
		cur.full = append(cur.full, p)
		cur.link = append(cur.link, isLink)
		if len(cur.recs) == batchSize {
			return send()
		}
		return nil
	})
	if walkErr == nil {
		walkErr = send()
	}
	close(jobs)
	wg.Wait()
	if walkErr != nil {
		return nil, walkErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, b := range batches {
		res.Errors = append(res.Errors, b.errs...)
	}
	chunks = append(chunks, chunk)
	if len(chunks) > 1 {
		n := 0
		for _, c := range chunks {
			n += len(c)
		}
		all := make([]Record, 0, n)
		for i, c := range chunks {
			all = append(all, c...)
			chunks[i] = nil // copied: free it as we go
		}
		chunk = all
	}
	// Drop the files that could not be read (Size -1), in place.
	res.Files = slices.DeleteFunc(chunk, func(r Record) bool { return r.Size < 0 })
	res.Skipped = skipped
	slices.SortFunc(res.Files, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(res.Errors, func(a, b *FileError) int { return strings.Compare(a.Path, b.Path) })
	return res, nil
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
		return "symlink target unreadable: " + fileout.WithoutPath(err).Error()
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

// tmpOf returns the reason of the excluded file whose temporary file p is
// (fileout writes "DIR/.NAME.<random>.tmp"), or "".
func tmpOf(p string, tmps []Exclude) string {
	for _, t := range tmps {
		if strings.HasPrefix(p, t.Path) && strings.HasSuffix(p, ".tmp") {
			return t.Reason
		}
	}
	return ""
}
