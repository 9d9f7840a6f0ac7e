// Package fileout writes every file cfcache writes (failed files, rules
// exports, backups): the one place that keeps the contract's "Files cfcache
// writes" (docs/interface.md):
//
//   - a regular file, or a missing path, is replaced atomically: a temporary
//     file in the same directory, then a rename, so a reader or a crash never
//     sees half a file;
//   - a FIFO or a device node is written through, never replaced (replacing
//     /dev/stdout or a named pipe by a regular file would lose the output);
//   - a directory is refused, before the command sends anything (Check);
//   - the file is created with the process umask applied, never wider than
//     the mode asked for (Shared for failed files and manifests, Private for
//     rules exports and backups, which can reveal internal hosts).
//
// It has no cobra and no terminal I/O: errors are plain and name the path.
package fileout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Modes asked for; the umask is then applied (see Perm).
const (
	// Shared is for files meant to be read back by the user's tools:
	// failed files, manifests (0666 &^ umask, as a shell's > would make).
	Shared os.FileMode = 0o666
	// Private is for rules exports and backups: rules can reveal internal
	// hosts and paths, so the owner only, whatever the umask allows.
	Private os.FileMode = 0o600
)

// Target is a checked output path.
type Target struct {
	// Path is the path as given (used in messages).
	Path string
	// real is where an atomic replace renames to: Path with symlinks
	// resolved, so a link to a file keeps pointing at the new file.
	real    string
	perm    os.FileMode
	special bool // FIFO, device or socket: written through
	fifo    bool // a FIFO: opening it waits for a reader
}

// PathError is a refused output path; the command maps it to exit 2.
type PathError struct {
	Path   string
	Reason string
	// SameAs is the input Path is the same file as, if that is the reason.
	SameAs string
}

func (e *PathError) Error() string { return e.Path + ": " + e.Reason }

// Check refuses, before anything is sent, an output path that is a directory
// or that is the same file as one of inputs (compared with os.SameFile, so a
// symlink or a hard link to an input is caught too; "-" is stdin, not a
// file, and is skipped). A missing path is fine: it is created on Write.
func Check(path string, perm os.FileMode, inputs ...string) (*Target, error) {
	if path == "" {
		return nil, &PathError{Path: `""`, Reason: "empty file name"}
	}
	t := &Target{Path: path, real: path, perm: perm}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Created on Write; a dangling symlink is replaced by the file.
		// An input by the same name does not exist yet either, but
		// might by the time it is read or written (purge changed's
		// manifest).
		for _, in := range inputs {
			if in != "-" && in != "" && samePath(path, in) {
				return nil, sameAs(path, in)
			}
		}
		return t, checkDir(path)
	case err != nil:
		return nil, &PathError{Path: path, Reason: WithoutPath(err).Error()}
	case fi.IsDir():
		return nil, &PathError{Path: path, Reason: "is a directory: give a file name"}
	}
	for _, in := range inputs {
		if in == "-" || in == "" {
			continue
		}
		if ii, err := os.Stat(in); err == nil && os.SameFile(fi, ii) {
			return nil, sameAs(path, in)
		}
	}
	if fi.Mode().IsRegular() {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			t.real = real
		}
	} else {
		t.special = true
		t.fifo = fi.Mode()&os.ModeNamedPipe != 0
	}
	return t, nil
}

// checkDir refuses a missing path whose directory does not exist or is not
// a directory, so that a typo is found before the command does any work.
func checkDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return &PathError{Path: path, Reason: "cannot create it: " + dir + ": " + WithoutPath(err).Error()}
	case !fi.IsDir():
		return &PathError{Path: path, Reason: "cannot create it: " + dir + " is not a directory"}
	}
	return nil
}

func sameAs(path, in string) *PathError {
	return &PathError{Path: path, SameAs: in, Reason: fmt.Sprintf("is also the input %s: writing it would replace the items being read; give another file name", in)}
}

// samePath reports whether a and b name the same path (made absolute and
// cleaned): for files that do not exist, where os.SameFile cannot tell.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// WithoutPath is err without the "op PATH: " prefix of an *fs.PathError,
// for a caller that names the file itself.
func WithoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Atomic reports whether Write replaces the file atomically (a regular file
// or a new one), as opposed to writing through to a FIFO or device.
func (t *Target) Atomic() bool { return !t.special }

// Write writes what fill writes to the target: atomically for a regular
// file, through for a FIFO or device. On error the target is untouched
// (regular file) and no temporary file is left behind.
//
// A FIFO with no reader yet is waited for until ctx is done, and then
// Write returns ctx's error at once: an interrupt exits 130 at once
// (issue 9 #13), even at the end of a purge whose --failed-file is a pipe
// nobody reads.
func (t *Target) Write(ctx context.Context, fill func(io.Writer) error) error {
	if t.special {
		f, err := openSpecial(ctx, t.Path, t.fifo)
		if err != nil {
			return err
		}
		if err := fill(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	// Never wider than the file it replaces (a failed file the user keeps
	// at 0600 stays 0600) nor than the umask allows (contract, "Files
	// cfcache writes"). Read at each write, not at Check: the user may
	// have changed it since.
	perm := Perm(t.perm)
	if fi, err := os.Stat(t.real); err == nil && fi.Mode().IsRegular() {
		perm &= fi.Mode().Perm()
	}
	dir := filepath.Dir(t.real)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(t.real)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// os.CreateTemp makes the file 0600 whatever the umask: set the mode
	// the contract asks for explicitly.
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	// On disk before the rename, or a power loss can leave the new name on
	// an empty file: a rules backup that restores nothing.
	if err := fsyncFile(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, t.real); err != nil {
		return err
	}
	ok = true
	// The rename itself is on disk once the directory is (Unix only; an
	// error here changes nothing the user can act on: the file is written).
	_ = syncDir(dir)
	return nil
}

// fsyncFile is (*os.File).Sync; a test replaces it to see when it is called.
var fsyncFile = (*os.File).Sync

// WriteFile is Check then Write of data, for a writer with no inputs.
func WriteFile(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	t, err := Check(path, perm)
	if err != nil {
		return err
	}
	return t.Write(ctx, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Perm is perm with the process umask applied.
func Perm(perm os.FileMode) os.FileMode { return perm &^ Umask() }

var umask = sync.OnceValue(readUmask)

// Umask is the process umask, read once: cfcache never changes it.
//
// syscall.Umask can only read the mask by setting it (twice: set 0, restore),
// and between the two calls any file another goroutine creates gets mode
// 0666/0777: racy in a program with concurrent goroutines. So it is read
// without changing it: Linux ≥ 4.7 reports it in /proc/self/status
// ("Umask:\t0022"); elsewhere a probe file is created with 0777 and its mode
// read back (what the kernel applied is the umask, by definition).
func Umask() os.FileMode { return umask() }

func readUmask() os.FileMode {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return os.FileMode(m) & 0o777
				}
			}
		}
	}
	return probeUmask()
}

// probeUmask creates a file with mode 0777 and reads back what the umask
// left of it. When even that fails, 0o077 is the safe guess: never wider.
func probeUmask() os.FileMode {
	dir, err := os.MkdirTemp("", "cfcache-umask-")
	if err != nil {
		return 0o077
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "probe")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o777)
	if err != nil {
		return 0o077
	}
	f.Close()
	fi, err := os.Stat(name)
	if err != nil {
		return 0o077
	}
	return 0o777 &^ fi.Mode().Perm()
}
