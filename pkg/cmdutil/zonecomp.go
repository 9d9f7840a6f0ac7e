package cmdutil

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/config"
)

// ZoneCompletionTimeout bounds the API call behind --zone completion: a
// shell waits for it at every Tab, so a slow or unreachable API must cost
// little (issue 13 §3: "short timeout, silent on failure").
const ZoneCompletionTimeout = 2 * time.Second

// ZoneCompletion completes --zone with the names of the zones the
// credentials can list (GET /zones, narrowed by --account-id), through the
// Factory's client, with the settings (flag > environment > config file)
// resolved from the completed command's flags.
// Any failure (no credentials, a bad config file, an unreachable or slow
// API) completes nothing: no output, no error, and no file names either.
func ZoneCompletion(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		const none = cobra.ShellCompDirectiveNoFileComp
		// The completed command's own flags (--api-url, --profile,
		// --config, --account-id typed before the Tab) count: cobra parsed
		// them, while the root's set-up saw only __complete's.
		s, err := config.Load(cmd.Flags(), f.Env)
		if err != nil {
			return nil, none
		}
		f.Settings = s
		client, err := f.Client()
		if err != nil {
			return nil, none
		}
		ctx, cancel := context.WithTimeout(context.Background(), ZoneCompletionTimeout)
		defer cancel()
		zones, err := client.ListAccountZones(ctx, f.Settings.AccountID)
		if err != nil {
			return nil, none
		}
		var out []string
		for _, z := range zones {
			if strings.HasPrefix(z.Name, strings.ToLower(toComplete)) {
				out = append(out, z.Name)
			}
		}
		// A name held in several accounts is one completion.
		sort.Strings(out)
		return slices.Compact(out), none
	}
}
