package warm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/purge"
)

func TestServedFromBefore(t *testing.T) {
	since := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	at := since.Add(10 * time.Second)
	cases := []struct {
		status     string
		age        int
		hard, soft bool // flagged after a purge, after an invalidation
	}{
		{"HIT", 3600, true, true},
		{"HIT", 5, false, false}, // cached after the event
		{"STALE", 3600, true, false},
		{"UPDATING", 3600, true, false},
		{"REVALIDATED", 3600, false, false},
		{"EXPIRED", 3600, false, false},
		{"MISS", 0, false, false},
		{"DYNAMIC", 0, false, false},
		{"HIT", 11, false, false}, // one second of slack: Age is whole seconds
		{"HIT", 12, true, true},
	}
	for _, c := range cases {
		r := Result{CacheStatus: c.status, Age: c.age, At: at}
		if got := ServedFromBefore(r, since, false); got != c.hard {
			t.Errorf("purge, %s Age %d: %v", c.status, c.age, got)
		}
		if got := ServedFromBefore(r, since, true); got != c.soft {
			t.Errorf("invalidate, %s Age %d: %v", c.status, c.age, got)
		}
	}
}

// siteFunc answers every request from a function of its path and how many
// times that path was asked before, counting the requests.
type siteFunc struct {
	mu     sync.Mutex
	seen   map[string]int
	answer func(path string, n int) (*http.Response, error)
}

func newSite(answer func(path string, n int) (*http.Response, error)) *siteFunc {
	return &siteFunc{seen: map[string]int{}, answer: answer}
}

func (s *siteFunc) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := s.seen[r.URL.Path]
	s.seen[r.URL.Path]++
	s.mu.Unlock()
	return s.answer(r.URL.Path, n)
}

func (s *siteFunc) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[path]
}

// cacheAnswer is a response with a CF-Cache-Status ("" for none) and an Age.
func cacheAnswer(status int, cacheStatus string, age int) *http.Response {
	h := http.Header{}
	if cacheStatus != "" {
		h.Set("CF-Cache-Status", cacheStatus)
		h.Set("Age", strconv.Itoa(age))
		h.Set("CF-Ray", "8c1a2b3c4d5e6f70-LHR")
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(""))}
}

func verifyConfig(site *siteFunc) Config {
	return Config{Client: &http.Client{Transport: site}, Concurrency: 2}
}

func targetsOf(paths ...string) []Target {
	var ts []Target
	for _, p := range paths {
		ts = append(ts, Target{URL: "https://example.com" + p, Device: Desktop})
	}
	return ts
}

// A copy from before the purge is asked about again after Recheck; only
// one that is still served is reported, and the second answer is the one
// kept.
func TestVerifyRechecksWhatLooksCached(t *testing.T) {
	site := newSite(func(p string, n int) (*http.Response, error) {
		switch {
		case p == "/stuck", p == "/late" && n == 0:
			return cacheAnswer(200, "HIT", 3600), nil
		}
		return cacheAnswer(200, "MISS", 0), nil
	})
	ts := targetsOf("/a", "/stuck", "/late")
	ts = append(ts, Target{URL: "https://example.com/stuck", Device: Mobile})
	v := Verify(context.Background(), verifyConfig(site), ts, VerifyConfig{Since: time.Now(), Recheck: time.Millisecond})
	if v.Interrupted || fmt.Sprint(v.StillCached) != "[1 3]" || len(v.Unverified) != 0 {
		t.Fatalf("%+v", v)
	}
	if site.count("/a") != 1 || site.count("/late") != 2 || site.count("/stuck") != 4 {
		t.Fatalf("requests: %v", site.seen)
	}
	if v.Results[2].CacheStatus != "MISS" {
		t.Fatalf("the recheck's answer was not kept: %+v", v.Results[2])
	}
	r := v.Report()
	if r.Checked != 4 || fmt.Sprint(r.StillCached) != "[https://example.com/stuck]" || r.Unverified != 0 || r.Failed != 0 {
		t.Fatalf("report %+v", r)
	}
}

// Without a recheck every copy from before is reported at once.
func TestVerifyWithoutRecheck(t *testing.T) {
	site := newSite(func(string, int) (*http.Response, error) { return cacheAnswer(200, "HIT", 3600), nil })
	v := Verify(context.Background(), verifyConfig(site), targetsOf("/a"), VerifyConfig{Since: time.Now()})
	if fmt.Sprint(v.StillCached) != "[0]" || site.count("/a") != 1 {
		t.Fatalf("%+v, %v", v, site.seen)
	}
}

// After an invalidation a STALE copy is the proof it took; after a purge
// it is a copy that survived.
func TestVerifyAfterInvalidation(t *testing.T) {
	site := newSite(func(p string, _ int) (*http.Response, error) {
		if p == "/hit" {
			return cacheAnswer(200, "HIT", 3600), nil
		}
		return cacheAnswer(200, "STALE", 3600), nil
	})
	ts := targetsOf("/stale", "/hit")
	if v := Verify(context.Background(), verifyConfig(site), ts, VerifyConfig{Since: time.Now(), Soft: true}); fmt.Sprint(v.StillCached) != "[1]" {
		t.Fatalf("invalidation: %+v", v)
	}
	if v := Verify(context.Background(), verifyConfig(site), ts, VerifyConfig{Since: time.Now()}); fmt.Sprint(v.StillCached) != "[0 1]" {
		t.Fatalf("purge: %+v", v)
	}
}

func TestVerifySample(t *testing.T) {
	site := newSite(func(string, int) (*http.Response, error) { return cacheAnswer(200, "MISS", 0), nil })
	ts := targetsOf("/0", "/1", "/2", "/3", "/4")
	v := Verify(context.Background(), verifyConfig(site), ts, VerifyConfig{Since: time.Now(), Sample: 2,
		Perm: func(n int) []int { return []int{3, 1, 0, 2, 4}[:n] }})
	if fmt.Sprint(v.Checked) != "[3 1]" || len(v.Results) != 2 || v.Results[0].URL != "https://example.com/3" {
		t.Fatalf("%+v", v)
	}
	if site.count("/3") != 1 || site.count("/1") != 1 || site.count("/0")+site.count("/2")+site.count("/4") != 0 {
		t.Fatalf("requests: %v", site.seen)
	}
	if v := Verify(context.Background(), verifyConfig(site), ts, VerifyConfig{Since: time.Now(), Sample: 5}); len(v.Checked) != 5 {
		t.Fatalf("a sample of all is all: %+v", v.Checked)
	}
}

// No answer, or a 5xx that did not come through the cache, verifies
// nothing; a 5xx with a cache status is an answer about the cache.
func TestVerifyUnverified(t *testing.T) {
	site := newSite(func(p string, _ int) (*http.Response, error) {
		switch p {
		case "/down":
			return nil, errors.New("connection refused")
		case "/origin-error":
			return cacheAnswer(503, "", 0), nil
		}
		return cacheAnswer(502, "MISS", 0), nil
	})
	v := Verify(context.Background(), verifyConfig(site), targetsOf("/down", "/origin-error", "/miss"), VerifyConfig{Since: time.Now()})
	if fmt.Sprint(v.Unverified) != "[0 1]" || len(v.StillCached) != 0 {
		t.Fatalf("%+v", v)
	}
	r := v.Report()
	if r.Unverified != 2 || r.Failed != 3 || r.UnverifiedReasons["connection refused"] != 1 || r.UnverifiedReasons["HTTP 503"] != 1 {
		t.Fatalf("report %+v", r)
	}
}

// A copy from before the purge whose recheck got no answer is unverified:
// the first answer no longer says anything once it was questioned.
func TestVerifyRecheckWithoutAnswerIsUnverified(t *testing.T) {
	site := newSite(func(_ string, n int) (*http.Response, error) {
		if n == 0 {
			return cacheAnswer(200, "HIT", 3600), nil
		}
		return nil, errors.New("connection reset by peer")
	})
	v := Verify(context.Background(), verifyConfig(site), targetsOf("/a"), VerifyConfig{Since: time.Now(), Recheck: time.Millisecond})
	if len(v.StillCached) != 0 || fmt.Sprint(v.Unverified) != "[0]" || v.Report().UnverifiedReasons["connection reset by peer"] != 1 {
		t.Fatalf("%+v", v)
	}
}

// Cancelled while waiting to recheck: interrupted, with no second request.
func TestVerifyInterruptedBeforeRecheck(t *testing.T) {
	site := newSite(func(string, int) (*http.Response, error) { return cacheAnswer(200, "HIT", 3600), nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := func(ctx context.Context, cfg Config, ts []Target) Outcome {
		out := Run(ctx, cfg, ts)
		cancel()
		return out
	}
	v := Verify(ctx, verifyConfig(site), targetsOf("/a"), VerifyConfig{Since: time.Now(), Recheck: time.Hour, First: first})
	if !v.Interrupted || site.count("/a") != 1 {
		t.Fatalf("%+v, %v", v, site.seen)
	}
}

func TestPurgedTargets(t *testing.T) {
	entries := []purge.Entry{
		{Value: "https://example.com/a", Headers: []purge.Header{{Name: "CF-Device-Type", Value: "Mobile"}, {Name: "CF-IPCountry", Value: "ES"}}},
		{Value: "https://example.com/b"},
		{Value: "https://example.com/c"},
	}
	label := func(e purge.Entry) string { return e.Value + fmt.Sprint(len(e.Headers)) }
	ts, labels := PurgedTargets(entries, []purge.Failure{{Entry: entries[1]}}, label)
	if len(ts) != 2 || fmt.Sprint(labels) != "[https://example.com/a2 https://example.com/c0]" {
		t.Fatalf("%v %v", ts, labels)
	}
	if ts[0].Device != Mobile || ts[0].Header.Get("CF-IPCountry") != "ES" || ts[0].Header.Get("CF-Device-Type") != "" || ts[1].Device != Desktop || ts[1].Header != nil {
		t.Fatalf("%+v", ts)
	}
}
