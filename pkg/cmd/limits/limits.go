// Package limits implements `cfcache limits`.
package limits

import (
	"fmt"
	"slices"
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
	// ConfigFile is the config file read ("" when none), named by the
	// footnote on overridden values.
	ConfigFile func() string
	Plan       string
}

// NewCmdLimits builds the command; runF replaces the run in tests.
func NewCmdLimits(f *cmdutil.Factory, runF func(*LimitsOptions) error) *cobra.Command {
	opts := &LimitsOptions{IO: f.IOStreams, Table: f.Limits, JSON: f.OutputJSON, ConfigFile: func() string {
		if f.Settings == nil {
			return ""
		}
		return f.Settings.ConfigFile
	}}
	cmd := &cobra.Command{
		Use:   "limits",
		Short: "Show the per-plan limits used for validation, batching and pacing",
		Long: `Show the table of Cloudflare's per-plan limits that cfcache uses to validate
items, size purge batches and pace requests, and to check Cache Rules and
Cache Response Rules.

The numbers come from Cloudflare's documentation. Cloudflare has changed them
before, so they can be overridden in the config file under "limits:", e.g.

  limits:
    free:
      urls_per_request: 30

Keys are the names shown by "cfcache limits -o json". Values the config file
changes are marked with an asterisk (and listed under "overridden" in JSON).`,
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
	keys  []string // the JSON keys (config file keys) the row shows
	value func(limits.Limits) string
}

var rows = []row{
	{"URL purge rate (URLs/s)", []string{"url_purge_rate"}, func(l limits.Limits) string { return num(l.URLPurgeRate) }},
	{"URL purge bucket (URLs)", []string{"url_purge_burst"}, func(l limits.Limits) string { return strconv.Itoa(l.URLPurgeBurst) }},
	{"URLs per request", []string{"urls_per_request"}, func(l limits.Limits) string { return strconv.Itoa(l.URLsPerRequest) }},
	{"tag/host/prefix/everything rate (requests/s)", []string{"flex_purge_rate"}, func(l limits.Limits) string { return num(l.FlexPurgeRate) }},
	{"tag/host/prefix/everything bucket (requests)", []string{"flex_purge_burst"}, func(l limits.Limits) string { return strconv.Itoa(l.FlexPurgeBurst) }},
	{"tags/hosts/prefixes per request", []string{"flex_items_per_request"}, func(l limits.Limits) string { return strconv.Itoa(l.FlexItemsPerRequest) }},
	{"API requests per window", []string{"api_requests_per_window", "api_window_seconds"}, func(l limits.Limits) string {
		return fmt.Sprintf("%d per %ds", l.APIRequestsPerWindow, l.APIWindowSeconds)
	}},
	{"tag length (chars)", []string{"tag_max_length"}, func(l limits.Limits) string { return strconv.Itoa(l.TagMaxLength) }},
	{"prefix path separators", []string{"prefix_max_separators"}, func(l limits.Limits) string { return strconv.Itoa(l.PrefixMaxSeparators) }},
	{"cache rules per zone", []string{"rules_per_zone"}, func(l limits.Limits) string { return strconv.Itoa(l.RulesPerZone) }},
	{"cache response rules per zone", []string{"response_rules_per_zone"}, func(l limits.Limits) string { return strconv.Itoa(l.ResponseRulesPerZone) }},
	{"minimum edge TTL (s)", []string{"min_edge_ttl_seconds"}, func(l limits.Limits) string { return strconv.Itoa(l.MinEdgeTTLSeconds) }},
	{"regex (matches) in rules", []string{"regex_allowed"}, func(l limits.Limits) string { return yesNo(l.RegexAllowed) }},
	{"custom cache key parts", []string{"custom_cache_key"}, func(l limits.Limits) string { return yesNo(l.CustomCacheKey) }},
	{"status-code TTLs", []string{"status_code_ttl"}, func(l limits.Limits) string { return yesNo(l.StatusCodeTTL) }},
	{"expression length (chars)", []string{"expression_max_length"}, func(l limits.Limits) string { return strconv.Itoa(l.ExpressionMaxLength) }},
}

// planJSON is one plan of `limits -o json`: its limits and the keys the
// config file's `limits:` changed (always a list, empty when none).
type planJSON struct {
	limits.Limits
	Overridden []string `json:"overridden"`
}

func limitsRun(opts *LimitsOptions) error {
	tbl := opts.Table()
	plans := limits.Plans
	if opts.Plan != "" {
		p, _ := limits.ParsePlan(opts.Plan)
		plans = []limits.Plan{p}
	}
	overridden := tbl.Overridden(limits.Default())
	if opts.JSON() {
		out := make([]planJSON, 0, len(plans))
		for _, p := range plans {
			out = append(out, planJSON{Limits: tbl.For(p), Overridden: overridden[p]})
		}
		return cmdutil.WriteJSON(opts.IO.Out, map[string]any{"plans": out})
	}
	header := []string{"LIMIT"}
	for _, p := range plans {
		header = append(header, string(p))
	}
	// The columns are plans: a matrix, not a list, so the header row stays
	// when piped too (issue 13); a row of numbers alone says nothing.
	tp := opts.IO.NewTablePrinter(header...).Matrix()
	marked := false
	for _, r := range rows {
		cells := []string{r.label}
		for _, p := range plans {
			v := r.value(tbl.For(p))
			if anyIn(r.keys, overridden[p]) {
				v += "*"
				marked = true
			}
			cells = append(cells, v)
		}
		tp.AddRow(cells...)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if marked {
		note := "* set in the config file's limits:"
		if file := opts.ConfigFile(); file != "" {
			note = "* set in " + file + " (limits:)"
		}
		// Under the table on a terminal; on stderr when piped, so stdout
		// stays the matrix alone.
		if opts.IO.IsStdoutTTY() {
			fmt.Fprintln(opts.IO.Out, "\n"+note)
		} else {
			fmt.Fprintln(opts.IO.ErrOut, note)
		}
	}
	return nil
}

func anyIn(keys, set []string) bool {
	for _, k := range keys {
		if slices.Contains(set, k) {
			return true
		}
	}
	return false
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
