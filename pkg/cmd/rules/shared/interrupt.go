package shared

import (
	"context"
	"errors"

	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// Interruptible runs a CPU-bound step (reading and checking a rules file of
// up to 16 MiB, or the bisection that positions a YAML syntax error) so
// that Ctrl-C and SIGTERM still stop the command at once: the step runs
// beside the context, and the command returns as soon as the context is
// done, with the exit code 130 the interface promises. The abandoned step
// only computes; it holds no file or connection, and the process exits
// right after. Before this, `rules validate` on a rules file of nested
// YAML aliases ignored both signals until it ran out of memory (issue 9).
// done says what was and was not done, for the "interrupted: ..." line.
func Interruptible[T any](ctx context.Context, done string, step func() T) (T, error) {
	if ctx == nil {
		return step(), nil
	}
	if ctx.Err() != nil {
		var zero T
		return zero, &cmdutil.CancelError{Err: errors.New(done)}
	}
	out := make(chan T, 1)
	go func() { out <- step() }()
	select {
	case v := <-out:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, &cmdutil.CancelError{Err: errors.New(done)}
	}
}
