package shared

import (
	"context"
	"errors"
	"io"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// needYes is the refusal of a write that nobody can confirm (the wording
// gh uses, which scripts and people already recognise).
const needYes = "--yes required when not running interactively"

// RequireYes refuses, before anything is read or sent, a write that could
// not be confirmed: no --yes and no terminal to ask on. It is checked in
// RunE so a CI job without --yes fails at once with exit 2.
func RequireYes(ios *iostreams.IOStreams, yes bool) error {
	if yes || ios.CanPrompt() {
		return nil
	}
	return cmdutil.FlagErrorf("%s", needYes)
}

// ErrDeclined means the user answered no; nothing was written.
var ErrDeclined = errors.New("not confirmed: nothing was written")

// Confirm asks question unless yes is set. The prompt runs beside the
// context so Ctrl-C stops the command cleanly even while it waits for input.
func Confirm(ctx context.Context, ios *iostreams.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return cmdutil.FlagErrorf("%s", needYes)
	}
	type answer struct {
		ok  bool
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		ok, err := ios.Confirm(question)
		ch <- answer{ok, err}
	}()
	select {
	case <-ctx.Done():
		return &cmdutil.CancelError{Err: errors.New("interrupted at the confirmation: nothing was written")}
	case a := <-ch:
		switch {
		case errors.Is(a.err, io.EOF):
			return ErrDeclined // stdin closed without an answer: not a yes
		case a.err != nil:
			return a.err
		case !a.ok:
			return ErrDeclined
		}
		return nil
	}
}
