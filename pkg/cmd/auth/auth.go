// Package auth assembles `cfcache auth`: checking the credentials cfcache
// would use.
package auth

import (
	"github.com/spf13/cobra"

	verifyCmd "github.com/cfcache/cfcache/pkg/cmd/auth/verify"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdAuth builds `cfcache auth` and its verbs.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.GroupCommand(&cobra.Command{
		Use:   "auth <command>",
		Short: "Check credentials",
		Long: `Check the credentials cfcache would use (the first found of
CLOUDFLARE_API_TOKEN, CF_API_TOKEN, CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL,
--api-token-file, or the config file's api_token) against the API, without
ever printing them.`,
		Example: `  cfcache auth verify
  cfcache auth verify --api-token-file ~/.config/cfcache/token`,
	})
	cmd.AddCommand(verifyCmd.NewCmdVerify(f, nil))
	return cmd
}
