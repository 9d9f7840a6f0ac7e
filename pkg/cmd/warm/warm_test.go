package warm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	var got *WarmOptions
	cmd := NewCmdWarm(f, func(o *WarmOptions) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "https://example.com/", "-f", "a.txt", "--sitemap", "https://example.com/s.xml",
		"--sitemap", "https://example.com/t.xml", "--device", "mobile,tablet", "--concurrency", "3", "--rate", "2.5",
		"--exclude", "/a/", "--exclude", "/b/", "--keep", "query", "--head", "--follow-redirects", "--timeout", "5s",
		"--max-urls", "10", "--origin-url", "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	want := WarmOptions{Args: []string{"https://example.com/"}, Files: []string{"a.txt"}, Sitemaps: []string{"https://example.com/s.xml", "https://example.com/t.xml"},
		Devices: []string{"mobile", "tablet"}, Concurrency: 3, Rate: 2.5, Excludes: []string{"/a/", "/b/"}, Keep: []string{"query"}, Head: true,
		FollowRedirects: true, Timeout: 5 * time.Second, MaxURLs: 10, OriginURL: "http://127.0.0.1:1"}
	g := *got
	if g.SiteClient == nil {
		t.Fatal("no site client from the Factory")
	}
	g.IO, g.Ctx, g.Now, g.SiteClient = nil, nil, nil, nil
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
		t.Fatalf("got  %+v\nwant %+v", g, want)
	}
}

// run runs `cfcache warm args...` and returns the exit code.
func run(t *testing.T, tty bool, stdin string, args ...string) (int, cmdtest.Streams) {
	t.Helper()
	f, st := cmdtest.NewFactory(t, nil, "", tty)
	if strings.HasPrefix(strings.Join(args, " "), "-o json ") {
		f.Settings.Output = "json"
		args = args[2:]
	}
	st.In.WriteString(stdin)
	err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), args...)
	return cmdutil.ExitCode(err), st
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, s)
	}
	return m
}

func TestSources(t *testing.T) {
	o, srv := warmtest.Start(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "urls.txt")
	os.WriteFile(file, []byte("# pages\n"+srv.URL+"/from-file\n\n"+srv.URL+"/\n"), 0o644)
	code, st := run(t, false, srv.URL+"/from-stdin\n", "-o", "json", srv.URL+"/", srv.URL+"/from-arg", "-f", file, "-f", "-",
		"--sitemap", srv.URL+"/sitemap_index.xml", "--device", "desktop")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	want := []string{"/", "/from-arg", "/from-file", "/from-stdin", "/page-a/", "/page-b/", "/post/1/", "/post/2/", "/post/3/"}
	if got := o.Paths(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("origin saw %v\nwant %v", got, want)
	}
	m := decode(t, st.Out.String())
	if m["requested"] != float64(9) || m["duplicates_dropped"] != float64(1) || m["urls"] != float64(9) {
		t.Fatalf("%v", m)
	}
}

func TestExclusionsAreCountedByReason(t *testing.T) {
	o, srv := warmtest.Start(t)
	code, st := run(t, false, "", "-o", "json", "--sitemap", srv.URL+"/sitemap.xml", "--exclude", "/about/$", "--device", "desktop")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	m := decode(t, st.Out.String())
	ex := m["excluded"].(map[string]any)
	if ex["query"] != float64(1) || ex["pagination"] != float64(1) || ex["trashed"] != float64(1) || ex["pattern"] != float64(1) {
		t.Fatalf("excluded %v", ex)
	}
	for _, p := range []string{"/?s=search", "/blog/page/2/", "/old-post__trashed/", "/about/"} {
		if len(o.Seen(p)) != 0 {
			t.Errorf("%s was requested", p)
		}
	}
	if !strings.Contains(st.Err.String(), "skipped 4 URL(s)") {
		t.Errorf("stderr: %s", st.Err.String())
	}
	// --keep all brings the default exclusions back.
	o2, srv2 := warmtest.Start(t)
	run(t, false, "", "--sitemap", srv2.URL+"/sitemap.xml", "--keep", "all", "--device", "desktop")
	if len(o2.Seen("/?s=search")) != 1 || len(o2.Seen("/blog/page/2/")) != 1 {
		t.Fatalf("--keep all: %v", o2.Paths())
	}
}

func TestDevicesUseTheirUserAgent(t *testing.T) {
	o, srv := warmtest.Start(t)
	if code, st := run(t, false, "", srv.URL+"/x", "--device", "all"); code != 0 {
		t.Fatalf("exit %d %s", code, st.Err.String())
	}
	seen := o.Seen("/x")
	sort.Strings(seen)
	want := []string{warm.Desktop.UserAgent(), warm.Mobile.UserAgent(), warm.Tablet.UserAgent()}
	sort.Strings(want)
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("origin saw %q", seen)
	}
	// Default: desktop and mobile.
	run(t, false, "", srv.URL+"/y")
	if s := o.Seen("/y"); len(s) != 2 || warm.ClassifyUserAgent(s[0]) == warm.ClassifyUserAgent(s[1]) {
		t.Fatalf("default devices: %q", s)
	}
}

func TestReportFormats(t *testing.T) {
	_, srv := warmtest.Start(t)
	urls := []string{srv.URL + "/", srv.URL + "/dynamic/cart/", srv.URL + "/redirect/old/"}

	// Piped: TSV, no header, no colour.
	code, st := run(t, false, "", append(urls, "--device", "desktop", "--concurrency", "1")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, st.Err.String())
	}
	lines := strings.Split(strings.TrimSpace(st.Out.String()), "\n")
	if len(lines) != 3 || strings.HasPrefix(lines[0], "URL") {
		t.Fatalf("TSV: %q", st.Out.String())
	}
	if f := strings.Split(lines[0], "\t"); len(f) != 8 || f[1] != "desktop" || f[2] != "200" || f[3] != "MISS" || f[5] != warmtest.Colo {
		t.Fatalf("row %q", f)
	}
	if f := strings.Split(lines[2], "\t"); f[2] != "301" || f[7] != "→ /" {
		t.Fatalf("redirect row %q", f)
	}
	errOut := st.Err.String()
	for _, want := range []string{"Warmed 3 URL(s) × 1 device(s): 3 of 3 requests answered", "1 MISS, 2 DYNAMIC", "DYNAMIC or BYPASS", srv.URL + "/dynamic/cart/"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(st.Out.String()+errOut, "\x1b[") || strings.Contains(errOut, srv.URL+"/redirect/old/\n") {
		t.Errorf("colour off a terminal, or the redirect listed as not cacheable:\n%s", errOut)
	}

	// Terminal: aligned with a header.
	_, st = run(t, true, "", append(urls, "--device", "desktop")...)
	if out := st.Out.String(); !strings.HasPrefix(out, "URL ") || strings.Contains(out, "\t") || !strings.Contains(out, "HIT") {
		t.Fatalf("TTY table:\n%s", out)
	}

	// JSON: the contract's keys, one document.
	_, st = run(t, false, "", append([]string{"-o", "json"}, append(urls, "--device", "desktop,mobile")...)...)
	m := decode(t, st.Out.String())
	for _, k := range []string{"requested", "excluded", "by_cache_status", "not_cacheable", "results"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["requested"] != float64(6) || fmt.Sprint(m["not_cacheable"]) != fmt.Sprintf("[%s/dynamic/cart/]", srv.URL) {
		t.Fatalf("%v", m)
	}
	res := m["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"url", "device", "status", "cache_status", "age", "colo", "ms"} {
		if _, ok := res[k]; !ok {
			t.Errorf("result lacks %q: %v", k, res)
		}
	}
	by := m["by_cache_status"].(map[string]any)
	if by["HIT"] != float64(1) || by["MISS"] != float64(1) || by["DYNAMIC"] != float64(4) {
		t.Fatalf("by_cache_status %v", by)
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	o, srv := warmtest.Start(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte(srv.URL+"/ok\nnot a url\nftp://x/y\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{srv.URL + "/a", "example.com/b"}, "arg:2: example.com/b: not an absolute URL"},
		{[]string{"-f", bad}, bad + ":3: ftp://x/y: scheme ftp not allowed"},
		{[]string{srv.URL + "/a", "--exclude", "(["}, `--exclude "(["`},
		{[]string{srv.URL + "/a", "--device", "phone"}, `--device "phone": not a device type`},
		{[]string{srv.URL + "/a", "--keep", "cookies"}, `--keep "cookies"`},
		{[]string{"--sitemap", "sitemap.xml"}, "--sitemap sitemap.xml"},
		{[]string{srv.URL + "/a", "--origin-url", "localhost:8080"}, "--origin-url"},
		{[]string{srv.URL + "/a", "--concurrency", "0"}, "--concurrency"},
		{[]string{srv.URL + "/a", "--rate", "NaN"}, `--rate "NaN": not a finite number`},
		{[]string{srv.URL + "/a", "--rate", "Inf"}, `--rate "+Inf": not a finite number`},
		{[]string{srv.URL + "/a", "--rate", "-1"}, `--rate "-1": must not be negative`},
		{[]string{}, "no URLs"},
		{[]string{srv.URL + "/?q=1"}, "all 1 were excluded"},
	}
	for _, c := range cases {
		f, st := cmdtest.NewFactory(t, nil, "", false)
		err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), c.args...)
		// Item errors are printed line by line; flag errors are returned.
		if code := cmdutil.ExitCode(err); code != 2 || !strings.Contains(st.Err.String()+err.Error(), c.want) {
			t.Errorf("%v: exit %d, err %v, stderr %q; want 2 and %q", c.args, code, err, st.Err.String(), c.want)
		}
	}
	if n := o.PageRequests(); n != 0 {
		t.Fatalf("%d requests were sent for bad input", n)
	}
}

func TestExitCodes(t *testing.T) {
	_, srv := warmtest.Start(t)
	if code, _ := run(t, false, "", srv.URL+"/a", srv.URL+"/error/b", "--device", "desktop"); code != 3 {
		t.Errorf("some 5xx: exit %d, want 3", code)
	}
	code, st := run(t, false, "", srv.URL+"/error/a", "http://127.0.0.1:1/closed", "--device", "desktop")
	if code != 1 || !strings.Contains(st.Err.String(), "failed:") {
		t.Errorf("all failed: exit %d, want 1\n%s", code, st.Err.String())
	}
	if code, st := run(t, false, "", "--sitemap", srv.URL+"/sitemap-posts.xml", "--sitemap", srv.URL+"/error/sitemap.xml", "--device", "desktop"); code != 3 || !strings.Contains(st.Err.String(), "HTTP 503") {
		t.Errorf("a sitemap failed: exit %d, want 3\n%s", code, st.Err.String())
	}
	if code, _ := run(t, false, "", "--sitemap", srv.URL+"/error/sitemap.xml"); code != 1 {
		t.Errorf("the only sitemap failed: exit %d, want 1", code)
	}
}

func TestInterruptReportsWhatWasDone(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Latency = 20 * time.Millisecond
	var args []string
	for i := range 500 {
		args = append(args, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	f, st := cmdtest.NewFactory(t, nil, "", false)
	f.Settings.Output = "json"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	err := cmdtest.Run(ctx, NewCmdWarm(f, nil), append(args, "--device", "desktop", "--concurrency", "2")...)
	if cmdutil.ExitCode(err) != 130 {
		t.Fatalf("exit %d (%v)", cmdutil.ExitCode(err), err)
	}
	m := decode(t, st.Out.String())
	n := len(m["results"].([]any))
	// How many finished before the cancel depends on the machine's load;
	// what matters is that it stopped early and reported exactly those.
	if m["interrupted"] != true || n >= 500 || n != int(m["requested"].(float64)) {
		t.Fatalf("interrupted=%v with %d results", m["interrupted"], n)
	}
}

func TestOriginURLKeepsProductionURLs(t *testing.T) {
	o, srv := warmtest.Start(t)
	code, st := run(t, false, "", "-o", "json", "https://www.example.com/a", "--origin-url", srv.URL, "--device", "mobile")
	if code != 0 {
		t.Fatalf("exit %d %s", code, st.Err.String())
	}
	if len(o.Seen("/a")) != 1 || !strings.Contains(st.Out.String(), `"url": "https://www.example.com/a"`) {
		t.Fatalf("%v\n%s", o.Paths(), st.Out.String())
	}
}

// lockedBuffer is stdout shared by the command's workers and the origin's
// handler.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// The JSON report is written while the warm runs, not built at its end
// (issue 9, #16: memory must not grow with the number of URLs). With one
// request at a time, when the origin serves the last URL every other result
// has been handed over; 2,999 of them are far more than any output buffer,
// so stdout must already hold most of the document. Holding the results for
// a document written at the end leaves stdout empty at that moment.
func TestJSONIsWrittenWhileRunning(t *testing.T) {
	const n = 3000
	o := warmtest.New()
	out := &lockedBuffer{}
	var writtenBeforeLast atomic.Int64
	writtenBeforeLast.Store(-1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == fmt.Sprintf("/p/%d", n-1) {
			writtenBeforeLast.Store(int64(out.Len()))
		}
		o.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	args := []string{"--device", "desktop", "--concurrency", "1"}
	for i := range n {
		args = append(args, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	f.Settings.Output = "json"
	f.IOStreams.Out = out
	if err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), args...); err != nil {
		t.Fatal(err)
	}
	m := decode(t, out.buf.String())
	if len(m["results"].([]any)) != n || m["requested"] != float64(n) {
		t.Fatalf("%d results, requested %v", len(m["results"].([]any)), m["requested"])
	}
	if w := writtenBeforeLast.Load(); w < int64(out.Len()/2) {
		t.Fatalf("only %d of %d bytes were written before the last request: the report is held in memory", w, out.Len())
	}
}

// URLs are warmed while the sitemap is still being read, not collected
// first (issue 9, #16: holding the whole list made memory grow with the
// number of URLs). The origin sends half a sitemap and then holds the rest
// until it sees a warm request; a warm that reads every URL before
// requesting any never makes one, and the origin gives up after a while
// and finishes the sitemap, so the test fails instead of hanging.
func TestWarmingStartsWhileTheSitemapIsRead(t *testing.T) {
	o := warmtest.New()
	warmed := make(chan struct{})
	var once sync.Once
	var warmedBeforeEnd atomic.Bool
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slow-sitemap.xml" {
			once.Do(func() { close(warmed) })
			o.ServeHTTP(w, r)
			return
		}
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range 50 {
			fmt.Fprintf(w, "<url><loc>%s/p/%d</loc></url>", srv.URL, i)
		}
		w.(http.Flusher).Flush()
		select {
		case <-warmed:
			warmedBeforeEnd.Store(true)
		case <-time.After(20 * time.Second):
		case <-r.Context().Done():
		}
		for i := 50; i < 100; i++ {
			fmt.Fprintf(w, "<url><loc>%s/p/%d</loc></url>", srv.URL, i)
		}
		fmt.Fprint(w, "</urlset>")
	}))
	t.Cleanup(srv.Close)
	code, st := run(t, false, "", "-o", "json", "--sitemap", srv.URL+"/slow-sitemap.xml", "--device", "desktop", "--concurrency", "4")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	if !warmedBeforeEnd.Load() {
		t.Fatal("no URL was requested before the sitemap ended: the URLs are collected before warming")
	}
	m := decode(t, st.Out.String())
	if m["urls"] != float64(100) || m["requested"] != float64(100) || o.PageRequests() != 100 {
		t.Fatalf("urls %v, requested %v, origin saw %d", m["urls"], m["requested"], o.PageRequests())
	}
}

// An input that is not a regular file (a pipe: a shell's <(...) is
// /dev/fd/N, a FIFO reads the same) is empty the second time, so its URLs
// are kept from the check for the warm, as stdin's are. Reading it twice
// warmed nothing and ended "all 0 were excluded", exit 2.
func TestPipeInputIsReadOnce(t *testing.T) {
	if _, err := os.Stat("/dev/fd"); err != nil {
		t.Skip("no /dev/fd on this system")
	}
	o, srv := warmtest.Start(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	fmt.Fprintf(w, "%s/from-pipe\n# a comment\n%s/second\n", srv.URL, srv.URL)
	w.Close()
	code, st := run(t, false, "", "-o", "json", "-f", fmt.Sprintf("/dev/fd/%d", r.Fd()), "--device", "desktop")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	if got := o.Paths(); fmt.Sprint(got) != "[/from-pipe /second]" {
		t.Fatalf("origin saw %v", got)
	}
	if m := decode(t, st.Out.String()); m["urls"] != float64(2) {
		t.Fatalf("urls %v", m["urls"])
	}
}

// A long list of invalid URLs shows the first 20 and a count, unless -v
// (issue 9, #15), as purge does.
func TestInvalidURLsAreCapped(t *testing.T) {
	o, srv := warmtest.Start(t)
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "ftp://example.com/%d\n", i)
	}
	file := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verbose := range []bool{false, true} {
		f, st := cmdtest.NewFactory(t, nil, "", false)
		f.Verbose = verbose
		err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), "-f", file, srv.URL+"/")
		if code := cmdutil.ExitCode(err); code != 2 {
			t.Fatalf("-v %v: exit %d: %v", verbose, code, err)
		}
		listed := strings.Count(st.Err.String(), "bad.txt:")
		more := strings.Contains(st.Err.String(), "… and 10 more invalid items; -v lists them all")
		if verbose && (listed != 30 || more) || !verbose && (listed != 20 || !more) {
			t.Fatalf("-v %v: %d listed, count line %v\n%s", verbose, listed, more, st.Err.String())
		}
		if !strings.Contains(err.Error(), "30 of 31 URLs are invalid") {
			t.Fatalf("error: %v", err)
		}
	}
	if n := len(o.Paths()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// A file that cannot be read again while the warm runs is reported under
// "input_errors", not "sitemap_errors": there was no sitemap. With one
// request at a time and a feed of one job, the reader cannot reach the
// second file before the first URL's request has been answered, and that
// request removes it.
func TestFileErrorsAreInputErrors(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.txt"), filepath.Join(dir, "second.txt")
	o := warmtest.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/p/0" {
			os.Remove(second)
		}
		o.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, "%s/p/%d\n", srv.URL, i)
	}
	os.WriteFile(first, []byte(b.String()), 0o644)
	os.WriteFile(second, []byte(srv.URL+"/later\n"), 0o644)
	code, st := run(t, false, "", "-o", "json", "-f", first, "-f", second, "--device", "desktop", "--concurrency", "1")
	if code != 3 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	m := decode(t, st.Out.String())
	errs, _ := m["input_errors"].([]any)
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "second.txt") || m["sitemap_errors"] != nil {
		t.Fatalf("input_errors %v, sitemap_errors %v", m["input_errors"], m["sitemap_errors"])
	}
}

// Stopped before any URL was taken, a warm without a sitemap says it was
// reading the input, not sitemaps.
func TestStoppedBeforeWarmingNamesTheInput(t *testing.T) {
	o, srv := warmtest.Start(t)
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := cmdtest.Run(ctx, NewCmdWarm(f, nil), srv.URL+"/")
	if code := cmdutil.ExitCode(err); code != 130 || err.Error() != "stopped while reading the input; nothing was warmed" {
		t.Fatalf("exit %d: %v", code, err)
	}
	if n := len(o.Paths()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// -v logs every request to the site (sitemap and warm) as it logs API
// requests, through the Factory's site client; a token in a URL is redacted.
// With --origin-url the line shows where the request went and for which
// host.
func TestVerboseLogsSiteRequests(t *testing.T) {
	_, srv := warmtest.Start(t)
	f, st := cmdtest.NewFactory(t, nil, "", false)
	f.Verbose = true
	err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), "--device", "desktop", "--keep", "query", "--sitemap", srv.URL+"/sitemap-posts.xml", srv.URL+"/p?token=s3cr3t")
	if err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	log := st.Err.String()
	for _, want := range []string{"* GET " + srv.URL + "/sitemap-posts.xml → 200 (", "* GET " + srv.URL + "/p?token=REDACTED → 200 (", "* GET " + srv.URL + "/post/1/ → 200 ("} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in stderr:\n%s", want, log)
		}
	}
	if strings.Contains(log, "s3cr3t") {
		t.Errorf("the token is in stderr:\n%s", log)
	}

	f, st = cmdtest.NewFactory(t, nil, "", false)
	f.Verbose = true
	if err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), "--device", "desktop", "--origin-url", srv.URL, "https://example.com/a"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if want := "* GET " + srv.URL + "/a (Host example.com) → 200 ("; !strings.Contains(st.Err.String(), want) {
		t.Errorf("no %q in stderr:\n%s", want, st.Err.String())
	}
}

// TestSiteNotBehindCloudflareIsSaid: a site whose answers carry neither
// CF-Cache-Status nor CF-Ray reads NONE for every URL; the summary says
// once that it may not be behind Cloudflare. A site on Cloudflare does not
// get the line.
func TestSiteNotBehindCloudflareIsSaid(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>hi</p>")
	}))
	defer plain.Close()
	_, cf := warmtest.Start(t)
	const hint = "may not be behind Cloudflare, or its proxy is off for that host"
	for _, tty := range []bool{false, true} {
		code, st := run(t, tty, "", plain.URL+"/a", plain.URL+"/b", plain.URL+"/c", "--device", "desktop,mobile")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, st.Err.String())
		}
		errOut := st.Err.String()
		host := strings.TrimPrefix(plain.URL, "http://")
		if strings.Count(errOut, hint) != 1 || !strings.Contains(errOut, "6 of 6 answers had no CF-Cache-Status (nor CF-Ray): "+host+" may not") {
			t.Errorf("tty=%v: want the hint once, naming the host:\n%s", tty, errOut)
		}
		if strings.Contains(st.Out.String(), hint) {
			t.Errorf("tty=%v: the hint is status, not data: it belongs on stderr", tty)
		}
		if !tty && strings.Contains(errOut, "\x1b[") {
			t.Errorf("colour off a terminal:\n%s", errOut)
		}
		_, st = run(t, tty, "", cf.URL+"/", cf.URL+"/dynamic/cart/")
		if strings.Contains(st.Err.String(), hint) {
			t.Errorf("tty=%v: a site on Cloudflare got the hint:\n%s", tty, st.Err.String())
		}
	}
	// -q drops it, like the other notes of the summary.
	f, st := cmdtest.NewFactory(t, nil, "", false)
	f.IOStreams.SetQuiet(true)
	if err := cmdtest.Run(context.Background(), NewCmdWarm(f, nil), plain.URL+"/a"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(st.Err.String(), hint) {
		t.Errorf("-q: %s", st.Err.String())
	}
}
