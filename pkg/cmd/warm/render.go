package warm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm"
)

// maxListed bounds the URLs listed one by one on stderr; the rest are counted.
const maxListed = 20

// Execute runs a warm with progress on stderr (a live bar on a terminal, a
// plain line every 10 s otherwise, nothing when quiet); verb names the step
// in the plain lines ("warm", "verify").
func Execute(ctx context.Context, io *iostreams.IOStreams, cfg warm.Config, targets []warm.Target, verb string) warm.Outcome {
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
		elapsed := time.Since(start)
		status := fmt.Sprintf("%d/%d requests · %.0f/s", d, len(targets), float64(d)/max(elapsed.Seconds(), 0.001))
		if f > 0 {
			status += fmt.Sprintf(" · %d failed", f)
		}
		if io.IsStderrTTY() {
			return iostreams.Bar(d, len(targets), 24) + " " + status
		}
		return fmt.Sprintf("%s: still running after %s: %s", verb, elapsed.Round(time.Second), status)
	})
	out := warm.Run(ctx, cfg, targets)
	bar.Stop()
	return out
}

// printTable prints one row per request: aligned with a header on a
// terminal, tab-separated without one when piped.
func printTable(io *iostreams.IOStreams, results []warm.Result) error {
	tp := io.NewTablePrinter("URL", "DEVICE", "STATUS", "CACHE", "AGE", "COLO", "MS", "NOTE")
	for _, r := range results {
		status, cache, note := strconv.Itoa(r.Status), r.CacheStatus, ""
		if r.Status == 0 {
			status, cache = "-", "-"
		}
		switch {
		case r.Error != "":
			note = r.Error
		case r.Location != "":
			note = "→ " + r.Location
		}
		colo := r.Colo
		if colo == "" {
			colo = "-"
		}
		tp.AddRow(r.URL, string(r.Device), status, cache, strconv.Itoa(r.Age), colo, strconv.FormatInt(r.MS, 10), note)
	}
	return tp.Render()
}

func (o *WarmOptions) printSummary(r Report, planned int, sum warm.Summary) {
	w := o.IO.ErrOut
	t := o.IO.ErrTheme()
	if o.IO.IsQuiet() && sum.Failed == 0 {
		return
	}
	mark := t.Success.Render("✓")
	if sum.Failed > 0 || r.Interrupted {
		mark = t.Error.Render("✗")
	}
	fmt.Fprintf(w, "%s Warmed %d URL(s) × %d device(s): %d of %d requests answered in %s",
		mark, r.URLs, len(r.Devices), sum.Requested-sum.Failed, planned, time.Duration(r.DurationMS)*time.Millisecond)
	fmt.Fprintf(w, " (%s)\n", StatusCounts(sum.ByCacheStatus))
	if n := r.Excluded.Total(); n > 0 {
		fmt.Fprintf(w, "  skipped %d URL(s): %s\n", n, excludedText(r.Excluded))
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(w, "  %d duplicate URL(s) dropped\n", r.Duplicates)
	}
	PrintSummary(o.IO, sum, r.Results)
}

// PrintSummary lists on stderr the URLs that are not cacheable and the
// requests that failed.
func PrintSummary(io *iostreams.IOStreams, sum warm.Summary, results []warm.Result) {
	w := io.ErrOut
	t := io.ErrTheme()
	if len(sum.NotCacheable) > 0 && !io.IsQuiet() {
		fmt.Fprintf(w, "%s %d URL(s) answered DYNAMIC or BYPASS: Cloudflare does not cache them (usually no cache rule makes them eligible):\n", t.Warning.Render("!"), len(sum.NotCacheable))
		listSome(w, sum.NotCacheable, func(s string) string { return "  " + s })
	}
	if sum.Failed > 0 {
		var failed []string
		for _, r := range results {
			if r.Failed() {
				why := r.Error
				if why == "" {
					why = "HTTP " + strconv.Itoa(r.Status)
				}
				failed = append(failed, fmt.Sprintf("  %s %s (%s): %s", t.Error.Render("failed:"), r.URL, r.Device, why))
			}
		}
		listSome(w, failed, func(s string) string { return s })
	}
}

func listSome(w interface{ Write([]byte) (int, error) }, lines []string, f func(string) string) {
	for i, l := range lines {
		if i == maxListed {
			fmt.Fprintf(w, "  … and %d more\n", len(lines)-maxListed)
			return
		}
		fmt.Fprintln(w, f(l))
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

func excludedText(e warm.Excluded) string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(e.Query, "with a query string (--keep query)")
	add(e.Pagination, "pagination (--keep pagination)")
	add(e.Trashed, "trashed (--keep trashed)")
	add(e.Pattern, "matching --exclude")
	add(e.Invalid, "invalid in a sitemap")
	return strings.Join(parts, ", ")
}
