package sandbox

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

func TestBucketRefill(t *testing.T) {
	start := newClock().Now()
	type step struct {
		at     time.Duration // since start
		take   float64
		ok     bool
		wait   time.Duration
		tokens float64 // after the step
	}
	cases := []struct {
		name  string
		rate  float64
		size  int
		steps []step
	}{
		{"url bucket: drain, wait exactly, refill", 800, 800, []step{
			{0, 800, true, 0, 0},
			{0, 100, false, 125 * time.Millisecond, 0},
			{100 * time.Millisecond, 100, false, 25 * time.Millisecond, 80},
			{125 * time.Millisecond, 100, true, 0, 0},
		}},
		{"refill caps at size", 800, 800, []step{
			{0, 100, true, 0, 700},
			{time.Hour, 0, true, 0, 800},
		}},
		{"free flex: 5 per minute", 5.0 / 60, 25, []step{
			{0, 25, true, 0, 0},
			{0, 1, false, 12 * time.Second, 0},
			{11 * time.Second, 1, false, time.Second, 11.0 / 12},
			{12 * time.Second, 1, true, 0, 0},
		}},
		{"request bigger than bucket costs a full bucket", 10, 50, []step{
			{0, 500, true, 0, 0},
			{time.Second, 500, false, 4 * time.Second, 10},
		}},
		{"clock going backwards does not refill", 10, 10, []step{
			{time.Second, 10, true, 0, 0},
			{0, 1, false, 100 * time.Millisecond, 0},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBucket(tc.rate, tc.size, start)
			for i, s := range tc.steps {
				ok, wait := b.take(start.Add(s.at), s.take)
				if ok != s.ok || wait != s.wait {
					t.Fatalf("step %d: take(%v) = %v, %v; want %v, %v", i, s.take, ok, wait, s.ok, s.wait)
				}
				if got := b.tokens; got < s.tokens-1e-6 || got > s.tokens+1e-6 {
					t.Fatalf("step %d: %v tokens, want %v", i, got, s.tokens)
				}
			}
		})
	}
}

func TestURLBucketOverHTTP(t *testing.T) {
	e := newEnv(t, nil) // free: 800 URLs/s, bucket 800, 100 per request
	for i := 0; i < 8; i++ {
		if res := e.purge(map[string]any{"files": urls(100, "batch"+strconv.Itoa(i))}); res.Status != 200 {
			t.Fatalf("batch %d: %d %s", i, res.Status, res.Body)
		}
	}
	res := e.purge(map[string]any{"files": urls(100, "over")})
	if res.Status != 429 || res.code() != codePurgeRateLimited || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("over the bucket: %d %q %s", res.Status, res.Header.Get("Retry-After"), res.Body)
	}
	if !strings.HasPrefix(res.Env.Errors[0].Message, "Unable to purge, rate limit reached") {
		t.Errorf("message %q", res.Env.Errors[0].Message)
	}
	if n := e.srv.PurgeCount(DefaultZoneID, KindFiles, "https://example.com/over/0"); n != 0 {
		t.Fatalf("rejected batch purged %d", n)
	}
	if u, _ := e.srv.PurgeTokens(DefaultZoneID); u != 0 {
		t.Fatalf("rejected batch consumed tokens: %v left", u)
	}
	e.clock.Advance(125 * time.Millisecond)
	if res := e.purge(map[string]any{"files": urls(100, "over")}); res.Status != 200 {
		t.Fatalf("after refill: %d %s", res.Status, res.Body)
	}
	// Single-file purges do not spend the flex bucket.
	if res := e.purge(map[string]any{"tags": []string{"t"}}); res.Status != 200 {
		t.Fatalf("tag purge blocked by the URL bucket: %d", res.Status)
	}
	if st := e.srv.Stats(); st.TooManyRequests != 1 || st.Count(EndpointPurge, 429) != 1 || st.Count(EndpointPurge, 200) != 10 {
		t.Errorf("stats %+v", st)
	}
}

func TestFlexBucketIsPerAccount(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Zones = append(c.Zones, Zone{Name: "sibling.test"}) // same account, same plan
	})
	sibling := e.srv.zone("sibling.test").ID
	for i := 0; i < 25; i++ {
		path := "/zones/" + DefaultZoneID + "/purge_cache"
		if i%2 == 1 {
			path = "/zones/" + sibling + "/purge_cache"
		}
		if res := e.call(http.MethodPost, path, testToken, map[string]any{"hosts": []string{"example.com"}}); res.Status != 200 {
			t.Fatalf("request %d: %d", i, res.Status)
		}
	}
	res := e.call(http.MethodPost, "/zones/"+sibling+"/purge_cache", testToken, map[string]any{"purge_everything": true})
	if res.Status != 429 || res.Header.Get("Retry-After") != "12" {
		t.Fatalf("26th flex purge of the account: %d Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	e.clock.Advance(12 * time.Second)
	if res := e.purge(map[string]any{"prefixes": []string{"example.com/a/"}}); res.Status != 200 {
		t.Fatalf("after 12 s: %d", res.Status)
	}
}

func TestAPIWindowAndBlock(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		withLimits(func(l *limits.Limits) { l.APIRequestsPerWindow, l.APIWindowSeconds = 5, 60 })(c)
		c.APIBlockDuration = 2 * time.Minute
	})
	get := func(token string) *response { return e.call(http.MethodGet, "/zones", token, nil) }
	for i := 1; i <= 5; i++ {
		res := get(testToken)
		want := `"default";r=` + strconv.Itoa(5-i) + `;t=60`
		if res.Status != 200 || res.Header.Get("Ratelimit") != want || res.Header.Get("Ratelimit-Policy") != `"burst";q=5;w=60` {
			t.Fatalf("request %d: %d Ratelimit %q Policy %q", i, res.Status, res.Header.Get("Ratelimit"), res.Header.Get("Ratelimit-Policy"))
		}
	}
	res := get(testToken)
	if res.Status != 429 || res.code() != codeAPIRateLimited || res.Header.Get("Retry-After") != "120" ||
		res.Header.Get("Ratelimit") != `"default";r=0;t=120` {
		t.Fatalf("6th request: %d %v %s", res.Status, res.Header, res.Body)
	}
	// The block covers every endpoint, purge included, and nothing is purged.
	if res := e.purge(map[string]any{"purge_everything": true}); res.Status != 429 || res.code() != codeAPIRateLimited {
		t.Fatalf("purge while blocked: %d", res.Status)
	}
	if rec, _ := e.srv.Purges(DefaultZoneID); rec.Everything != 0 {
		t.Fatal("blocked purge was recorded")
	}
	// Other tokens have their own window.
	if res := get(testAcctToken); res.Status != 200 {
		t.Fatalf("other token: %d", res.Status)
	}
	e.clock.Advance(61 * time.Second) // the window is over but the block is not
	if res := get(testToken); res.Status != 429 || res.Header.Get("Retry-After") != "59" {
		t.Fatalf("still blocked: %d Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	e.clock.Advance(59 * time.Second)
	if res := get(testToken); res.Status != 200 || res.Header.Get("Ratelimit") != `"default";r=4;t=60` {
		t.Fatalf("after the block: %d %q", res.Status, res.Header.Get("Ratelimit"))
	}
}

func TestFaultedRequestsPurgeNothing(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		status []int // acceptable statuses; nil: connection error
	}{
		{"fail", func(c *Config) { c.FailRate = 1 }, []int{500, 502, 503}},
		{"throttle", func(c *Config) { c.Throttle429Rate = 1 }, []int{429}},
		{"reset", func(c *Config) { c.ResetRate = 1 }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				tc.mutate(c)
				withLimits(func(l *limits.Limits) { l.APIRequestsPerWindow = 3 })(c)
			})
			for i := 0; i < 5; i++ {
				req, _ := http.NewRequest(http.MethodPost, e.http.URL+BasePath+"/zones/"+DefaultZoneID+"/purge_cache",
					strings.NewReader(`{"files":["https://example.com/a"]}`))
				req.Header.Set("Authorization", "Bearer "+testToken)
				res, err := e.http.Client().Do(req)
				if tc.status == nil {
					if err == nil {
						res.Body.Close()
						t.Fatalf("reset connection answered %d", res.StatusCode)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if !containsInt(tc.status, res.StatusCode) {
					t.Fatalf("status %d, want one of %v", res.StatusCode, tc.status)
				}
				if res.StatusCode == 429 && res.Header.Get("Retry-After") != "1" {
					t.Errorf("injected 429 Retry-After %q", res.Header.Get("Retry-After"))
				}
				if res.Header.Get("Ratelimit") != `"default";r=3;t=300` {
					t.Errorf("faulted answer counted against the window: %q", res.Header.Get("Ratelimit"))
				}
			}
			if rec, _ := e.srv.Purges(DefaultZoneID); rec.Total() != 0 {
				t.Errorf("faulted requests purged %+v", rec)
			}
			if u, f := e.srv.PurgeTokens(DefaultZoneID); u != 800 || f != 25 {
				t.Errorf("faulted requests consumed tokens: %v URLs, %v flex left", u, f)
			}
			st := e.srv.Stats()
			if tc.status == nil && (st.Resets != 5 || st.Count(EndpointPurge, 0) != 5) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// A client that retries every failed batch until it succeeds gets every
// item purged exactly once: faults happen before processing.
func TestRetryingClientPurgesEachItemOnce(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.FailRate, c.ResetRate, c.Throttle429Rate, c.Seed = 0.2, 0.1, 0.1, 42
		c.Zones[0].Plan = limits.Enterprise
	})
	const batches, perBatch = 40, 25
	attempts := 0
	for b := 0; b < batches; b++ {
		body := map[string]any{"files": urls(perBatch, "b"+strconv.Itoa(b))}
		for {
			attempts++
			if attempts > 10*batches {
				t.Fatal("too many attempts")
			}
			status, err := rawPurge(e, body)
			if err == nil && status == 200 {
				break
			}
		}
	}
	rec, _ := e.srv.Purges(DefaultZoneID)
	if len(rec.Files) != batches*perBatch {
		t.Fatalf("%d distinct files purged, want %d", len(rec.Files), batches*perBatch)
	}
	for k, n := range rec.Files {
		if n != 1 {
			t.Fatalf("%s purged %d times", k, n)
		}
	}
	st := e.srv.Stats()
	if attempts == batches || st.Resets == 0 || st.TooManyRequests == 0 {
		t.Errorf("faults were not injected: %d attempts, stats %+v", attempts, st)
	}
}

func rawPurge(e *env, body any) (int, error) {
	req, err := http.NewRequest(http.MethodPost, e.http.URL+BasePath+"/zones/"+DefaultZoneID+"/purge_cache",
		strings.NewReader(mustJSON(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := e.http.Client().Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func TestFaultsAreDeterministic(t *testing.T) {
	run := func(seed uint64) []int {
		e := newEnv(t, func(c *Config) { c.FailRate, c.Throttle429Rate, c.Seed = 0.3, 0.3, seed })
		var out []int
		for i := 0; i < 30; i++ {
			out = append(out, e.call(http.MethodGet, "/zones", testToken, nil).Status)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if !equalInts(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if equalInts(a, c) {
		t.Errorf("different seeds, same faults: %v", a)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLatencyHonoursCancellation(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Latency = 20 * time.Millisecond })
	start := time.Now()
	if res := e.call(http.MethodGet, "/zones", testToken, nil); res.Status != 200 {
		t.Fatal(res.Status)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Error("latency not applied")
	}
	client := e.http.Client()
	client.Timeout = 5 * time.Millisecond
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+BasePath+"/zones", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if _, err := client.Do(req); err == nil || !isTimeout(err) {
		t.Errorf("want a client timeout, got %v", err)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
