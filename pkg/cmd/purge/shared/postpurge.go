package shared

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmrender"
)

// DefaultVerifyRecheck is how long --verify waits before asking again about
// a URL that still looked cached: a purge reaches every Cloudflare data
// centre within seconds, and a false alarm fails a CI job.
const DefaultVerifyRecheck = 2 * time.Second

// VerifyReport is --verify's part of the purge JSON.
type VerifyReport struct {
	Checked int `json:"checked"`
	// StillCached lists each URL (once) served from cache with an Age older
	// than the purge for at least one of its variants.
	StillCached []string `json:"still_cached"`
	// Failed counts verify requests that got no answer (or a 5xx).
	Failed int `json:"failed"`
	// Unverified counts the checks that said nothing about the cache (no
	// answer, or a 5xx that did not come through it: warm.Result.Unanswered),
	// and UnverifiedReasons counts them by reason. Any makes the run exit 3:
	// a check nobody answered is not a success (issue 9, #12).
	Unverified        int            `json:"unverified"`
	UnverifiedReasons map[string]int `json:"unverified_reasons"`
}

// WarmReport is --warm's part of the purge JSON.
type WarmReport = warm.Summary

// postPurgeWanted reports whether a run asked for a step after the purge.
func (o *Job) postPurgeWanted() bool { return o.Warm || o.Verify }

// checkPostPurge validates the --warm/--verify flags before anything is sent.
func (o *Job) checkPostPurge() error {
	if o.VerifySample < 0 {
		return cmdutil.FlagErrorf("--verify-sample must not be negative")
	}
	if o.VerifySample > 0 {
		o.Verify = true // a sample size only makes sense with --verify
	}
	if o.OriginURL != "" {
		if _, err := warm.ParseOrigin(o.OriginURL); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if !o.postPurgeWanted() {
			return cmdutil.FlagErrorf("--origin-url applies to --warm and --verify; give one of them")
		}
	}
	return nil
}

// postPurge verifies and then warms the entries the purge confirmed: verify
// first, so what it sees is the purge's doing and not the warm's. It fills
// the report and returns the error the run should end with (nil when the
// purge's own outcome stands).
func (o *Job) postPurge(ctx context.Context, entries []purge.Entry, res purge.Result, purgeStart time.Time, report *Report) error {
	if !o.postPurgeWanted() || res.Interrupted || res.Err != nil || res.Purged == 0 {
		return nil
	}
	targets, labels := purgedTargets(entries, res.Failed)
	client, err := warmrender.Client(warm.DefaultConcurrency, o.OriginURL, o.WarmTransport)
	if err != nil {
		return err
	}
	cfg := warm.Config{Client: client, Concurrency: warm.DefaultConcurrency, Now: o.Now}
	if o.Verify {
		if err := o.verify(ctx, cfg, targets, labels, purgeStart, report); err != nil {
			return err
		}
	}
	if o.Warm {
		out := warmrender.Execute(ctx, o.IO, cfg, targets, "warm")
		sum := warm.Summarize(out.Results)
		report.Warm = &sum
		if !o.IO.IsQuiet() || sum.Failed > 0 {
			fmt.Fprintf(o.IO.ErrOut, "Warmed %d of %d %s %s (%s)\n", sum.Requested-sum.Failed, len(targets), o.done(), nounFor(purge.KindURL, len(targets)), warmrender.StatusCounts(sum.ByCacheStatus))
		}
		warmrender.PrintSummary(o.IO, sum)
		if out.Interrupted {
			return &cmdutil.CancelError{Err: fmt.Errorf("stopped while warming, after %d of %d requests", sum.Requested, len(targets))}
		}
		if sum.Failed > 0 {
			o.IO.Warn("%d warm request(s) failed; the %s itself succeeded", sum.Failed, o.event())
		}
	}
	if v := report.Verify; v != nil {
		switch {
		case len(v.StillCached) > 0:
			return cmdutil.Reported(&cmdutil.PartialError{Err: fmt.Errorf("%s, but still served from cache", o.done())})
		case v.Unverified > 0:
			return cmdutil.Reported(&cmdutil.PartialError{Err: fmt.Errorf("%s, but not every URL could be verified", o.done())})
		}
	}
	return nil
}

func (o *Job) verify(ctx context.Context, cfg warm.Config, targets []warm.Target, labels []string, purgeStart time.Time, report *Report) error {
	if o.VerifySample > 0 && o.VerifySample < len(targets) {
		sample := make([]warm.Target, 0, o.VerifySample)
		sampleLabels := make([]string, 0, o.VerifySample)
		for _, i := range rand.Perm(len(targets))[:o.VerifySample] {
			sample = append(sample, targets[i])
			sampleLabels = append(sampleLabels, labels[i])
		}
		targets, labels = sample, sampleLabels
	}
	out := warmrender.Execute(ctx, o.IO, cfg, targets, "verify")
	if out.Interrupted {
		return &cmdutil.CancelError{Err: fmt.Errorf("stopped while verifying the %s", o.event())}
	}
	cached := o.cachedBefore(out.Results, purgeStart)
	if len(cached) > 0 && o.VerifyRecheck > 0 {
		select {
		case <-ctx.Done():
			return &cmdutil.CancelError{Err: fmt.Errorf("stopped while verifying the %s", o.event())}
		case <-time.After(o.VerifyRecheck):
		}
		again := make([]warm.Target, 0, len(cached))
		for _, i := range cached {
			again = append(again, targets[i])
		}
		re := warm.Run(ctx, cfg, again)
		if re.Interrupted {
			return &cmdutil.CancelError{Err: fmt.Errorf("stopped while verifying the %s", o.event())}
		}
		var still []int
		for _, j := range o.cachedBefore(re.Results, purgeStart) {
			still = append(still, cached[j])
			out.Results[cached[j]] = re.Results[j]
		}
		cached = still
	}
	v := &VerifyReport{Checked: len(out.Results), StillCached: []string{}, Failed: warm.Summarize(out.Results).Failed, UnverifiedReasons: map[string]int{}}
	var unverified []int
	for i, r := range out.Results {
		if r.Unanswered() {
			unverified = append(unverified, i)
			v.Unverified++
			v.UnverifiedReasons[r.Reason()]++
		}
	}
	seen := map[string]bool{}
	t := o.IO.ErrTheme()
	if len(cached) > 0 {
		if o.Invalidate {
			fmt.Fprintf(o.IO.ErrOut, "%s %d of %d checked still served as a HIT with an Age older than the invalidation (not revalidated since):\n", t.Error.Render("✗"), len(cached), len(out.Results))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "%s %d of %d checked still served from cache with an Age older than the purge (cached before it):\n", t.Error.Render("✗"), len(cached), len(out.Results))
		}
	}
	for _, i := range cached {
		r := out.Results[i]
		fmt.Fprintf(o.IO.ErrOut, "  %s %s: %s, Age %d s, %s\n", t.Error.Render("still cached:"), labels[i], r.CacheStatus, r.Age, orDash(r.Colo))
		if report.stillCached == nil {
			report.stillCached = map[string]bool{}
		}
		report.stillCached[labels[i]] = true
		if !seen[r.URL] {
			seen[r.URL] = true
			v.StillCached = append(v.StillCached, r.URL)
		}
	}
	// Only the checks that were answered verify anything: with none
	// answered there is nothing to claim.
	if answered := len(out.Results) - v.Unverified; len(cached) == 0 && answered > 0 && !o.IO.IsQuiet() {
		if o.Invalidate {
			fmt.Fprintf(o.IO.ErrOut, "%s Verified %d invalidated %s: none served as a HIT from before the invalidation (%s)\n", t.Success.Render("✓"), answered, nounFor(purge.KindURL, answered), warmrender.StatusCounts(warm.Summarize(out.Results).ByCacheStatus))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "%s Verified %d purged %s: none served from before the purge\n", t.Success.Render("✓"), answered, nounFor(purge.KindURL, answered))
		}
	}
	if v.Unverified > 0 {
		fmt.Fprintf(o.IO.ErrOut, "%s could not verify %d of %d %s: %s\n", t.Error.Render("✗"), v.Unverified, len(out.Results), nounFor(purge.KindURL, len(out.Results)), reasonCounts(v.UnverifiedReasons))
		lines := make([]string, 0, min(len(unverified), warmrender.MaxListed))
		for _, i := range unverified[:min(len(unverified), warmrender.MaxListed)] {
			lines = append(lines, fmt.Sprintf("  %s %s: %s", t.Error.Render("unverified:"), labels[i], out.Results[i].Reason()))
		}
		warmrender.ListSome(o.IO.ErrOut, lines, len(unverified), func(s string) string { return s })
	}
	report.Verify = v
	return nil
}

// reasonCounts renders reasons as "connection refused" when there is one,
// else "connection refused (3), timed out (1)", most frequent first.
func reasonCounts(by map[string]int) string {
	reasons := make([]string, 0, len(by))
	for r := range by {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if by[reasons[i]] != by[reasons[j]] {
			return by[reasons[i]] > by[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	if len(reasons) == 1 {
		return reasons[0]
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%s (%d)", r, by[r])
	}
	return strings.Join(parts, ", ")
}

// cachedBefore returns the indexes of results served from a copy cached
// before the purge or invalidation began (warm.ServedFromBefore): the
// purge did not evict it, or the invalidation did not mark it stale.
func (o *Job) cachedBefore(results []warm.Result, purgeStart time.Time) []int {
	var out []int
	for i, r := range results {
		if warm.ServedFromBefore(r, purgeStart, o.Invalidate) {
			out = append(out, i)
		}
	}
	return out
}

// event is what the run did, as a noun: "purge" or "invalidation".
func (o *Job) event() string {
	if o.Invalidate {
		return "invalidation"
	}
	return "purge"
}

// purgedTargets turns the entries the purge confirmed into requests (and
// their labels, as the purge summary writes entries): a
// CF-Device-Type variant becomes that device's User-Agent (Cloudflare
// derives the header from it and overwrites one sent by a client), every
// other variant header is sent as is, and an entry without a device is
// requested as desktop, the cache key every visitor shares.
func purgedTargets(entries []purge.Entry, failed []purge.Failure) ([]warm.Target, []string) {
	notPurged := make(map[string]bool, len(failed))
	for _, f := range failed {
		notPurged[entryLabel(f.Entry)] = true
	}
	out := make([]warm.Target, 0, len(entries)-len(failed))
	labels := make([]string, 0, cap(out))
	for _, e := range entries {
		label := entryLabel(e)
		if notPurged[label] {
			continue
		}
		labels = append(labels, label)
		t := warm.Target{URL: e.Value, Device: warm.Desktop}
		for _, h := range e.Headers {
			if strings.EqualFold(h.Name, purge.HeaderDevice) {
				t.Device = warm.Device(strings.ToLower(h.Value))
				continue
			}
			if t.Header == nil {
				t.Header = http.Header{}
			}
			t.Header.Set(h.Name, h.Value)
		}
		out = append(out, t)
	}
	return out, labels
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
