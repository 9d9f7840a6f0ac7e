// Package list implements `cfcache rules list`.
package list

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Widths of the shortened cells on a terminal; piped output keeps them whole.
const (
	descriptionWidth = 32
	expressionWidth  = 48
)

// ListOptions are the parsed inputs of `cfcache rules list`.
type ListOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	JSON        func() bool
	Ctx         context.Context

	// Phase is --phase: request (Cache Rules) or response (Cache Response
	// Rules).
	Phase string
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, JSON: f.OutputJSON}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the zone's cache rules",
		Long: `List the zone's cache rules (the entrypoint ruleset of phase
http_request_cache_settings) in the order they apply: later rules win.
--phase response lists the Cache Response Rules instead (phase
http_response_cache_settings).

On a terminal the table is aligned and long descriptions and expressions
are shortened; piped, it is tab-separated with no header and nothing
shortened (line breaks in expressions become spaces). -o json prints the
full rules. A zone with no cache rules is not an error. It only reads.`,
		Example: `  cfcache rules list --zone example.com
  cfcache rules list -o json | jq -r '.rules[] | select(.enabled) | .ref'
  cfcache rules list --phase response`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	shared.PhaseFlag(cmd, &opts.Phase)
	return cmd
}

// jsonRule is a rule as `list -o json` prints it: the API's fields, its
// position, and the one-line summary of its settings.
type jsonRule struct {
	Position         int          `json:"position"`
	ID               string       `json:"id"`
	Ref              string       `json:"ref"`
	Description      string       `json:"description"`
	Expression       string       `json:"expression"`
	Action           string       `json:"action"`
	ActionParameters *rules.Value `json:"action_parameters"`
	Enabled          bool         `json:"enabled"`
	Version          string       `json:"version,omitempty"`
	LastUpdated      string       `json:"last_updated,omitempty"`
	Settings         string       `json:"settings_summary"`
}

type jsonList struct {
	ZoneID      string     `json:"zone_id"`
	ZoneName    string     `json:"zone_name"`
	Phase       string     `json:"phase"`
	Exists      bool       `json:"exists"`
	Version     string     `json:"version"`
	LastUpdated string     `json:"last_updated"`
	Rules       []jsonRule `json:"rules"`
}

func listRun(opts *ListOptions) error {
	phase := shared.FullPhase(opts.Phase)
	zone, _, remote, err := shared.ZonePhaseRules(opts.Ctx, opts.ResolveZone, opts.Client, phase)
	if err != nil {
		return err
	}
	list := remote.Rules()

	if opts.JSON() {
		out := jsonList{ZoneID: zone.ID, ZoneName: zone.Name, Phase: rules.PhaseShort(phase), Exists: remote.Exists, Version: remote.Version(),
			LastUpdated: remote.LastUpdated(), Rules: make([]jsonRule, 0, len(list))}
		for i, r := range list {
			params := r.Params
			if params == nil {
				params = rules.NewObject()
			}
			out.Rules = append(out.Rules, jsonRule{Position: i + 1, ID: r.ID, Ref: r.Ref, Description: r.Description,
				Expression: r.Expression, Action: r.Action, ActionParameters: params, Enabled: r.Enabled,
				Version: r.Version, LastUpdated: r.LastUpdated, Settings: r.SettingsSummary()})
		}
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}

	if len(list) == 0 {
		if remote.Exists {
			opts.IO.Status("No %s in %s (version %s).", strings.ToLower(rules.PhaseTitle(phase)), zone.Name, remote.Version())
		} else {
			opts.IO.Status("No %s in %s: it has no %s ruleset yet.", strings.ToLower(rules.PhaseTitle(phase)), zone.Name, rules.PhaseTitle(phase))
		}
		return nil
	}
	tty := opts.IO.IsStdoutTTY()
	// On a terminal the table fits its width: DESCRIPTION, EXPRESSION and
	// SETTINGS give way, widest first (iostreams.TablePrinter.Fit).
	tp := opts.IO.NewTablePrinter("#", "REF", "ENABLED", "DESCRIPTION", "EXPRESSION", "SETTINGS").Fit(opts.IO.TerminalWidth(), 3, 4, 5)
	for i, r := range list {
		desc, expr := shared.OneLine(r.Description), shared.OneLine(r.Expression)
		if tty {
			desc, expr = shared.Shorten(desc, descriptionWidth), shared.Shorten(expr, expressionWidth)
		}
		enabled := "yes"
		if !r.Enabled {
			enabled = "no"
		}
		tp.AddRow(strconv.Itoa(i+1), r.Ref, enabled, desc, expr, r.SettingsSummary())
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if tty {
		opts.IO.Status("%s in %s, %s; later rules win.", shared.Plural(len(list), "rule"), zone.Name, remote.Describe())
	}
	return nil
}
