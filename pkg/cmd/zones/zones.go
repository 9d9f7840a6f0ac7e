// Package zones assembles `cfcache zones`: the zones the credentials see and
// how each is set up for caching.
package zones

import (
	"github.com/spf13/cobra"

	checkCmd "github.com/cfcache/cfcache/pkg/cmd/zones/check"
	listCmd "github.com/cfcache/cfcache/pkg/cmd/zones/list"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdZones builds `cfcache zones` and its verbs.
func NewCmdZones(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.GroupCommand(&cobra.Command{
		Use:   "zones <command>",
		Short: "List zones and check their cache configuration",
		Long: `List the zones your credentials can see (every page; --account-id narrows
to one account), and check how one zone is set up for caching: its plan,
APO for WordPress, SSL mode and the cache-key settings that purges must
match.`,
		Example: `  cfcache zones list
  cfcache zones list -o json --account-id 01a7362d577a6c3019a474fd6f485823
  cfcache zones check -z example.com`,
	})
	cmd.AddCommand(listCmd.NewCmdList(f, nil), checkCmd.NewCmdCheck(f, nil))
	return cmd
}
