package cmdutil

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/spf13/cobra"
)

// issue 9 #13: a cancelled request (*url.Error, which is a net.Error) stays
// a cancellation, exit 130, instead of becoming "cannot reach the API".
func TestWrapAPIErrorKeepsCancellation(t *testing.T) {
	err := WrapAPIError(&url.Error{Op: "Get", URL: "https://api.cloudflare.com/client/v4/zones", Err: context.Canceled})
	if !errors.Is(err, context.Canceled) || ExitCode(err) != ExitInterrupted {
		t.Fatalf("got %v (exit %d)", err, ExitCode(err))
	}
}

func TestNotDone(t *testing.T) {
	root := &cobra.Command{Use: "cfcache"}
	group := SetNotDone(&cobra.Command{Use: "purge"}, "nothing was purged")
	verb := &cobra.Command{Use: "url"}
	other := &cobra.Command{Use: "zones"}
	root.AddCommand(group, other)
	group.AddCommand(verb)
	if NotDone(verb) != "nothing was purged" || NotDone(other) != "nothing was changed" {
		t.Fatalf("%q %q", NotDone(verb), NotDone(other))
	}
}
