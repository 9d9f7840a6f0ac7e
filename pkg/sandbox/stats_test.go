package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Stats.Total is what the hostile-input suite (e2e/hostile_test.go) reads to
// assert "nothing was sent": it must count every request the server handled,
// whatever its route, method, credentials or fate, not only the successful
// ones or the known endpoints.
func TestStatsTotalCountsEveryKindOfRequest(t *testing.T) {
	e := newEnv(t, nil)
	calls := []struct {
		method, path, token string
		status              int
	}{
		{http.MethodGet, "/zones", testToken, 200},
		{http.MethodGet, "/zones", "not-a-known-token", 403},
		{http.MethodGet, "/zones", "", 403},
		{http.MethodGet, "/nowhere", testToken, 404},
		{http.MethodDelete, "/zones/" + DefaultZoneID + "/purge_cache", testToken, 405},
		{http.MethodPost, "/zones/" + DefaultZoneID + "/purge_cache", testToken, 400}, // no body
		{http.MethodGet, "/user/tokens/verify", "not-a-known-token", 401},
	}
	for i, c := range calls {
		res := e.call(c.method, c.path, c.token, nil)
		if res.Status != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, res.Status, c.status)
		}
		// issue 10: the Ratelimit headers are on every answer, errors included.
		if res.Header.Get("Ratelimit") == "" || res.Header.Get("Ratelimit-Policy") == "" {
			t.Errorf("%s %s (%d): no Ratelimit headers", c.method, c.path, res.Status)
		}
		if got := e.srv.Stats().Total; got != i+1 {
			t.Fatalf("after %d requests (last %s %s → %d) Stats().Total = %d", i+1, c.method, c.path, res.Status, got)
		}
	}
	// A path outside the API base is a request too.
	res, err := http.Get(e.http.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := e.srv.Stats().Total; got != len(calls)+1 {
		t.Errorf("a request outside %s was not counted: Total = %d", BasePath, got)
	}
}

// An injected connection reset never answers, yet it was a request.
func TestStatsTotalCountsResets(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ResetRate = 1 })
	req, err := http.NewRequest(http.MethodGet, e.http.URL+BasePath+"/zones", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("want a reset, got status %d", res.StatusCode)
	}
	if st := e.srv.Stats(); st.Total < 1 || st.Resets != st.Total {
		t.Errorf("stats after a reset: %+v", st)
	}
}

// issue 10 "Measure": every answer carries the Ratelimit headers, 429s of
// each cause included, and Stats tells the causes apart; the purge bucket's
// 429 says when to come back.
func TestStatsThrottledByCauseAndRatelimitOnEvery429(t *testing.T) {
	e := newEnv(t, withLimits(func(l *limits.Limits) {
		l.APIRequestsPerWindow, l.APIWindowSeconds = 3, 60
		l.URLPurgeRate, l.URLPurgeBurst = 1, 2
	}))
	check := func(what string, res *response, status int, retryAfter string) {
		t.Helper()
		if res.Status != status || res.Header.Get("Ratelimit") == "" || res.Header.Get("Ratelimit-Policy") == "" ||
			res.Header.Get("Retry-After") != retryAfter {
			t.Fatalf("%s: %d Ratelimit %q Policy %q Retry-After %q", what, res.Status,
				res.Header.Get("Ratelimit"), res.Header.Get("Ratelimit-Policy"), res.Header.Get("Retry-After"))
		}
	}
	check("first purge", e.purge(map[string]any{"files": urls(2, "a")}), 200, "")
	check("purge over the bucket", e.purge(map[string]any{"files": urls(1, "b")}), 429, "1")
	check("third request", e.call(http.MethodGet, "/zones", testToken, nil), 200, "")
	check("over the API window", e.call(http.MethodGet, "/zones", testToken, nil), 429, "300")
	st := e.srv.Stats()
	if want := (ThrottleCounts{PurgeBucket: 1, APIWindow: 1}); st.Throttled != want || st.TooManyRequests != 2 {
		t.Errorf("Throttled = %+v (total %d), want %+v", st.Throttled, st.TooManyRequests, want)
	}
	id := e.srv.Config().Tokens[0].ID
	if got := st.Tokens[id]; got != (TokenStats{Requests: 4, PeakPerWindow: 4, Blocked: true}) {
		t.Errorf("Tokens[%s] = %+v", id, got)
	}
	for k := range st.Tokens {
		if strings.Contains(k, testToken) {
			t.Fatal("Stats.Tokens is keyed by the token's value")
		}
	}

	inj := newEnv(t, func(c *Config) { c.Throttle429Rate = 1 })
	check("injected", inj.purge(map[string]any{"files": urls(1, "c")}), 429, "1")
	if got := inj.srv.Stats().Throttled; got != (ThrottleCounts{Injected: 1}) {
		t.Errorf("injected: Throttled = %+v", got)
	}
}

// Injected faults are counted on the purge endpoints only, 5xx and resets
// apart: that is the server's side of a client's `retries`.
func TestStatsPurgeFaults(t *testing.T) {
	fail := newEnv(t, func(c *Config) { c.FailRate = 1 })
	if res := fail.purge(map[string]any{"files": urls(1, "a")}); res.Status < 500 || res.Header.Get("Ratelimit") == "" {
		t.Fatalf("injected 5xx: %d Ratelimit %q", res.Status, res.Header.Get("Ratelimit"))
	}
	fail.call(http.MethodGet, "/zones", testToken, nil)
	fail.call(http.MethodPost, "/zones/"+DefaultZoneID+"/invalidate_cache", testToken, map[string]any{"files": urls(1, "a")})
	if got := fail.srv.Stats().PurgeFaults; got != (FaultCounts{Status5xx: 2}) {
		t.Errorf("5xx: PurgeFaults = %+v, want 2 5xx (the zones lookup is not a purge)", got)
	}

	reset := newEnv(t, func(c *Config) { c.ResetRate = 1 })
	for _, path := range []string{"/zones/" + DefaultZoneID + "/purge_cache", "/zones"} {
		req, _ := http.NewRequest(http.MethodPost, reset.http.URL+BasePath+path, strings.NewReader(`{"purge_everything":true}`))
		if path == "/zones" {
			req.Method = http.MethodGet
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("%s: want a reset, got %d", path, res.StatusCode)
		}
	}
	if got := reset.srv.Stats().PurgeFaults; got != (FaultCounts{Resets: 1}) {
		t.Errorf("resets: PurgeFaults = %+v, want 1 reset", got)
	}
}

// PeakPerWindow slides: the server's window is fixed (opened by the first
// request), so a client can send more than the quota within one sliding
// window without being blocked, and the stat must show it.
func TestStatsPeakPerSlidingWindow(t *testing.T) {
	e := newEnv(t, withLimits(func(l *limits.Limits) { l.APIRequestsPerWindow, l.APIWindowSeconds = 4, 60 }))
	get := func(n int) {
		for i := 0; i < n; i++ {
			if res := e.call(http.MethodGet, "/zones", testToken, nil); res.Status != 200 {
				t.Fatalf("request refused: %d", res.Status)
			}
		}
	}
	get(1)
	e.clock.Advance(58 * time.Second)
	get(3) // 4 in the server's first window
	e.clock.Advance(2 * time.Second)
	get(4) // a new server window, but 7 within the last 60 s
	e.clock.Advance(60 * time.Second)
	get(1)
	got := e.srv.Stats().Tokens[e.srv.Config().Tokens[0].ID]
	if got != (TokenStats{Requests: 9, PeakPerWindow: 7}) {
		t.Errorf("got %+v, want 9 requests, peak 7, never blocked", got)
	}
}
