// Package completion implements `cfcache completion`.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdCompletion builds the command that prints shell completion scripts.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script",
		Long: `Print the completion script for a shell. Load it for the current session, or
install it once; the release archives also ship these files in completions/.`,
		Example: `  source <(cfcache completion bash)
  cfcache completion zsh > "${fpath[1]}/_cfcache"
  cfcache completion fish > ~/.config/fish/completions/cfcache.fish
  cfcache completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("name one shell: bash, zsh, fish or powershell")
			}
			return cobra.OnlyValidArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return Write(cmd.Root(), args[0], f.IOStreams.Out)
		},
	}
}
