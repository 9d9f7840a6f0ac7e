package warm_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
)

func TestUserAgentsClassifyAsTheirDevice(t *testing.T) {
	for _, d := range warm.AllDevices() {
		if got := warm.ClassifyUserAgent(d.UserAgent()); got != d {
			t.Errorf("%s user agent classifies as %s: %s", d, got, d.UserAgent())
		}
	}
	// Cloudflare's expressions on well-known strings.
	cases := map[string]warm.Device{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1": warm.Mobile,
		"Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1":          warm.Tablet,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15":                   warm.Desktop,
		"curl/8.5.0": warm.Desktop,
	}
	for ua, want := range cases {
		if got := warm.ClassifyUserAgent(ua); got != want {
			t.Errorf("%q → %s, want %s", ua, got, want)
		}
	}
}

func TestParseDevices(t *testing.T) {
	got, err := warm.ParseDevices([]string{"mobile,desktop", "MOBILE"})
	if err != nil || fmt.Sprint(got) != "[mobile desktop]" {
		t.Fatalf("got %v, %v", got, err)
	}
	if got, _ := warm.ParseDevices(nil); fmt.Sprint(got) != "[desktop mobile]" {
		t.Fatalf("default %v", got)
	}
	if got, _ := warm.ParseDevices([]string{"all"}); len(got) != 3 {
		t.Fatalf("all %v", got)
	}
	if _, err := warm.ParseDevices([]string{"phone"}); err == nil || !strings.Contains(err.Error(), `"phone"`) {
		t.Fatalf("want an error naming phone, got %v", err)
	}
}

func TestExclusions(t *testing.T) {
	ex, err := warm.NewExcluder(nil, []string{`/private/`, `\.pdf$`})
	if err != nil {
		t.Fatal(err)
	}
	c := warm.NewCollector(ex)
	var kept []string
	for _, u := range []string{
		"https://example.com/", "https://example.com/?utm=1", "https://example.com/a?",
		"https://example.com/blog/page/3/", "https://example.com/blog/page/3", "https://example.com/page-about/",
		"https://example.com/x__trashed/", "https://example.com/private/a", "https://example.com/f.pdf",
		"https://example.com/", "ftp://example.com/x",
	} {
		if i, ok := c.Add(u); ok {
			if i != len(kept) {
				t.Fatalf("%s kept as %d, want %d", u, i, len(kept))
			}
			kept = append(kept, u)
		}
	}
	want := warm.Excluded{Query: 2, Pagination: 2, Trashed: 1, Pattern: 2, Invalid: 1}
	if c.Excluded != want || c.Duplicates != 1 {
		t.Fatalf("excluded %+v dup %d, want %+v dup 1", c.Excluded, c.Duplicates, want)
	}
	if fmt.Sprint(kept) != "[https://example.com/ https://example.com/page-about/]" || c.Kept != 2 {
		t.Fatalf("kept %v (%d)", kept, c.Kept)
	}

	keep, _ := warm.NewExcluder([]string{"query,pagination"}, nil)
	c = warm.NewCollector(keep)
	c.Add("https://example.com/?p=1")
	c.Add("https://example.com/page/2/")
	c.Add("https://example.com/x__trashed/")
	if c.Kept != 2 || c.Excluded.Trashed != 1 {
		t.Fatalf("--keep query,pagination: kept %d, excluded %+v", c.Kept, c.Excluded)
	}

	if _, err := warm.NewExcluder([]string{"cookies"}, []string{"(", "a["}); err == nil ||
		!strings.Contains(err.Error(), "cookies") || !strings.Contains(err.Error(), `"("`) || !strings.Contains(err.Error(), `"a["`) {
		t.Fatalf("every bad value should be reported: %v", err)
	}
}

func locs(t *testing.T, doc []byte) (pages, maps []string, err error) {
	t.Helper()
	err = warm.ParseSitemap(bytes.NewReader(doc), 0, func(k warm.LocKind, loc string) bool {
		if k == warm.LocPage {
			pages = append(pages, loc)
		} else {
			maps = append(maps, loc)
		}
		return true
	})
	return
}

func TestParseSitemap(t *testing.T) {
	urlset := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc> https://example.com/a?x=1&amp;y=2 </loc><image:image><image:loc>https://example.com/i.png</image:loc></image:image></url>
  <url><loc><![CDATA[https://example.com/b]]></loc></url>
</urlset>`)
	pages, maps, err := locs(t, urlset)
	if err != nil || fmt.Sprint(pages) != "[https://example.com/a?x=1&y=2 https://example.com/b]" || maps != nil {
		t.Fatalf("urlset: %v %v %v", pages, maps, err)
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(urlset)
	zw.Close()
	if pages, _, err := locs(t, gz.Bytes()); err != nil || len(pages) != 2 {
		t.Fatalf("gzip: %v %v", pages, err)
	}

	index := []byte(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://example.com/s1.xml</loc></sitemap></sitemapindex>`)
	if pages, maps, err := locs(t, index); err != nil || pages != nil || fmt.Sprint(maps) != "[https://example.com/s1.xml]" {
		t.Fatalf("index: %v %v %v", pages, maps, err)
	}

	if _, _, err := locs(t, []byte("<html><body>Not found</body></html>")); err == nil || !strings.Contains(err.Error(), "not a sitemap") {
		t.Fatalf("html: %v", err)
	}
	if _, _, err := locs(t, urlset[:len(urlset)-20]); err == nil {
		t.Fatal("a truncated document should be an error")
	}
	err = warm.ParseSitemap(bytes.NewReader(urlset), 100, func(warm.LocKind, string) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "50 MB") {
		t.Fatalf("size bound: %v", err)
	}
}

func TestReadSitemapsFromOrigin(t *testing.T) {
	_, srv := warmtest.Start(t)
	cfg := warm.SitemapConfig{Client: srv.Client()}
	var got []string
	st := warm.ReadSitemaps(context.Background(), cfg, []string{srv.URL + "/sitemap_index.xml", srv.URL + "/sitemap-loop.xml"}, func(l string) { got = append(got, strings.TrimPrefix(l, srv.URL)) })
	// The loop lists itself and the posts sitemap, both already read.
	if fmt.Sprint(got) != "[/post/1/ /post/2/ /post/3/ /page-a/ /page-b/]" || len(st.Errors) != 0 || st.Documents != 4 {
		t.Fatalf("got %v, stats %+v", got, st)
	}

	st = warm.ReadSitemaps(context.Background(), warm.SitemapConfig{Client: srv.Client(), MaxURLs: 2}, []string{srv.URL + "/sitemap-posts.xml"}, func(string) {})
	if !st.Truncated || st.URLs != 2 {
		t.Fatalf("MaxURLs: %+v", st)
	}
	st = warm.ReadSitemaps(context.Background(), warm.SitemapConfig{Client: srv.Client(), MaxDepth: 1}, []string{srv.URL + "/sitemap-loop.xml"}, func(string) {})
	if len(st.Errors) != 0 {
		t.Fatalf("depth 1 is enough for an index: %v", st.Errors)
	}
	st = warm.ReadSitemaps(context.Background(), warm.SitemapConfig{Client: srv.Client()}, []string{srv.URL + "/dynamic/nope.xml", srv.URL + "/error/x.xml"}, func(string) {})
	if len(st.Errors) != 2 || !strings.Contains(st.Errors[1].Error(), "HTTP 503") || !strings.Contains(st.Errors[0].Error(), "not a sitemap") {
		t.Fatalf("errors: %v", st.Errors)
	}
}

func TestReadSitemapsDepthBound(t *testing.T) {
	// An index of an index of an index…: each level is a new URL.
	mux := http.NewServeMux()
	mux.HandleFunc("/idx/{n}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<sitemapindex><sitemap><loc>/idx/%s0</loc></sitemap></sitemapindex>`, r.PathValue("n"))
	})
	srv := httptestServer(t, mux)
	st := warm.ReadSitemaps(context.Background(), warm.SitemapConfig{Client: srv.Client(), MaxDepth: 2}, []string{srv.URL + "/idx/1"}, func(string) {})
	if st.Documents != 3 || len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Error(), "deeper than 2") {
		t.Fatalf("%+v %v", st, st.Errors)
	}
}

func TestRunSendsEachDeviceUserAgent(t *testing.T) {
	o, srv := warmtest.Start(t)
	urls := []string{srv.URL + "/a", srv.URL + "/b"}
	out := warm.Run(context.Background(), warm.Config{Client: srv.Client()}, warm.Targets(urls, warm.AllDevices()))
	if len(out.Results) != 6 || out.Interrupted {
		t.Fatalf("%+v", out)
	}
	for _, p := range []string{"/a", "/b"} {
		seen := o.Seen(p)
		sort.Strings(seen)
		var want []string
		for _, d := range warm.AllDevices() {
			want = append(want, d.UserAgent())
		}
		sort.Strings(want)
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("%s saw %q", p, seen)
		}
	}
	for _, r := range out.Results {
		if r.Status != 200 || r.CacheStatus != "MISS" || r.Colo != warmtest.Colo {
			t.Errorf("first pass: %+v", r)
		}
	}
	// Second pass: every URL × device is now a HIT.
	out = warm.Run(context.Background(), warm.Config{Client: srv.Client()}, warm.Targets(urls, warm.AllDevices()))
	if s := warm.Summarize(out.Results); s.ByCacheStatus["HIT"] != 6 {
		t.Fatalf("second pass %+v", s)
	}
}

func TestConcurrencyIsBoundedAndUsed(t *testing.T) {
	for _, n := range []int{1, 4, 16} {
		o, srv := warmtest.Start(t)
		// Long enough that all n requests are in flight together even on a
		// busy machine under -race; the upper bound holds whatever the timing.
		o.Latency = 250 * time.Millisecond
		var urls []string
		for i := range 3 * n {
			urls = append(urls, fmt.Sprintf("%s/p/%d", srv.URL, i))
		}
		out := warm.Run(context.Background(), warm.Config{Client: srv.Client(), Concurrency: n}, warm.Targets(urls, []warm.Device{warm.Desktop}))
		if len(out.Results) != 3*n {
			t.Fatalf("n=%d: %d results", n, len(out.Results))
		}
		if got := o.Peak(); got != n {
			t.Errorf("concurrency %d: origin saw at most %d in flight", n, got)
		}
	}
}

func TestRateIsBounded(t *testing.T) {
	o, srv := warmtest.Start(t)
	var urls []string
	for i := range 21 {
		urls = append(urls, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	const rate = 50.0
	start := time.Now()
	warm.Run(context.Background(), warm.Config{Client: srv.Client(), Concurrency: 8, Rate: rate}, warm.Targets(urls, []warm.Device{warm.Desktop}))
	took := time.Since(start)
	if n := len(o.Starts()); n != len(urls) {
		t.Fatalf("%d requests arrived, want %d", n, len(urls))
	}
	// 21 requests at 50/s are 20 intervals of 20 ms: the run cannot end
	// before 400 ms. Measured around the run, on the monotonic clock, a
	// busy machine only makes it longer; arrival times at the origin were
	// measured before and failed under load (the first request, which also
	// opens the connection, arrived late and shortened the span). Even
	// spacing is checked on the pacer's schedule (TestPacerSpacesSlots).
	if min := time.Duration(float64(len(urls)-1) / rate * float64(time.Second)); took < min {
		t.Fatalf("21 requests took %v, want ≥ %v at %v/s", took, min, rate)
	}
}

func TestRedirectsAreReportedNotFollowed(t *testing.T) {
	o, srv := warmtest.Start(t)
	out := warm.Run(context.Background(), warm.Config{Client: srv.Client()}, []warm.Target{{URL: srv.URL + "/redirect/old/", Device: warm.Desktop}})
	r := out.Results[0]
	if r.Status != 301 || r.Location != "/" || r.Failed() {
		t.Fatalf("%+v", r)
	}
	if len(o.Seen("/")) != 0 {
		t.Fatal("the redirect was followed")
	}
	warm.Run(context.Background(), warm.Config{Client: srv.Client(), FollowRedirects: true}, []warm.Target{{URL: srv.URL + "/redirect/old/", Device: warm.Desktop}})
	if len(o.Seen("/")) != 1 {
		t.Fatal("FollowRedirects did not follow")
	}
}

func TestFailuresHeadAndSummary(t *testing.T) {
	o, srv := warmtest.Start(t)
	targets := []warm.Target{
		{URL: srv.URL + "/ok", Device: warm.Desktop},
		{URL: srv.URL + "/dynamic/cart", Device: warm.Desktop},
		{URL: srv.URL + "/dynamic/cart", Device: warm.Mobile},
		{URL: srv.URL + "/bypass/me", Device: warm.Desktop},
		{URL: srv.URL + "/error/x", Device: warm.Desktop},
		{URL: "http://127.0.0.1:1/closed", Device: warm.Desktop},
	}
	out := warm.Run(context.Background(), warm.Config{Client: srv.Client(), Head: true, Concurrency: 1}, targets)
	s := warm.Summarize(out.Results)
	if s.Requested != 6 || s.Failed != 2 || s.ByCacheStatus["DYNAMIC"] != 3 || s.ByCacheStatus["BYPASS"] != 1 || s.ByCacheStatus["MISS"] != 1 {
		t.Fatalf("%+v", s)
	}
	if fmt.Sprint(s.NotCacheable) != fmt.Sprintf("[%s/bypass/me %s/dynamic/cart]", srv.URL, srv.URL) {
		t.Fatalf("not cacheable %v", s.NotCacheable)
	}
	if m := o.Methods(); m["HEAD"] != 5 || m["GET"] != 0 {
		t.Fatalf("methods %v", m)
	}
	if r := out.Results[5]; r.Status != 0 || r.Error == "" || r.CacheStatus != "" {
		t.Fatalf("closed port: %+v", r)
	}
	if fmt.Sprint(warm.StatusOrder(s.ByCacheStatus)) != "[MISS DYNAMIC BYPASS]" {
		t.Fatalf("order %v", warm.StatusOrder(s.ByCacheStatus))
	}
}

func TestTimeout(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Latency = 2 * time.Second
	out := warm.Run(context.Background(), warm.Config{Client: srv.Client(), Timeout: 50 * time.Millisecond}, []warm.Target{{URL: srv.URL + "/slow", Device: warm.Desktop}})
	if r := out.Results[0]; r.Status != 0 || r.Error != "timed out" {
		t.Fatalf("%+v", r)
	}
}

func TestInterruptStopsAndKeepsWhatFinished(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Latency = 20 * time.Millisecond
	var urls []string
	for i := range 1000 {
		urls = append(urls, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel after the fifth answer rather than after a wall-clock delay, so
	// a busy machine cannot change what the test sees.
	var seen atomic.Int32
	cfg := warm.Config{Client: srv.Client(), Concurrency: 2, OnResult: func(warm.Result) {
		if seen.Add(1) == 5 {
			cancel()
		}
	}}
	out := warm.Run(ctx, cfg, warm.Targets(urls, []warm.Device{warm.Desktop}))
	n := len(out.Results)
	if !out.Interrupted || n < 5 || n >= 100 {
		t.Fatalf("interrupted=%v after %d results", out.Interrupted, n)
	}
	for _, r := range out.Results {
		if r.Status != 200 {
			t.Fatalf("an abandoned request was reported: %+v", r)
		}
	}
}

func TestOriginTransportKeepsTheHost(t *testing.T) {
	o, srv := warmtest.Start(t)
	origin, err := warm.ParseOrigin(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &warm.OriginTransport{Origin: origin}}
	var got []string
	warm.ReadSitemaps(context.Background(), warm.SitemapConfig{Client: client}, []string{"https://example.com/sitemap-posts.xml"}, func(l string) { got = append(got, l) })
	if len(got) != 3 || got[0] != "http://example.com/post/1/" {
		t.Fatalf("locs should name the production host: %v", got)
	}
	out := warm.Run(context.Background(), warm.Config{Client: client}, []warm.Target{{URL: "https://example.com/post/1/", Device: warm.Mobile}})
	if out.Results[0].Status != 200 || len(o.Seen("/post/1/")) != 1 {
		t.Fatalf("%+v", out.Results[0])
	}
	for _, bad := range []string{"example.com", "ftp://x", "http://x/path", "http://"} {
		if _, err := warm.ParseOrigin(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestColoAndCacheStatus(t *testing.T) {
	if warm.Colo("8c1a2b3c4d5e6f70-lhr") != "LHR" || warm.Colo("") != "" || warm.Colo("abc-") != "" {
		t.Fatal("colo")
	}
	h := http.Header{}
	if warm.CacheStatus(h) != "NONE" {
		t.Fatal("absent")
	}
	h.Set("cf-cache-status", "hit")
	if warm.CacheStatus(h) != "HIT" {
		t.Fatal("case")
	}
}

// Streaming: a 50,000-URL sitemap (the protocol's maximum) parses with
// memory that does not depend on its size.
func TestParseSitemapStreamsFiftyThousand(t *testing.T) {
	doc := bigSitemap(50_000)
	n := 0
	if err := warm.ParseSitemap(doc, 0, func(warm.LocKind, string) bool { n++; return true }); err != nil || n != 50_000 {
		t.Fatalf("%d, %v", n, err)
	}
}

func bigSitemap(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range n {
			fmt.Fprintf(pw, "<url><loc>https://example.com/posts/%d/some-longer-slug-for-realism/</loc><lastmod>2026-01-01</lastmod><changefreq>weekly</changefreq></url>\n", i)
		}
		fmt.Fprint(pw, "</urlset>")
		pw.Close()
	}()
	return pr
}

func BenchmarkParseSitemap50k(b *testing.B) {
	var buf bytes.Buffer
	io.Copy(&buf, bigSitemap(50_000))
	doc := buf.Bytes()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := warm.ParseSitemap(bytes.NewReader(doc), 0, func(warm.LocKind, string) bool { return true }); err != nil {
			b.Fatal(err)
		}
	}
}

// A Summarizer keeps counts and bounded lists: a site with no cache rule
// answers DYNAMIC for every page, and the summary must not grow with it
// (issue 9, #16).
func TestSummarizerIsBounded(t *testing.T) {
	const n = 3 * warm.MaxNotCacheable
	z := warm.NewSummarizer()
	for i := n - 1; i >= 0; i-- { // reverse order: the kept ones are the first in sort order, not the first seen
		u := fmt.Sprintf("https://example.com/%05d", i)
		z.Add(i, warm.Result{URL: u, Device: warm.Desktop, Status: 200, CacheStatus: "DYNAMIC"})
		z.Add(i, warm.Result{URL: u, Device: warm.Mobile, Status: 200, CacheStatus: "DYNAMIC"})
		z.Add(i, warm.Result{URL: u, Device: warm.Tablet, Error: "timed out"})
	}
	s := z.Summary()
	if s.Requested != 3*n || s.ByCacheStatus["DYNAMIC"] != 2*n || s.Failed != n {
		t.Fatalf("counts %+v", s.ByCacheStatus)
	}
	if s.NotCacheableCount != n || len(s.NotCacheable) != warm.MaxNotCacheable || len(s.FailedSample) != warm.MaxFailureSample {
		t.Fatalf("count %d, listed %d, failures kept %d", s.NotCacheableCount, len(s.NotCacheable), len(s.FailedSample))
	}
	if !sort.StringsAreSorted(s.NotCacheable) || s.NotCacheable[0] != "https://example.com/00000" ||
		s.NotCacheable[warm.MaxNotCacheable-1] != fmt.Sprintf("https://example.com/%05d", warm.MaxNotCacheable-1) {
		t.Fatalf("listed %s … %s", s.NotCacheable[0], s.NotCacheable[len(s.NotCacheable)-1])
	}
	// Summarize (results in memory) agrees with it.
	if s := warm.Summarize([]warm.Result{{URL: "a", Status: 200, CacheStatus: "BYPASS"}, {URL: "a", Status: 200, CacheStatus: "DYNAMIC"}}); s.NotCacheableCount != 1 || len(s.NotCacheable) != 1 {
		t.Fatalf("%+v", s)
	}
}

// A fed run (Feed, StreamJobs) requests every kept URL once per device with
// the URL's index, keeps the concurrency bound, and a reader blocked on a
// full feed is released by a cancellation.
func TestFeedStreamsJobs(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Latency = 50 * time.Millisecond
	ctx := context.Background()
	col := warm.NewCollector(nil)
	feed := warm.NewFeed(ctx, col, []warm.Device{warm.Desktop, warm.Mobile}, 2)
	go func() {
		defer feed.Close()
		for i := range 12 {
			feed.Add(fmt.Sprintf("%s/p/%d", srv.URL, i%10)) // two duplicates
		}
	}()
	byIndex := map[int][]string{}
	st := warm.StreamJobs(ctx, warm.Config{Client: srv.Client(), Concurrency: 3}, feed.Jobs(), func(i int, r warm.Result) {
		byIndex[i] = append(byIndex[i], r.URL+" "+string(r.Device))
	})
	if st.Done != 20 || col.Kept != 10 || col.Duplicates != 2 || len(byIndex) != 10 {
		t.Fatalf("done %d, kept %d, duplicates %d, indexes %d", st.Done, col.Kept, col.Duplicates, len(byIndex))
	}
	for i, got := range byIndex {
		sort.Strings(got)
		want := fmt.Sprintf("[%s/p/%d desktop %s/p/%d mobile]", srv.URL, i, srv.URL, i)
		if fmt.Sprint(got) != want {
			t.Errorf("index %d: %v, want %s", i, got, want)
		}
	}
	if p := o.Peak(); p > 3 {
		t.Errorf("%d requests in flight, concurrency 3", p)
	}

	// Nobody reads the jobs: the reader blocks on the full channel until
	// the cancellation, and then Add says to stop.
	cctx, cancel := context.WithCancel(ctx)
	feed = warm.NewFeed(cctx, warm.NewCollector(nil), []warm.Device{warm.Desktop}, 1)
	stopped := make(chan int)
	go func() {
		n := 0
		for feed.Add(fmt.Sprintf("%s/q/%d", srv.URL, n)) {
			n++
		}
		stopped <- n
	}()
	cancel()
	if n := <-stopped; n > 1 {
		t.Fatalf("%d URLs were queued on a feed of one", n)
	}
}
