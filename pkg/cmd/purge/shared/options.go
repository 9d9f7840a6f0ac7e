// Package shared holds what the `cfcache purge` verbs have in common: the
// options every verb embeds (Common, Items, URLOptions), the small steps a
// verb's run is built from (Prepare → ResolveZones → Execute → Report; see
// steps.go), and the adapter from the purge engine to the API client. Each
// verb package owns its Options and its run (docs/style.md, "Shared code
// holds helpers, not the verb").
package shared

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/budget"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Common are the fields and flags every purge verb has, purge everything
// included.
type Common struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	Limits      func() limits.Table
	// Env is the environment (Factory.Env): GITHUB_ACTIONS and
	// GITHUB_STEP_SUMMARY for the job summary (summary.go).
	Env config.Env
	// Budgets are the per-account purge budgets shared with the machine's
	// other cfcache processes (Factory.Budgets, pkg/budget).
	Budgets func() (*budget.Registry, error)
	JSON    bool
	Zone    string // as given: name, id or ""
	// AccountID narrows the zones routing lists (the global --account-id).
	AccountID string
	// accountIDFrom is where AccountID came from ("--account-id",
	// "CLOUDFLARE_ACCOUNT_ID", the config file's key), for its error.
	accountIDFrom string

	Kind       purge.Kind
	DryRun     bool
	Plan       string
	MaxRetries int
	MaxWait    time.Duration
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

	Ctx context.Context
	// Engine overrides the purge engine's tuning (tests shorten backoffs).
	Engine func(*purge.RunConfig)
	Now    func() time.Time
}

// Items are the fields and flags of the verbs that purge items (all but
// purge everything, which sends one request with none).
type Items struct {
	Args            []string
	Files           []string
	FailedFile      string
	MaxItems        int
	Concurrency     int
	AllowOtherHosts bool
	// List (with --dry-run) prints every entry that would be sent.
	List bool
	// failedFileEvery overrides failedFileMinEvery (tests: a short run
	// rewrites the failed file while it goes).
	failedFileEvery time.Duration
}

// URLOptions are the fields and flags of the verbs that purge URLs (purge
// url, purge changed): variants, and what to do after the purge.
type URLOptions struct {
	Devices, Countries, Langs, Headers []string
	// Variants is "auto" to expand each URL into the variants its cache key
	// requires under the zone's live Cache Rules.
	Variants string

	// After the purge (postpurge.go).
	Warm, Verify  bool
	VerifySample  int
	OriginURL     string
	VerifyRecheck time.Duration
	// SiteClient makes the warm and verify requests (Factory.SiteClient).
	SiteClient func() (*http.Client, error)
	// APIURL is the resolved API base (--api-url), read after flags are
	// parsed: warm and verify requests going to the real site while it is
	// not Cloudflare's are said (postpurge.go).
	APIURL func() string
}

// Job is one purge of items as the steps see it: a verb builds it from its
// own Options. URLOptions is zero for verbs without URL flags.
type Job struct {
	*Common
	*Items
	*URLOptions
	URLForm string
	// Computed is set by a verb that computes its URLs instead of reading
	// them from arguments and files (purge changed).
	Computed *Computed
}

// NewJob assembles a job; url may be nil.
func NewJob(c *Common, it *Items, url *URLOptions, urlForm string) *Job {
	if url == nil {
		url = &URLOptions{}
	}
	return &Job{Common: c, Items: it, URLOptions: url, URLForm: urlForm}
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

// NewCommon returns the common options wired to the factory.
func NewCommon(f *cmdutil.Factory, kind purge.Kind) Common {
	return Common{
		IO:          f.IOStreams,
		Client:      f.Client,
		ResolveZone: f.ResolveZone,
		Limits:      f.Limits,
		Budgets:     f.Budgets,
		Env:         f.Env,
		Kind:        kind,
		Now:         time.Now,
	}
}

// NewItems returns the item options with their defaults.
func NewItems() Items { return Items{Concurrency: purge.DefaultConcurrency} }

// NewURLOptions returns the URL options with their defaults.
func NewURLOptions(f *cmdutil.Factory) URLOptions {
	return URLOptions{VerifyRecheck: DefaultVerifyRecheck, SiteClient: f.SiteClient, APIURL: func() string {
		if f.Settings == nil {
			return config.DefaultAPIURL
		}
		return f.Settings.APIURL
	}}
}

// Finish copies what the root command resolved into the options; call it
// first in RunE.
func (o *Common) Finish(f *cmdutil.Factory, cmd *cobra.Command) {
	o.Ctx = cmd.Context()
	o.JSON = f.OutputJSON()
	o.Verbose = f.Verbose
	if f.Settings != nil {
		o.Zone = f.Settings.Zone
		o.AccountID = f.Settings.AccountID
		o.accountIDFrom = f.Settings.Origin("account-id")
	}
	// Given but empty is what a pipeline passes when its variable is unset:
	// refused, not read as "no environment" (which purges production).
	o.environmentEmpty = cmd.Flags().Changed("environment") && strings.TrimSpace(o.Environment) == ""
	if o.Invalidate {
		// An interrupt before the batches start has sent nothing.
		cmdutil.SetNotDone(cmd, "nothing was invalidated")
	}
}

// AddCommonFlags registers the flags every verb has.
func AddCommonFlags(cmd *cobra.Command, o *Common) {
	fl := cmd.Flags()
	fl.BoolVar(&o.DryRun, "dry-run", false, "validate and print the plan (items, requests, estimated time); send nothing")
	cmdutil.PlanFlag(cmd, &o.Plan, "", "plan whose limits apply (default: the zone's)")
	fl.IntVar(&o.MaxRetries, "max-retries", purge.DefaultMaxRetries, "retries of a batch after 5xx, timeouts and resets (a 429 is waited out, not counted)")
	fl.DurationVar(&o.MaxWait, "max-wait", purge.DefaultMaxWait, "give up when Cloudflare asks to wait longer than `D` (Retry-After); what is left is reported")
	fl.BoolVar(&o.Invalidate, "invalidate", false, "soft purge: mark the content stale (invalidate_cache) so the next request revalidates with the origin, instead of deleting it; same items and limits")
	// What a purge of production touches is purge everything's to say
	// (everything.go): items purge the one zone whatever the environment.
	fl.StringVar(&o.Environment, "environment", "", "purge or invalidate one environment of the zone, by `NAME` or ref (listed with GET /zones/{id}/environments)")
}

// AddItemFlags registers the flags of the verbs that purge items. withInput
// adds -f (not purge changed, which computes its URLs).
func AddItemFlags(cmd *cobra.Command, o *Items, withInput bool) {
	fl := cmd.Flags()
	if withInput {
		fl.StringArrayVarP(&o.Files, "file", "f", nil, "read items from `FILE`, one per line (- for stdin; repeatable)")
	}
	fl.IntVar(&o.MaxItems, "max-items", 0, "refuse an input with more than `N` items (0: no limit)")
	fl.StringVar(&o.FailedFile, "failed-file", "", "write every item not confirmed purged to `FILE`, in the input format, for re-running with -f")
	fl.IntVar(&o.Concurrency, "concurrency", purge.DefaultConcurrency, "requests in flight at once, within the plan's rate limits")
	if mw := fl.Lookup("max-wait"); mw != nil {
		mw.Usage += " and written to --failed-file"
	}
	fl.BoolVar(&o.List, "list", false, "with --dry-run: print every entry that would be sent (variants expanded) on stdout, in the failed-file format; the plan goes to stderr")
}

// AddAllowOtherHostsFlag registers --allow-other-hosts, for the verbs whose
// items have a host checked against the zone (url, prefix, host): a flag is
// offered only where it does something (interface.md, purge).
func AddAllowOtherHostsFlag(cmd *cobra.Command, o *Items) {
	cmd.Flags().BoolVar(&o.AllowOtherHosts, "allow-other-hosts", false, "warn instead of refusing items whose host is outside the zone")
}

// AddURLFormFlag registers --url-form (purge url, prefix, changed).
func AddURLFormFlag(cmd *cobra.Command, p *string) {
	cmdutil.StringEnumFlag(cmd, p, "url-form", "", string(purge.FormBoth), []string{string(purge.FormRaw), string(purge.FormEncoded), string(purge.FormBoth)},
		"how non-ASCII paths are sent (both: each form, counted once)")
}

// Mode is the JSON "mode": purge or invalidate.
func (o *Common) Mode() string {
	if o.Invalidate {
		return "invalidate"
	}
	return "purge"
}

// DonePast is "purged" or "invalidated", as the text says it.
func (o *Common) DonePast() string { return o.done() }

// done is the past participle the text uses: "purged" or "invalidated".
func (o *Common) done() string {
	if o.Invalidate {
		return "invalidated"
	}
	return "purged"
}

// Done is done capitalized, to start a summary line.
func (o *Common) Done() string {
	if o.Invalidate {
		return "Invalidated"
	}
	return "Purged"
}

// rerunCommand is the command that re-runs a failed file's items the way
// they were sent (mode, environment and --account-id, which routing may
// need to choose among zones of one name), for the hints that name it. It
// names no zone: re-running a multi-zone run's file routes it again.
func (o *Common) rerunCommand() string {
	c := "cfcache purge " + string(o.Kind)
	if o.AccountID != "" {
		c += " --account-id " + o.AccountID
	}
	if o.Invalidate {
		c += " --invalidate"
	}
	if o.Environment != "" {
		c += " --environment " + o.Environment
	}
	return c
}

// Check validates the common flag values that need no input.
func (o *Common) Check() error {
	// --plan is checked as it is parsed (cmdutil.StringEnumFlag).
	if err := cmdutil.NotNegative("max-retries", o.MaxRetries); err != nil {
		return err
	}
	if err := cmdutil.DurationNotNegative("max-wait", o.MaxWait, "0: never wait when Cloudflare asks to"); err != nil {
		return err
	}
	if o.environmentEmpty {
		return cmdutil.FlagErrorf("--environment is empty: give an environment name or ref, or leave the flag out to purge production")
	}
	if o.Environment != "" {
		if err := cfapi.CheckEnvironment(o.Environment); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	// Routing sends it as a filter of GET /zones, and the failed file's
	// re-run command repeats it: a typo is refused here, before any
	// request, rather than read as "no zones" (review of issue 10, #12).
	return cmdutil.CheckAccountID(o.accountIDOrigin(), o.AccountID)
}

func (o *Common) accountIDOrigin() string {
	if o.accountIDFrom == "" {
		return "--account-id"
	}
	return o.accountIDFrom
}

// Check validates the flag values of a job that need no input.
func (j *Job) Check() error {
	if err := j.Common.Check(); err != nil {
		return err
	}
	if err := cmdutil.AtLeast("concurrency", j.Concurrency, 1); err != nil {
		return err
	}
	if err := cmdutil.NotNegative("max-items", j.MaxItems); err != nil {
		return err
	}
	if j.List && !j.DryRun {
		return cmdutil.FlagErrorf("--list lists what a dry run would send: add --dry-run")
	}
	if j.List && j.JSON {
		return cmdutil.FlagErrorf("--list prints entries, -o json one object: choose one")
	}
	// --variants is checked as parsed (cmdutil.StringEnumFlag). The
	// variant flags are checked here, before anything is read or written:
	// purge changed would otherwise record a first manifest first.
	if _, err := j.variants(); err != nil {
		return err
	}
	return j.checkPostPurge()
}
