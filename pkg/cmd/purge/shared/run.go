package shared

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/input"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Report is the JSON document of a purge (the contract's fields first).
type Report struct {
	ZoneID            string `json:"zone_id"`
	ZoneName          string `json:"zone_name"`
	Kind              string `json:"kind"`
	Mode              string `json:"mode"` // purge or invalidate
	DryRun            bool   `json:"dry_run"`
	Items             int    `json:"items"`
	DuplicatesDropped int    `json:"duplicates_dropped"`
	Purged            int    `json:"purged"` // input items, all of whose entries were confirmed
	Failed            int    `json:"failed"` // input items with an entry not confirmed
	Requests          int    `json:"requests"`
	Retries           int    `json:"retries"`
	// RateLimited counts the 429 answers received (see MapResult).
	RateLimited int          `json:"rate_limited"`
	DurationMS  int64        `json:"duration_ms"`
	Zones       []ZoneReport `json:"zones"`

	Zone string `json:"zone,omitempty"`
	// Environment is the ref of the environment purged ("" : the zone).
	Environment     string          `json:"environment,omitempty"`
	EnvironmentName string          `json:"environment_name,omitempty"`
	Plan            string          `json:"plan"`
	Entries         int             `json:"entries"` // items × variants: what was sent
	EntriesPurged   int             `json:"entries_purged"`
	EntriesFailed   int             `json:"entries_failed"`
	BatchSize       int             `json:"batch_size"`
	EstimatedMS     int64           `json:"estimated_ms"`
	Interrupted     bool            `json:"interrupted,omitempty"`
	FailedFile      string          `json:"failed_file,omitempty"`
	Failures        []FailureReport `json:"failures,omitempty"`
	Error           string          `json:"error,omitempty"`

	// Set by purge changed: the files behind the URLs.
	*ChangeCounts

	// Set by --verify and --warm (postpurge.go).
	Verify *VerifyReport `json:"verify,omitempty"`
	Warm   *WarmReport   `json:"warm,omitempty"`

	// stillCached are the labels (entryLabel) of the entries --verify found
	// still served from cache: confirmed by the API, but not purged.
	stillCached map[string]bool
}

// ZoneReport is one zone's part of a run (the contract's "zones").
type ZoneReport struct {
	ZoneID    string `json:"zone_id"`
	ZoneName  string `json:"zone_name"`
	AccountID string `json:"account_id"`
	Items     int    `json:"items"`
	Purged    int    `json:"purged"`
	Failed    int    `json:"failed"`
	Requests  int    `json:"requests"`
}

// FailureReport is one entry not confirmed purged.
type FailureReport struct {
	Item    string            `json:"item"`
	Headers map[string]string `json:"headers,omitempty"`
	Reason  string            `json:"reason"`
}

// resolveEnvironment finds --environment among the zone's environments
// (one GET): an unknown one is exit 2, listing those that exist, before
// anything is purged.
func (o *Common) resolveEnvironment(zone cfapi.Zone) (cfapi.Environment, error) {
	if zone.ID == "" {
		return cfapi.Environment{}, cmdutil.FlagErrorf("--environment %s names an environment of a zone: give --zone", o.Environment)
	}
	client, err := o.Client()
	if err != nil {
		return cfapi.Environment{}, err
	}
	envs, err := client.ListEnvironments(o.Ctx, zone.ID)
	if err != nil {
		return cfapi.Environment{}, cmdutil.WrapAPIError(err)
	}
	env, err := cfapi.FindEnvironment(envs, o.Environment, zoneLabel(zone))
	if err != nil {
		return cfapi.Environment{}, &cmdutil.ValidationError{Err: fmt.Errorf("%w; nothing was %s", err, o.done())}
	}
	return env, nil
}

// NewReport is the report of a run of these options before anything is
// known of the zone or the items.
func (o *Job) NewReport() Report {
	r := Report{Kind: string(o.Kind), Mode: o.Mode(), DryRun: o.DryRun, Zones: []ZoneReport{}}
	if o.Computed != nil {
		r.Kind, r.ChangeCounts = o.Computed.Kind, o.Computed.Changes
	}
	return r
}

// engineMaxWait is --max-wait as the engine and the client read it, where 0
// means "the default": --max-wait 0 is "never wait when asked to".
func (o *Common) engineMaxWait() time.Duration {
	if o.MaxWait == 0 {
		return -1
	}
	return o.MaxWait
}

// failedItems counts the input items behind failed entries: the variants of
// one item share its source and line.
func failedItems(failed []purge.Failure) int {
	type pos struct {
		source string
		line   int
	}
	seen := make(map[pos]bool, len(failed))
	for _, f := range failed {
		seen[pos{f.Entry.Source, f.Entry.Line}] = true
	}
	return len(seen)
}

func (o *Job) variants() (purge.Variants, error) {
	if o.Kind != purge.KindURL {
		return purge.Variants{}, nil
	}
	v, errs := purge.ParseVariants(purge.VariantFlags{Devices: o.Devices, Countries: o.Countries, Langs: o.Langs, Headers: o.Headers})
	if len(errs) > 0 {
		// One usage error, worded as warm's and every other bad flag value
		// (`--device "phone": …` and the usage hint), every bad value on
		// its one line: printed apart, the values lacked the "error:" and
		// the hint (issue 13).
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return v, &cmdutil.FlagError{Err: errors.New(strings.Join(msgs, "; "))}
	}
	if o.Variants == "auto" {
		// The flags are values for the dimensions the rules require, not a
		// product applied to every URL.
		return purge.Variants{}, nil
	}
	return v, nil
}

// expandAutoVariants reads the zone's live Cache Rules once and expands each
// URL into the variants its cache key requires, before anything is sent.
func (o *Job) expandAutoVariants(zone cfapi.Zone, prep *purge.Prepared) error {
	if zone.ID == "" {
		return cmdutil.FlagErrorf("--variants auto reads the zone's live Cache Rules: give --zone")
	}
	client, err := o.Client()
	if err != nil {
		return err
	}
	var compiled []*rules.Rule
	raw, err := client.GetEntrypoint(o.Ctx, zone.ID)
	switch {
	case errors.Is(err, cfapi.ErrNoEntrypoint):
		// Said in the summary below ("under the zone's 0 Cache Rules"),
		// with APO's copies if any: not "one cache key per URL" here.
	case err != nil:
		return cmdutil.WrapAPIError(err)
	default:
		rs, err := rules.ParseRuleset(raw)
		if err != nil {
			return err
		}
		compiled = rs.Rules
	}
	stack := cachekey.Compile(compiled)
	// With cache by device type on, APO caches its hostnames' HTML pages
	// once per device type whatever the Cache Rules say.
	setting, err := client.GetAPO(o.Ctx, zone.ID)
	apo := setting.Key()
	switch {
	case cfapi.IsAuthError(err):
		// Tokens made for purging often lack Zone Settings Read: say what
		// is not covered rather than refuse what the rules still allow.
		o.IO.Warn("--variants auto: cannot read the zone's APO setting (%v): APO device copies are not expanded; give the token Zone › Zone Settings › Read, or add --device all", err)
	case err != nil:
		return cmdutil.WrapAPIError(err)
	case apo.Enabled && apo.CacheByDeviceType:
		stack = stack.WithAPO(apo)
	}
	auto, err := newAutoVariants(stack, cachekey.VariantChoices{Devices: o.Devices, Countries: o.Countries, Langs: o.Langs, Headers: o.Headers})
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	expanded, err := auto.expand(prep.Entries)
	if err != nil {
		return &cmdutil.ValidationError{Err: fmt.Errorf("--variants auto: %w; nothing was sent", err)}
	}
	prep.Entries, prep.EntryCount, prep.Units = expanded, len(expanded), 0
	for i := range expanded {
		prep.Units += expanded[i].NumForms()
	}
	apoNote := ""
	if apo.Enabled && apo.CacheByDeviceType {
		apoNote = " and APO for WordPress (cache by device type on " + apoHosts(apo) + ")"
	}
	o.IO.Status("--variants auto: %d URL(s) → %d entries under the zone's %d Cache Rules%s", prep.Items, len(expanded), len(compiled), apoNote)
	for _, line := range auto.summary() {
		o.IO.Status("  %s", line)
	}
	return nil
}

// offlineLimits are the limits items are checked against before the zone
// is looked up: the plan's when --plan is given, else the loosest of every
// plan's, so that nothing valid on the zone's plan is refused early. known
// says whether they are the final ones (no recheck needed for the caps).
func (o *Job) offlineLimits() (l limits.Limits, known bool) {
	t := o.Limits()
	if o.Plan != "" {
		p, _ := limits.ParsePlan(o.Plan)
		return t.For(p), true
	}
	// Before the lookup the plan is unknown: an item over the loosest caps
	// is invalid on every plan; the caps are final when every plan agrees.
	loose := t.Loosest()
	l, known = t.For(limits.Free), true
	for _, pl := range t {
		known = known && pl.TagMaxLength == loose.TagMaxLength && pl.PrefixMaxSeparators == loose.PrefixMaxSeparators
	}
	l.TagMaxLength, l.PrefixMaxSeparators = loose.TagMaxLength, loose.PrefixMaxSeparators
	return l, known
}

// prepare reads and validates every item before anything is sent. countOK
// lets a dry run keep counts only; false keeps the entries for a recheck
// after the zone lookup.
func (o *Job) prepare(lim limits.Limits, zoneName string, v purge.Variants, form purge.URLForm, countOK bool, items *input.ItemPrinter) (*purge.Prepared, error) {
	var inputs []purge.Input
	if o.Computed != nil {
		inputs = []purge.Input{o.Computed.Input}
	} else {
		sources, closeAll, err := input.Open(o.IO.In, o.Args, o.Files, "items")
		if err != nil {
			return nil, err
		}
		defer closeAll()
		inputs = make([]purge.Input, 0, len(sources))
		for _, src := range sources {
			inputs = append(inputs, src.Input)
		}
	}
	prep, err := purge.Prepare(purge.PrepareOptions{
		Kind:      o.Kind,
		Limits:    lim,
		Zone:      purge.Zone{Name: zoneName, Warn: o.AllowOtherHosts},
		URLForm:   form,
		Variants:  v,
		MaxItems:  o.MaxItems,
		CountOnly: countOK && o.DryRun && o.Variants == "",
		OnError:   items.Invalid,
		OnNote:    items.Note,
	}, inputs...)
	items.Finish()
	var tooMany *purge.TooManyItemsError
	var notText *purge.NotTextError
	switch {
	case errors.As(err, &tooMany):
		return nil, &cmdutil.ValidationError{Err: fmt.Errorf("%w; nothing was sent", err)}
	case errors.As(err, &notText):
		return nil, &cmdutil.ValidationError{Err: fmt.Errorf("%w; nothing was sent", notText)}
	case err != nil:
		return nil, &cmdutil.ValidationError{Err: fmt.Errorf("reading items: %w; nothing was sent", err)}
	case prep.Invalid > 0:
		return nil, &cmdutil.ValidationError{Err: fmt.Errorf("%d of %d items are invalid (listed above); nothing was sent", prep.Invalid, prep.Read)}
	case prep.Read == 0:
		return nil, cmdutil.FlagErrorf("no items in the input (blank lines and # comments are skipped); nothing was sent")
	}
	if prep.Duplicates > 0 && !o.JSON {
		o.IO.Status("%d duplicate %s dropped", prep.Duplicates, nounFor(o.Kind, prep.Duplicates))
	}
	return prep, nil
}

// ZoneLabel is a zone as the text names it: its name, else its id.
func ZoneLabel(z cfapi.Zone) string { return zoneLabel(z) }

func zoneLabel(z cfapi.Zone) string {
	if z.Name != "" {
		return z.Name
	}
	return z.ID
}

func (o *Job) printDryRun(w io.Writer, r Report, prep *purge.Prepared, zones []*ZoneRun) error {
	what := fmt.Sprintf("%d %s", prep.Items, nounFor(o.Kind, prep.Items))
	if prep.EntryCount != prep.Items {
		what += fmt.Sprintf(" (%d entries with variants)", prep.EntryCount)
	}
	zone := r.Zone
	if zone == "" {
		zone = r.ZoneID
	}
	if len(zones) > 1 {
		zone = fmt.Sprintf("%d zones", len(zones))
	}
	if zone != "" {
		zone = " in " + zone
	}
	if r.Environment != "" {
		zone += fmt.Sprintf(" (environment %s, ref %s)", r.EnvironmentName, r.Environment)
	}
	fmt.Fprintf(w, "Dry run: would %s %s%s\n", o.Mode(), what, zone)
	if len(zones) == 1 {
		est := zones[0].Estimate
		fmt.Fprintf(w, "  %d request(s) of up to %d, estimated %s at the %s plan's limits\n", est.Requests, est.BatchSize, roundDuration(est.Ideal), r.Plan)
	} else {
		// Each zone's requests, then the run's time as a whole: zones of one
		// account wait for each other and every request shares the token's
		// API window, so no zone's time alone is the run's (RunEstimate).
		for _, z := range zones {
			fmt.Fprintf(w, "  %s (account %s): %d %s, %d request(s) of up to %d at the %s plan's limits\n", z.Zone.Name, orDash(z.Zone.AccountID),
				z.Items, nounFor(o.Kind, z.Items), z.Estimate.Requests, z.Estimate.BatchSize, z.Plan)
		}
		requests, ideal := RunEstimate(o.Kind, zones)
		fmt.Fprintf(w, "  total: %d request(s), estimated %s (zones of one account one after another, accounts side by side, all in the token's API limit)\n",
			requests, roundDuration(ideal))
	}
	fmt.Fprintln(w, "Nothing was sent.")
	return nil
}

// writeList writes every entry that would be sent, zone by zone, in the
// failed-file format (a "# zone NAME" comment before each zone's), so the
// list is fed back with -f as it is.
func writeList(w io.Writer, kind purge.Kind, zones []*ZoneRun) error {
	for _, z := range zones {
		reason := "would be sent"
		if z.Zone.Name != "" || z.Zone.ID != "" {
			reason = "zone " + zoneLabel(z.Zone)
		}
		err := purge.FailedHeader{Kind: kind}.WriteSeq(w, 0, func(yield func(purge.Failure) bool) {
			for _, e := range z.Entries {
				if !yield(purge.Failure{Entry: e, Reason: reason}) {
					return
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (o *Job) printSummary(r Report, res purge.Result) {
	if o.IO.IsQuiet() && len(res.Failed) == 0 && res.Err == nil {
		return
	}
	t := o.IO.ErrTheme()
	w := o.IO.ErrOut
	total := res.Total
	mark := t.Success.Render("✓")
	if len(res.Failed) > 0 || res.Err != nil {
		mark = t.Error.Render("✗")
	}
	items := fmt.Sprintf("%d of %d %s", r.Purged, r.Items, nounFor(o.Kind, r.Items))
	if r.Entries != r.Items {
		items += fmt.Sprintf(" (%d of %d entries with variants)", res.Purged, total)
	}
	if r.Environment != "" {
		items += " in environment " + r.EnvironmentName
	}
	limited := ""
	if res.RateLimited > 0 {
		// 429s are waits, not retries: said apart (issue 10).
		limited = fmt.Sprintf(", %d rate-limited", res.RateLimited)
	}
	fmt.Fprintf(w, "%s %s %s in %d request(s), %d retries%s, %s\n", mark, o.Done(), items, res.Requests, res.Retries, limited, roundDuration(res.Duration))
	if res.BatchSize > 0 && res.BatchSize < r.BatchSize {
		// r.BatchSize is the plan's size; the engine lowered it when
		// Cloudflare said a batch was too large, and the budget remembers
		// the cap for the account (interface.md "Pacing is per account"):
		// nothing for the user to set, so none is suggested.
		o.IO.Warn("Cloudflare refused batches of %d as too large; cut to %d items, remembered for later runs on this account (see cfcache purge --help)", r.BatchSize, res.BatchSize)
	}
	if len(res.Failed) > 0 {
		// With a failed file, a sample here and the rest in the file;
		// without one, every failure here: none may go unreported.
		shown := res.Failed
		if o.FailedFile != "" && len(shown) > 10 {
			shown = shown[:10]
		}
		for _, f := range shown {
			fmt.Fprintf(w, "  %s %s: %s\n", t.Error.Render("failed:"), entryLabel(f.Entry), f.Reason)
		}
		if more := len(res.Failed) - len(shown); more > 0 {
			fmt.Fprintf(w, "  … and %d more\n", more)
		}
		if o.FailedFile != "" {
			fmt.Fprintf(w, "%d not %s (all in %s); re-run them with: %s -f %s\n", len(res.Failed), o.done(), o.FailedFile, o.rerunCommand(), shellQuote(o.FailedFile))
		} else {
			fmt.Fprintf(w, "%d not %s (use --failed-file FILE to keep them for a re-run)\n", len(res.Failed), o.done())
		}
	}
	if res.Err != nil {
		fmt.Fprintf(w, "%s %s\n", t.Error.Render("stopped:"), res.Err)
	}
}

// outcome maps a run to the contract's exit codes.
// done is "purged" or "invalidated".
func outcome(res purge.Result, done string) error { return ExitError(res, done) }

// ExitError maps a run to the contract's exit codes (nil: exit 0); done is
// "purged" or "invalidated".
func ExitError(res purge.Result, done string) error {
	var apiErr *purge.APIError
	switch {
	case res.Interrupted:
		return &cmdutil.CancelError{Err: fmt.Errorf("stopped after %d of %d %s", res.Purged, res.Total, done)}
	case res.Err != nil && errors.As(res.Err, &apiErr) && apiErr.IsAuth():
		return &cmdutil.AuthError{Err: fmt.Errorf("%s: the token needs the Zone › Cache Purge permission", apiErr.Message)}
	case len(res.Failed) == 0 && res.Err == nil:
		return nil
	case res.Purged > 0:
		return cmdutil.Reported(&cmdutil.PartialError{Err: fmt.Errorf("%d of %d not %s", len(res.Failed), res.Total, done)})
	}
	return cmdutil.Reported(fmt.Errorf("none of %d %s", res.Total, done))
}

// NewFailureReport is one failure of the engine as the JSON lists it.
func NewFailureReport(f purge.Failure) FailureReport {
	fr := FailureReport{Item: f.Entry.Value, Reason: f.Reason}
	if len(f.Entry.Headers) > 0 {
		fr.Headers = map[string]string{}
		for _, h := range f.Entry.Headers {
			fr.Headers[h.Name] = h.Value
		}
	}
	return fr
}

func entryLabel(e purge.Entry) string {
	var hs []string
	for _, h := range e.Headers {
		hs = append(hs, h.Name+": "+h.Value)
	}
	if len(hs) == 0 {
		return e.Value
	}
	return e.Value + " [" + strings.Join(hs, ", ") + "]"
}

func progressLine(io *iostreams.IOStreams, mode string, p purge.Progress, noun string, now time.Time, elapsed time.Duration) string {
	done := p.Done + p.Failed
	eta := "—"
	if p.Total > done && (p.ETA > 0 || p.Done > 0) {
		// The engine's ETA: the plan's rate on what is left plus known
		// waits (issue 10 "Honest progress"), never the last seconds' speed.
		eta = roundDuration(max(p.ETA, p.ResumeAt.Sub(now)))
	}
	status := fmt.Sprintf("%d/%d %s · ETA %s · %d requests · %d retries", done, p.Total, noun, eta, p.Requests, p.Retries)
	if p.RateLimited > 0 {
		status += fmt.Sprintf(" · %d rate-limited", p.RateLimited)
	}
	if p.Failed > 0 {
		status += fmt.Sprintf(" · %d failed", p.Failed)
	}
	if p.ResumeAt.After(now) {
		status += " · " + waitNote(p, now)
	}
	if io.IsStderrTTY() {
		return iostreams.Bar(done, p.Total, 24) + " " + status
	}
	return fmt.Sprintf("%s: still running after %s: %s", mode, roundDuration(elapsed), status)
}

// waitNote says a wait under way, whose limit it is and when sending
// resumes: "waiting 4m12s: Cloudflare's API limit, resumes 10:42:13".
func waitNote(p purge.Progress, now time.Time) string {
	why := string(p.WaitReason)
	if why == "" {
		why = "Cloudflare asked to (429)"
	}
	return fmt.Sprintf("waiting %s: %s, resumes %s", roundDuration(p.ResumeAt.Sub(now)), why, p.ResumeAt.Format("15:04:05"))
}

func nounFor(k purge.Kind, n int) string {
	word := map[purge.Kind]string{purge.KindURL: "URL", purge.KindPrefix: "prefix", purge.KindTag: "tag", purge.KindHost: "host", purge.KindEverything: "purge"}[k]
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "x") {
		return word + "es"
	}
	return word + "s"
}

// RoundDuration is d as the summaries print it.
func RoundDuration(d time.Duration) string { return roundDuration(d) }

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
