// Package everything implements `cfcache purge everything`.
package everything

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// NewCmdEverything builds the command; runF replaces the run in tests.
func NewCmdEverything(f *cmdutil.Factory, runF func(*shared.PurgeOptions) error) *cobra.Command {
	cmd, _ := shared.NewCmd(f, shared.Spec{
		Kind:  purge.KindEverything,
		Use:   "everything",
		Short: "Purge everything cached for the zone",
		Long: `Purge every file Cloudflare has cached for the zone.

On a terminal it asks you to type the zone name. When not running
interactively it refuses unless --yes is given (exit 2), so an empty variable
in a CI script can never purge a whole zone. It takes no items: other purge
commands never fall back to this one when their input is empty.`,
		Example: `  cfcache purge everything -z example.com
  cfcache purge everything -z example.com --yes`,
	}, runF)
	return cmd
}
