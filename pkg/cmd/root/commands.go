package root

import (
	"github.com/spf13/cobra"

	authVerifyCmd "github.com/cfcache/cfcache/pkg/cmd/auth/verify"
	completionCmd "github.com/cfcache/cfcache/pkg/cmd/completion"
	limitsCmd "github.com/cfcache/cfcache/pkg/cmd/limits"
	purgeCmd "github.com/cfcache/cfcache/pkg/cmd/purge"
	rulesCmd "github.com/cfcache/cfcache/pkg/cmd/rules"
	sandboxCmd "github.com/cfcache/cfcache/pkg/cmd/sandbox"
	versionCmd "github.com/cfcache/cfcache/pkg/cmd/version"
	warmCmd "github.com/cfcache/cfcache/pkg/cmd/warm"
	wpCmd "github.com/cfcache/cfcache/pkg/cmd/wp"
	zonesCheckCmd "github.com/cfcache/cfcache/pkg/cmd/zones/check"
	zonesListCmd "github.com/cfcache/cfcache/pkg/cmd/zones/list"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

func addCommands(f *cmdutil.Factory, root *cobra.Command) {
	zones := cmdutil.GroupCommand(&cobra.Command{Use: "zones <command>", Short: "List zones and check their cache configuration"})
	zones.AddCommand(zonesListCmd.NewCmdList(f, nil))
	zones.AddCommand(zonesCheckCmd.NewCmdCheck(f, nil))

	auth := cmdutil.GroupCommand(&cobra.Command{Use: "auth <command>", Short: "Check credentials"})
	auth.AddCommand(authVerifyCmd.NewCmdVerify(f, nil))

	root.AddCommand(
		purgeCmd.NewCmdPurge(f),
		rulesCmd.NewCmdRules(f),
		warmCmd.NewCmdWarm(f, nil),
		wpCmd.NewCmdWP(f),
		zones,
		auth,
		limitsCmd.NewCmdLimits(f, nil),
		sandboxCmd.NewCmdSandbox(f, nil),
		SkipConfig(versionCmd.NewCmdVersion(f, nil)),
		SkipConfig(completionCmd.NewCmdCompletion(f)),
	)
	root.CompletionOptions.DisableDefaultCmd = true
}
