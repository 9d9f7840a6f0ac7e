// Package prefix implements `cfcache purge prefix`.
package prefix

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// NewCmdPrefix builds the command; runF replaces the run in tests.
func NewCmdPrefix(f *cmdutil.Factory, runF func(*shared.PurgeOptions) error) *cobra.Command {
	opts := shared.NewOptions(f, purge.KindPrefix)
	cmd := &cobra.Command{
		Use:   "prefix [PREFIX...] [-f FILE|-]",
		Short: "Purge cached files by URL prefix",
		Long: `Purge everything cached under URL prefixes, written host/path (example.com/blog/).

A leading http:// or https:// is removed (and said). A prefix may not hold a
query string (?) or fragment (#), may have at most 31 path separators, and its
host must be in the zone. A path with non-ASCII characters is cached under its
percent-encoded form when the zone normalizes URLs: both forms are sent.

One item per line in files (-f FILE, -f - for stdin); blank lines and lines
starting with # are skipped. Every item is validated before the first
request; invalid items are all listed as SOURCE:LINE: ITEM: REASON and nothing
is sent (exit 2). Items are sent in batches of the plan's size, paced to its
rate limits (a bucket of requests, slow on the free plan: see cfcache limits)
and retried on 429 and 5xx. Exit 0 when all were purged, 3 when some were not
(all listed, and written to --failed-file), 1 when none were.`,
		Example: `  cfcache purge prefix example.com/blog/ example.com/assets/v2/ -z example.com
  cfcache purge prefix -f prefixes.txt --dry-run -z example.com`,
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
