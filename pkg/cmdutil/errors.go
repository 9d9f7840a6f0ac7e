package cmdutil

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes of the interface contract (docs/interface.md).
const (
	ExitOK          = 0
	ExitError       = 1   // runtime failure: API, network
	ExitUsage       = 2   // usage or validation error: nothing was sent
	ExitPartial     = 3   // some items done, others not (all reported)
	ExitAuth        = 4   // authentication or permission failure
	ExitDiff        = 5   // differences present (rules diff --exit-code)
	ExitInterrupted = 130 // Ctrl-C / SIGTERM after stopping cleanly
)

// FlagError is a usage mistake; the command's usage hint is printed with it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ValidationError means the input was refused before anything was sent.
// Problems already printed line by line are not repeated; Err is the summary.
type ValidationError struct{ Err error }

func (e *ValidationError) Error() string { return e.Err.Error() }
func (e *ValidationError) Unwrap() error { return e.Err }

// ValidationErrorf builds a ValidationError.
func ValidationErrorf(format string, args ...any) error {
	return &ValidationError{Err: fmt.Errorf(format, args...)}
}

// PartialError means some of the work was done and the rest was reported.
type PartialError struct{ Err error }

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// AuthError is an authentication or permission failure.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// CancelError means the user interrupted the command and it stopped cleanly.
type CancelError struct{ Err error }

func (e *CancelError) Error() string {
	if e.Err == nil {
		return "interrupted"
	}
	return e.Err.Error()
}
func (e *CancelError) Unwrap() error { return e.Err }

// DiffError signals "differences present" for rules diff --exit-code; it prints nothing.
type DiffError struct{}

func (e *DiffError) Error() string { return "differences present" }

// reportedError marks an error whose outcome the command already reported
// (summary, failures) so that it is not printed again; its exit code is still
// that of the typed error inside, decided by ExitCode like any other.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// Reported wraps err as already reported to the user.
func Reported(err error) error { return &reportedError{err: err} }

// ExitCode maps an error to the contract's exit code. It is the only place
// that does so.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		flagErr    *FlagError
		valErr     *ValidationError
		partialErr *PartialError
		authErr    *AuthError
		cancelErr  *CancelError
		diffErr    *DiffError
	)
	switch {
	case errors.As(err, &cancelErr), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &authErr):
		return ExitAuth
	case errors.As(err, &partialErr):
		return ExitPartial
	case errors.As(err, &diffErr):
		return ExitDiff
	case errors.As(err, &flagErr), errors.As(err, &valErr):
		return ExitUsage
	}
	return ExitError
}

// IsSilent reports whether err should not be printed (already reported).
func IsSilent(err error) bool {
	var reported *reportedError
	var diffErr *DiffError
	return errors.As(err, &reported) || errors.As(err, &diffErr)
}
