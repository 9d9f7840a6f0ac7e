// Package rollback implements `cfcache rules rollback`.
package rollback

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// RollbackOptions are the parsed inputs of `cfcache rules rollback`.
type RollbackOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	Now         func() time.Time
	// Env reads GITHUB_ACTIONS and GITHUB_STEP_SUMMARY for the job summary.
	Env config.Env
	Ctx context.Context

	ToVersion string
	// Phase is --phase: request (Cache Rules) or response (Cache Response
	// Rules).
	Phase string
	shared.Guard
}

// NewCmdRollback builds the command; runF replaces the run in tests.
func NewCmdRollback(f *cmdutil.Factory, runF func(*RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits,
		JSON: f.OutputJSON, Now: time.Now, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "rollback --to-version V",
		Short: "Restore the cache rules of an earlier ruleset version",
		Long: `Make the zone's cache rules those of an earlier version of its entrypoint
ruleset (Cloudflare keeps every version; "cfcache rules list" shows the
current one). The rollback writes a new version with the old rules; it does
not delete history.

It reads version V, checks its rules against the zone's plan (a plan that
shrank since may refuse them: exit 2, nothing sent), shows the diff against
the current rules, then writes with the same safeguards as deploy:
confirmation or --yes, a backup of the current ruleset, a re-read of the
version right before writing (abort with exit 1 if it changed, or differs
from --expect-version), and a read-back that verifies the result. Rolling
back to the current rules writes nothing. An unknown version is exit 2.
--phase response rolls back the Cache Response Rules, whose versions are
their own.`,
		Example: `  cfcache rules rollback --to-version 11 --zone example.com
  cfcache rules rollback --to-version 11 --expect-version 12 --yes
  cfcache rules rollback --phase response --to-version 2 --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if !cmd.Flags().Changed("to-version") {
				return cmdutil.FlagErrorf("--to-version is required: the ruleset version whose rules to restore")
			}
			// Checked here, offline: a version that cannot exist costs no
			// zone lookup and no GET (issue 9).
			if err := shared.CheckVersion("to-version", opts.ToVersion); err != nil {
				return err
			}
			if err := opts.Guard.Complete(cmd, opts.IO, f.Env); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return rollbackRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.ToVersion, "to-version", "", "restore the rules of ruleset `VERSION`")
	opts.Guard.AddFlags(cmd, "roll back")
	shared.PhaseFlag(cmd, &opts.Phase)
	return cmd
}

type jsonResult struct {
	*shared.Result
	ToVersion string `json:"to_version"`
}

func rollbackRun(opts *RollbackOptions) error {
	zone, c, err := shared.Connect(opts.Ctx, opts.ResolveZone, opts.Client)
	if err != nil {
		return err
	}
	phase := shared.FullPhase(opts.Phase)
	target, err := shared.FetchVersion(opts.Ctx, c, zone.ID, phase, opts.ToVersion)
	if err != nil {
		return unknownVersion(opts, c, zone, phase, err)
	}
	source := "version " + opts.ToVersion
	vopts := shared.ValidateOptions(shared.ZoneLimits(opts.IO, opts.Limits(), zone))
	vopts.Phase = phase
	probs := rules.ValidateRules(source, target.Rules(), vopts)
	shared.PrintProblems(opts.IO, probs)
	if err := shared.ProblemsError(source, probs, false); err != nil {
		return err
	}

	if !opts.JSON() {
		opts.IO.Status("Rolling %s back to the rules of %s.", zone.Name, target.Describe())
	}
	w := &shared.Write{
		IO: opts.IO, Client: c, Zone: zone, Phase: phase, Target: target.Rules(), Source: source, Action: "Roll back",
		Retry: "cfcache rules list" + phaseArg(phase), Guard: opts.Guard, JSON: opts.JSON(), Now: opts.Now,
	}
	res, err := w.Run(opts.Ctx)
	if res != nil {
		shared.AppendJobSummary(opts.Env, opts.IO, shared.WriteSummary("rollback", source, res, err))
	}
	if res != nil && opts.JSON() {
		if jerr := cmdutil.WriteJSON(opts.IO.Out, jsonResult{res, opts.ToVersion}); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		return err
	}
	// What was done is about the run, not data: stderr (pkg/iostreams'
	// stream policy), dropped by -q like purge's summary.
	if !opts.JSON() && res.Changed && !opts.IO.IsQuiet() {
		fmt.Fprintln(opts.IO.ErrOut, res.Done(fmt.Sprintf("Rolled %s back to the rules of version %s: now version %s", zone.Name, opts.ToVersion, res.NewVersion)))
	}
	return nil
}

// unknownVersion turns "no such version" into a usage error that lists the
// versions there are; other failures keep their own exit code.
func unknownVersion(opts *RollbackOptions, c *cfapi.Client, zone cfapi.Zone, phase string, err error) error {
	noun := strings.ToLower(rules.PhaseTitle(phase))
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 {
		return cmdutil.WrapAPIError(fmt.Errorf("reading version %s of the %s: %w", opts.ToVersion, noun, err))
	}
	versions, lerr := c.ListPhaseVersions(opts.Ctx, zone.ID, phase)
	switch {
	case errors.Is(lerr, cfapi.ErrNoEntrypoint) || (lerr == nil && len(versions) == 0):
		return cmdutil.FlagErrorf("%s has no %s ruleset, so there is no version %s to roll back to", zone.Name, rules.PhaseTitle(phase), opts.ToVersion)
	case lerr != nil:
		return cmdutil.FlagErrorf("version %s of the %s of %s not found", opts.ToVersion, noun, zone.Name)
	}
	names := make([]string, 0, len(versions))
	for i, v := range versions {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d older", len(versions)-10))
			break
		}
		names = append(names, v.Version)
	}
	return cmdutil.FlagErrorf("version %s of the %s of %s not found; versions there are, newest first: %s",
		opts.ToVersion, noun, zone.Name, strings.Join(names, ", "))
}

// phaseArg is the --phase a follow-up command needs: none for Cache Rules.
func phaseArg(phase string) string {
	if phase == rules.PhaseResponse {
		return " --phase response"
	}
	return ""
}
