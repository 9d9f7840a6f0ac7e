// Package check implements `cfcache zones check`.
package check

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
	"github.com/cfcache/cfcache/pkg/zonecheck"
)

// CheckOptions are the parsed inputs of `cfcache zones check`.
type CheckOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        func() bool
	Ctx         context.Context
}

// NewCmdCheck builds the command; runF replaces the run in tests.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, Limits: f.Limits, JSON: f.OutputJSON}
	return &cobra.Command{
		Use:   "check",
		Short: "Report the cache configuration that decides how to purge and preload a zone",
		Long: `Report, for a zone, what decides how its purges and preloads must be done:
APO for WordPress (on or off, cache by device type, hostnames), the SSL/TLS
mode, every enabled Cache Rule that varies the cache key and by what (device,
country, language, headers, cookies, query string), and custom-key features
a rule uses that the zone's plan lacks.

It warns about the mismatches that leave pages stale or uncached: device
copies (APO or a rule caching by device type) that a desktop-only preload or
a plain purge misses; rules varying on query string or cookies while APO is
on; Flexible SSL, under which cache keys use the http scheme. Warnings do
not fail the command (exit 0). A token without Zone Settings Read gets a
warning naming that permission instead of the APO and SSL lines.

It only reads: the APO and SSL settings and the Cache Rules.`,
		Example: `  cfcache zones check --zone example.com
  cfcache zones check -z example.com -o json | jq -r '.warnings[].message'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
}

type jsonReport struct {
	ZoneID   string `json:"zone_id"`
	ZoneName string `json:"zone_name"`
	Plan     string `json:"plan"`
	zonecheck.Report
}

func checkRun(opts *CheckOptions) error {
	zone, err := opts.ResolveZone(opts.Ctx)
	if err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return cmdutil.WrapAPIError(err)
	}
	in := zonecheck.Input{Plan: zone.Plan, Limits: opts.Limits().For(zone.Plan)}

	apo, err := c.GetAPO(opts.Ctx, zone.ID)
	switch {
	case cfapi.IsAuthError(err):
		// A purge-only token is common; what the rules say is still worth
		// reporting, so the missing permission is a warning.
		in.SettingsUnreadable = true
	case err != nil:
		return cmdutil.WrapAPIError(fmt.Errorf("reading the zone's APO setting: %w", err))
	default:
		k := apo.Key()
		in.APO = &k
		ssl, err := c.GetSSL(opts.Ctx, zone.ID)
		switch {
		case cfapi.IsAuthError(err):
			in.SettingsUnreadable = true
		case err != nil:
			return cmdutil.WrapAPIError(fmt.Errorf("reading the zone's SSL mode: %w", err))
		default:
			in.SSL = ssl
		}
	}

	raw, err := c.GetEntrypoint(opts.Ctx, zone.ID)
	switch {
	case errors.Is(err, cfapi.ErrNoEntrypoint):
		// No ruleset yet: no rules vary the key.
	case err != nil:
		return cmdutil.WrapAPIError(fmt.Errorf("reading the zone's cache rules: %w", err))
	default:
		rs, err := rules.ParseRuleset(raw)
		if err != nil {
			return fmt.Errorf("the API's ruleset could not be read: %w", err)
		}
		in.Rules = rs.Rules
	}

	rep := zonecheck.Check(in)
	if opts.JSON() {
		return cmdutil.WriteJSON(opts.IO.Out, jsonReport{ZoneID: zone.ID, ZoneName: zone.Name, Plan: string(zone.Plan), Report: rep})
	}
	return render(opts.IO, zone, rep, len(in.Rules))
}

func render(io *iostreams.IOStreams, zone cfapi.Zone, rep zonecheck.Report, nRules int) error {
	th := io.Theme()
	w := io.Out
	line := func(label, value string) { fmt.Fprintf(w, "%-12s %s\n", label+":", value) }
	line("Zone", th.Bold.Render(zone.Name)+" ("+zone.ID+")")
	line("Plan", string(zone.Plan))
	switch {
	case rep.APO == nil:
		line("APO", "unknown (no permission to read zone settings)")
	case !rep.APO.Enabled:
		line("APO", "off")
	default:
		dev := "off"
		if rep.APO.CacheByDeviceType {
			dev = "on"
		}
		hosts := "every host of the zone"
		if len(rep.APO.Hostnames) > 0 {
			hosts = strings.Join(rep.APO.Hostnames, ", ")
		}
		line("APO", "on; cache by device type "+dev+"; hostnames "+hosts)
	}
	if rep.SSL == nil {
		line("SSL", "unknown (no permission to read zone settings)")
	} else {
		line("SSL", *rep.SSL)
	}
	if len(rep.RulesVaryingKey) == 0 {
		line("Cache key", fmt.Sprintf("no Cache Rule varies it (%d rule(s))", nRules))
	} else {
		line("Cache key", fmt.Sprintf("%d of %d rule(s) vary it", len(rep.RulesVaryingKey), nRules))
		// A report, not a table: the same aligned layout piped or not.
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, rk := range rep.RulesVaryingKey {
			extra := ""
			if len(rk.PlanLacks) > 0 {
				extra = "\t(plan lacks: " + strings.Join(rk.PlanLacks, ", ") + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s%s\n", rk.Ref, strings.Join(rk.By, ", "), extra)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Warnings) == 0 {
		fmt.Fprintln(w, th.Success.Render("No warnings."))
		return nil
	}
	fmt.Fprintf(w, "%s\n", th.Warning.Render(fmt.Sprintf("%d warning(s):", len(rep.Warnings))))
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "  %s %s\n", th.Warning.Render("!"), wn.Message)
	}
	return nil
}
