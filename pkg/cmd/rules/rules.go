// Package rules assembles `cfcache rules`, the Cache Rules as code commands.
package rules

import (
	"github.com/spf13/cobra"

	deployCmd "github.com/cfcache/cfcache/pkg/cmd/rules/deploy"
	diffCmd "github.com/cfcache/cfcache/pkg/cmd/rules/diff"
	explainCmd "github.com/cfcache/cfcache/pkg/cmd/rules/explain"
	exportCmd "github.com/cfcache/cfcache/pkg/cmd/rules/export"
	listCmd "github.com/cfcache/cfcache/pkg/cmd/rules/list"
	rollbackCmd "github.com/cfcache/cfcache/pkg/cmd/rules/rollback"
	validateCmd "github.com/cfcache/cfcache/pkg/cmd/rules/validate"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// NewCmdRules builds `cfcache rules` and its verbs.
func NewCmdRules(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.GroupCommand(&cobra.Command{
		Use:   "rules <command>",
		Short: "Cache Rules as code: list, export, validate, diff, deploy, roll back",
		Long: `Keep the zone's Cache Rules (the entrypoint ruleset of phase
http_request_cache_settings) in a YAML or JSON file in the API's own rule
shape, review changes as a readable diff, and deploy them safely.

A typical loop: export the live rules once, edit the file in a pull
request, validate it offline in CI, show the diff, and deploy with --yes
and --expect-version from the pipeline. Every deploy backs up the rules it
replaces; rollback restores an earlier ruleset version.`,
		Example: `  cfcache rules export --zone example.com --file cache-rules.yaml
  cfcache rules validate cache-rules.yaml --plan pro
  cfcache rules diff cache-rules.yaml
  cfcache rules deploy cache-rules.yaml`,
	})
	// Deploy and rollback report an interrupt during their write themselves;
	// anywhere else (reading the zone, its rules or versions) nothing was written.
	cmdutil.SetNotDone(cmd, "nothing was written")
	cmd.AddCommand(
		listCmd.NewCmdList(f, nil),
		exportCmd.NewCmdExport(f, nil),
		validateCmd.NewCmdValidate(f, nil),
		diffCmd.NewCmdDiff(f, nil),
		deployCmd.NewCmdDeploy(f, nil),
		rollbackCmd.NewCmdRollback(f, nil),
		explainCmd.NewCmdExplain(f, nil),
	)
	return cmd
}
