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
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// DeployOptions are the parsed inputs of `cfcache rules deploy`.
type DeployOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	Now         func() time.Time
	// Env reads GITHUB_ACTIONS and GITHUB_STEP_SUMMARY for the job summary.
	Env config.Env
	Ctx context.Context

	File string
	// AllowEmpty lets a file with `rules: []` delete every rule of the zone.
	AllowEmpty bool
	shared.Guard
}

// NewCmdDeploy builds the command; runF replaces the run in tests.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits,
		JSON: f.OutputJSON, Now: time.Now, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "deploy FILE",
		Short: "Replace the zone's cache rules with a rules file, safely",
		Long: `Make the zone's cache rules exactly those of FILE, in its order.

Steps: validate FILE against the zone's plan (errors: exit 2, nothing sent);
read the zone's rules and show the diff; ask for confirmation, or require
--yes when not running interactively; back up the zone's current ruleset
(full JSON with its version, mode 0600) to --backup-dir; re-read the
version right before writing and abort (exit 1, nothing written) if it
changed since the diff or differs from --expect-version ("none": the zone
must have no ruleset of the phase yet, as for a first deploy); write all rules in
one PUT, with refs so rule ids stay stable; read them back and verify;
print the new version. The API cannot refuse a write made over someone
else's, so a write whose new version is not the one after the re-checked
one, a read-back at another version, or a read-back that differs from what
was sent fails with exit 1, saying which version is live now. A zone with no cache rules yet gets its ruleset created.

It refuses to write when there is nothing to change (exit 0, "No changes.").
Rules in the zone but not in FILE are deleted: that is the point of a
whole-file deploy, and the diff shows them as "-" first. A file whose rules
key has no value is invalid (exit 2), and one with an explicit "rules: []",
which deletes every rule, is deployed only with --allow-empty (else exit 2,
nothing sent). A backup file is a rules file itself: "cfcache rules deploy
BACKUP" puts it back.

The file's top-level "phase:" picks the ruleset written: Cache Rules
(request, the default) or Cache Response Rules (response); backups are
named <zone>-<phase>-<version>-<time>.json.`,
		Example: `  cfcache rules deploy cache-rules.yaml --zone example.com
  cfcache rules deploy cache-rules.yaml --yes --expect-version 12
  cfcache rules deploy cache-rules.yaml --yes --backup-dir ./backups -o json
  cfcache rules deploy no-rules.yaml --yes --allow-empty`,
		Args: cmdutil.ExactArgs(1, "deploy needs the rules FILE to deploy (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.File = args[0]
			if opts.File == "-" && !opts.Yes {
				// Stdin holds the rules, so it cannot also hold the answer.
				return cmdutil.FlagErrorf("reading the rules from stdin: --yes required")
			}
			if err := opts.Guard.Complete(cmd, opts.IO, f.Env); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return deployRun(opts)
		},
	}
	opts.Guard.AddFlags(cmd, "deploy")
	cmd.Flags().BoolVar(&opts.AllowEmpty, "allow-empty", false, "deploy a file with an empty rules list, deleting every cache rule of the zone")
	return cmd
}

func deployRun(opts *DeployOptions) error {
	f, probs, err := shared.ParseFile(opts.Ctx, opts.IO, opts.File, opts.Limits())
	if err != nil {
		return err
	}
	if len(f.Rules) == 0 && !opts.AllowEmpty {
		// An empty list deletes every rule of the zone: too much to do on a
		// file that may come from a template whose variable was empty.
		return cmdutil.ValidationErrorf("%s:%d: rules: the list is empty, and deploying it deletes every %s of the zone: pass --allow-empty if that is what you want (nothing was sent)",
			f.Name, max(f.RulesPos.Line, 1), ruleNoun(f.Phase))
	}
	zone, err := opts.ResolveZone(opts.Ctx)
	if err != nil {
		return err
	}
	if err := shared.CheckForZone(opts.Ctx, opts.IO, f, probs, zone, opts.Limits()); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return cmdutil.WrapAPIError(err)
	}
	w := &shared.Write{
		IO: opts.IO, Client: c, Zone: zone, Phase: f.Phase, Target: f.Rules, Source: f.Name, Action: "Deploy",
		Retry: "cfcache rules diff " + shared.ShellQuote(opts.File),
		Guard: opts.Guard, JSON: opts.JSON(), Now: opts.Now,
	}
	res, err := w.Run(opts.Ctx)
	if res != nil {
		shared.AppendJobSummary(opts.Env, opts.IO, shared.WriteSummary("deploy", f.Name, res, err))
	}
	if res != nil && opts.JSON() {
		if jerr := cmdutil.WriteJSON(opts.IO.Out, res); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		return err
	}
	// What was done is about the run, not data: stderr (pkg/iostreams'
	// stream policy), dropped by -q like purge's summary.
	if !opts.JSON() && res.Changed && !opts.IO.IsQuiet() {
		fmt.Fprintln(opts.IO.ErrOut, res.Done("Deployed version "+res.NewVersion+" to "+res.ZoneName+phaseNote(f.Phase)))
	}
	return nil
}

// ruleNoun names one rule of phase in messages.
func ruleNoun(phase string) string {
	if phase == rules.PhaseResponse {
		return "cache response rule"
	}
	return "cache rule"
}

// phaseNote adds the phase to the closing line of a response-phase deploy;
// Cache Rules keep the line they always had.
func phaseNote(phase string) string {
	if phase == rules.PhaseResponse {
		return " (Cache Response Rules)"
	}
	return ""
}
