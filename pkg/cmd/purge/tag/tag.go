// Package tag implements `cfcache purge tag`.
package tag

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge tag`.
type Options struct {
	shared.Common
	shared.Items
}

// NewCmdTag builds the command; runF replaces the run in tests.
func NewCmdTag(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindTag), Items: shared.NewItems()}
	cmd := &cobra.Command{
		Use:   "tag [TAG...] [-f FILE|-]",
		Short: "Purge cached files by cache tag",
		Long: `Purge every cached file whose Cache-Tag response header holds one of the tags.

Tags are 1 to 1,024 printable ASCII characters with no spaces or commas, and
compare case-insensitively (duplicates that differ only in case are dropped).

` + shared.InputHelp + `

It needs exactly one zone (--zone): tags are not routed to zones.
--dry-run --list prints every tag that would be sent, in the failed-file
format, so "> FILE" then "-f FILE" sends exactly them.`,
		Example: `  cfcache purge tag product-42 product-43 -z example.com
  cfcache purge tag -f tags.txt --failed-file failed-tags.txt -z example.com`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return tagRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	shared.AddItemFlags(cmd, &opts.Items, true)
	return cmd
}

// Job is the options as the shared purge steps take them.
func (o *Options) Job() *shared.Job {
	return shared.NewJob(&o.Common, &o.Items, nil, "")
}

func tagRun(o *Options) error { return o.Job().Run() }
