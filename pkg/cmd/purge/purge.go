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
and --environment NAME|REF (one environment of the zone).

Pacing is per account, as Cloudflare's purge limits are: zones of one
account, and every cfcache process on this machine purging it, share one
budget, kept in the state directory $XDG_STATE_HOME/cfcache/ (default
~/.local/state/cfcache/) under a file lock: purge-ACCOUNT-PLAN.json holds the
account's buckets, its 429 pause and the per-request cap Cloudflare was seen
to accept ("too many items"), so later runs and --dry-run estimates start
from it; api-HASH.json counts the token's calls in its 1,200 / 5 min (HASH
is a hash of the token, never the token). A zone given by id with --plan,
whose account is not looked up, has its own: purge-zone-ID-PLAN.json. A
learned cap is probed again after 7 days without a run confirming it; to
forget it now, delete the purge-*.json files while no cfcache runs (not the
whole directory: backups/ holds the rules backups).`,
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
