// Package host implements `cfcache purge host`.
package host

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge host`.
type Options struct {
	shared.Common
	shared.Items
}

// NewCmdHost builds the command; runF replaces the run in tests.
func NewCmdHost(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindHost), Items: shared.NewItems()}
	cmd := &cobra.Command{
		Use:   "host [HOST...] [-f FILE|-]",
		Short: "Purge cached files by hostname",
		Long: `Purge everything cached for hostnames of the zone.

Hosts are bare DNS names (images.example.com): no scheme, path or port, and
within the zone.

` + shared.InputHelp + `

` + shared.ZonesHelp,
		Example: `  cfcache purge host images.example.com static.example.com -z example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return hostRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	shared.AddItemFlags(cmd, &opts.Items, true)
	shared.AddAllowOtherHostsFlag(cmd, &opts.Items)
	return cmd
}

// Job is the options as the shared purge steps take them.
func (o *Options) Job() *shared.Job {
	return shared.NewJob(&o.Common, &o.Items, nil, "")
}

func hostRun(o *Options) error { return o.Job().Run() }
