// Package diff implements `cfcache rules diff`.
package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// diffHead is what `diff -o json` puts before the diff itself
// (interface.md, rules: diff): remote_version is the version the diff was
// made against, what `deploy --expect-version` takes ("none" when the zone
// has no ruleset of the phase, so a first deploy is guarded too).
type diffHead struct {
	ZoneID        string `json:"zone_id"`
	ZoneName      string `json:"zone_name"`
	Phase         string `json:"phase"`
	RemoteVersion string `json:"remote_version"`
}

// diffJSON is the head's fields followed by the diff's own (changes,
// summary, rules, unchanged), one indented object.
func diffJSON(zone cfapi.Zone, phase string, remote *shared.Remote, d *rules.Diff) ([]byte, error) {
	head, err := json.Marshal(diffHead{ZoneID: zone.ID, ZoneName: zone.Name, Phase: rules.PhaseShort(phase), RemoteVersion: remote.VersionOrNone()})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	joined := append(head[:len(head)-1:len(head)-1], ',')
	joined = append(joined, body[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, joined, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// DiffOptions are the parsed inputs of `cfcache rules diff`.
type DiffOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	// Env reads GITHUB_ACTIONS and GITHUB_STEP_SUMMARY for the job summary.
	Env config.Env
	Ctx context.Context

	File     string
	ExitCode bool
}

// NewCmdDiff builds the command; runF replaces the run in tests.
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits, JSON: f.OutputJSON, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "diff FILE",
		Short: "Show what deploying a rules file would change",
		Long: `Compare a rules file with the zone's live cache rules and show what a
deploy would do. Rules are paired by ref:

  + rule added          - rule removed
  ~ rule changed, with one "path: old → new" line per field
  ↕ rule moved (order matters: later rules win)

then "Plan: N to add, N to change, N to remove, N to move." Colour only
decorates; the symbols carry the meaning. -o json gives the same as data.

The file is validated against the zone's plan first: a file with errors is
refused (exit 2, problems on stderr) and the rules are not read. A zone with
no cache rules yet compares as an empty list. It never writes.

The file's top-level "phase:" picks the ruleset: Cache Rules (request, the
default) or Cache Response Rules (response). -o json carries zone_id,
zone_name, phase and remote_version, the version the diff was made
against ("none" when the zone has no ruleset of the phase yet): pass it to
"deploy --expect-version" so a reviewed diff is the one deployed.

With --exit-code, exits 5 when there are differences and 0 when there are
none, so a pipeline can tell "changes" from "error" (1, 2 or 4).`,
		Example: `  cfcache rules diff cache-rules.yaml --zone example.com
  cfcache rules diff cache-rules.yaml --exit-code || echo "the zone differs from the file"
  cfcache rules diff cache-rules.yaml -o json | jq '.summary'`,
		Args: cmdutil.ExactArgs(1, "diff needs the rules FILE to compare (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			defer shared.ShortCommandGC()()
			return diffRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 5 when there are differences, 0 when there are none")
	return cmd
}

func diffRun(opts *DiffOptions) error {
	f, zone, err := shared.LoadForZone(opts.Ctx, opts.IO, opts.File, opts.ResolveZone, opts.Limits())
	if err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return cmdutil.WrapAPIError(err)
	}
	remote, err := shared.FetchPhase(opts.Ctx, c, zone.ID, f.Phase)
	if err != nil {
		return err
	}
	d := rules.Compute(remote.Rules(), f.Rules)
	outcome := "no changes"
	if d.HasChanges() {
		outcome = "the zone differs from the file"
	}
	shared.AppendJobSummary(opts.Env, opts.IO, shared.JobSummary{Command: "diff", Zone: zone.Name, Phase: f.Phase,
		Source: f.Name, FromVersion: remote.Version(), Outcome: outcome, Diff: d})
	if opts.JSON() {
		b, err := diffJSON(zone, f.Phase, remote, d)
		if err != nil {
			return err
		}
		if _, err := opts.IO.Out.Write(b); err != nil {
			return err
		}
	} else {
		opts.IO.Status("Comparing %s with the %s of %s: %s.", f.Name, strings.ToLower(rules.PhaseTitle(f.Phase)), zone.Name, remote.Describe())
		if err := d.Render(opts.IO.Out, shared.Styler(opts.IO)); err != nil {
			return err
		}
	}
	if opts.ExitCode && d.HasChanges() {
		return &cmdutil.DiffError{}
	}
	return nil
}
