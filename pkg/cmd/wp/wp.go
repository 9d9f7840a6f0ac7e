// Package wp assembles the `cfcache wp` commands: what cfcache knows about
// WordPress sites.
package wp

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/wp/related"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdWP builds `cfcache wp` and its verbs.
func NewCmdWP(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.GroupCommand(&cobra.Command{
		Use:   "wp <command>",
		Short: "Read a WordPress site's public REST API (related URLs of a post)",
	})
	cmd.AddCommand(related.NewCmdRelated(f, nil))
	return cmd
}
