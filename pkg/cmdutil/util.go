package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/config"
)

// WrapAPIError gives API failures their exit code: auth → AuthError,
// unknown or ambiguous zone → usage error, unreachable API → a message that names the fix.
func WrapAPIError(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *cfapi.APIError
	var notFound *cfapi.ZoneNotFoundError
	var ambiguous *cfapi.ZoneAmbiguousError
	var opErr *net.OpError
	var urlErr *url.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		// An interrupt, not an unreachable API: *url.Error is a net.Error, so
		// without this case the cancellation would be flattened into "cannot
		// reach the Cloudflare API" and lose its exit code 130.
		return err
	case errors.As(err, &notFound), errors.As(err, &ambiguous):
		return &ValidationError{Err: err}
	case errors.As(err, &apiErr) && apiErr.IsAuth():
		return &AuthError{Err: fmt.Errorf("%s: check the token and that it has the permission this command needs (%s)", apiErr.Message(), apiErr.Path)}
	case errors.Is(err, config.ErrNoCredentials):
		return &AuthError{Err: err}
	// Only the network's own error types: syscall.Errno satisfies net.Error,
	// so matching that interface turned a local file error (an unwritable
	// --backup-dir, EACCES) into "cannot reach the Cloudflare API".
	case errors.As(err, &opErr), errors.As(err, &urlErr), errors.As(err, &dnsErr):
		return fmt.Errorf("cannot reach the Cloudflare API: %s (check --api-url / CLOUDFLARE_BASE_URL and the network)", unwrapNet(err))
	}
	return err
}

func unwrapNet(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	return err.Error()
}

// NoArgs refuses positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// ExactArgs requires n arguments, saying what is missing.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s", what)
		}
		if len(args) > n {
			return FlagErrorf("unexpected argument %q for %q", args[n], cmd.CommandPath())
		}
		return nil
	}
}

// GroupCommand makes a parent command that shows help when called bare and
// refuses unknown subcommands with a usage error (cobra alone prints help and exits 0).
func GroupCommand(cmd *cobra.Command) *cobra.Command {
	// cobra fills this in only on its own error path, which the Args below
	// replace: without it "purge urls" would get no "did you mean url?".
	// Set here once, so every group suggests alike.
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return FlagErrorf("unknown command %q for %q%s", args[0], c.CommandPath(), suggestionsFor(c, args[0]))
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return cmd
}

func suggestionsFor(c *cobra.Command, arg string) string {
	if s := c.SuggestionsFor(arg); len(s) > 0 {
		return "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return ""
}

// OutputJSON reports whether -o json is in force.
func (f *Factory) OutputJSON() bool { return f.Settings != nil && f.Settings.Output == "json" }

// WriteJSON prints v as one indented JSON document.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// notDoneAnnotation names, on a command or a group, what is certainly not
// done when the command stops before its own reporting: an interrupt outside
// the steps that report their progress themselves, or no answer at a prompt.
const notDoneAnnotation = "cfcache/not-done"

// SetNotDone records what cmd (and the commands under it) has not done when
// it stops early, e.g. "nothing was purged".
func SetNotDone(cmd *cobra.Command, note string) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[notDoneAnnotation] = note
	return cmd
}

// NotDone is what cmd has not done when it stops early: the nearest note set
// by SetNotDone, else "nothing was changed" (commands that only read, and
// commands whose writes report their own interruption).
func NotDone(cmd *cobra.Command) string {
	for c := cmd; c != nil; c = c.Parent() {
		if n := c.Annotations[notDoneAnnotation]; n != "" {
			return n
		}
	}
	return "nothing was changed"
}
