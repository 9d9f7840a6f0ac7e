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
commands never fall back to this one when their input is empty.

--invalidate marks everything stale instead (invalidate_cache): it stays
cached and the next request revalidates it with the origin, so the origin
is not stampeded. It asks for the same confirmation.

--environment NAME|REF purges one environment of the zone (zone
versioning): a non-production environment is purged alone, but purge
everything on production touches every environment.`,
		Example: `  cfcache purge everything -z example.com
  cfcache purge everything -z example.com --yes
  cfcache purge everything -z example.com --invalidate --yes
  cfcache purge everything -z example.com --environment staging --yes`,
	}, runF)
	return cmd
}
