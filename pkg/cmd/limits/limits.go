// Package limits implements `cfcache limits`.
package limits

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
)

// LimitsOptions are the parsed inputs of `cfcache limits`.
type LimitsOptions struct {
	IO    *iostreams.IOStreams
	Table func() limits.Table
	JSON  func() bool
	Plan  string
}

// NewCmdLimits builds the command; runF replaces the run in tests.
func NewCmdLimits(f *cmdutil.Factory, runF func(*LimitsOptions) error) *cobra.Command {
	opts := &LimitsOptions{IO: f.IOStreams, Table: f.Limits, JSON: f.OutputJSON}
	cmd := &cobra.Command{
		Use:   "limits",
		Short: "Show the per-plan limits used for validation, batching and pacing",
		Long: `Show the table of Cloudflare's per-plan limits that cfcache uses to validate
items, size purge batches and pace requests, and to check Cache Rules.

The numbers come from Cloudflare's documentation. Cloudflare has changed them
before, so they can be overridden in the config file under "limits:", e.g.

  limits:
    free:
      urls_per_request: 30

Keys are the names shown by "cfcache limits -o json".`,
		Example: "  cfcache limits\n  cfcache limits --plan free -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return limitsRun(opts)
		},
	}
	cmdutil.PlanFlag(cmd, &opts.Plan, "", "show one plan")
	return cmd
}

type row struct {
	label string
	value func(limits.Limits) string
}

var rows = []row{
	{"URL purge rate (URLs/s)", func(l limits.Limits) string { return num(l.URLPurgeRate) }},
	{"URL purge bucket (URLs)", func(l limits.Limits) string { return strconv.Itoa(l.URLPurgeBurst) }},
	{"URLs per request", func(l limits.Limits) string { return strconv.Itoa(l.URLsPerRequest) }},
	{"tag/host/prefix/everything rate (requests/s)", func(l limits.Limits) string { return num(l.FlexPurgeRate) }},
	{"tag/host/prefix/everything bucket (requests)", func(l limits.Limits) string { return strconv.Itoa(l.FlexPurgeBurst) }},
	{"tags/hosts/prefixes per request", func(l limits.Limits) string { return strconv.Itoa(l.FlexItemsPerRequest) }},
	{"API requests per window", func(l limits.Limits) string {
		return fmt.Sprintf("%d per %ds", l.APIRequestsPerWindow, l.APIWindowSeconds)
	}},
	{"tag length (chars)", func(l limits.Limits) string { return strconv.Itoa(l.TagMaxLength) }},
	{"prefix path separators", func(l limits.Limits) string { return strconv.Itoa(l.PrefixMaxSeparators) }},
	{"cache rules per zone", func(l limits.Limits) string { return strconv.Itoa(l.RulesPerZone) }},
	{"minimum edge TTL (s)", func(l limits.Limits) string { return strconv.Itoa(l.MinEdgeTTLSeconds) }},
	{"regex (matches) in rules", func(l limits.Limits) string { return yesNo(l.RegexAllowed) }},
	{"custom cache key parts", func(l limits.Limits) string { return yesNo(l.CustomCacheKey) }},
	{"status-code TTLs", func(l limits.Limits) string { return yesNo(l.StatusCodeTTL) }},
	{"expression length (chars)", func(l limits.Limits) string { return strconv.Itoa(l.ExpressionMaxLength) }},
}

func limitsRun(opts *LimitsOptions) error {
	tbl := opts.Table()
	plans := limits.Plans
	if opts.Plan != "" {
		p, _ := limits.ParsePlan(opts.Plan)
		plans = []limits.Plan{p}
	}
	if opts.JSON() {
		out := make([]limits.Limits, 0, len(plans))
		for _, p := range plans {
			out = append(out, tbl.For(p))
		}
		return cmdutil.WriteJSON(opts.IO.Out, map[string]any{"plans": out})
	}
	header := []string{"LIMIT"}
	for _, p := range plans {
		header = append(header, string(p))
	}
	tp := opts.IO.NewTablePrinter(header...)
	for _, r := range rows {
		cells := []string{r.label}
		for _, p := range plans {
			cells = append(cells, r.value(tbl.For(p)))
		}
		tp.AddRow(cells...)
	}
	return tp.Render()
}

func num(f float64) string {
	if f < 1 {
		return fmt.Sprintf("%.3g (%g/min)", f, f*60)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
