// Package validate implements `cfcache rules validate`.
package validate

import (
	"context"
	"os"
	"path/filepath"
	"strings"

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

	// Files are the FILEs, each checked (interface.md: validate FILE...).
	Files  []string
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
		Use:   "validate FILE...",
		Short: "Check Cache Rules files offline",
		Long: `Check a Cache Rules file (YAML or JSON, the API's rule shape) without
sending anything: the file's structure and every set_cache_settings
parameter, duplicate refs, the plan's limits (rule count, minimum edge TTL,
Enterprise-only cache key parts, regular expressions), and each expression
with the Rules-language parser. Lint warnings point at settings that can
never take effect and similar mistakes. A file with "phase: response" holds
Cache Response Rules and is checked against their actions
(set_cache_settings with the strip_* switches, set_cache_tags,
set_cache_control) and may use the response fields (http.response.*).

Every problem of every FILE is printed on stderr as
FILE:LINE: rules[i].path: REASON (expression problems add the column).
Exits 0 when every file is valid, 2 when any has errors (or warnings with
--strict) or cannot be read; the other files are still checked. With
several FILEs, -o json gives {"plan", "plan_source", "valid", "rules",
"errors", "warnings", "files": [each file's answer, "error" for one that
cannot be read]}.

The plan checked against is --plan; without it, the zone's plan when a zone
and credentials are configured (one API call); otherwise Enterprise, the
most permissive, which validate says on stderr. FILE "-" reads stdin.

-o sarif prints one SARIF 2.1.0 log on stdout (one run for all FILEs, a
result per problem, with its rule id, level, file, line and column) for
GitHub code scanning, also when a file cannot be read (the invocation
records the failure). Paths are relative to $GITHUB_WORKSPACE when set,
else to the working directory. In a
GitHub Actions job (GITHUB_ACTIONS=true) each problem is also printed as a
workflow command (::error file=F,line=L,col=C::MESSAGE) so it shows on the
pull request, and a Markdown summary is appended to $GITHUB_STEP_SUMMARY.`,
		Example: `  cfcache rules validate examples/rules/images.yaml --plan free
  cfcache rules validate examples/rules/status-code-ttl.yaml --strict
  cat examples/rules/api-bypass.yaml | cfcache rules validate - --plan pro
  cfcache rules validate examples/rules/static-assets.yaml --plan pro -o json
  cfcache rules validate examples/rules/response-cache-tags.yaml --plan pro
  cfcache rules validate examples/rules/images.yaml examples/rules/response-cache-tags.yaml --plan pro

  cfcache rules validate examples/rules/images.yaml --plan pro -o sarif > cfcache.sarif`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("validate needs the rules FILEs to check (or - for stdin)")
			}
			stdin := 0
			for _, a := range args {
				if a == "-" {
					stdin++
				}
			}
			if stdin > 1 {
				return cmdutil.FlagErrorf("- (stdin) is given %d times: it can be read once", stdin)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Files = args
			if cmd.Flags().Changed("plan") {
				opts.Plan = limits.Plan(plan) // checked as parsed (cmdutil.PlanFlag)
			}
			if runF != nil {
				return runF(opts)
			}
			defer shared.ShortCommandGC()()
			return validateRun(opts)
		},
	}
	cmdutil.PlanFlag(cmd, &plan, "", "check against this plan's limits")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "treat warnings as errors (exit 2)")
	cmdutil.OutputFlag(cmd, "sarif")
	return cmd
}

// jsonResult is the -o json answer for one FILE, and each file's entry in
// the answer for several.
type jsonResult struct {
	File       string         `json:"file"`
	Plan       limits.Plan    `json:"plan"`
	PlanSource string         `json:"plan_source"`
	Valid      bool           `json:"valid"`
	Rules      int            `json:"rules"`
	Errors     int            `json:"errors"`
	Warnings   int            `json:"warnings"`
	Problems   rules.Problems `json:"problems"`

	// err is why the file is not valid (nil when it is): its problems, or
	// why it could not be read (unread).
	err     error
	unread  bool
	checked bool // the plan's checks ran (the file parsed far enough)
}

// multiResult is the -o json answer for several FILEs: the verdict over
// all of them, then each file's own answer. Unreadable files are in Files
// with Error set and no rules.
type multiResult struct {
	Plan       limits.Plan  `json:"plan"`
	PlanSource string       `json:"plan_source"`
	Valid      bool         `json:"valid"`
	Rules      int          `json:"rules"`
	Errors     int          `json:"errors"`
	Warnings   int          `json:"warnings"`
	Files      []fileResult `json:"files"`
}

type fileResult struct {
	jsonResult
	Error string `json:"error,omitempty"`
}

// validateRun checks every FILE (interface.md: `validate FILE...`): each
// file's problems are reported, a file that cannot be read is reported and
// the others still checked, and the command fails (exit 2) when any file
// has errors (or warnings with --strict). The outputs are one of each for
// the whole run: one SARIF log with one run, one job summary.
func validateRun(opts *ValidateOptions) error {
	var plan limits.Plan
	source := ""
	results := make([]jsonResult, 0, len(opts.Files))
	for _, path := range opts.Files {
		res, err := validateFile(opts, path, &plan, &source)
		if err != nil {
			return err // interrupted: stop at once
		}
		results = append(results, res)
	}
	var all rules.Problems
	var failed []string
	for i := range results {
		if results[i].checked {
			results[i].Plan, results[i].PlanSource = plan, source
		}
		all = append(all, results[i].Problems...)
		if results[i].err != nil {
			failed = append(failed, results[i].err.Error())
		}
	}
	var verr error
	switch {
	case len(results) == 1:
		verr = results[0].err
	case len(failed) > 0:
		verr = cmdutil.ValidationErrorf("%d of %d files are not valid: %s", len(failed), len(results), strings.Join(failed, "; "))
	}
	if err := reportToActions(opts, results); err != nil {
		return err
	}

	switch opts.format() {
	case "json":
		if len(results) == 1 {
			if results[0].unread {
				return verr
			}
			if err := cmdutil.WriteJSON(opts.IO.Out, results[0]); err != nil {
				return err
			}
			return verr
		}
		m := multiResult{Plan: plan, PlanSource: source, Valid: verr == nil, Files: make([]fileResult, len(results))}
		for i, r := range results {
			m.Rules, m.Errors, m.Warnings = m.Rules+r.Rules, m.Errors+r.Errors, m.Warnings+r.Warnings
			m.Files[i] = fileResult{jsonResult: r}
			if r.unread {
				m.Files[i].Error = r.err.Error()
			}
		}
		if err := cmdutil.WriteJSON(opts.IO.Out, m); err != nil {
			return err
		}
		return verr
	case "sarif":
		// Written also when a file could not be read: an empty stdout
		// would break the upload step that follows (review finding 12).
		if err := writeSARIF(opts.IO.Out, all, unreadable(results), opts.root()); err != nil {
			return err
		}
		return verr
	}
	t := opts.IO.ErrTheme()
	for _, r := range results {
		shared.PrintProblems(opts.IO, r.Problems)
		if r.err == nil {
			note := ""
			if n := r.Warnings; n > 0 {
				note = " (" + shared.Plural(n, "warning") + ")"
			}
			opts.IO.Status("%s %s: %s valid on the %s plan%s", shared.Paint(t, t.Success, "✓"), r.File, shared.Plural(r.Rules, "rule"), plan, note)
		}
	}
	return verr
}

// validateFile reads, parses and checks one FILE. A file that cannot be
// read is a result with err set (unread); the error returned is an
// interruption only. The plan is chosen once, for the first file that
// parses, so a typo in the only file still costs no API call.
func validateFile(opts *ValidateOptions, path string, plan *limits.Plan, source *string) (jsonResult, error) {
	data, name, err := shared.ReadInput(opts.IO, path)
	if err != nil {
		if opts.Ctx != nil && opts.Ctx.Err() != nil {
			return jsonResult{}, err
		}
		return jsonResult{File: name, Problems: rules.Problems{}, err: err, unread: true}, nil
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
		return jsonResult{}, err
	}
	f, probs := p.f, p.probs
	checked := !probs.HasErrors() || len(f.Rules) > 0
	if checked {
		if *source == "" {
			if *plan, *source, err = choosePlan(opts); err != nil {
				return jsonResult{}, err
			}
		}
		more, err := shared.Interruptible(opts.Ctx, "stopped while checking "+name+": the check did not finish", func() rules.Problems {
			return rules.Validate(f, shared.ValidateOnceOptions(opts.Limits().For(*plan)))
		})
		if err != nil {
			return jsonResult{}, err
		}
		probs = append(probs, more...)
		probs.Sort()
	}
	verr := shared.ProblemsError(name, probs, opts.Strict)
	if probs == nil {
		probs = rules.Problems{}
	}
	return jsonResult{File: name, Valid: verr == nil, Rules: len(f.Rules),
		Errors: len(probs.Errors()), Warnings: len(probs.Warnings()), Problems: probs, err: verr, checked: checked}, nil
}

// unreadable lists the files that could not be read, with why.
func unreadable(results []jsonResult) []unreadFile {
	var out []unreadFile
	for _, r := range results {
		if r.unread {
			out = append(out, unreadFile{name: r.File, err: r.err})
		}
	}
	return out
}

// root is the directory SARIF and annotation paths are relative to: the
// repository's checkout in a GitHub Actions job (GITHUB_WORKSPACE; code
// scanning and annotations name files relative to it), else the working
// directory (review finding 6).
func (opts *ValidateOptions) root() string {
	if opts.Env != nil {
		if ws, ok := opts.Env("GITHUB_WORKSPACE"); ok && ws != "" {
			if abs, err := filepath.Abs(ws); err == nil {
				return abs
			}
		}
	}
	cwd, _ := os.Getwd()
	return cwd
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
func reportToActions(opts *ValidateOptions, results []jsonResult) error {
	env := ghactions.Env(opts.Env)
	if !ghactions.Actions(env) {
		return nil
	}
	w := opts.IO.Out
	if opts.format() != "text" {
		w = opts.IO.ErrOut
	}
	root := opts.root()
	for _, r := range results {
		anns := annotations(r.Problems, root)
		if r.unread {
			// The file's name is the message: GitHub cannot place an
			// annotation on a file that is not there.
			anns = []ghactions.Annotation{{Level: ghactions.Error, Title: "unreadable", Message: r.err.Error()}}
		}
		if err := ghactions.WriteAnnotations(w, anns); err != nil {
			return err
		}
	}
	if err := ghactions.AppendSummary(env, summary(results)); err != nil {
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
