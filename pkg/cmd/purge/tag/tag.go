// Package tag implements `cfcache purge tag`.
package tag

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// NewCmdTag builds the command; runF replaces the run in tests.
func NewCmdTag(f *cmdutil.Factory, runF func(*shared.PurgeOptions) error) *cobra.Command {
	opts := shared.NewOptions(f, purge.KindTag)
	cmd := &cobra.Command{
		Use:   "tag [TAG...] [-f FILE|-]",
		Short: "Purge cached files by cache tag",
		Long: `Purge every cached file whose Cache-Tag response header holds one of the tags.

Tags are 1 to 1,024 printable ASCII characters with no spaces or commas, and
compare case-insensitively (duplicates that differ only in case are dropped).

One item per line in files (-f FILE, -f - for stdin); blank lines and lines
starting with # are skipped. Every item is validated before the first
request; invalid items are all listed as SOURCE:LINE: ITEM: REASON and nothing
is sent (exit 2). Items are sent in batches of the plan's size, paced to its
rate limits (a bucket of requests, slow on the free plan: see cfcache limits)
and retried on 429 and 5xx. Exit 0 when all were purged, 3 when some were not
(all listed, and written to --failed-file), 1 when none were.`,
		Example: `  cfcache purge tag product-42 product-43 -z example.com
  cfcache purge tag -f tags.txt --failed-file failed-tags.txt -z example.com`,
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
