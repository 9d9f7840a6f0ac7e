// Package warm implements `cfcache warm`, and the warm and verify steps
// `cfcache purge url --warm/--verify` run after a purge (Execute,
// PrintSummary).
package warm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/warm"
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

	// Transport carries the requests; nil means a tuned clone of
	// http.DefaultTransport (tests inject theirs).
	Transport http.RoundTripper
	Now       func() time.Time
}

// The JSON document of a warm is written as the run goes (writeJSON), so
// that memory does not grow with the number of URLs (issue 9, #16): first
// what is known before any request ("urls", "devices",
// "duplicates_dropped", "excluded", "truncated", "sitemap_errors"), then
// "results" one by one in the order they complete, then the summary
// ("requested", "by_cache_status", "not_cacheable", "not_cacheable_count",
// "failed", "duration_ms", "interrupted"). Every key of the contract
// (interface.md, warm -o json) is there; only their order differs from a
// document built at the end, which JSON parsers ignore.

// NewCmdWarm builds the command; runF replaces the run in tests.
func NewCmdWarm(f *cmdutil.Factory, runF func(*WarmOptions) error) *cobra.Command {
	opts := &WarmOptions{IO: f.IOStreams, Now: time.Now}
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
	_ = cmd.RegisterFlagCompletionFunc("device", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"desktop", "mobile", "tablet", "all"}, cobra.ShellCompDirectiveNoFileComp
	})
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
	switch {
	case o.Concurrency < 1:
		return s, cmdutil.FlagErrorf("--concurrency must be at least 1")
	case o.Rate < 0:
		return s, cmdutil.FlagErrorf("--rate must not be negative (0: no limit)")
	case o.Timeout <= 0:
		return s, cmdutil.FlagErrorf("--timeout must be positive")
	case o.MaxURLs < 1:
		return s, cmdutil.FlagErrorf("--max-urls must be at least 1")
	}
	if s.excluder, err = warm.NewExcluder(o.Keep, o.Excludes); err != nil {
		return s, &cmdutil.FlagError{Err: err}
	}
	s.client, err = Client(o.Concurrency, o.OriginURL, o.Transport)
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

// Client builds the HTTP client of a warm or verify run from the flags.
func Client(concurrency int, originURL string, transport http.RoundTripper) (*http.Client, error) {
	if originURL == "" {
		return warm.NewClient(concurrency, nil, transport), nil
	}
	origin, err := warm.ParseOrigin(originURL)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	return warm.NewClient(concurrency, origin, transport), nil
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
	col := warm.NewCollector(s.excluder)
	if err := o.readInputs(col); err != nil {
		return err
	}

	var sm warm.SitemapStats
	if len(o.Sitemaps) > 0 {
		o.IO.Status("Reading %d sitemap(s)…", len(o.Sitemaps))
		sm = warm.ReadSitemaps(ctx, warm.SitemapConfig{Client: s.client, UserAgent: build.UserAgent(), MaxURLs: o.MaxURLs}, o.Sitemaps, col.Add)
		if ctx.Err() != nil {
			return &cmdutil.CancelError{Err: fmt.Errorf("stopped while reading sitemaps; nothing was warmed")}
		}
		for _, e := range sm.Errors {
			o.IO.Warn("%s", e)
		}
		if sm.Truncated {
			o.IO.Warn("stopped reading sitemaps at --max-urls %d URLs", o.MaxURLs)
		}
	}
	urls := col.URLs()
	if len(urls) == 0 {
		if len(sm.Errors) > 0 {
			return fmt.Errorf("no URLs to warm: %d sitemap(s) could not be read", len(sm.Errors))
		}
		return cmdutil.ValidationErrorf("no URLs left to warm: all %d were excluded (%s); nothing was requested", col.Excluded.Total(), excludedText(col.Excluded))
	}
	run := runSummary{urls: len(urls), devices: len(s.devices), excluded: col.Excluded, duplicates: col.Duplicates}
	col = nil // its de-duplication set is not needed any more: let it go

	targets := warm.Cross{URLs: urls, Devices: s.devices}
	run.planned = targets.Len()
	var js *cmdutil.JSONStream
	var rows *rowWriter
	if o.JSON {
		js = cmdutil.NewJSONStream(o.IO.Out)
		devices := make([]string, 0, len(s.devices))
		for _, d := range s.devices {
			devices = append(devices, string(d))
		}
		js.Field("urls", run.urls)
		js.Field("devices", devices)
		js.Field("duplicates_dropped", run.duplicates)
		js.Field("excluded", run.excluded)
		if sm.Truncated {
			js.Field("truncated", true)
		}
		if len(sm.Errors) > 0 {
			msgs := make([]string, 0, len(sm.Errors))
			for _, e := range sm.Errors {
				msgs = append(msgs, e.Error())
			}
			js.Field("sitemap_errors", msgs)
		}
		js.BeginArray("results")
	} else {
		rows = newRowWriter(o.IO, urls)
	}
	z := warm.NewSummarizer()
	st := ExecuteStream(ctx, o.IO, warm.Config{
		Client:          s.client,
		FollowRedirects: o.FollowRedirects,
		Head:            o.Head,
		Concurrency:     o.Concurrency,
		Rate:            o.Rate,
		Timeout:         o.Timeout,
		Now:             o.Now,
	}, targets, "warm", func(i int, r warm.Result) {
		z.Add(targets.URLIndex(i), r)
		if js != nil {
			js.Elem(r)
		} else {
			rows.Row(r)
		}
	})
	sum := z.Summary()
	run.duration, run.interrupted = st.Duration, st.Interrupted
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
		werr = js.Close()
	} else {
		werr = rows.Close()
	}
	o.printSummary(run, sum)
	if werr != nil {
		return fmt.Errorf("writing the report: %w", werr)
	}
	return outcome(st, sum, len(sm.Errors))
}

// readInputs reads and validates every argument and file line; invalid ones
// are all listed as SOURCE:LINE: ITEM: REASON, and then nothing is sent.
func (o *WarmOptions) readInputs(col *warm.Collector) error {
	var inputs []purge.Input
	if len(o.Args) > 0 {
		inputs = append(inputs, purge.ArgsInput(o.Args))
	}
	usedStdin := false
	for _, name := range o.Files {
		if name == "-" {
			if usedStdin {
				return cmdutil.FlagErrorf("-f - given twice: stdin can be read once")
			}
			usedStdin = true
			inputs = append(inputs, purge.FileInput("-", o.IO.In))
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return cmdutil.FlagErrorf("cannot read URLs: %s", strings.TrimPrefix(err.Error(), "open "))
		}
		defer f.Close()
		inputs = append(inputs, purge.FileInput(name, f))
	}
	invalid, read := 0, 0
	for _, in := range inputs {
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
				fmt.Fprintln(o.IO.ErrOut, (&purge.ItemError{Source: it.Source, Line: it.Line, Item: it.Value, Reason: reason}).Error())
				continue
			}
			col.Add(it.Value)
		}
		if err := r.Err(); err != nil {
			return cmdutil.ValidationErrorf("reading %s: %v; nothing was requested", in.Source, err)
		}
	}
	if invalid > 0 {
		return cmdutil.ValidationErrorf("%d of %d URLs are invalid (listed above); nothing was requested", invalid, read)
	}
	if read == 0 && len(o.Sitemaps) == 0 {
		return cmdutil.FlagErrorf("no URLs in the input (blank lines and # comments are skipped); nothing was requested")
	}
	return nil
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
