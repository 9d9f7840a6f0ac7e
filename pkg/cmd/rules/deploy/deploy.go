// Package deploy implements `cfcache rules deploy`.
package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
)

// DeployOptions are the parsed inputs of `cfcache rules deploy`.
type DeployOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	Now         func() time.Time
	Ctx         context.Context

	File string
	shared.Guard
}

// NewCmdDeploy builds the command; runF replaces the run in tests.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits,
		JSON: f.OutputJSON, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "deploy FILE",
		Short: "Replace the zone's cache rules with a rules file, safely",
		Long: `Make the zone's cache rules exactly those of FILE, in its order.

Steps: validate FILE against the zone's plan (errors: exit 2, nothing sent);
read the zone's rules and show the diff; ask for confirmation, or require
--yes when not running interactively; back up the zone's current ruleset
(full JSON with its version, mode 0600) to --backup-dir; re-read the
version right before writing and abort (exit 1, nothing written) if it
changed since the diff or differs from --expect-version; write all rules in
one PUT, with refs so rule ids stay stable; read them back and verify, with
a warning for any field Cloudflare stored differently; print the new
version. A zone with no cache rules yet gets its ruleset created.

It refuses to write when there is nothing to change (exit 0, "No changes.").
Rules in the zone but not in FILE are deleted: that is the point of a
whole-file deploy, and the diff shows them as "-" first. A backup file is a
rules file itself: "cfcache rules deploy BACKUP" puts it back.`,
		Example: `  cfcache rules deploy cache-rules.yaml --zone example.com
  cfcache rules deploy cache-rules.yaml --yes --expect-version 12
  cfcache rules deploy cache-rules.yaml --yes --backup-dir ./backups -o json`,
		Args: cmdutil.ExactArgs(1, "deploy needs the rules FILE to deploy (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.File = args[0]
			if opts.File == "-" && !opts.Yes {
				// Stdin holds the rules, so it cannot also hold the answer.
				return cmdutil.FlagErrorf("reading the rules from stdin: --yes required")
			}
			if err := opts.Guard.Complete(opts.IO, f.Env); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return deployRun(opts)
		},
	}
	opts.Guard.AddFlags(cmd, "deploy")
	return cmd
}

func deployRun(opts *DeployOptions) error {
	f, zone, err := shared.LoadForZone(opts.Ctx, opts.IO, opts.File, opts.ResolveZone, opts.Limits())
	if err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return cmdutil.WrapAPIError(err)
	}
	w := &shared.Write{
		IO: opts.IO, Client: c, Zone: zone, Target: f.Rules, Source: f.Name, Action: "Deploy",
		Retry: "cfcache rules diff " + shared.ShellQuote(opts.File),
		Guard: opts.Guard, JSON: opts.JSON(), Now: opts.Now,
	}
	res, err := w.Run(opts.Ctx)
	if res != nil && opts.JSON() {
		if jerr := cmdutil.WriteJSON(opts.IO.Out, res); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		return err
	}
	if !opts.JSON() && res.Changed {
		fmt.Fprintln(opts.IO.Out, res.Done("Deployed version "+res.NewVersion+" to "+res.ZoneName))
	}
	return nil
}
