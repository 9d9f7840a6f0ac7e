// Package prefix implements `cfcache purge prefix`.
package prefix

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge prefix`.
type Options struct {
	shared.Common
	shared.Items
	URLForm string
}

// NewCmdPrefix builds the command; runF replaces the run in tests.
func NewCmdPrefix(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindPrefix), Items: shared.NewItems()}
	cmd := &cobra.Command{
		Use:   "prefix [PREFIX...] [-f FILE|-]",
		Short: "Purge cached files by URL prefix",
		Long: `Purge everything cached under URL prefixes, written host/path (example.com/blog/).

A leading http:// or https:// is removed (and said). A prefix may not hold a
query string (?) or fragment (#), may have at most 31 path separators, and its
host must be in the zone. A path with non-ASCII characters is cached under its
percent-encoded form when the zone normalizes URLs: both forms are sent.

` + shared.InputHelp + `

` + shared.ZonesHelp,
		Example: `  cfcache purge prefix example.com/blog/ example.com/assets/v2/ -z example.com
  cfcache purge prefix -f prefixes.txt --dry-run -z example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return prefixRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	shared.AddItemFlags(cmd, &opts.Items, true)
	shared.AddAllowOtherHostsFlag(cmd, &opts.Items)
	shared.AddURLFormFlag(cmd, &opts.URLForm)
	return cmd
}

// Job is the options as the shared purge steps take them.
func (o *Options) Job() *shared.Job {
	return shared.NewJob(&o.Common, &o.Items, nil, o.URLForm)
}

func prefixRun(o *Options) error { return o.Job().Run() }
