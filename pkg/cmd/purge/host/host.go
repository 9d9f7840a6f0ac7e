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
	opts := shared.NewOptions(f, purge.KindHost)
	cmd := &cobra.Command{
		Use:   "host [HOST...] [-f FILE|-]",
		Short: "Purge cached files by hostname",
		Long: `Purge everything cached for hostnames of the zone.

Hosts are bare DNS names (images.example.com): no scheme, path or port, and
within the zone.

One item per line in files (-f FILE, -f - for stdin); blank lines and lines
starting with # are skipped. Every item is validated before the first
request; invalid items are all listed as SOURCE:LINE: ITEM: REASON and nothing
is sent (exit 2). Items are sent in batches of the plan's size, paced to its
rate limits (a bucket of requests, slow on the free plan: see cfcache limits)
and retried on 429 and 5xx. Exit 0 when all were purged, 3 when some were not
(all listed, and written to --failed-file), 1 when none were.`,
		Example: `  cfcache purge host images.example.com static.example.com -z example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd, args)
			if runF != nil {
				return runF(opts)
			}
			return shared.Run(opts)
		},
	}
	shared.AddCommonFlags(cmd, opts, true)
	return cmd
}
