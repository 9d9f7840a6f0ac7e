// Package verify implements `cfcache auth verify`.
package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// VerifyOptions are the parsed inputs of `cfcache auth verify`.
type VerifyOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	JSON        func() bool
	AccountID   string
	ZoneGiven   bool
	Ctx         context.Context
	Now         func() time.Time
}

// NewCmdVerify builds the command; runF replaces the run in tests.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, JSON: f.OutputJSON, Now: time.Now}
	return &cobra.Command{
		Use:   "verify",
		Short: "Check that the API token is valid and active",
		Long: `Check the API token with Cloudflare and print its status and expiry.

User tokens are verified at /user/tokens/verify. Account-owned tokens (those
starting "cfat_") are verified at /accounts/{id}/tokens/verify, so they need
--account-id (or CLOUDFLARE_ACCOUNT_ID), or a --zone whose account is used.

Exits 4 when the token is invalid, disabled or expired.`,
		Example: "  cfcache auth verify\n  CLOUDFLARE_API_TOKEN=cfat_... cfcache auth verify --zone example.com",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if f.Settings != nil {
				opts.AccountID = f.Settings.AccountID
				opts.ZoneGiven = f.Settings.Zone != ""
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
}

func verifyRun(opts *VerifyOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	accountID := opts.AccountID
	if accountID == "" && opts.ZoneGiven && c.IsAccountToken() {
		z, err := opts.ResolveZone(opts.Ctx)
		if err != nil {
			return err
		}
		accountID = z.AccountID
	}
	if accountID == "" && c.IsAccountToken() {
		return cmdutil.FlagErrorf("account-owned tokens (cfat_…) verify against their account: give --account-id, CLOUDFLARE_ACCOUNT_ID or --zone")
	}
	st, err := c.VerifyToken(opts.Ctx, accountID)
	if err != nil {
		var apiErr *cfapi.APIError
		if errors.As(err, &apiErr) && (apiErr.IsAuth() || apiErr.HasCode(1000) || apiErr.Status == 400) {
			return &cmdutil.AuthError{Err: fmt.Errorf("token is not valid: %s", apiErr.Message())}
		}
		return cmdutil.WrapAPIError(err)
	}
	if opts.JSON() {
		if err := cmdutil.WriteJSON(opts.IO.Out, st); err != nil {
			return err
		}
	} else {
		t := opts.IO.Theme()
		word := t.Success.Render("✓ active")
		if st.Status != "active" {
			word = t.Error.Render("✗ " + st.Status)
		}
		expiry := "does not expire"
		if st.ExpiresOn != nil {
			expiry = "expires " + st.ExpiresOn.UTC().Format(time.RFC3339)
			if left := st.ExpiresOn.Sub(opts.Now()); left > 0 && left < 14*24*time.Hour {
				expiry += t.Warning.Render(fmt.Sprintf(" (in %d days)", int(left.Hours()/24)))
			}
		}
		fmt.Fprintf(opts.IO.Out, "%s %s token %s, %s\n", word, st.Kind, st.ID, expiry)
	}
	if st.Status != "active" {
		return cmdutil.Reported(&cmdutil.AuthError{Err: fmt.Errorf("token is %s", st.Status)})
	}
	return nil
}
