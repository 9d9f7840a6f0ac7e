// Package input opens the items of a command (arguments, -f FILE, -f - for
// stdin) and prints the invalid ones, for every command that reads items:
// purge and warm share it rather than one importing the other (docs/style.md,
// "Lessons from our own code"). It holds no cobra; errors are cmdutil's
// typed errors, so they map to the contract's exit codes (exit 2).
package input

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Source is one opened input: the arguments, stdin or a file.
type Source struct {
	purge.Input
	// Name is the file as given: "" for the arguments, "-" for stdin.
	Name string
	// Rereadable says opening Name again reads the same lines: a regular
	// file. Stdin, a pipe, a FIFO or /dev/fd/N (a shell's <(...)) can be
	// read once only.
	Rereadable bool
}

// Reopen opens a Rereadable source again, for a second reading; the caller
// closes the file.
func (s Source) Reopen() (purge.Input, *os.File, error) {
	f, err := os.Open(s.Name)
	if err != nil {
		return purge.Input{}, nil, err
	}
	return purge.FileInput(s.Name, f), f, nil
}

// Open opens the arguments (as one source, when there are any) and each
// file in order, stdin for "-"; what names the items in an error ("items",
// "URLs"). Stdin can be read once, so "-" given twice is refused. close
// closes every file opened; on an error Open has closed them already.
func Open(stdin io.Reader, args, files []string, what string) (sources []Source, close func(), err error) {
	var opened []*os.File
	close = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	if len(args) > 0 {
		sources = append(sources, Source{Input: purge.ArgsInput(args)})
	}
	usedStdin := false
	for _, name := range files {
		if name == "-" {
			if usedStdin {
				close()
				return nil, func() {}, cmdutil.FlagErrorf("-f - given twice: stdin can be read once")
			}
			usedStdin = true
			sources = append(sources, Source{Input: purge.FileInput("-", stdin), Name: "-"})
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			close()
			return nil, func() {}, cmdutil.FlagErrorf("cannot read %s: %s", what, strings.TrimPrefix(err.Error(), "open "))
		}
		opened = append(opened, f)
		// Stat the opened file, not the name: what was opened is what is read.
		fi, err := f.Stat()
		sources = append(sources, Source{Input: purge.FileInput(name, f), Name: name, Rereadable: err == nil && fi.Mode().IsRegular()})
	}
	return sources, close, nil
}

// MaxShown bounds the invalid items and the notes printed one by one; the
// rest are counted (issue 9, #15: long lists show the first 20 and a count
// unless -v).
const MaxShown = 20

// ItemPrinter prints invalid items and notes on stderr as they are found:
// the first MaxShown of each (every invalid item with Verbose), then a
// count, so a bad file cannot flood the terminal.
type ItemPrinter struct {
	IO      *iostreams.IOStreams
	Verbose bool

	invalids, notes int
}

// Invalid prints one invalid item, as SOURCE:LINE: ITEM: REASON.
func (p *ItemPrinter) Invalid(e *purge.ItemError) {
	p.invalids++
	if p.invalids <= MaxShown || p.Verbose {
		fmt.Fprintln(p.IO.ErrOut, e.Error())
	}
}

// Note prints one note (not with --quiet).
func (p *ItemPrinter) Note(n purge.Note) {
	p.notes++
	if p.notes <= MaxShown && !p.IO.IsQuiet() {
		fmt.Fprintln(p.IO.ErrOut, n.String())
	}
}

// Finish prints the counts of what was not shown, and starts over.
func (p *ItemPrinter) Finish() {
	if p.invalids > MaxShown && !p.Verbose {
		fmt.Fprintf(p.IO.ErrOut, "… and %d more invalid items; -v lists them all\n", p.invalids-MaxShown)
	}
	if p.notes > MaxShown && !p.IO.IsQuiet() {
		fmt.Fprintf(p.IO.ErrOut, "… and %d more notes like these\n", p.notes-MaxShown)
	}
	p.invalids, p.notes = 0, 0
}
