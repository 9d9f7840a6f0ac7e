// Package purge assembles the `cfcache purge` commands.
package purge

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/changed"
	"github.com/cfcache/cfcache/pkg/cmd/purge/everything"
	"github.com/cfcache/cfcache/pkg/cmd/purge/host"
	"github.com/cfcache/cfcache/pkg/cmd/purge/prefix"
	"github.com/cfcache/cfcache/pkg/cmd/purge/tag"
	"github.com/cfcache/cfcache/pkg/cmd/purge/url"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdPurge builds `cfcache purge` and its verbs.
func NewCmdPurge(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.GroupCommand(&cobra.Command{
		Use:   "purge <command>",
		Short: "Purge cached content by URL, prefix, tag, host, or everything",
		Long: `Purge cached content. Items are validated against Cloudflare's limits before
anything is sent, batched for the zone's plan, paced to its rate limits,
retried on 429/5xx, and every item is either confirmed purged or reported.
Every verb takes --invalidate (mark stale instead of deleting: soft purge)
and --environment NAME|REF (one environment of the zone).`,
	})
	// An interrupt before the batches start (zone lookup, --variants auto,
	// the purge everything prompt) has sent no purge; the batch loop reports
	// its own interruptions with what was purged.
	cmdutil.SetNotDone(cmd, "nothing was purged")
	cmd.AddCommand(
		url.NewCmdURL(f, nil),
		prefix.NewCmdPrefix(f, nil),
		tag.NewCmdTag(f, nil),
		host.NewCmdHost(f, nil),
		everything.NewCmdEverything(f, nil),
		changed.NewCmdChanged(f, nil),
	)
	return cmd
}
