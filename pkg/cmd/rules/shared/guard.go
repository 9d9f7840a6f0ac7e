package shared

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Guard holds the flags of the commands that write the zone's rules
// (deploy, rollback): the same safeguards, spelt the same way.
type Guard struct {
	Yes           bool
	ExpectVersion string
	BackupDir     string // final once Complete has run

	// BeforeWrite runs after confirmation and backup, just before the final
	// version re-check and the PUT; tests use it to race a change in.
	BeforeWrite func()
}

// AddFlags registers --yes, --expect-version and --backup-dir; verb names
// the action in the help ("deploy", "roll back").
func (g *Guard) AddFlags(cmd *cobra.Command, verb string) {
	cmd.Flags().BoolVarP(&g.Yes, "yes", "y", false, verb+" without asking (required when not running interactively)")
	cmd.Flags().StringVar(&g.ExpectVersion, "expect-version", "", "abort unless the zone's ruleset is at this `VERSION` (the remote_version of a reviewed diff; none: the zone must have no ruleset yet)")
	cmd.Flags().StringVar(&g.BackupDir, "backup-dir", "", "write the backup of the current rules to `DIR` (default $XDG_STATE_HOME/cfcache/backups)")
}

// Complete refuses, before anything is read or sent (exit 2), a write that
// cannot be confirmed and flag values that can be judged offline, and fills
// in the default backup directory. An --expect-version given but empty is
// what a pipeline passes when its variable is unset: taking it as "no
// check" silently dropped the guard (issue 9), so it is refused.
func (g *Guard) Complete(cmd *cobra.Command, ios *iostreams.IOStreams, env config.Env) error {
	// "none" (rules.NoRuleset, what `rules diff -o json` reports for a
	// zone with no ruleset yet) expects no ruleset: a first deploy aborts
	// if one was created meanwhile.
	if cmd.Flags().Changed("expect-version") && g.ExpectVersion != rules.NoRuleset {
		if err := CheckVersion("expect-version", g.ExpectVersion); err != nil {
			return err
		}
	}
	if cmd.Flags().Changed("backup-dir") && strings.TrimSpace(g.BackupDir) == "" {
		return cmdutil.FlagErrorf("--backup-dir is empty: give a directory, or leave the flag out for the default")
	}
	if err := RequireYes(ios, g.Yes); err != nil {
		return err
	}
	if g.BackupDir == "" {
		g.BackupDir = filepath.Join(config.DefaultStateDir(env), "backups")
	}
	if st, err := os.Stat(g.BackupDir); err == nil && !st.IsDir() {
		return cmdutil.FlagErrorf("--backup-dir %s is not a directory", g.BackupDir)
	}
	if err := probeDir(g.BackupDir); err != nil {
		return cmdutil.FlagErrorf("--backup-dir %s: cannot write a backup there: %v", g.BackupDir, fileout.WithoutPath(err))
	}
	return nil
}

// probeDir checks, before anything is sent, that a backup can be written
// under dir: an unwritable --backup-dir is bad input (exit 2, like --file),
// not a failure found after the zone was read (issue 13). It leaves nothing
// behind: it creates and removes a probe in dir or, if dir does not exist
// yet, in its nearest existing parent (WriteBackup creates the rest).
func probeDir(dir string) error {
	at := filepath.Clean(dir)
	for {
		st, err := os.Stat(at)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", at)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(at)
		if parent == at {
			return err
		}
		at = parent
	}
	probe, err := os.MkdirTemp(at, ".cfcache-probe-")
	if err != nil {
		return err
	}
	return os.Remove(probe)
}

// CheckVersion refuses a ruleset version that cannot exist: versions are
// whole numbers counting up from 1 (docs/cloudflare.md), compared as the
// API writes them, so "011" or " 11" would never match either.
func CheckVersion(flag, v string) error {
	if v == "" {
		return cmdutil.FlagErrorf("--%s is empty: give a ruleset version (the remote_version of `cfcache rules diff -o json`), or leave the flag out", flag)
	}
	if !isVersion(v) {
		return cmdutil.FlagErrorf("--%s %q is not a ruleset version: want a whole number from 1, written without sign or leading zeros (the remote_version of `cfcache rules diff -o json`)", flag, v)
	}
	return nil
}

func isVersion(v string) bool {
	if v == "" || v[0] == '0' || len(v) > 18 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Connect resolves the zone and builds the client, the first two steps of
// every command that talks to the API.
func Connect(ctx context.Context, resolve func(context.Context) (cfapi.Zone, error),
	client func() (*cfapi.Client, error)) (cfapi.Zone, *cfapi.Client, error) {
	zone, err := resolve(ctx)
	if err != nil {
		return cfapi.Zone{}, nil, err
	}
	c, err := client()
	if err != nil {
		return cfapi.Zone{}, nil, cmdutil.WrapAPIError(err)
	}
	return zone, c, nil
}

// ZonePhaseRules resolves the zone and reads its entrypoint ruleset of
// phase.
func ZonePhaseRules(ctx context.Context, resolve func(context.Context) (cfapi.Zone, error),
	client func() (*cfapi.Client, error), phase string) (cfapi.Zone, *cfapi.Client, *Remote, error) {
	zone, c, err := Connect(ctx, resolve, client)
	if err != nil {
		return zone, nil, nil, err
	}
	remote, err := FetchPhase(ctx, c, zone.ID, phase)
	return zone, c, remote, err
}

// PhaseFlag declares --phase, the entrypoint a command without a rules file
// acts on (interface.md, rules: "Two phases"). *p holds request or
// response; rules.ParsePhase gives the full name.
func PhaseFlag(cmd *cobra.Command, p *string) {
	*p = "request"
	cmd.Flags().Var(phaseValue{p}, "phase", "the ruleset: Cache Rules (request) or Cache Response Rules (response): {request|response}")
	_ = cmd.RegisterFlagCompletionFunc("phase", cmdutil.FixedCompletion([]string{"request", "response"}))
}

// phaseValue is --phase's value: request or response, or the full phase
// name, which a file's `phase:` takes too (rules.ParsePhase), so a name
// copied from a file or from Cloudflare's docs works on the command line.
// It is kept as the short name; a bad one is a usage error (exit 2).
type phaseValue struct{ p *string }

func (v phaseValue) Set(s string) error {
	full, err := rules.ParsePhase(s)
	if err != nil {
		// The same words as every fixed-value flag (issue 13, "one voice");
		// the full names are accepted as an alias, not offered.
		return errors.New("want one of request, response")
	}
	*v.p = rules.PhaseShort(full)
	return nil
}

func (v phaseValue) String() string { return *v.p }
func (v phaseValue) Type() string   { return "string" }

// FullPhase is the full phase name of a --phase value (request when empty).
func FullPhase(short string) string {
	if p, err := rules.ParsePhase(short); err == nil {
		return p
	}
	return rules.PhaseRequest
}
