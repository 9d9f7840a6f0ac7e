package root

import (
	"github.com/spf13/cobra"

	authCmd "github.com/cfcache/cfcache/pkg/cmd/auth"
	completionCmd "github.com/cfcache/cfcache/pkg/cmd/completion"
	limitsCmd "github.com/cfcache/cfcache/pkg/cmd/limits"
	purgeCmd "github.com/cfcache/cfcache/pkg/cmd/purge"
	rulesCmd "github.com/cfcache/cfcache/pkg/cmd/rules"
	sandboxCmd "github.com/cfcache/cfcache/pkg/cmd/sandbox"
	versionCmd "github.com/cfcache/cfcache/pkg/cmd/version"
	warmCmd "github.com/cfcache/cfcache/pkg/cmd/warm"
	wpCmd "github.com/cfcache/cfcache/pkg/cmd/wp"
	zonesCmd "github.com/cfcache/cfcache/pkg/cmd/zones"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

func addCommands(f *cmdutil.Factory, root *cobra.Command) {
	root.AddCommand(
		purgeCmd.NewCmdPurge(f),
		rulesCmd.NewCmdRules(f),
		warmCmd.NewCmdWarm(f, nil),
		wpCmd.NewCmdWP(f),
		zonesCmd.NewCmdZones(f),
		authCmd.NewCmdAuth(f),
		limitsCmd.NewCmdLimits(f, nil),
		sandboxCmd.NewCmdSandbox(f, nil),
		SkipConfig(versionCmd.NewCmdVersion(f, nil)),
		SkipConfig(completionCmd.NewCmdCompletion(f)),
	)
	root.CompletionOptions.DisableDefaultCmd = true
}
