package shared

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// A CPU-bound step must not hold Ctrl-C up (issue 9: `rules validate` on an
// alias bomb ignored SIGINT and SIGTERM). The step here blocks until the
// test ends, so Interruptible can only return through the context.
func TestInterruptibleReturnsOnCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := Interruptible(ctx, "stopped while reading r.yaml: nothing was sent", func() int {
		close(started)
		<-release
		return 1
	})
	var ce *cmdutil.CancelError
	if !errors.As(err, &ce) || cmdutil.ExitCode(err) != 130 || !strings.Contains(err.Error(), "stopped while reading r.yaml: nothing was sent") {
		t.Fatalf("error %v (%T), want a CancelError saying what was done", err, err)
	}
}

func TestInterruptibleReturnsTheResult(t *testing.T) {
	got, err := Interruptible(context.Background(), "x", func() string { return "done" })
	if err != nil || got != "done" {
		t.Fatalf("%q, %v", got, err)
	}
	// Already interrupted: the step is not even started.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if _, err := Interruptible(ctx, "x", func() bool { ran = true; return true }); cmdutil.ExitCode(err) != 130 || ran {
		t.Fatalf("exit %d, ran %v", cmdutil.ExitCode(err), ran)
	}
}
