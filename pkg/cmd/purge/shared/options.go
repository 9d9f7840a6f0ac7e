// Package shared is what the `cfcache purge` verbs have in common: the
// options and flags, the run (prepare → plan → send → report) and the
// adapter from the purge engine to the API client.
package shared

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
)

// PurgeOptions are the parsed inputs of every `cfcache purge` verb.
type PurgeOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	JSON        bool
	Zone        string // as given: name, id or ""

	Kind            purge.Kind
	Args            []string
	Files           []string
	DryRun          bool
	Yes             bool
	Plan            string
	FailedFile      string
	MaxItems        int
	Concurrency     int
	MaxRetries      int
	MaxWait         time.Duration
	AllowOtherHosts bool
	// Invalidate sends to invalidate_cache (soft purge: marked stale,
	// revalidated by the next request) instead of purge_cache.
	Invalidate bool
	// Environment is an environment of the zone, by name or ref; ""
	// purges at the zone level.
	Environment string
	// environmentEmpty: --environment was given with an empty value.
	environmentEmpty bool
	// Verbose lists every invalid item instead of the first input.MaxShown.
	Verbose bool

	// purge url only
	Devices, Countries, Langs, Headers []string
	URLForm                            string
	// Variants is "auto" to expand each URL into the variants its cache key
	// requires under the zone's live Cache Rules.
	Variants string

	// purge url: after the purge (postpurge.go)
	Warm, Verify  bool
	VerifySample  int
	OriginURL     string
	VerifyRecheck time.Duration
	// SiteClient makes the warm and verify requests (Factory.SiteClient).
	SiteClient func() (*http.Client, error)

	// Computed is set by a verb that computes its URLs instead of reading
	// them from arguments and files (purge changed).
	Computed *Computed

	Ctx context.Context
	// Engine overrides the purge engine's tuning (tests shorten backoffs).
	Engine func(*purge.RunConfig)
	// failedFileEvery overrides failedFileMinEvery (tests: a short run
	// rewrites the failed file while it goes).
	failedFileEvery time.Duration
	Now             func() time.Time
}

// Computed feeds URLs a verb computed (purge changed) through the purge
// url steps (validation, variants, batching, sending, --failed-file,
// --verify) and tells the verb which were confirmed.
type Computed struct {
	Kind    string        // the report's "kind"
	Input   purge.Input   // the URLs, one item each
	Changes *ChangeCounts // added/changed/removed, in the report
	// Done is called once after the batches ran and --verify checked them
	// (never on a dry run, nor when the run stopped before sending), with
	// the entries and, for each, whether every form of it was confirmed
	// purged and not found still served from cache by --verify.
	Done func(entries []purge.Entry, confirmed []bool)
}

// ChangeCounts are the files behind a purge changed, in its report.
type ChangeCounts struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
}

// NewOptions returns options wired to the factory.
func NewOptions(f *cmdutil.Factory, kind purge.Kind) *PurgeOptions {
	return &PurgeOptions{
		IO:            f.IOStreams,
		Client:        f.Client,
		ResolveZone:   f.ResolveZone,
		SiteClient:    f.SiteClient,
		Limits:        f.Limits,
		Kind:          kind,
		Concurrency:   purge.DefaultConcurrency,
		Now:           time.Now,
		VerifyRecheck: DefaultVerifyRecheck,
	}
}

// Finish copies what the root command resolved into the options; call it
// first in RunE.
func (o *PurgeOptions) Finish(f *cmdutil.Factory, cmd *cobra.Command, args []string) {
	o.Ctx = cmd.Context()
	o.Args = args
	o.JSON = f.OutputJSON()
	o.Verbose = f.Verbose
	if f.Settings != nil {
		o.Zone = f.Settings.Zone
	}
	// Given but empty is what a pipeline passes when its variable is unset:
	// refused, not read as "no environment" (which purges production).
	o.environmentEmpty = cmd.Flags().Changed("environment") && strings.TrimSpace(o.Environment) == ""
	if o.Invalidate {
		// An interrupt before the batches start has sent nothing.
		cmdutil.SetNotDone(cmd, "nothing was invalidated")
	}
}

// AddCommonFlags registers the flags every verb shares.
func AddCommonFlags(cmd *cobra.Command, o *PurgeOptions, withInput bool) {
	fl := cmd.Flags()
	if withInput {
		fl.StringArrayVarP(&o.Files, "file", "f", nil, "read items from `FILE`, one per line (- for stdin; repeatable)")
		fl.BoolVar(&o.AllowOtherHosts, "allow-other-hosts", false, "warn instead of refusing items whose host is outside the zone")
	}
	if o.Kind != purge.KindEverything {
		// Only where there are items: purge everything is one request with
		// none, and a flag is offered only where it does something
		// (interface.md, purge's common flags).
		fl.IntVar(&o.MaxItems, "max-items", 0, "refuse an input with more than `N` items (0: no limit)")
		fl.StringVar(&o.FailedFile, "failed-file", "", "write every item not confirmed purged to `FILE`, in the input format, for re-running with -f")
		fl.IntVar(&o.Concurrency, "concurrency", purge.DefaultConcurrency, "requests in flight at once, within the plan's rate limits")
	}
	if o.Kind == purge.KindURL || o.Kind == purge.KindPrefix {
		fl.StringVar(&o.URLForm, "url-form", "both", "how non-ASCII paths are sent: raw, encoded or both (counted once)")
	}
	fl.BoolVar(&o.DryRun, "dry-run", false, "validate and print the plan (items, requests, estimated time); send nothing")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation (only purge everything asks)")
	fl.StringVar(&o.Plan, "plan", "", "plan whose limits apply: free, pro, business or enterprise (default: the zone's)")
	fl.IntVar(&o.MaxRetries, "max-retries", purge.DefaultMaxRetries, "retries of a batch after 5xx, timeouts and resets (a 429 is waited out, not counted)")
	fl.DurationVar(&o.MaxWait, "max-wait", purge.DefaultMaxWait, "give up when Cloudflare asks to wait longer than `D` (Retry-After); the rest is reported and written to --failed-file")
	fl.BoolVar(&o.Invalidate, "invalidate", false, "soft purge: mark the content stale (invalidate_cache) so the next request revalidates with the origin, instead of deleting it; same items and limits")
	fl.StringVar(&o.Environment, "environment", "", "purge or invalidate one environment of the zone, by `NAME` or ref (listed with GET /zones/{id}/environments); on production, purge everything touches every environment")
	_ = cmd.RegisterFlagCompletionFunc("plan", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"free", "pro", "business", "enterprise"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// Mode is the JSON "mode": purge or invalidate.
func (o *PurgeOptions) Mode() string {
	if o.Invalidate {
		return "invalidate"
	}
	return "purge"
}

// done is the past participle the text uses: "purged" or "invalidated".
func (o *PurgeOptions) done() string {
	if o.Invalidate {
		return "invalidated"
	}
	return "purged"
}

// Done is done capitalized, to start a summary line.
func (o *PurgeOptions) Done() string {
	if o.Invalidate {
		return "Invalidated"
	}
	return "Purged"
}

// rerunCommand is the command that re-runs a failed file's items the way
// they were sent (mode and environment), for the hints that name it.
func (o *PurgeOptions) rerunCommand() string {
	c := "cfcache purge " + string(o.Kind)
	if o.Invalidate {
		c += " --invalidate"
	}
	if o.Environment != "" {
		c += " --environment " + o.Environment
	}
	return c
}

// Check validates flag values that need no input; call it before running.
func (o *PurgeOptions) Check() error {
	if o.Plan != "" {
		if _, err := limits.ParsePlan(o.Plan); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if o.Concurrency < 1 {
		return cmdutil.FlagErrorf("--concurrency must be at least 1")
	}
	if o.MaxItems < 0 {
		return cmdutil.FlagErrorf("--max-items must not be negative")
	}
	if o.MaxRetries < 0 {
		return cmdutil.FlagErrorf("--max-retries must not be negative")
	}
	if o.MaxWait < 0 {
		return cmdutil.FlagErrorf("invalid --max-wait %s: must not be negative (0: never wait when Cloudflare asks to)", o.MaxWait)
	}
	if o.environmentEmpty {
		return cmdutil.FlagErrorf("--environment is empty: give an environment name or ref, or leave the flag out to purge production")
	}
	if o.Environment != "" {
		if err := cfapi.CheckEnvironment(o.Environment); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if o.Variants != "" && o.Variants != "auto" {
		return cmdutil.FlagErrorf("invalid --variants %q: the only value is auto", o.Variants)
	}
	return o.checkPostPurge()
}
