package shared

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
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
	cmd.Flags().StringVar(&g.ExpectVersion, "expect-version", "", "abort unless the zone's ruleset is at this `VERSION` (for example the one a reviewed diff was made against)")
	cmd.Flags().StringVar(&g.BackupDir, "backup-dir", "", "write the backup of the current rules to `DIR` (default $XDG_STATE_HOME/cfcache/backups)")
}

// Complete refuses an unconfirmable write before anything is read or sent
// (exit 2), and fills in the default backup directory.
func (g *Guard) Complete(ios *iostreams.IOStreams, env config.Env) error {
	if err := RequireYes(ios, g.Yes); err != nil {
		return err
	}
	if g.BackupDir == "" {
		g.BackupDir = filepath.Join(config.DefaultStateDir(env), "backups")
	}
	return nil
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

// ZoneRules resolves the zone and reads its ruleset.
func ZoneRules(ctx context.Context, resolve func(context.Context) (cfapi.Zone, error),
	client func() (*cfapi.Client, error)) (cfapi.Zone, *cfapi.Client, *Remote, error) {
	zone, c, err := Connect(ctx, resolve, client)
	if err != nil {
		return zone, nil, nil, err
	}
	remote, err := FetchRemote(ctx, c, zone.ID)
	return zone, c, remote, err
}
