// Package host implements `cfcache purge host`.
package host

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// NewCmdHost builds the command; runF replaces the run in tests.
func NewCmdHost(f *cmdutil.Factory, runF func(*shared.PurgeOptions) error) *cobra.Command {
	cmd, _ := shared.NewCmd(f, shared.Spec{
		Kind:  purge.KindHost,
		Use:   "host [HOST...] [-f FILE|-]",
		Short: "Purge cached files by hostname",
		Long: `Purge everything cached for hostnames of the zone.

Hosts are bare DNS names (images.example.com): no scheme, path or port, and
within the zone.

` + shared.InputHelp,
		Example: `  cfcache purge host images.example.com static.example.com -z example.com`,
	}, runF)
	return cmd
}
