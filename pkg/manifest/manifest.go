// Package manifest is the domain of `cfcache purge changed`: it hashes the
// files of a site's build output, compares them with the manifest of the
// previous run, maps the changed paths to the URLs to purge, and computes the
// next manifest from what was confirmed purged.
//
// The manifest is data that can be wrong (hand-edited, truncated by a full
// disk, copied from another project): reading it never guesses. A missing
// manifest is ErrNotExist, a malformed one a *CorruptError, one made for
// another directory or base URL is told by Foreign. None of them may ever be
// read as "nothing changed".
//
// It has no cobra and no terminal I/O.
package manifest

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Version is the manifest format this package reads and writes.
const Version = 1

// DefaultName is the manifest's file name when --manifest is not given.
const DefaultName = ".cfcache-manifest.json"

// State is what the manifest remembers of one file.
type State struct {
	Hash [32]byte // SHA-256 of the content
	Size int64
}

// Record is one file: its path relative to the directory, with '/'
// separators, and its state.
type Record struct {
	Path string
	State
}

// Manifest is a previous run's view of the directory.
type Manifest struct {
	Version int
	Dir     string // the directory it was made for, as RecordedDir gives it
	BaseURL string // the normalized base URL it was made for
	Files   Files
}

// Files are a manifest's records, sorted by path, each path once. A sorted
// slice rather than a map: 200,000 records cost 56 bytes each plus their
// path, with no buckets, and Compare merges it with a scan in one pass.
type Files []Record

// Get returns the state of path p, if the manifest has it.
func (fs Files) Get(p string) (State, bool) {
	i, found := slices.BinarySearchFunc(fs, p, func(r Record, p string) int { return strings.Compare(r.Path, p) })
	if !found {
		return State{}, false
	}
	return fs[i].State, true
}

// CorruptError is a manifest that cannot be trusted: not JSON, the wrong
// shape, an unknown version, a bad hash or path.
type CorruptError struct {
	Path    string // the manifest file
	Problem string
}

func (e *CorruptError) Error() string {
	return "manifest " + e.Path + " is corrupt: " + e.Problem
}

// ErrNotExist is returned by Load when there is no manifest (a first run).
var ErrNotExist = fs.ErrNotExist

// Load reads the manifest at path. It returns an error wrapping ErrNotExist
// when there is none, a *CorruptError when it cannot be trusted, or the
// read error.
func Load(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, &CorruptError{Path: path, Problem: "is a directory"}
		}
		size = fi.Size()
	}
	// The layout Write produces is read by a line parser about ten times
	// faster than the token decoder; anything else (hand-edited, another
	// tool's JSON, any corruption) is read again from the start by Decode,
	// which says what is wrong exactly as it always did.
	br := bufio.NewReaderSize(f, 64<<10)
	if m, ok := decodeWritten(br, size); ok {
		return m, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	m, err := Decode(f)
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return m, err
}

// Decode reads a manifest token by token, so a manifest of 200,000 files is
// never held whole in memory, only the map it describes. Every problem is a
// *CorruptError (with Path empty).
func Decode(r io.Reader) (*Manifest, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	corrupt := func(format string, args ...any) error {
		return &CorruptError{Problem: fmt.Sprintf(format, args...)}
	}
	jsonErr := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corrupt("it ends too early (truncated?)")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return corrupt("not valid JSON at byte %d: %v", se.Offset, se)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return corrupt("%q: want %s, found %s", te.Field, te.Type, te.Value)
		}
		return corrupt("%v", err)
	}
	expectDelim := func(want json.Delim, what string) error {
		t, err := dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return corrupt("%s: want %q, found %v", what, want, t)
		}
		return nil
	}
	if err := expectDelim('{', "the top level"); err != nil {
		return nil, err
	}
	m := &Manifest{}
	seen := map[string]bool{}
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, jsonErr(err)
		}
		if seen[key] {
			return nil, corrupt("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "version":
			if err := dec.Decode(&m.Version); err != nil {
				return nil, jsonErr(err)
			}
			if m.Version != Version {
				return nil, corrupt("version %d is not one this cfcache reads (%d)", m.Version, Version)
			}
		case "dir":
			if err := dec.Decode(&m.Dir); err != nil {
				return nil, jsonErr(err)
			}
		case "base_url":
			if err := dec.Decode(&m.BaseURL); err != nil {
				return nil, jsonErr(err)
			}
		case "files":
			if m.Files, err = decodeFiles(dec, corrupt, jsonErr, expectDelim); err != nil {
				return nil, err
			}
		default:
			// A field of a later format would come with a later version;
			// an unknown one here means the file is not what it claims.
			return nil, corrupt("unknown key %q", key)
		}
	}
	if err := expectDelim('}', "the top level"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, corrupt("data after the closing }")
	}
	for _, k := range []string{"version", "dir", "base_url", "files"} {
		if !seen[k] {
			return nil, corrupt("no %q", k)
		}
	}
	if m.Dir == "" {
		return nil, corrupt("\"dir\" is empty")
	}
	if m.BaseURL == "" {
		return nil, corrupt("\"base_url\" is empty")
	}
	return m, nil
}

func isAbs(p string) bool { return strings.HasPrefix(p, "/") || isWindowsAbs(p) }

func isWindowsAbs(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

func stringToken(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("want a key, found %v", t)
	}
	return s, nil
}

type fileJSON struct {
	SHA256 string `json:"sha256"`
	Size   *int64 `json:"size"`
}

func decodeFiles(dec *json.Decoder, corrupt func(string, ...any) error, jsonErr func(error) error, expectDelim func(json.Delim, string) error) (Files, error) {
	if err := expectDelim('{', `"files"`); err != nil {
		return nil, err
	}
	files := Files{}
	sorted := true
	for dec.More() {
		p, err := stringToken(dec)
		if err != nil {
			return nil, jsonErr(err)
		}
		if why := PathProblem(p); why != "" {
			return nil, corrupt("file %q: %s", p, why)
		}
		if n := len(files); n > 0 && files[n-1].Path >= p {
			if files[n-1].Path == p {
				return nil, corrupt("file %q appears twice", p)
			}
			sorted = false
		}
		var fj fileJSON
		if err := dec.Decode(&fj); err != nil {
			return nil, jsonErr(err)
		}
		var st State
		if len(fj.SHA256) != 64 {
			return nil, corrupt("file %q: \"sha256\" %q is not 64 hex digits", p, fj.SHA256)
		}
		if _, err := hex.Decode(st.Hash[:], []byte(fj.SHA256)); err != nil {
			return nil, corrupt("file %q: \"sha256\" %q is not 64 hex digits", p, fj.SHA256)
		}
		if fj.Size == nil || *fj.Size < 0 {
			return nil, corrupt("file %q: no size, or a negative one", p)
		}
		st.Size = *fj.Size
		files = append(files, Record{Path: p, State: st})
	}
	if err := expectDelim('}', `"files"`); err != nil {
		return nil, err
	}
	if !sorted {
		// Write sorts; a hand-edited manifest may not be.
		slices.SortFunc(files, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
		for i := 1; i < len(files); i++ {
			if files[i-1].Path == files[i].Path {
				return nil, corrupt("file %q appears twice", files[i].Path)
			}
		}
	}
	return files, nil
}

// PathProblem says why p cannot be a file path of a manifest (relative,
// '/'-separated, no empty, "." or ".." segment: such a path could make a
// URL outside the base URL), or "" when it can.
func PathProblem(p string) string {
	switch {
	case p == "":
		return "empty path"
	case !utf8.ValidString(p):
		return "not valid UTF-8"
	case strings.IndexByte(p, 0) >= 0:
		return "contains a NUL byte"
	case strings.HasPrefix(p, "/"):
		return "absolute path: want one relative to the directory"
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return "empty path segment (//, or a trailing /)"
		case ".", "..":
			return "a " + seg + " segment would escape or alias the directory"
		}
	}
	return ""
}

// RecordedDir is how a manifest at manifestPath records the directory dir
// (both absolute): relative to the manifest's own directory, '/'-separated,
// so that a CI workspace whose path changes from job to job, cached with
// its manifest, still matches. It is absolute only when there is no
// relative path (another volume).
func RecordedDir(manifestPath, dir string) string {
	rel, err := filepath.Rel(filepath.Dir(manifestPath), dir)
	if err != nil {
		return filepath.ToSlash(dir)
	}
	return filepath.ToSlash(rel)
}

// Foreign says why m, read from manifestPath, was not made for dir and
// baseURL (dir absolute, baseURL as NormalizeBase gives it), or "" when it
// was. A manifest that recorded an absolute directory (written before
// RecordedDir, or on another volume) is compared with dir itself.
func (m *Manifest) Foreign(manifestPath, dir, baseURL string) string {
	var why []string
	want := RecordedDir(manifestPath, dir)
	if isAbs(m.Dir) {
		want = filepath.ToSlash(dir)
	}
	if m.Dir != want {
		if isAbs(m.Dir) {
			why = append(why, fmt.Sprintf("directory %s, not %s", m.Dir, dir))
		} else {
			why = append(why, fmt.Sprintf("directory %s, not %s, relative to the manifest", m.Dir, want))
		}
	}
	if m.BaseURL != baseURL {
		why = append(why, fmt.Sprintf("base URL %s, not %s", m.BaseURL, baseURL))
	}
	return strings.Join(why, " and ")
}

// Write writes a manifest of records (sorted by path, as Next returns them)
// to w, one file per line so that a diff of two manifests reads well. It
// streams: nothing but the records is held.
func Write(w io.Writer, dir, baseURL string, records []Record) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	jstr := func(s string) []byte {
		b, _ := json.Marshal(s) // a string always marshals
		return b
	}
	fmt.Fprintf(bw, "{\n  \"version\": %d,\n  \"dir\": %s,\n  \"base_url\": %s,\n  \"files\": {", Version, jstr(dir), jstr(baseURL))
	var hexbuf [64]byte
	for i, r := range records {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(jstr(r.Path))
		bw.WriteString(`: {"sha256": "`)
		hex.Encode(hexbuf[:], r.Hash[:])
		bw.Write(hexbuf[:])
		bw.WriteString(`", "size": `)
		bw.WriteString(strconv.FormatInt(r.Size, 10))
		bw.WriteByte('}')
	}
	if len(records) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("}\n}\n")
	return bw.Flush()
}

// Op is what happened to a file between two runs.
type Op int

const (
	Added Op = iota + 1
	Changed
	Removed
)

func (o Op) String() string {
	return map[Op]string{Added: "added", Changed: "changed", Removed: "removed"}[o]
}

// Change is one file added, changed or removed.
type Change struct {
	Path string
	Op   Op
	Old  State // Changed, Removed
	New  State // Added, Changed
}

// Diff is the comparison of a scan with a previous manifest.
type Diff struct {
	Changes                            []Change // sorted by path
	Added, Changed, Removed, Unchanged int
}

// Compare compares files (sorted by path, as Scan returns them) with old
// (nil: no previous manifest, every file is added): one merge of the two
// sorted lists, no map.
func Compare(old Files, files []Record) Diff {
	return merge(old, files, false)
}

// All is the diff that purges every file (--all): every file is added or
// changed, and what old has that files do not is removed.
func All(old Files, files []Record) Diff {
	return merge(old, files, true)
}

func merge(old Files, files []Record, all bool) Diff {
	var d Diff
	i, j := 0, 0
	for i < len(old) || j < len(files) {
		var c int
		switch {
		case i == len(old):
			c = 1
		case j == len(files):
			c = -1
		default:
			c = strings.Compare(old[i].Path, files[j].Path)
		}
		switch {
		case c < 0:
			d.Changes = append(d.Changes, Change{Path: old[i].Path, Op: Removed, Old: old[i].State})
			d.Removed++
			i++
		case c > 0:
			d.Changes = append(d.Changes, Change{Path: files[j].Path, Op: Added, New: files[j].State})
			d.Added++
			j++
		default:
			if st, f := old[i].State, files[j]; st != f.State || all {
				d.Changes = append(d.Changes, Change{Path: f.Path, Op: Changed, Old: st, New: f.State})
				d.Changed++
			} else {
				d.Unchanged++
			}
			i++
			j++
		}
	}
	return d
}

// Next is the manifest to write after a purge: files as scanned, except
// that a change whose URLs were not all confirmed purged keeps its old
// state (an added file is left out, a removed one kept), so that the next
// run finds it changed again and purges it again. confirmed may be nil
// when every change was confirmed (a first run that purged nothing needs
// none).
func Next(files []Record, d Diff, confirmed func(path string) bool) []Record {
	if confirmed == nil {
		confirmed = func(string) bool { return true }
	}
	failed := map[string]Change{}
	for _, c := range d.Changes {
		if !confirmed(c.Path) {
			failed[c.Path] = c
		}
	}
	out := make([]Record, 0, len(files)+len(failed))
	for _, f := range files {
		c, ok := failed[f.Path]
		switch {
		case !ok:
			out = append(out, f)
		case c.Op == Changed:
			out = append(out, Record{Path: f.Path, State: c.Old})
		}
		// a failed Added file is left out
	}
	for _, c := range failed {
		if c.Op == Removed {
			out = append(out, Record{Path: c.Path, State: c.Old})
		}
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	return out
}
