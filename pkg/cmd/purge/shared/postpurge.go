package shared

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmrender"
)

// DefaultVerifyRecheck is --verify's wait before asking again about a URL
// that still looked cached (warm.DefaultRecheck).
const DefaultVerifyRecheck = warm.DefaultRecheck

// VerifyReport is --verify's part of the purge JSON.
type VerifyReport = warm.VerifyReport

// WarmReport is --warm's part of the purge JSON.
type WarmReport = warm.Summary

// postPurgeWanted reports whether a run asked for a step after the purge.
func (o *Job) postPurgeWanted() bool { return o.Warm || o.Verify }

// checkPostPurge validates the --warm/--verify flags before anything is sent.
func (o *Job) checkPostPurge() error {
	if err := cmdutil.NotNegative("verify-sample", o.VerifySample); err != nil {
		return err
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

// warnRealSite says once that --verify/--warm request the real site while
// the API is not Cloudflare's (the sandbox, a proxy): the purge went to one
// place and the checks to another, which a test run would not expect
// (issue 13). Nothing is said with --origin-url, which points them
// elsewhere already.
func (o *Job) warnRealSite(targets []warm.Target) {
	if o.OriginURL != "" || o.APIURL == nil || len(targets) == 0 {
		return
	}
	api := o.APIURL()
	u, err := url.Parse(api)
	if err != nil || api == "" || strings.EqualFold(u.Hostname(), "api.cloudflare.com") {
		return
	}
	what := "not Cloudflare's"
	if config.IsLoopbackHost(u.Hostname()) {
		what = "a sandbox"
	}
	site := targets[0].URL
	if t, err := url.Parse(site); err == nil && t.Host != "" {
		site = t.Scheme + "://" + t.Host + "/..."
	}
	var flags []string
	if o.Verify {
		flags = append(flags, "--verify")
	}
	if o.Warm {
		flags = append(flags, "--warm")
	}
	verb := "requests"
	if len(flags) > 1 {
		verb = "request"
	}
	o.IO.Warn("%s %s the real %s while the API is %s (%s); use --origin-url to point them elsewhere",
		strings.Join(flags, " and "), verb, site, u.Scheme+"://"+u.Host, what)
}

// postPurge verifies and then warms the entries the purge confirmed: verify
// first, so what it sees is the purge's doing and not the warm's. It fills
// the report and returns the error the run should end with (nil when the
// purge's own outcome stands).
func (o *Job) postPurge(ctx context.Context, entries []purge.Entry, res purge.Result, purgeStart time.Time, report *Report) error {
	if !o.postPurgeWanted() || res.Interrupted || res.Err != nil || res.Purged == 0 {
		return nil
	}
	targets, labels := warm.PurgedTargets(entries, res.Failed, entryLabel)
	client, err := warmrender.Client(o.SiteClient, o.OriginURL)
	if err != nil {
		return err
	}
	o.warnRealSite(targets)
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

// verify runs the verification (warm.Verify) with progress on stderr and
// renders its verdicts.
func (o *Job) verify(ctx context.Context, cfg warm.Config, targets []warm.Target, labels []string, purgeStart time.Time, report *Report) error {
	res := warm.Verify(ctx, cfg, targets, warm.VerifyConfig{
		Since: purgeStart, Soft: o.Invalidate, Sample: o.VerifySample, Recheck: o.VerifyRecheck,
		First: func(ctx context.Context, cfg warm.Config, ts []warm.Target) warm.Outcome {
			return warmrender.Execute(ctx, o.IO, cfg, ts, "verify")
		},
	})
	if res.Interrupted {
		return &cmdutil.CancelError{Err: fmt.Errorf("stopped while verifying the %s", o.event())}
	}
	label := func(i int) string { return labels[res.Checked[i]] }
	v := res.Report()
	t := o.IO.ErrTheme()
	if n := len(res.StillCached); n > 0 {
		if o.Invalidate {
			fmt.Fprintf(o.IO.ErrOut, "%s %d of %d checked still served as a HIT with an Age older than the invalidation (not revalidated since):\n", t.Error.Render("✗"), n, len(res.Results))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "%s %d of %d checked still served from cache with an Age older than the purge (cached before it):\n", t.Error.Render("✗"), n, len(res.Results))
		}
	}
	for _, i := range res.StillCached {
		r := res.Results[i]
		fmt.Fprintf(o.IO.ErrOut, "  %s %s: %s, Age %d s, %s\n", t.Error.Render("still cached:"), label(i), r.CacheStatus, r.Age, orDash(r.Colo))
		if report.stillCached == nil {
			report.stillCached = map[string]bool{}
		}
		report.stillCached[label(i)] = true
	}
	// Only the checks that were answered verify anything: with none
	// answered there is nothing to claim.
	if answered := len(res.Results) - v.Unverified; len(res.StillCached) == 0 && answered > 0 && !o.IO.IsQuiet() {
		if o.Invalidate {
			fmt.Fprintf(o.IO.ErrOut, "%s Verified %d invalidated %s: none served as a HIT from before the invalidation (%s)\n", t.Success.Render("✓"), answered, nounFor(purge.KindURL, answered), warmrender.StatusCounts(warm.Summarize(res.Results).ByCacheStatus))
		} else {
			fmt.Fprintf(o.IO.ErrOut, "%s Verified %d purged %s: none served from before the purge\n", t.Success.Render("✓"), answered, nounFor(purge.KindURL, answered))
		}
	}
	if v.Unverified > 0 {
		fmt.Fprintf(o.IO.ErrOut, "%s could not verify %d of %d %s: %s\n", t.Error.Render("✗"), v.Unverified, len(res.Results), nounFor(purge.KindURL, len(res.Results)), reasonCounts(v.UnverifiedReasons))
		lines := make([]string, 0, min(len(res.Unverified), warmrender.MaxListed))
		for _, i := range res.Unverified[:min(len(res.Unverified), warmrender.MaxListed)] {
			lines = append(lines, fmt.Sprintf("  %s %s: %s", t.Error.Render("unverified:"), label(i), res.Results[i].Reason()))
		}
		warmrender.ListSome(o.IO.ErrOut, lines, len(res.Unverified), func(s string) string { return s })
	}
	report.Verify = &v
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

// event is what the run did, as a noun: "purge" or "invalidation".
func (o *Job) event() string {
	if o.Invalidate {
		return "invalidation"
	}
	return "purge"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
