// Package warmrender runs warms with progress on stderr and renders their
// results: what `cfcache warm` and `cfcache purge url --warm/--verify` share.
// It sits apart from pkg/warm, which does no terminal I/O, and from the
// command packages, as no command package imports another noun's package
// (docs/style.md, "Lessons from our own code").
package warmrender

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm"
)

// MaxListed bounds the URLs listed one by one on stderr; the rest are counted.
const MaxListed = 20

// Client returns the HTTP client of a warm or verify run: the Factory's
// client for sites (cmdutil.Factory.SiteClient, with -v logging and the
// tests' transport), sending every request to --origin-url when it is
// given.
func Client(site func() (*http.Client, error), originURL string) (*http.Client, error) {
	var origin *url.URL
	if originURL != "" {
		var err error
		if origin, err = warm.ParseOrigin(originURL); err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
	}
	c, err := site()
	if err != nil {
		return nil, err
	}
	return warm.WithOrigin(c, origin), nil
}

// Execute runs a warm with progress on stderr (a live bar on a terminal, a
// plain line every 10 s otherwise, nothing when quiet) and returns every
// result in target order; verb names the step in the plain lines ("warm",
// "verify"). It holds the results: for a list of any size use
// ExecuteStream.
func Execute(ctx context.Context, io *iostreams.IOStreams, cfg warm.Config, targets []warm.Target, verb string) warm.Outcome {
	results := make([]warm.Result, len(targets))
	done := make([]bool, len(targets))
	st := ExecuteStream(ctx, io, cfg, warm.List(targets), verb, func(i int, r warm.Result) { results[i], done[i] = r, true })
	out := warm.Outcome{Interrupted: st.Interrupted, Duration: st.Duration}
	out.Results = results[:0]
	for i, ok := range done {
		if ok {
			out.Results = append(out.Results, results[i])
		}
	}
	return out
}

// ExecuteStream is Execute handing each result to each as it arrives
// (warm.Stream), keeping none.
func ExecuteStream(ctx context.Context, io *iostreams.IOStreams, cfg warm.Config, targets warm.TargetList, verb string, each func(int, warm.Result)) warm.Stats {
	n := targets.Len()
	return withProgress(io, cfg, verb, func() (int, bool) { return n, false }, func(cfg warm.Config) warm.Stats {
		return warm.Stream(ctx, cfg, targets, each)
	})
}

// ExecuteFeed is ExecuteStream over the jobs of feed, which arrive while
// the input is read (warm.StreamJobs); each gets the job's URL index. Until
// the input is read whole the progress shows the requests queued so far,
// with a "+".
func ExecuteFeed(ctx context.Context, io *iostreams.IOStreams, cfg warm.Config, feed *warm.Feed, verb string, each func(urlIndex int, r warm.Result)) warm.Stats {
	return withProgress(io, cfg, verb, feed.Queued, func(cfg warm.Config) warm.Stats {
		return warm.StreamJobs(ctx, cfg, feed.Jobs(), each)
	})
}

// withProgress runs run with cfg's OnResult counting results for the
// progress line; total says how many requests there are, and whether more
// may still come.
func withProgress(io *iostreams.IOStreams, cfg warm.Config, verb string, total func() (int, bool), run func(warm.Config) warm.Stats) warm.Stats {
	var mu sync.Mutex
	done, failed := 0, 0
	inner := cfg.OnResult
	cfg.OnResult = func(r warm.Result) {
		mu.Lock()
		done++
		if r.Failed() {
			failed++
		}
		mu.Unlock()
		if inner != nil {
			inner(r)
		}
	}
	start := time.Now()
	bar := io.StartProgress(func() string {
		mu.Lock()
		d, f := done, failed
		mu.Unlock()
		n, more := total()
		plus := ""
		if more {
			plus = "+"
		}
		elapsed := time.Since(start)
		status := fmt.Sprintf("%d/%d%s requests · %.0f/s", d, n, plus, float64(d)/max(elapsed.Seconds(), 0.001))
		if f > 0 {
			status += fmt.Sprintf(" · %d failed", f)
		}
		if io.IsStderrTTY() {
			return iostreams.Bar(d, n, 24) + " " + status
		}
		return fmt.Sprintf("%s: still running after %s: %s", verb, elapsed.Round(time.Second), status)
	})
	st := run(cfg)
	bar.Stop()
	return st
}

// PrintSummary lists on stderr the URLs that are not cacheable and the
// requests that failed, the first MaxListed of each and a count of the rest.
func PrintSummary(io *iostreams.IOStreams, sum warm.Summary) {
	w := io.ErrOut
	t := io.ErrTheme()
	if sum.NotCacheableCount > 0 && !io.IsQuiet() {
		fmt.Fprintf(w, "%s %d URL(s) answered DYNAMIC or BYPASS: Cloudflare does not cache them (usually no cache rule makes them eligible):\n", t.Warning.Render("!"), sum.NotCacheableCount)
		ListSome(w, sum.NotCacheable, sum.NotCacheableCount, func(s string) string { return "  " + s })
	}
	if sum.MostlyNotCloudflare() && !io.IsQuiet() {
		// Every answer then reads NONE, which alone looks like a cache
		// problem; said once, not per URL (issue 13).
		fmt.Fprintf(w, "%s %d of %d answers had no CF-Cache-Status (nor CF-Ray): %s may not be behind Cloudflare, or its proxy is off for that host (DNS only)\n",
			t.Warning.Render("!"), sum.NoCloudflare, sum.Answered, strings.Join(sum.NoCloudflareHosts, ", "))
	}
	if sum.Failed > 0 {
		var failed []string
		for _, r := range sum.FailedSample {
			failed = append(failed, fmt.Sprintf("  %s %s (%s): %s", t.Error.Render("failed:"), r.URL, r.Device, r.Reason()))
		}
		ListSome(w, failed, sum.Failed, func(s string) string { return s })
	}
}

// ListSome prints the first MaxListed of lines, then how many of total
// are not shown.
func ListSome(w io.Writer, lines []string, total int, f func(string) string) {
	for i, l := range lines {
		if i == MaxListed {
			break
		}
		fmt.Fprintln(w, f(l))
	}
	if shown := min(len(lines), MaxListed); total > shown {
		fmt.Fprintf(w, "  … and %d more\n", total-shown)
	}
}

// StatusCounts renders "20 HIT, 4 MISS" in warm.StatusOrder ("no answers"
// when there is none).
func StatusCounts(by map[string]int) string {
	var parts []string
	for _, k := range warm.StatusOrder(by) {
		parts = append(parts, fmt.Sprintf("%d %s", by[k], k))
	}
	if len(parts) == 0 {
		return "no answers"
	}
	return strings.Join(parts, ", ")
}
