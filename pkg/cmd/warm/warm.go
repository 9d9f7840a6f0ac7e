// Package warm implements `cfcache warm`. What it shares with the warm
// and verify steps of `cfcache purge url --warm/--verify` (running a warm
// with progress, listing its results) is in pkg/warm/warmrender.
package warm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/input"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmrender"
)

// WarmOptions are the parsed inputs of `cfcache warm`.
type WarmOptions struct {
	IO   *iostreams.IOStreams
	JSON bool
	Ctx  context.Context

	Args            []string
	Files           []string
	Sitemaps        []string
	Devices         []string
	Concurrency     int
	Rate            float64
	Excludes        []string
	Keep            []string
	Head            bool
	FollowRedirects bool
	Timeout         time.Duration
	MaxURLs         int
	OriginURL       string

	// SiteClient makes the requests (Factory.SiteClient).
	SiteClient func() (*http.Client, error)
	Now        func() time.Time
	// Verbose lists every invalid item instead of the first input.MaxShown.
	Verbose bool
}

// The JSON document of a warm is written as the run goes (warmRun), so
// that memory does not grow with the number of URLs (issue 9, #16): URLs
// are warmed while they are read, so the document starts with "devices",
// then "results" one by one in the order they complete, then the summary
// ("requested", "by_cache_status", "not_cacheable", "not_cacheable_count",
// "failed", "duration_ms", "interrupted") and what only the end of the
// input tells ("urls", "duplicates_dropped", "excluded", "truncated",
// "input_errors", "sitemap_errors"). Every key of the contract
// (interface.md, warm -o json) is there; only their order differs from a
// document built at the end, which JSON parsers ignore.

// NewCmdWarm builds the command; runF replaces the run in tests.
func NewCmdWarm(f *cmdutil.Factory, runF func(*WarmOptions) error) *cobra.Command {
	opts := &WarmOptions{IO: f.IOStreams, SiteClient: f.SiteClient, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "warm [URL...] [-f FILE|-] [--sitemap URL]...",
		Short: "Fill the cache by requesting URLs, and report what Cloudflare cached",
		Long: `Request each URL once per device type, as a visitor would, so the next
visitors get cache hits (a "preload"), and report for every request the
status, CF-Cache-Status, Age, the data centre from CF-Ray and the time.

URLs come from arguments, files (-f FILE, -f - for stdin; one per line, #
comments and blank lines skipped) and XML sitemaps (--sitemap URL,
repeatable): sitemap indexes are followed (at most 3 levels, --max-urls URLs
in all), gzipped sitemaps are read as is, and every sitemap is streamed.
Exact duplicates are dropped.

Like WP Rocket's preload, URLs with a query string, pagination pages
(/page/N/) and "__trashed" posts are skipped; --keep query,pagination,trashed
(or all) keeps them, and --exclude REGEX (repeatable) skips more. How many
were skipped and why is reported.

Devices: --device desktop,mobile,tablet or all (default desktop,mobile) picks
a current Chrome User-Agent for each, which Cloudflare classifies as that
device type: with "cache by device type" each has its own cache entry.

Requests: GET (HEAD with --head, which Cloudflare also caches from), at most
--concurrency at once and --rate per second, each bounded by --timeout.
Redirects are reported (status 3xx and where to), not followed, unless
--follow-redirects. --origin-url sends every request to another origin under
the same Host (a staging server; like curl --connect-to).

Output: a table on a terminal, tab-separated values when piped, or -o json,
each written as requests complete (rows and "results" in completion order;
the JSON summary keys follow "results", and the document is closed even
when the warm is interrupted).
On stderr: a count by cache status, and the URLs answered 2xx but DYNAMIC or
BYPASS, which usually means no cache rule makes them eligible.

No Cloudflare credentials are needed: only the site's URLs are requested.
Bad input (an invalid URL, regular expression or device, or no URLs at all)
is refused before any request (exit 2). Exit 0 when every request got an
answer (any status below 500), 3 when some failed (network error, timeout,
5xx, or a sitemap that could not be read), 1 when all failed, 130 on Ctrl-C
after reporting what was done.`,
		Example: `  cfcache warm https://example.com/ https://example.com/about/
  cfcache warm --sitemap https://example.com/sitemap_index.xml --device all
  cfcache warm -f urls.txt --concurrency 4 --rate 10 --exclude '/wp-admin/'
  cfcache warm --sitemap https://example.com/sitemap.xml -o json | jq '.not_cacheable'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Args = args
			opts.JSON = f.OutputJSON()
			opts.Verbose = f.Verbose
			if runF != nil {
				return runF(opts)
			}
			return warmRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&opts.Files, "file", "f", nil, "read URLs from `FILE`, one per line (- for stdin; repeatable)")
	fl.StringArrayVar(&opts.Sitemaps, "sitemap", nil, "read URLs from the XML sitemap or sitemap index at `URL` (repeatable)")
	fl.StringSliceVar(&opts.Devices, "device", nil, "device types to warm: desktop, mobile, tablet or all (default desktop,mobile)")
	fl.IntVar(&opts.Concurrency, "concurrency", warm.DefaultConcurrency, "requests in flight at once")
	fl.Float64Var(&opts.Rate, "rate", 0, "requests started per second at most (0: no limit)")
	fl.StringArrayVar(&opts.Excludes, "exclude", nil, "skip URLs matching `REGEX` (Go syntax, anywhere in the URL; repeatable)")
	fl.StringSliceVar(&opts.Keep, "keep", nil, "keep URLs a default exclusion would skip: query, pagination, trashed or all")
	fl.BoolVar(&opts.Head, "head", false, "send HEAD instead of GET")
	fl.BoolVar(&opts.FollowRedirects, "follow-redirects", false, "follow redirects instead of reporting them")
	fl.DurationVar(&opts.Timeout, "timeout", warm.DefaultTimeout, "time allowed for one request, body included")
	fl.IntVar(&opts.MaxURLs, "max-urls", warm.DefaultMaxURLs, "stop reading sitemaps after `N` URLs")
	fl.StringVar(&opts.OriginURL, "origin-url", "", "send every request to `URL` (scheme://host:port), keeping each URL's Host header")
	// Checked by warm.ParseDevices (purge.ParseDevice's words), completed
	// from the same list.
	_ = cmd.RegisterFlagCompletionFunc("device", cmdutil.ListCompletion(purge.DeviceValues(true)))
	_ = cmd.RegisterFlagCompletionFunc("keep", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"query", "pagination", "trashed", "all"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// settings are the flag values once checked.
type settings struct {
	devices  []warm.Device
	excluder *warm.Excluder
	client   *http.Client
}

// check validates every flag before anything is read or sent.
func (o *WarmOptions) check() (settings, error) {
	var s settings
	var err error
	if s.devices, err = warm.ParseDevices(o.Devices); err != nil {
		return s, &cmdutil.FlagError{Err: err}
	}
	if err := cmdutil.CheckFloat("rate", o.Rate, 0, math.Inf(1)); err != nil {
		return s, err
	}
	switch {
	case cmdutil.AtLeast("concurrency", o.Concurrency, 1) != nil:
		return s, cmdutil.AtLeast("concurrency", o.Concurrency, 1)
	case cmdutil.DurationPositive("timeout", o.Timeout) != nil:
		return s, cmdutil.DurationPositive("timeout", o.Timeout)
	case cmdutil.AtLeast("max-urls", o.MaxURLs, 1) != nil:
		return s, cmdutil.AtLeast("max-urls", o.MaxURLs, 1)
	}
	if s.excluder, err = warm.NewExcluder(o.Keep, o.Excludes); err != nil {
		return s, &cmdutil.FlagError{Err: err}
	}
	s.client, err = warmrender.Client(o.SiteClient, o.OriginURL)
	if err != nil {
		return s, err
	}
	for _, sm := range o.Sitemaps {
		if reason := warm.Check(sm); reason != "" {
			return s, cmdutil.FlagErrorf("--sitemap %s: %s", sm, reason)
		}
	}
	if len(o.Args) == 0 && len(o.Files) == 0 && len(o.Sitemaps) == 0 {
		return s, cmdutil.FlagErrorf("no URLs: give them as arguments, with -f FILE (-f - for stdin) or --sitemap URL")
	}
	return s, nil
}

func warmRun(o *WarmOptions) error {
	s, err := o.check()
	if err != nil {
		return err
	}
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	// Arguments and files are checked whole before anything is sent (bad
	// input: exit 2, nothing requested); they are read again, as the
	// sitemaps are, while the workers warm (issue 9, #16).
	replay, err := o.readInputs()
	if err != nil {
		return err
	}
	// The feed's context ends with the run, so the reader never waits on
	// workers that are gone.
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	col := warm.NewCollector(s.excluder)
	feed := warm.NewFeed(feedCtx, col, s.devices, o.Concurrency)
	var sm warm.SitemapStats
	var inputErrs []error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer feed.Close()
		inputErrs = replay(feed)
		if len(o.Sitemaps) > 0 && feedCtx.Err() == nil {
			sm = warm.ReadSitemaps(feedCtx, warm.SitemapConfig{Client: s.client, UserAgent: build.UserAgent(), MaxURLs: o.MaxURLs},
				o.Sitemaps, func(u string) { feed.Add(u) })
		}
	}()
	if len(o.Sitemaps) > 0 {
		o.IO.Status("Reading %d sitemap(s), warming their URLs as they are read…", len(o.Sitemaps))
	}

	// The report starts with the first result: a run that warms nothing
	// (everything excluded) writes none and ends with an error, as before
	// any request.
	var js *cmdutil.JSONStream
	var rows *rowWriter
	begin := func() {
		switch {
		case !o.JSON && rows == nil:
			rows = newRowWriter(o.IO, feed.Width)
		case o.JSON && js == nil:
			js = cmdutil.NewJSONStream(o.IO.Out)
			devices := make([]string, 0, len(s.devices))
			for _, d := range s.devices {
				devices = append(devices, string(d))
			}
			js.Field("devices", devices)
			js.BeginArray("results")
		}
	}
	z := warm.NewSummarizer()
	st := warmrender.ExecuteFeed(feedCtx, o.IO, warm.Config{
		Client:          s.client,
		FollowRedirects: o.FollowRedirects,
		Head:            o.Head,
		Concurrency:     o.Concurrency,
		Rate:            o.Rate,
		Timeout:         o.Timeout,
		Now:             o.Now,
	}, feed, "warm", func(urlIndex int, r warm.Result) {
		begin()
		z.Add(urlIndex, r)
		if js != nil {
			js.Elem(r)
		} else {
			rows.Row(r)
		}
	})
	stopFeed()
	<-readDone
	st.Interrupted = ctx.Err() != nil

	for _, e := range inputErrs {
		o.IO.Warn("%s", e)
	}
	for _, e := range sm.Errors {
		o.IO.Warn("%s", e)
	}
	if sm.Truncated {
		o.IO.Warn("stopped reading sitemaps at --max-urls %d URLs", o.MaxURLs)
	}
	if col.Kept == 0 {
		switch {
		case st.Interrupted:
			return &cmdutil.CancelError{Err: fmt.Errorf("stopped while reading the input; nothing was warmed")}
		case len(inputErrs) > 0:
			return fmt.Errorf("no URLs to warm: %d file(s) and %d sitemap(s) could not be read", len(inputErrs), len(sm.Errors))
		case len(sm.Errors) > 0:
			return fmt.Errorf("no URLs to warm: %d sitemap(s) could not be read", len(sm.Errors))
		}
		return cmdutil.ValidationErrorf("no URLs left to warm: all %d were excluded (%s); nothing was requested", col.Excluded.Total(), excludedText(col.Excluded))
	}
	begin()
	run := runSummary{urls: col.Kept, devices: len(s.devices), planned: col.Kept * len(s.devices),
		excluded: col.Excluded, duplicates: col.Duplicates, duration: st.Duration, interrupted: st.Interrupted}
	sum := z.Summary()
	var werr error
	if js != nil {
		js.Field("requested", sum.Requested)
		js.Field("by_cache_status", sum.ByCacheStatus)
		js.Field("not_cacheable", sum.NotCacheable)
		js.Field("not_cacheable_count", sum.NotCacheableCount)
		js.Field("failed", sum.Failed)
		js.Field("duration_ms", st.Duration.Milliseconds())
		if st.Interrupted {
			js.Field("interrupted", true)
		}
		js.Field("urls", run.urls)
		js.Field("duplicates_dropped", run.duplicates)
		js.Field("excluded", run.excluded)
		if sm.Truncated {
			js.Field("truncated", true)
		}
		// A file that failed while it was read again is not a sitemap's
		// error: each has its key, so a script can tell them apart.
		if len(inputErrs) > 0 {
			js.Field("input_errors", errorTexts(inputErrs))
		}
		if len(sm.Errors) > 0 {
			js.Field("sitemap_errors", errorTexts(sm.Errors))
		}
		werr = js.Close()
	} else {
		werr = rows.Close()
	}
	o.printSummary(run, sum)
	if werr != nil {
		return fmt.Errorf("writing the report: %w", werr)
	}
	return outcome(st, sum, len(sm.Errors)+len(inputErrs))
}

// readInputs reads and validates every argument and file line; invalid ones
// are listed as SOURCE:LINE: ITEM: REASON (the first input.MaxShown unless
// -v), and then nothing is sent. Of a regular file it keeps nothing but the
// name: replay reads it again, handing each URL to the feed, while the warm
// runs. Anything else given with -f (stdin, a pipe, a FIFO, /dev/fd/N from
// a shell's <(...)) is empty the second time, so its valid URLs are kept,
// as bytes (about the size of that input).
func (o *WarmOptions) readInputs() (replay func(*warm.Feed) []error, err error) {
	sources, closeAll, err := input.Open(o.IO.In, o.Args, o.Files, "URLs")
	if err != nil {
		return nil, err
	}
	defer closeAll()
	items := &input.ItemPrinter{IO: o.IO, Verbose: o.Verbose}
	defer items.Finish()
	check := func(in purge.Input, keep func(string)) (read, invalid int, err error) {
		r := purge.NewReader(in, purge.KindURL, 0)
		for r.Scan() {
			it := r.Item()
			read++
			reason := it.Reason
			if reason == "" {
				reason = warm.Check(it.Value)
			}
			if reason != "" {
				invalid++
				items.Invalid(&purge.ItemError{Source: it.Source, Line: it.Line, Item: it.Value, Reason: reason})
				continue
			}
			if keep != nil {
				keep(it.Value)
			}
		}
		if err := r.Err(); err != nil {
			var nt *purge.NotTextError
			if errors.As(err, &nt) {
				return read, invalid, cmdutil.ValidationErrorf("%v; nothing was requested", err) // names the file already
			}
			return read, invalid, cmdutil.ValidationErrorf("reading %s: %v; nothing was requested", in.Source, err)
		}
		return read, invalid, nil
	}
	// kept[i] holds the valid URLs of sources[i] when it can be read once.
	kept := make([][]byte, len(sources))
	invalid, read := 0, 0
	for i, src := range sources {
		var keep func(string)
		if src.Name != "" && !src.Rereadable {
			keep = func(u string) { kept[i] = append(append(kept[i], u...), '\n') }
		}
		n, bad, err := check(src.Input, keep)
		if err != nil {
			return nil, err
		}
		read, invalid = read+n, invalid+bad
	}
	items.Finish()
	if invalid > 0 {
		return nil, cmdutil.ValidationErrorf("%d of %d URLs are invalid (listed above); nothing was requested", invalid, read)
	}
	if read == 0 && len(o.Sitemaps) == 0 {
		return nil, cmdutil.FlagErrorf("no URLs in the input (blank lines and # comments are skipped); nothing was requested")
	}
	return func(feed *warm.Feed) []error {
		var errs []error
		// feedAll hands every item to the feed in input order; an item
		// that has become invalid since it was checked (the file changed)
		// is counted as excluded, invalid.
		feedAll := func(in purge.Input) bool {
			r := purge.NewReader(in, purge.KindURL, 0)
			for r.Scan() {
				it := r.Item()
				if it.Reason != "" {
					feed.Invalid()
					continue
				}
				if !feed.Add(it.Value) {
					return false
				}
			}
			if err := r.Err(); err != nil {
				errs = append(errs, fmt.Errorf("reading %s: %w", in.Source, err))
			}
			return true
		}
		for i, src := range sources {
			var more bool
			switch {
			case src.Name == "":
				more = feedAll(purge.ArgsInput(o.Args))
			case !src.Rereadable:
				more = feedAll(purge.FileInput(src.Source, bytes.NewReader(kept[i])))
			default:
				in, f, err := src.Reopen()
				if err != nil {
					errs = append(errs, fmt.Errorf("reading %s: %w", src.Name, err))
					continue
				}
				more = feedAll(in)
				f.Close()
			}
			if !more {
				return errs
			}
		}
		return errs
	}, nil
}

func errorTexts[E error](errs []E) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// outcome maps a warm to the exit codes documented in Long.
func outcome(out warm.Stats, sum warm.Summary, sitemapErrors int) error {
	switch {
	case out.Interrupted:
		return &cmdutil.CancelError{Err: fmt.Errorf("stopped after %d requests", sum.Requested)}
	case sum.Requested > 0 && sum.Failed == sum.Requested:
		return cmdutil.Reported(errors.New("every request failed"))
	case sum.Failed > 0 || sitemapErrors > 0:
		return cmdutil.Reported(&cmdutil.PartialError{Err: errors.New("some requests failed")})
	}
	return nil
}
