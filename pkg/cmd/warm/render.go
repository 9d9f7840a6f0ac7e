package warm

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm"
)

// maxListed bounds the URLs listed one by one on stderr; the rest are counted.
const maxListed = 20

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

// rowWriter prints one row per request as it arrives, so a long warm
// holds no rows (issue 9, #16): on a terminal aligned under a header, with
// the URL column as wide as the longest URL read when the first row is
// printed and the others as wide as their usual values (a longer one
// shifts only its own row: URLs are warmed while they are read, so the
// longest is not known in advance); piped, tab-separated without a header,
// buffered.
type rowWriter struct {
	w        *bufio.Writer
	tty      bool
	widths   []int
	urlWidth func() int
}

func newRowWriter(io *iostreams.IOStreams, urlWidth func() int) *rowWriter {
	return &rowWriter{w: bufio.NewWriter(io.Out), tty: io.IsStdoutTTY(), urlWidth: urlWidth}
}

// header prints the terminal header once, before the first row.
func (t *rowWriter) header() {
	if !t.tty || t.widths != nil {
		return
	}
	//                     URL  DEVICE STATUS CACHE("REVALIDATED") AGE COLO MS
	t.widths = []int{max(len("URL"), t.urlWidth()), 7, 6, 11, 5, 4, 5}
	t.line("URL", "DEVICE", "STATUS", "CACHE", "AGE", "COLO", "MS", "NOTE")
}

func (t *rowWriter) Row(r warm.Result) {
	t.header()
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
	t.line(r.URL, string(r.Device), status, cache, strconv.Itoa(r.Age), orDash(r.Colo), strconv.FormatInt(r.MS, 10), note)
}

func (t *rowWriter) line(cells ...string) {
	if !t.tty {
		t.w.WriteString(strings.Join(cells, "\t"))
		t.w.WriteByte('\n')
		return
	}
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(t.widths) {
			b.WriteString(strings.Repeat(" ", max(0, t.widths[i]-utf8.RuneCountInString(c))+2))
		}
	}
	t.w.WriteString(strings.TrimRight(b.String(), " "))
	t.w.WriteByte('\n')
	t.w.Flush() // a person is watching
}

// Close flushes what is buffered and returns the first write error.
func (t *rowWriter) Close() error {
	t.header()
	return t.w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runSummary is what the text summary of a warm needs besides warm.Summary.
type runSummary struct {
	urls, devices, planned, duplicates int
	excluded                           warm.Excluded
	duration                           time.Duration
	interrupted                        bool
}

func (o *WarmOptions) printSummary(r runSummary, sum warm.Summary) {
	w := o.IO.ErrOut
	t := o.IO.ErrTheme()
	if o.IO.IsQuiet() && sum.Failed == 0 {
		return
	}
	mark := t.Success.Render("✓")
	if sum.Failed > 0 || r.interrupted {
		mark = t.Error.Render("✗")
	}
	fmt.Fprintf(w, "%s Warmed %d URL(s) × %d device(s): %d of %d requests answered in %s",
		mark, r.urls, r.devices, sum.Requested-sum.Failed, r.planned, r.duration.Round(time.Millisecond))
	fmt.Fprintf(w, " (%s)\n", StatusCounts(sum.ByCacheStatus))
	if n := r.excluded.Total(); n > 0 {
		fmt.Fprintf(w, "  skipped %d URL(s): %s\n", n, excludedText(r.excluded))
	}
	if r.duplicates > 0 {
		fmt.Fprintf(w, "  %d duplicate URL(s) dropped\n", r.duplicates)
	}
	PrintSummary(o.IO, sum)
}

// PrintSummary lists on stderr the URLs that are not cacheable and the
// requests that failed, the first maxListed of each and a count of the rest.
func PrintSummary(io *iostreams.IOStreams, sum warm.Summary) {
	w := io.ErrOut
	t := io.ErrTheme()
	if sum.NotCacheableCount > 0 && !io.IsQuiet() {
		fmt.Fprintf(w, "%s %d URL(s) answered DYNAMIC or BYPASS: Cloudflare does not cache them (usually no cache rule makes them eligible):\n", t.Warning.Render("!"), sum.NotCacheableCount)
		listSome(w, sum.NotCacheable, sum.NotCacheableCount, func(s string) string { return "  " + s })
	}
	if sum.Failed > 0 {
		var failed []string
		for _, r := range sum.FailedSample {
			failed = append(failed, fmt.Sprintf("  %s %s (%s): %s", t.Error.Render("failed:"), r.URL, r.Device, r.Reason()))
		}
		listSome(w, failed, sum.Failed, func(s string) string { return s })
	}
}

// listSome prints the first maxListed of lines, then how many of total
// are not shown.
func listSome(w interface{ Write([]byte) (int, error) }, lines []string, total int, f func(string) string) {
	for i, l := range lines {
		if i == maxListed {
			break
		}
		fmt.Fprintln(w, f(l))
	}
	if shown := min(len(lines), maxListed); total > shown {
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
