package url

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
)

// purgeURL runs `cfcache purge url args...` against a fresh sandbox, with
// --warm/--verify requests going to origin; it returns the exit code, the
// JSON report and stderr.
func purgeURL(t *testing.T, sb *cmdtest.Sandbox, args ...string) (int, map[string]any, string) {
	t.Helper()
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	f.Settings.Output = "json"
	cmd := NewCmdURL(f, func(o *Options) error {
		o.VerifyRecheck = 20 * time.Millisecond
		o.Engine = func(c *purge.RunConfig) { c.BackoffBase, c.BackoffMax = time.Millisecond, 5*time.Millisecond }
		return urlRun(o)
	})
	err := cmdtest.Run(context.Background(), cmd, args...)
	var m map[string]any
	if st.Out.Len() > 0 {
		if jerr := json.Unmarshal(st.Out.Bytes(), &m); jerr != nil {
			t.Fatalf("stdout is not one JSON document: %v\n%s", jerr, st.Out.String())
		}
	}
	return cmdutil.ExitCode(err), m, st.Err.String()
}

func TestVerifyCatchesAURLStillCached(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.KeepHit("/stuck", 3600) // cached an hour ago: the purge did not evict it
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/stuck", "https://example.com/b",
		"--verify", "--origin-url", srv.URL)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "still cached: https://example.com/stuck: HIT, Age 3600 s, LHR") {
		t.Fatalf("stderr:\n%s", errOut)
	}
	v := m["verify"].(map[string]any)
	if v["checked"] != float64(3) || fmt.Sprint(v["still_cached"]) != "[https://example.com/stuck]" {
		t.Fatalf("verify %v", v)
	}
	if m["purged"] != float64(3) || sb.Requests(sandbox.EndpointPurge) != 1 {
		t.Fatalf("purge report %v", m)
	}
	// Asked once, then once more after the recheck delay.
	if n := len(o.Seen("/stuck")); n != 2 {
		t.Fatalf("/stuck requested %d times", n)
	}
}

func TestVerifyPassesWhenPurged(t *testing.T) {
	o, srv := warmtest.Start(t)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/b", "--verify", "--origin-url", srv.URL)
	if code != 0 || !strings.Contains(errOut, "Verified 2 purged URLs") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if v := m["verify"].(map[string]any); v["checked"] != float64(2) || fmt.Sprint(v["still_cached"]) != "[]" {
		t.Fatalf("verify %v", v)
	}
	if _, ok := m["warm"]; ok || o.PageRequests() != 2 {
		t.Fatalf("verify only: %v, %d requests", m, o.PageRequests())
	}
}

func TestVerifySample(t *testing.T) {
	o, srv := warmtest.Start(t)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	var args []string
	for i := range 10 {
		args = append(args, fmt.Sprintf("https://example.com/p/%d", i))
	}
	code, m, errOut := purgeURL(t, sb, append(args, "--verify-sample", "3", "--origin-url", srv.URL)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if v := m["verify"].(map[string]any); v["checked"] != float64(3) || o.PageRequests() != 3 {
		t.Fatalf("sample: %v, origin saw %d", v, o.PageRequests())
	}
}

func TestWarmWarmsExactlyThePurgedVariants(t *testing.T) {
	o, srv := warmtest.Start(t)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/b", "--device", "mobile,tablet",
		"--lang", "en-US", "--warm", "--origin-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if fmt.Sprint(o.Paths()) != "[/a /b]" {
		t.Fatalf("origin saw %v", o.Paths())
	}
	for _, p := range []string{"/a", "/b"} {
		var devices []string
		for _, ua := range o.Seen(p) {
			devices = append(devices, string(warm.ClassifyUserAgent(ua)))
		}
		sort.Strings(devices)
		if fmt.Sprint(devices) != "[mobile tablet]" {
			t.Errorf("%s warmed as %v", p, devices)
		}
		for _, h := range o.Headers(p) {
			if h.Get("Accept-Language") != "en-US" || h.Get("CF-Device-Type") != "" {
				t.Errorf("%s: headers %v", p, h)
			}
		}
	}
	w := m["warm"].(map[string]any)
	if w["requested"] != float64(4) || w["by_cache_status"].(map[string]any)["MISS"] != float64(4) {
		t.Fatalf("warm %v", w)
	}
	if !strings.Contains(errOut, "Warmed 4 of 4 purged URLs (4 MISS)") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

func TestWarmSkipsEntriesNotPurged(t *testing.T) {
	o, srv := warmtest.Start(t)
	// Every purge call fails: nothing was purged, so nothing is warmed.
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) { c.FailRate = 1 })
	code, _, _ := purgeURL(t, sb, "https://example.com/a", "--warm", "--verify", "--origin-url", srv.URL, "--max-retries", "0")
	if code != 1 || o.PageRequests() != 0 {
		t.Fatalf("exit %d, origin saw %d requests", code, o.PageRequests())
	}
}

func TestDryRunNeitherWarmsNorVerifies(t *testing.T) {
	o, srv := warmtest.Start(t)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, _ := purgeURL(t, sb, "https://example.com/a", "--dry-run", "--warm", "--verify", "--origin-url", srv.URL)
	if code != 0 || o.PageRequests() != 0 || m["verify"] != nil || m["warm"] != nil {
		t.Fatalf("exit %d, %d requests, %v", code, o.PageRequests(), m)
	}
}

func TestPostPurgeFlagErrors(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	for _, args := range [][]string{
		{"https://example.com/a", "--origin-url", "http://127.0.0.1:1"},
		{"https://example.com/a", "--warm", "--origin-url", "127.0.0.1:1"},
		{"https://example.com/a", "--verify-sample", "-1"},
	} {
		if code, _, _ := purgeURL(t, sb, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
		t.Fatalf("%d purges sent for bad flags", n)
	}
}

func TestPostPurgeArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *Options
	cmd := NewCmdURL(f, func(o *Options) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "https://example.com/a", "--warm", "--verify", "--verify-sample", "5", "--origin-url", "http://127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	if !got.Warm || !got.Verify || got.VerifySample != 5 || got.OriginURL != "http://127.0.0.1:8080" || got.VerifyRecheck != shared.DefaultVerifyRecheck {
		t.Fatalf("%+v", *got)
	}
}

// A check nobody answered verifies nothing (issue 9, #12): with the origin
// unreachable --verify must not print "Verified", and the run exits 3 with
// the unverified checks counted and explained.
func TestVerifyUnreachableOriginIsUnverified(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more: connection refused
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/b", "--verify", "--origin-url", closed)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	if strings.Contains(errOut, "Verified") || !strings.Contains(errOut, "could not verify 2 of 2 URLs: ") ||
		!strings.Contains(errOut, "connection refused") || !strings.Contains(errOut, "unverified: https://example.com/a: ") {
		t.Fatalf("stderr:\n%s", errOut)
	}
	v := m["verify"].(map[string]any)
	if v["checked"] != float64(2) || v["unverified"] != float64(2) || fmt.Sprint(v["still_cached"]) != "[]" {
		t.Fatalf("verify %v", v)
	}
	if m["purged"] != float64(2) {
		t.Fatalf("the purge itself succeeded: %v", m)
	}
}

// A 5xx that did not come through Cloudflare's cache (no CF-Cache-Status)
// says nothing about it either; the URLs that were answered still verify.
func TestVerifyOriginErrorIsUnverified(t *testing.T) {
	o := warmtest.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		o.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/down", "--verify", "--origin-url", srv.URL)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "Verified 1 purged URL: none served") || !strings.Contains(errOut, "could not verify 1 of 2 URLs: HTTP 502") {
		t.Fatalf("stderr:\n%s", errOut)
	}
	v := m["verify"].(map[string]any)
	if v["unverified"] != float64(1) || fmt.Sprint(v["unverified_reasons"]) != "map[HTTP 502:1]" {
		t.Fatalf("verify %v", v)
	}
}

// siteAnswers is a site's transport: every request answered 200 with the
// CF-Cache-Status the test gives, counted by path.
type siteAnswers struct {
	mu   sync.Mutex
	seen map[string]int
}

func (s *siteAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.seen[r.URL.Path]++
	s.mu.Unlock()
	h := http.Header{"Cf-Cache-Status": {"MISS"}, "Cf-Ray": {"8c1a2b3c4d5e6f70-LHR"}}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// --verify and --warm requests go through the Factory's site client: the
// tests' transport carries them (no --origin-url needed), and -v logs each
// like an API request, a token in the URL redacted.
func TestVerifyAndWarmUseTheFactorysSiteClient(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	site := &siteAnswers{seen: map[string]int{}}
	f.SiteTransport, f.Verbose = site, true
	cmd := NewCmdURL(f, func(o *Options) error {
		o.VerifyRecheck = 20 * time.Millisecond
		return urlRun(o)
	})
	err := cmdtest.Run(context.Background(), cmd, "https://example.com/a?token=s3cr3t", "--verify", "--warm")
	if code := cmdutil.ExitCode(err); code != 0 {
		t.Fatalf("exit %d\n%s", code, st.Err.String())
	}
	if site.seen["/a"] != 2 {
		t.Fatalf("site requests %v: want one verify and one warm", site.seen)
	}
	errOut := st.Err.String()
	if n := strings.Count(errOut, "* GET https://example.com/a?token=REDACTED → 200 ("); n != 2 || strings.Contains(errOut, "s3cr3t") {
		t.Fatalf("%d site requests logged, want 2:\n%s", n, errOut)
	}
}

// With the sandbox as the API and no --origin-url, the warm and verify
// requests still go to the real site: said once on stderr, not on stdout.
func TestRealSiteWhileSandboxIsSaid(t *testing.T) {
	for _, origin := range []bool{false, true} {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		f.Settings.Output = "json"
		f.SiteTransport = &siteAnswers{seen: map[string]int{}}
		args := []string{"https://example.com/a", "https://example.com/b", "--verify", "--warm"}
		if origin {
			_, srv := warmtest.Start(t)
			args = append(args, "--origin-url", srv.URL)
		}
		cmd := NewCmdURL(f, func(o *Options) error { o.VerifyRecheck = 20 * time.Millisecond; return urlRun(o) })
		if err := cmdtest.Run(context.Background(), cmd, args...); err != nil {
			t.Fatalf("origin=%v: %v\n%s", origin, err, st.Err.String())
		}
		const note = "--verify and --warm request the real https://example.com/... while the API is " // sb's address follows
		n := strings.Count(st.Err.String(), note)
		if (origin && n != 0) || (!origin && n != 1) || strings.Contains(st.Out.String(), "real https") {
			t.Errorf("origin=%v: %d notes:\n%s", origin, n, st.Err.String())
		}
		if !origin && !strings.Contains(st.Err.String(), "(a sandbox); use --origin-url to point them elsewhere") {
			t.Errorf("note:\n%s", st.Err.String())
		}
	}
}
