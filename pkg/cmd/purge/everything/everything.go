// Package everything implements `cfcache purge everything`.
package everything

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Options are the parsed inputs of `cfcache purge everything`. It takes no
// items, so it has none of the item flags (-f, --failed-file, --max-items,
// --concurrency, --list): a flag is offered only where it does something
// (interface.md, purge's common flags).
type Options struct {
	shared.Common
	Yes bool
}

// NewCmdEverything builds the command; runF replaces the run in tests.
func NewCmdEverything(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Common: shared.NewCommon(f, purge.KindEverything)}
	cmd := &cobra.Command{
		Use:   "everything",
		Short: "Purge everything cached for the zone",
		Long: `Purge every file Cloudflare has cached for the zone.

On a terminal it asks you to type the zone name. When not running
interactively it refuses unless --yes is given (exit 2), so an empty variable
in a CI script can never purge a whole zone. It takes no items: other purge
commands never fall back to this one when their input is empty. It needs
exactly one zone (--zone): it is never routed.

--invalidate marks everything stale instead (invalidate_cache): it stays
cached and the next request revalidates it with the origin, so the origin
is not stampeded. It asks for the same confirmation.

--environment NAME|REF purges one environment of the zone (zone
versioning): a non-production environment is purged alone, but purge
everything on production touches every environment.`,
		Example: `  cfcache purge everything -z example.com
  cfcache purge everything -z example.com --yes
  cfcache purge everything -z example.com --invalidate --yes
  cfcache purge everything -z example.com --environment staging --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd)
			if runF != nil {
				return runF(opts)
			}
			return everythingRun(opts)
		},
	}
	shared.AddCommonFlags(cmd, &opts.Common)
	if env := cmd.Flags().Lookup("environment"); env != nil {
		env.Usage += "; on production, purge everything touches every environment"
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// everythingRun is one confirmed request: no items, no batches, no failed
// file.
func everythingRun(o *Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Zone != "" && !o.DryRun && !o.Yes && !o.IO.CanPrompt() {
		return o.needYes(cfapi.Zone{Name: o.Zone})
	}
	z, err := o.ResolveOneZone()
	if err != nil {
		return err
	}
	report := shared.Report{Kind: string(o.Kind), Mode: o.Mode(), DryRun: o.DryRun,
		ZoneID: z.Zone.ID, ZoneName: z.Zone.Name, Zone: z.Zone.Name, Plan: string(z.Plan),
		Environment: z.Env.Ref, EnvironmentName: z.Env.Name, Requests: 1,
		// As the other verbs' reports (shared newReport).
		BatchSize: z.Estimate.BatchSize, EstimatedMS: z.Estimate.Ideal.Milliseconds()}
	where := shared.ZoneLabel(z.Zone)
	zr := shared.ZoneReport{ZoneID: z.Zone.ID, ZoneName: z.Zone.Name, AccountID: z.Zone.AccountID, Requests: 1}
	if o.DryRun {
		report.Zones = []shared.ZoneReport{zr}
		o.WriteJobSummary(report, []time.Duration{z.Estimate.Ideal})
		if o.JSON {
			return cmdutil.WriteJSON(o.IO.Out, report)
		}
		if where != "" {
			where = " in " + where
		}
		if z.Env.Ref != "" {
			where += fmt.Sprintf(" (environment %s, ref %s)", z.Env.Name, z.Env.Ref)
		}
		// What would be done, so stderr like the plan of the other verbs.
		fmt.Fprintf(o.IO.ErrOut, "Dry run: would %s everything%s\nNothing was sent.\n", o.Mode(), where)
		return nil
	}
	if err := o.confirm(z.Zone, z.Env); err != nil {
		return err
	}
	client, err := o.Client()
	if err != nil {
		return err
	}
	if z.Env.Ref != "" {
		where += " (environment " + z.Env.Name + ")"
	}
	bar := o.IO.StartProgress(func() string { return o.Mode() + " everything in " + where + " …" })
	res := purge.Run(o.Ctx, o.RunConfigFor(client, z, 0, nil, nil), nil)
	bar.Stop()

	// The figures as every verb maps them (rate_limited, the failures'
	// headers); the zone's part stays by hand: NewZoneReport counts items
	// minus failures, and purge everything has no items.
	o.MapResult(&report, res)
	report.BatchSize = res.BatchSize
	zr.Purged, zr.Failed, zr.Requests = res.Purged, len(res.Failed), res.Requests
	report.Zones = []shared.ZoneReport{zr}
	for _, f := range res.Failed {
		report.Failures = append(report.Failures, shared.NewFailureReport(f))
	}
	if !o.IO.IsQuiet() || res.Purged != 1 {
		t := o.IO.ErrTheme()
		if res.Purged == 1 {
			fmt.Fprintf(o.IO.ErrOut, "%s %s everything in %s (%s)\n", t.Success.Render("✓"), o.Done(), where, shared.RoundDuration(res.Duration))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "%s %s everything in %s failed\n", t.Error.Render("✗"), strings.ToUpper(o.Mode()[:1])+o.Mode()[1:], where)
			for _, f := range res.Failed {
				fmt.Fprintf(o.IO.ErrOut, "  %s %s\n", t.Error.Render("failed:"), f.Reason)
			}
			if res.Err != nil {
				fmt.Fprintf(o.IO.ErrOut, "%s %s\n", t.Error.Render("stopped:"), res.Err)
			}
		}
	}
	// In a GitHub Actions job, the job summary (interface.md "In CI").
	o.WriteJobSummary(report, []time.Duration{res.Duration})
	if o.JSON {
		if err := cmdutil.WriteJSON(o.IO.Out, report); err != nil {
			return err
		}
	}
	return shared.ExitError(res, o.DonePast())
}

// needYes is the refusal of purge everything off a terminal without --yes.
func (o *Options) needYes(zone cfapi.Zone) error {
	what := "purge everything empties the whole cache of " + shared.ZoneLabel(zone)
	if o.Invalidate {
		what = "purge everything --invalidate marks the whole cache of " + shared.ZoneLabel(zone) + " stale"
	}
	if o.Environment != "" {
		what += " (environment " + o.Environment + ")"
	}
	return cmdutil.FlagErrorf("--yes required when not running interactively: %s", what)
}

func (o *Options) confirm(zone cfapi.Zone, env cfapi.Environment) error {
	if o.Yes {
		return nil
	}
	if !o.IO.CanPrompt() {
		return o.needYes(zone)
	}
	what := "purges EVERYTHING cached for"
	if o.Invalidate {
		what = "invalidates (marks stale) EVERYTHING cached for"
	}
	where := shared.ZoneLabel(zone)
	if env.Ref != "" {
		where += fmt.Sprintf(" in environment %s (ref %s; on production, that is every environment)", env.Name, env.Ref)
	}
	ans, err := o.IO.Prompt(fmt.Sprintf("This %s %s. Type the zone name to confirm: ", what, where))
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(ans), zone.Name) {
		return errors.New("not confirmed: the answer did not match the zone name; nothing was sent")
	}
	return nil
}
