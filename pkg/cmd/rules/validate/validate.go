// Package validate implements `cfcache rules validate`.
package validate

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/ghactions"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Where the plan checked against came from.
const (
	PlanFromFlag    = "flag"
	PlanFromZone    = "zone"
	PlanFromDefault = "default"
)

// ValidateOptions are the parsed inputs of `cfcache rules validate`.
type ValidateOptions struct {
	IO     *iostreams.IOStreams
	Limits func() limits.Table
	JSON   func() bool
	// Output is -o: text, json or sarif (interface.md: sarif only here).
	Output func() string
	// Env reads GITHUB_ACTIONS and GITHUB_STEP_SUMMARY ("In CI").
	Env config.Env
	// ZoneGiven and HasCredentials decide whether the zone's plan is looked
	// up when --plan is not given; ResolveZone does the lookup.
	ZoneGiven      func() bool
	HasCredentials func() bool
	ResolveZone    func(context.Context) (cfapi.Zone, error)
	Ctx            context.Context

	File   string
	Plan   limits.Plan // "" when --plan was not given
	Strict bool
}

// NewCmdValidate builds the command; runF replaces the run in tests.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{
		IO:     f.IOStreams,
		Limits: f.Limits,
		JSON:   f.OutputJSON,
		Output: func() string {
			if f.Settings == nil {
				return "text"
			}
			return f.Settings.Output
		},
		Env:         f.Env,
		ResolveZone: f.ResolveZone,
		ZoneGiven:   func() bool { return f.Settings != nil && f.Settings.Zone != "" },
		HasCredentials: func() bool {
			_, err := f.Settings.Credentials(f.Env, f.TokenFile)
			return err == nil
		},
	}
	var plan string
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a Cache Rules file offline",
		Long: `Check a Cache Rules file (YAML or JSON, the API's rule shape) without
sending anything: the file's structure and every set_cache_settings
parameter, duplicate refs, the plan's limits (rule count, minimum edge TTL,
Enterprise-only cache key parts, regular expressions), and each expression
with the Rules-language parser. Lint warnings point at settings that can
never take effect and similar mistakes. A file with "phase: response" holds
Cache Response Rules and is checked against their actions
(set_cache_settings with the strip_* switches, set_cache_tags,
set_cache_control) and may use the response fields (http.response.*).

Every problem is printed on stderr as FILE:LINE: rules[i].path: REASON
(expression problems add the column). Exits 0 when the file is valid, 2
when it has errors, or warnings with --strict.

The plan checked against is --plan; without it, the zone's plan when a zone
and credentials are configured (one API call); otherwise Enterprise, the
most permissive, which validate says on stderr. FILE "-" reads stdin.

-o sarif prints one SARIF 2.1.0 log on stdout (a result per problem, with
its rule id, level, file, line and column) for GitHub code scanning. In a
GitHub Actions job (GITHUB_ACTIONS=true) each problem is also printed as a
workflow command (::error file=F,line=L,col=C::MESSAGE) so it shows on the
pull request, and a Markdown summary is appended to $GITHUB_STEP_SUMMARY.`,
		Example: `  cfcache rules validate examples/rules/images.yaml --plan free
  cfcache rules validate examples/rules/status-code-ttl.yaml --strict
  cat examples/rules/api-bypass.yaml | cfcache rules validate - --plan pro
  cfcache rules validate examples/rules/static-assets.yaml --plan pro -o json
  cfcache rules validate examples/rules/response-cache-tags.yaml --plan pro

  cfcache rules validate examples/rules/images.yaml --plan pro -o sarif > cfcache.sarif`,
		Args: cmdutil.ExactArgs(1, "validate needs the rules FILE to check (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.File = args[0]
			if cmd.Flags().Changed("plan") {
				opts.Plan = limits.Plan(plan) // checked as parsed (cmdutil.PlanFlag)
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	cmdutil.PlanFlag(cmd, &plan, "", "check against this plan's limits")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "treat warnings as errors (exit 2)")
	cmdutil.OutputFlag(cmd, "sarif")
	return cmd
}

// jsonResult is the -o json answer.
type jsonResult struct {
	File       string         `json:"file"`
	Plan       limits.Plan    `json:"plan"`
	PlanSource string         `json:"plan_source"`
	Valid      bool           `json:"valid"`
	Rules      int            `json:"rules"`
	Errors     int            `json:"errors"`
	Warnings   int            `json:"warnings"`
	Problems   rules.Problems `json:"problems"`
}

func validateRun(opts *ValidateOptions) error {
	data, name, err := shared.ReadInput(opts.IO, opts.File)
	if err != nil {
		return err
	}
	// A file that does not parse fails the same on every plan: refuse it
	// before looking the zone's plan up, so a typo costs no API call.
	// Both steps run interruptibly: a 16 MiB file takes seconds, and
	// Ctrl-C must still stop the command (issue 9).
	type parsed struct {
		f     *rules.File
		probs rules.Problems
	}
	p, err := shared.Interruptible(opts.Ctx, "stopped while reading "+name+": nothing was checked", func() parsed {
		f, probs := rules.Parse(name, data)
		return parsed{f, probs}
	})
	if err != nil {
		return err
	}
	f, probs := p.f, p.probs
	var plan limits.Plan
	source := ""
	if !probs.HasErrors() || len(f.Rules) > 0 {
		plan, source, err = choosePlan(opts)
		if err != nil {
			return err
		}
		more, err := shared.Interruptible(opts.Ctx, "stopped while checking "+name+": the check did not finish", func() rules.Problems {
			return rules.Validate(f, shared.ValidateOptions(opts.Limits().For(plan)))
		})
		if err != nil {
			return err
		}
		probs = append(probs, more...)
		probs.Sort()
	}
	verr := shared.ProblemsError(name, probs, opts.Strict)
	if probs == nil {
		probs = rules.Problems{}
	}
	res := jsonResult{File: name, Plan: plan, PlanSource: source, Valid: verr == nil, Rules: len(f.Rules),
		Errors: len(probs.Errors()), Warnings: len(probs.Warnings()), Problems: probs}
	if err := reportToActions(opts, res); err != nil {
		return err
	}

	switch opts.format() {
	case "json":
		if err := cmdutil.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
		return verr
	case "sarif":
		if err := writeSARIF(opts.IO.Out, probs); err != nil {
			return err
		}
		return verr
	}
	shared.PrintProblems(opts.IO, probs)
	if verr == nil {
		t := opts.IO.ErrTheme()
		note := ""
		if n := len(probs.Warnings()); n > 0 {
			note = " (" + shared.Plural(n, "warning") + ")"
		}
		opts.IO.Status("%s %s: %s valid on the %s plan%s", shared.Paint(t, t.Success, "✓"), name, shared.Plural(len(f.Rules), "rule"), plan, note)
	}
	return verr
}

func (opts *ValidateOptions) format() string {
	if opts.Output != nil {
		if o := opts.Output(); o == "sarif" {
			return o
		}
	}
	if opts.JSON() {
		return "json"
	}
	return "text"
}

// reportToActions prints the problems as workflow commands and appends the
// job summary, in a GitHub Actions job only (interface.md, "In CI"). The
// commands go to stdout in text mode, as GitHub documents them; with -o
// json or sarif stdout holds one document that a pipe parses, so they go
// to stderr, which the runner scans for workflow commands too.
func reportToActions(opts *ValidateOptions, res jsonResult) error {
	env := ghactions.Env(opts.Env)
	if !ghactions.Actions(env) {
		return nil
	}
	w := opts.IO.Out
	if opts.format() != "text" {
		w = opts.IO.ErrOut
	}
	if err := ghactions.WriteAnnotations(w, annotations(res.Problems)); err != nil {
		return err
	}
	if err := ghactions.AppendSummary(env, summary(res)); err != nil {
		// The check itself ran: a summary the runner cannot take is worth a
		// warning, not a failed step.
		opts.IO.Warn("%v", err)
	}
	return nil
}

// choosePlan picks the plan to check against: --plan; else the zone's when
// a zone and credentials are configured; else Enterprise, said on stderr.
func choosePlan(opts *ValidateOptions) (limits.Plan, string, error) {
	if opts.Plan != "" {
		return opts.Plan, PlanFromFlag, nil
	}
	if opts.ZoneGiven() && opts.HasCredentials() {
		z, err := opts.ResolveZone(opts.Ctx)
		if err != nil {
			// validate must work without the network (a CI job that has
			// CFCACHE_ZONE and a token set globally, offline or with an
			// expired token): fall back, and say so.
			opts.IO.Warn("could not look up the plan of the zone (%v); checking against the Enterprise plan: pass --plan to choose", err)
			return limits.Enterprise, PlanFromDefault, nil
		}
		if z.Plan == "" {
			opts.IO.Warn("the plan of zone %s (%q) is not one cfcache knows; checking against the Free plan's limits", z.Name, z.PlanName)
			return limits.Free, PlanFromZone, nil
		}
		opts.IO.Status("Checking against the %s plan of zone %s.", z.Plan, z.Name)
		return z.Plan, PlanFromZone, nil
	}
	opts.IO.Status("note: no --plan and no zone with credentials: checking against the Enterprise plan, the most permissive; pass --plan free|pro|business to check a smaller plan's limits")
	return limits.Enterprise, PlanFromDefault, nil
}
