package shared

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// StdinName is how problems name a file read from standard input.
const StdinName = "-"

// maxFileSize bounds a rules file: 300 rules of 4,096-character expressions
// with generous settings stay far below it, and it keeps a mistaken
// `validate /dev/zero` from eating memory.
const maxFileSize = 16 << 20

// ReadInput reads FILE, or standard input for "-", and returns the bytes and
// the name problems use. A missing or unreadable file is a usage error.
func ReadInput(ios *iostreams.IOStreams, path string) ([]byte, string, error) {
	if path == "-" {
		size := 0
		if f, ok := ios.In.(*os.File); ok {
			size = regularSize(f) // `validate - < rules.yaml`
		}
		data, err := readCapped(ios.In, size)
		return checkRead(data, StdinName, err)
	}
	f, err := openInput(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, path, cmdutil.FlagErrorf("rules file %s does not exist", path)
		}
		return nil, path, cmdutil.FlagErrorf("cannot read rules file: %s", err)
	}
	defer f.Close()
	// One Stat says both whether it is a directory and how large it is.
	size := 0
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, path, cmdutil.FlagErrorf("%s is a directory: give a rules file (YAML or JSON)", path)
		}
		size = sizeOf(st)
	}
	data, err := readCapped(f, size)
	return checkRead(data, path, err)
}

// readCapped reads r to its end, or to one byte past maxFileSize. size is
// what the file is expected to hold: the buffer is made for it and one
// byte more, so a file that did not change is read in one go without a
// copy. io.ReadAll's doubling allocated twice the file, enough on a
// 300-rule file to cost a garbage collection in a process that otherwise
// needs none; and a buffer from bytes.Buffer.Grow is cleared before it is
// read into, which in a fresh process is the first touch of every page
// (docs/performance.md, "Against start-up").
func readCapped(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, max(size+1, bytes.MinRead))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf)) // a pipe: double, as bytes.Buffer did
		}
		room := min(cap(buf), maxFileSize+1)
		n, err := r.Read(buf[len(buf):room])
		buf = buf[:len(buf)+n]
		if err == io.EOF || len(buf) > maxFileSize {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// regularSize is f's size when it is a regular file within the cap, else 0.
func regularSize(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return sizeOf(st)
}

func sizeOf(st fs.FileInfo) int {
	if st.Mode().IsRegular() && st.Size() <= maxFileSize {
		return int(st.Size())
	}
	return 0
}

func checkRead(data []byte, name string, err error) ([]byte, string, error) {
	if err != nil {
		return nil, name, cmdutil.FlagErrorf("cannot read %s: %s", name, err)
	}
	if len(data) > maxFileSize {
		return nil, name, cmdutil.FlagErrorf("%s is larger than %d MiB: not a rules file", name, maxFileSize>>20)
	}
	return data, name, nil
}

// ValidateOptions are the validation settings for a plan's limits, with the
// full expression checker.
func ValidateOptions(l limits.Limits) rules.Options {
	return rules.Options{Limits: l, Checker: NewChecker()}
}

// ValidateOnceOptions are ValidateOptions for a command that evaluates
// none of the file's expressions: `rules validate`, and `diff` and `deploy`
// (ParseFile, CheckForZone), whose second pass is the first one's answer on
// an Enterprise zone (rules.Validate remembers it) and on a lower plan
// parses again the few rules that plan allows, rather than every command
// keeping every tree in expr.Parse's memory.
func ValidateOnceOptions(l limits.Limits) rules.Options {
	return rules.Options{Limits: l, Checker: ExprChecker{Once: true}}
}

// PrintProblems writes one problem per line to stderr, as FILE:LINE:
// rules[i].path: REASON. They are printed even with -q: they are the
// command's answer, not progress.
func PrintProblems(ios *iostreams.IOStreams, probs rules.Problems) {
	t := ios.ErrTheme()
	for _, p := range probs {
		style := t.Warning
		if p.Severity == rules.SeverityError {
			style = t.Error
		}
		fmt.Fprintln(ios.ErrOut, Paint(t, style, p.String()))
	}
}

// ProblemsError is the error a command returns for a file with problems
// (exit 2), or nil when the file may be used: no errors, and no warnings
// when strict.
func ProblemsError(name string, probs rules.Problems, strict bool) error {
	errs, warns := len(probs.Errors()), len(probs.Warnings())
	switch {
	case errs > 0:
		return cmdutil.ValidationErrorf("%s is not valid: %s%s", name, Plural(errs, "error"), warnNote(warns))
	case strict && warns > 0:
		return cmdutil.ValidationErrorf("%s has %s (--strict turns warnings into errors)", name, Plural(warns, "warning"))
	}
	return nil
}

func warnNote(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + Plural(n, "warning")
}

// Plural is "1 rule", "3 rules".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// ParseFile reads, parses and checks FILE before anything is sent. What
// fails on every plan fails here, at no API call: a file that does not
// parse, and any error against the table's loosest limits (an expression
// that does not parse, a control character in a ref, more rules than the
// largest plan allows, ...). Only what depends on the zone's plan is left
// for CheckForZone, once the zone has been looked up (issue 9: bad input
// costs zero requests). Problems are printed on stderr; errors stop the
// command with exit 2. The returned problems (parse warnings, if any) go on
// to CheckForZone.
func ParseFile(ctx context.Context, ios *iostreams.IOStreams, path string, table limits.Table) (*rules.File, rules.Problems, error) {
	data, name, err := ReadInput(ios, path)
	if err != nil {
		return nil, nil, err
	}
	type parsed struct {
		f     *rules.File
		probs rules.Problems
		every rules.Problems // against the loosest limits: errors on every plan
	}
	p, err := Interruptible(ctx, "stopped while reading "+name+": nothing was sent", func() parsed {
		f, probs := rules.Parse(name, data)
		if probs.HasErrors() {
			return parsed{f: f, probs: probs}
		}
		return parsed{f: f, probs: probs, every: rules.Validate(f, ValidateOnceOptions(table.Loosest()))}
	})
	if err != nil {
		return nil, nil, err
	}
	if p.probs.HasErrors() || p.every.HasErrors() {
		// The warnings of the loosest pass come back from CheckForZone's
		// pass when there are no errors; here they go with the errors.
		all := append(p.probs, p.every...)
		all.Sort()
		PrintProblems(ios, all)
		return nil, nil, ProblemsError(name, all, false)
	}
	return p.f, p.probs, nil
}

// CheckForZone validates a parsed file against the zone's plan. Problems
// are printed on stderr; errors stop the command with exit 2, warnings do
// not.
func CheckForZone(ctx context.Context, ios *iostreams.IOStreams, f *rules.File, probs rules.Problems,
	zone cfapi.Zone, table limits.Table) error {
	more, err := Interruptible(ctx, "stopped while checking "+f.Name+": nothing was written", func() rules.Problems {
		return rules.Validate(f, ValidateOnceOptions(ZoneLimits(ios, table, zone)))
	})
	if err != nil {
		return err
	}
	probs = append(probs, more...)
	probs.Sort()
	PrintProblems(ios, probs)
	return ProblemsError(f.Name, probs, false)
}

// LoadForZone reads FILE and checks it before anything is sent: everything
// that fails on every plan first (no network, see ParseFile), then, once the
// zone is resolved, against the zone's plan. Problems are printed on stderr; errors stop the command
// with exit 2, warnings do not.
func LoadForZone(ctx context.Context, ios *iostreams.IOStreams, path string,
	resolve func(context.Context) (cfapi.Zone, error), table limits.Table) (*rules.File, cfapi.Zone, error) {
	f, probs, err := ParseFile(ctx, ios, path, table)
	if err != nil {
		return nil, cfapi.Zone{}, err
	}
	zone, err := resolve(ctx)
	if err != nil {
		return nil, cfapi.Zone{}, err
	}
	if err := CheckForZone(ctx, ios, f, probs, zone, table); err != nil {
		return nil, zone, err
	}
	return f, zone, nil
}
