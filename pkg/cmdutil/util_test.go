package cmdutil

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
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

// issue 13 #3: syscall.Errno satisfies net.Error, so a local file error
// (an unwritable --backup-dir) was reported as "cannot reach the Cloudflare
// API"; only the network's own error types are.
func TestWrapAPIErrorNetworkOnlyForNetworkErrors(t *testing.T) {
	local := WrapAPIError(&os.PathError{Op: "mkdir", Path: "/proc/nope", Err: syscall.ENOENT})
	if strings.Contains(local.Error(), "cannot reach") {
		t.Errorf("a file error became a network one: %v", local)
	}
	for _, err := range []error{
		&url.Error{Op: "Get", URL: "https://x/", Err: syscall.ECONNREFUSED},
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.DNSError{Err: "no such host", Name: "x"},
	} {
		if got := WrapAPIError(err); !strings.Contains(got.Error(), "cannot reach the Cloudflare API") {
			t.Errorf("%T: %v", err, got)
		}
	}
}
