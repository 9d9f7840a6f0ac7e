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
	cmd, _ := shared.NewCmd(f, shared.Spec{
		Kind:  purge.KindPrefix,
		Use:   "prefix [PREFIX...] [-f FILE|-]",
		Short: "Purge cached files by URL prefix",
		Long: `Purge everything cached under URL prefixes, written host/path (example.com/blog/).

A leading http:// or https:// is removed (and said). A prefix may not hold a
query string (?) or fragment (#), may have at most 31 path separators, and its
host must be in the zone. A path with non-ASCII characters is cached under its
percent-encoded form when the zone normalizes URLs: both forms are sent.

` + shared.InputHelp,
		Example: `  cfcache purge prefix example.com/blog/ example.com/assets/v2/ -z example.com
  cfcache purge prefix -f prefixes.txt --dry-run -z example.com`,
	}, runF)
	return cmd
}
