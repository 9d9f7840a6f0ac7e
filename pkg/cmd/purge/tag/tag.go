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
	cmd, _ := shared.NewCmd(f, shared.Spec{
		Kind:  purge.KindTag,
		Use:   "tag [TAG...] [-f FILE|-]",
		Short: "Purge cached files by cache tag",
		Long: `Purge every cached file whose Cache-Tag response header holds one of the tags.

Tags are 1 to 1,024 printable ASCII characters with no spaces or commas, and
compare case-insensitively (duplicates that differ only in case are dropped).

` + shared.InputHelp,
		Example: `  cfcache purge tag product-42 product-43 -z example.com
  cfcache purge tag -f tags.txt --failed-file failed-tags.txt -z example.com`,
	}, runF)
	return cmd
}
