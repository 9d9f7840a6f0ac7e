package warm

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmrender"
)

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
	fmt.Fprintf(w, " (%s)\n", warmrender.StatusCounts(sum.ByCacheStatus))
	if n := r.excluded.Total(); n > 0 {
		fmt.Fprintf(w, "  skipped %d URL(s): %s\n", n, excludedText(r.excluded))
	}
	if r.duplicates > 0 {
		fmt.Fprintf(w, "  %d duplicate URL(s) dropped\n", r.duplicates)
	}
	warmrender.PrintSummary(o.IO, sum)
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
