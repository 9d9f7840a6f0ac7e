package purge

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// fakeClock advances whenever someone waits on it: a timer fires at once,
// with the clock moved to its deadline. Runs take no real time, and their
// virtual duration is exactly what the pacing imposed.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return fakeTimer(ch)
}

type fakeTimer chan time.Time

func (t fakeTimer) C() <-chan time.Time { return t }
func (t fakeTimer) Stop() bool          { return false }

// fakeAPI is a purge endpoint: it records every value it accepted, refuses
// batches above maxItems like Cloudflare does, and fails calls as told.
type fakeAPI struct {
	clock    *fakeClock
	maxItems int
	bad      map[string]bool // values refused with a 400 (whole batch)
	inject   func(call int, req Request) error

	mu       sync.Mutex
	calls    int
	sizes    []int
	sends    []time.Time
	accepted map[string]int
}

func newFakeAPI(c *fakeClock) *fakeAPI { return &fakeAPI{clock: c, accepted: map[string]int{}} }

func key(value string, hs []Header) string {
	var b strings.Builder
	b.WriteString(value)
	for _, h := range hs {
		b.WriteString("|" + h.Name + "=" + h.Value)
	}
	return b.String()
}

func (f *fakeAPI) Send(ctx context.Context, req Request) (*Response, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.sizes = append(f.sizes, len(req.Items))
	f.sends = append(f.sends, f.clock.Now())
	inject := f.inject
	f.mu.Unlock()
	if inject != nil {
		if err := inject(call, req); err != nil {
			return nil, err
		}
	}
	if f.maxItems > 0 && len(req.Items) > f.maxItems {
		return nil, &APIError{Status: 400, Codes: []int{1015}, Message: fmt.Sprintf("You can purge at most %d files per request", f.maxItems)}
	}
	for _, it := range req.Items {
		if f.bad[it.Value] {
			return nil, &APIError{Status: 400, Codes: []int{1012}, Message: "Invalid url: " + it.Value}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Kind == KindEverything {
		f.accepted["everything"]++
	}
	for _, it := range req.Items {
		f.accepted[key(it.Value, it.Headers)]++
	}
	return &Response{Header: http.Header{}}, nil
}

func urlEntries(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Value: fmt.Sprintf("https://example.com/p/%d", i), Source: "-", Line: i + 1}
	}
	return out
}

func config(api *fakeAPI, kind Kind, plan limits.Plan) RunConfig {
	return RunConfig{
		Kind: kind, Limits: limits.Default().For(plan), Sender: api, Clock: api.clock,
		Jitter: rand.New(rand.NewPCG(1, 2)).Float64,
	}
}

// checkExactlyOnce asserts the run's promise: every entry is either purged
// (each of its forms accepted exactly once) or in Failed (and, unless a call
// timed out, not accepted at all), and the counts add up.
func checkExactlyOnce(t *testing.T, api *fakeAPI, entries []Entry, res Result) {
	t.Helper()
	failed := map[int]bool{}
	for _, f := range res.Failed {
		failed[f.Entry.Line] = true
	}
	if res.Purged+len(res.Failed) != len(entries) || res.Total != len(entries) {
		t.Fatalf("purged %d + failed %d != %d entries", res.Purged, len(res.Failed), len(entries))
	}
	for _, e := range entries {
		for i := 0; i < e.NumForms(); i++ {
			n := api.accepted[key(e.form(i), e.Headers)]
			if failed[e.Line] && n > 1 || !failed[e.Line] && n != 1 {
				t.Fatalf("%s form %d accepted %d times (failed=%v)", e.Value, i, n, failed[e.Line])
			}
		}
	}
}

func TestRunPurgesEverything(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	entries := urlEntries(250)
	var progress []Progress
	cfg := config(api, KindURL, limits.Free)
	cfg.OnProgress = func(p Progress) { progress = append(progress, p) }
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 250 || res.Requests != 3 || res.Retries != 0 || res.Err != nil || res.Interrupted || res.BatchSize != 100 {
		t.Errorf("result = %+v", res)
	}
	if len(progress) != 3 || progress[2].Done != 250 || progress[2].Total != 250 {
		t.Errorf("progress = %+v", progress)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Done < progress[i-1].Done {
			t.Errorf("progress went back: %+v", progress)
		}
	}
}

// The batcher: how entries (and their forms) are cut into requests.
func TestBatches(t *testing.T) {
	two := func(n int) []Entry {
		es := urlEntries(n)
		for i := range es {
			es[i].Forms = []string{es[i].Value, es[i].Value + "%C3%A9"}
		}
		return es
	}
	ent := limits.Default().For(limits.Enterprise)
	tests := []struct {
		name    string
		kind    Kind
		entries []Entry
		l       limits.Limits
		size    int
		want    []int
	}{
		{"empty", KindURL, nil, free, 0, []int{}},
		{"one", KindURL, urlEntries(1), free, 0, []int{1}},
		{"exact", KindURL, urlEntries(200), free, 0, []int{100, 100}},
		{"remainder", KindURL, urlEntries(201), free, 0, []int{100, 100, 1}},
		{"enterprise files", KindURL, urlEntries(1200), ent, 0, []int{500, 500, 200}},
		{"size override", KindURL, urlEntries(70), free, 30, []int{30, 30, 10}},
		{"override above the plan is capped", KindURL, urlEntries(150), free, 1000, []int{100, 50}},
		{"forms count as values", KindURL, two(75), free, 0, []int{100, 50}},
		{"flex", KindTag, urlEntries(250), ent, 0, []int{100, 100, 50}},
		{"everything", KindEverything, nil, free, 0, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := Batches(tt.kind, tt.entries, tt.l, tt.size)
			got := []int{}
			for _, r := range reqs {
				got = append(got, len(r.Items))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sizes = %v, want %v", got, tt.want)
			}
			// Run forms the same batches.
			api := newFakeAPI(newFakeClock())
			cfg := config(api, tt.kind, tt.l.Plan)
			cfg.Limits, cfg.BatchSize, cfg.Concurrency = tt.l, tt.size, 1
			res := Run(context.Background(), cfg, tt.entries)
			if fmt.Sprint(api.sizes) != fmt.Sprint(tt.want) && !(len(tt.want) == 0 && len(api.sizes) == 0) {
				t.Errorf("Run sent %v, want %v", api.sizes, tt.want)
			}
			if tt.kind != KindEverything {
				checkExactlyOnce(t, api, tt.entries, res)
			}
		})
	}
	// The forms of one entry stay next to each other.
	r := Batches(KindURL, two(1), free, 0)[0]
	if r.Items[0].Value != "https://example.com/p/0" || r.Items[1].Value != "https://example.com/p/0%C3%A9" {
		t.Errorf("forms: %+v", r.Items)
	}
}

func TestRunSplitsOnTooLargeAndKeepsSmallerSize(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	api.maxItems = 30
	entries := urlEntries(1000)
	res := Run(context.Background(), config(api, KindURL, limits.Free), entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 1000 || res.BatchSize != 30 || res.Err != nil {
		t.Fatalf("result = %+v", res)
	}
	// Only the batches sent before the first refusal came back (at most
	// Concurrency of them) were too large; each split into 30+30+30+10.
	large := 0
	for _, n := range api.sizes {
		if n > 30 {
			large++
		}
	}
	if large != res.Splits || res.Splits > DefaultConcurrency || res.Requests != res.Splits*5+(1000-100*res.Splits+29)/30 {
		t.Errorf("splits %d requests %d sizes %v: the smaller size was not kept", res.Splits, res.Requests, api.sizes)
	}
}

func TestSizeLimit(t *testing.T) {
	tests := []struct {
		msg  string
		n    int
		want int
		ok   bool
	}{
		{"You can purge at most 30 files per request", 100, 30, true},
		{"Only 30 files can be purged per request", 100, 30, true},
		{"you cannot provide more than 100 items", 500, 100, true},
		{"Request too large", 100, 50, true},
		{"Too many files", 7, 3, true},
		{"exceeds the maximum of 1000 keys", 100, 50, true}, // the number is no help: half
		{"Invalid url", 100, 0, false},
		{"Only http and https URLs allowed", 100, 0, false},
		{"Invalid url in files[3]", 100, 0, false},
		{"1 files invalid", 100, 0, false},
		{"At most 100 items per request", 100, 50, true},
	}
	for _, tt := range tests {
		got, ok := sizeLimit(tt.msg, tt.n)
		if got != tt.want || ok != tt.ok {
			t.Errorf("sizeLimit(%q, %d) = %d %v, want %d %v", tt.msg, tt.n, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRunIsolatesRefusedItem(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	entries := urlEntries(100)
	api.bad = map[string]bool{entries[37].Value: true}
	res := Run(context.Background(), config(api, KindURL, limits.Free), entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 99 || len(res.Failed) != 1 || res.Failed[0].Entry.Line != 38 ||
		res.Failed[0].Reason != "HTTP 400 (code 1012): Invalid url: "+entries[37].Value || res.BatchSize != 100 || res.Err != nil {
		t.Errorf("result = %+v", res)
	}
	// 1 + 2 + 2 + ... halving down to one item: about 2·log2(100) calls.
	if res.Requests > 15 {
		t.Errorf("%d requests to isolate one item", res.Requests)
	}
}

func TestRunRetriesTransientErrors(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	// Drawn per batch (batchFaults), not in arrival order: with 30% of
	// calls failing, 12 retries give up only on 13 faults in a row, and
	// which batch met a dense stretch of one shared stream was the
	// scheduler's choice (about once in 10,000 runs).
	injected, limited := 0, 0
	api.inject = newBatchDraws(7, func(rng *rand.Rand) error {
		var err error
		switch x := rng.IntN(10); x {
		case 0:
			err = &APIError{Status: 502, Message: "Bad Gateway"}
		case 1:
			err = fmt.Errorf("read tcp: %w", syscall.ECONNRESET)
		case 2:
			err = &APIError{Status: 429, Codes: []int{1134}, Message: "Unable to purge, rate limit reached", RetryAfter: 3 * time.Second}
		case 3:
			err = context.DeadlineExceeded
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == 429 {
			limited++
		} else if err != nil {
			injected++
		}
		return err
	}).inject
	entries := urlEntries(5000)
	for i := range entries {
		if i%3 == 0 {
			entries[i].Forms = []string{entries[i].Value, entries[i].Value + "?e"}
		}
	}
	cfg := config(api, KindURL, limits.Free)
	cfg.MaxRetries = 12 // 40% of calls fail: 5 retries would give up on a batch now and then
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	// Retries counts the faults the server saw (issue 10: "retries reported
	// 42 where the server saw 33 faults"); 429s are counted apart.
	if res.Retries != injected || res.RateLimited != limited {
		t.Errorf("retries %d, injected faults %d; rate limited %d, injected 429s %d; failed %d", res.Retries, injected, res.RateLimited, limited, len(res.Failed))
	}
	if res.Purged != 5000 || res.Err != nil {
		t.Errorf("result: purged %d failed %d err %v first %+v", res.Purged, len(res.Failed), res.Err, res.Failed[0])
	}
}

func TestRunGivesUpAfterMaxRetries(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	entries := urlEntries(150)
	api.inject = func(call int, req Request) error {
		if req.Items[0].Value == entries[0].Value {
			return &APIError{Status: 503, Message: "Service Unavailable"}
		}
		return nil
	}
	cfg := config(api, KindURL, limits.Free)
	cfg.MaxRetries = 2
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 50 || len(res.Failed) != 100 || res.Retries != 2 ||
		res.Failed[0].Reason != "gave up after 2 retries: HTTP 503: Service Unavailable" {
		t.Errorf("result: purged %d failed %d retries %d reason %q", res.Purged, len(res.Failed), res.Retries, res.Failed[0].Reason)
	}
}

func TestRun429PausesAllSenders(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	var pausedAt time.Time
	api.inject = func(call int, req Request) error {
		if call == 5 {
			pausedAt = clock.Now()
			return &APIError{Status: 429, Message: "rate limited", RetryAfter: 20 * time.Second}
		}
		return nil
	}
	entries := urlEntries(3000)
	cfg := config(api, KindURL, limits.Pro)
	cfg.Concurrency = 1
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 3000 || res.Retries != 0 || res.RateLimited != 1 {
		t.Fatalf("result = %+v", res)
	}
	if gap := api.sends[5].Sub(pausedAt); gap < 20*time.Second {
		t.Errorf("next send %v after the 429, want >= Retry-After 20s", gap)
	}
}

func TestRunAuthFailureStops(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	api.inject = func(call int, req Request) error {
		if call == 3 {
			return &APIError{Status: 403, Codes: []int{10000}, Message: "Authentication error"}
		}
		return nil
	}
	entries := urlEntries(1000)
	cfg := config(api, KindURL, limits.Free)
	cfg.Concurrency = 1
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	var ae *APIError
	if !errors.As(res.Err, &ae) || !ae.IsAuth() || res.Purged != 200 || api.calls != 3 || res.Interrupted {
		t.Fatalf("result: err %v purged %d calls %d", res.Err, res.Purged, api.calls)
	}
	if res.Failed[0].Reason != "HTTP 403 (code 10000): Authentication error" ||
		!strings.HasPrefix(res.Failed[100].Reason, "not sent: run stopped: HTTP 403") {
		t.Errorf("reasons %q / %q", res.Failed[0].Reason, res.Failed[100].Reason)
	}
}

func TestRunStopsOnNotFoundAndFatalErrors(t *testing.T) {
	for name, err := range map[string]error{
		"404": &APIError{Status: 404, Codes: []int{7003}, Message: "Could not route"},
		"tls": errors.New("tls: failed to verify certificate"),
	} {
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(newFakeClock())
			api.inject = func(int, Request) error { return err }
			cfg := config(api, KindTag, limits.Enterprise)
			cfg.Concurrency = 1
			res := Run(context.Background(), cfg, urlEntries(1000))
			if res.Err == nil || api.calls != 1 || len(res.Failed) != 1000 {
				t.Errorf("err %v calls %d failed %d", res.Err, api.calls, len(res.Failed))
			}
		})
	}
}

func TestRunBreakerStopsRepeatedRefusals(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	api.inject = func(int, Request) error {
		return &APIError{Status: 400, Codes: []int{1107}, Message: "Purge by tag is not available on this plan"}
	}
	cfg := config(api, KindTag, limits.Enterprise)
	cfg.Concurrency = 1
	res := Run(context.Background(), cfg, urlEntries(10_000))
	if res.Err == nil || !strings.Contains(res.Err.Error(), "10 failed requests in a row") || api.calls > 30 || len(res.Failed) != 10_000 {
		t.Errorf("err %v calls %d failed %d", res.Err, api.calls, len(res.Failed))
	}
}

func TestRunCancelled(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api.inject = func(call int, req Request) error {
		if call == 3 {
			cancel() // Ctrl-C while this request is in flight: it still completes
		}
		return nil
	}
	entries := urlEntries(1000)
	cfg := config(api, KindURL, limits.Free)
	cfg.Concurrency = 1
	res := Run(ctx, cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if !res.Interrupted || res.Purged != 300 || api.calls != 3 || len(res.Failed) != 700 || res.Failed[0].Reason != ReasonInterrupted {
		t.Errorf("result: interrupted %v purged %d calls %d failed %d", res.Interrupted, res.Purged, api.calls, len(res.Failed))
	}
}

func TestRunCancelledGraceExpires(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	sender := SenderFunc(func(rctx context.Context, req Request) (*Response, error) {
		switch calls.Add(1) {
		case 1: // hangs until the grace period is over
			<-rctx.Done()
			return nil, rctx.Err()
		case 2: // Ctrl-C; this one completes
			cancel()
			return &Response{}, nil
		}
		t.Error("a request started after the interrupt")
		return &Response{}, nil
	})
	// A batch size confirmed by an earlier run: no probe, two at once.
	b := NewBudget(free, DefaultJitterTolerance)
	b.LearnBatchSize(KindURL, Cap{Size: 100, Confirmed: true})
	cfg := RunConfig{Kind: KindURL, Limits: free, Sender: sender, Clock: newFakeClock(), Concurrency: 2, Budget: b}
	res := Run(ctx, cfg, urlEntries(1000))
	reasons := map[string]int{}
	for _, f := range res.Failed {
		reasons[f.Reason]++
	}
	if !res.Interrupted || res.Purged != 100 || reasons[ReasonInterrupted] != 800 ||
		reasons["not confirmed: interrupted while the request was in flight"] != 100 {
		t.Errorf("purged %d, reasons %v", res.Purged, reasons)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	if res := Run(context.Background(), RunConfig{Kind: KindURL, Sender: newFakeAPI(newFakeClock())}, urlEntries(1)); res.Err == nil {
		t.Error("zero limits accepted")
	}
	if res := Run(context.Background(), RunConfig{Kind: KindURL, Limits: free}, urlEntries(1)); res.Err == nil {
		t.Error("nil Sender accepted")
	}
}

func TestRunEverything(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	res := Run(context.Background(), config(api, KindEverything, limits.Free), nil)
	if res.Purged != 1 || res.Total != 1 || res.Requests != 1 || api.accepted["everything"] != 1 {
		t.Errorf("result = %+v", res)
	}
}

func TestRunObservesRatelimitHeader(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	// A server whose API budget (5 calls per fixed 60 s window) is far below
	// the plan's: only its Ratelimit header can keep the run from 429s.
	var mu sync.Mutex
	var windowStart time.Time
	used, refused := 0, 0
	hdr := SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		mu.Lock()
		now := clock.Now()
		if windowStart.IsZero() || now.Sub(windowStart) >= time.Minute {
			windowStart, used = now, 0
		}
		used++
		h := http.Header{}
		h.Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, max(0, 5-used), int((time.Minute-now.Sub(windowStart)).Seconds())))
		over := used > 5
		if over {
			refused++
		}
		mu.Unlock()
		if over {
			return nil, &APIError{Status: 429, Message: "rate limited", RetryAfter: time.Minute - now.Sub(windowStart), Header: h}
		}
		resp, err := api.Send(ctx, req)
		if resp != nil {
			resp.Header = h
		}
		return resp, err
	})
	cfg := config(api, KindURL, limits.Enterprise)
	cfg.Sender, cfg.Concurrency = hdr, 1
	res := Run(context.Background(), cfg, urlEntries(10_000))
	if res.Purged != 10_000 || refused > 1 {
		t.Errorf("purged %d, refused %d (the first window is unknown until a response)", res.Purged, refused)
	}
}

// The benchmark, in virtual time: 100,000 URLs on Free buckets must
// finish within 1.10 × the ideal (here much closer, as there is no latency),
// and with 10% injected 5xx within 1.05 (issue 10: a 5xx the server did not
// count gives its purge tokens back, Pace.Refund; it took 1.125 before),
// nothing lost.
func TestRunPacingAgainstIdeal(t *testing.T) {
	for _, tc := range []struct {
		name     string
		plan     limits.Plan
		urls     int
		failRate int // percent
		bound    float64
	}{
		{"free 100k", limits.Free, 100_000, 0, 1.01},
		{"free 100k 10% 5xx", limits.Free, 100_000, 10, 1.05},
		{"free 300k window-bound", limits.Free, 300_000, 0, 1.01},
		{"enterprise 700k, bucket then window", limits.Enterprise, 700_000, 0, 1.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && tc.urls > 100_000 {
				t.Skip("long")
			}
			clock := newFakeClock()
			api := newFakeAPI(clock)
			faults := newBatchFaults(3, tc.failRate)
			api.inject = faults.inject
			entries := urlEntries(tc.urls)
			cfg := config(api, KindURL, tc.plan)
			res := Run(context.Background(), cfg, entries)
			checkExactlyOnce(t, api, entries, res)
			ideal := Estimate(KindURL, tc.urls, cfg.Limits, 0).Ideal
			ratio := float64(res.Duration) / float64(ideal)
			t.Logf("%d requests, %d retries, %v vs ideal %v: ratio %.4f", res.Requests, res.Retries, res.Duration, ideal, ratio)
			if res.Retries != faults.count() {
				t.Errorf("%d retries, %d faults injected", res.Retries, faults.count())
			}
			if res.Purged != tc.urls || ratio > tc.bound || ratio < 1 {
				t.Errorf("purged %d, ratio %.4f > %.2f", res.Purged, ratio, tc.bound)
				// Say why, for whoever meets it next: a batch that gave up
				// after MaxRetries was once the test's doing (batchFaults).
				if len(res.Failed) > 0 {
					t.Logf("%d failed; the first: %s: %s; run error: %v", len(res.Failed), res.Failed[0].Entry.Value, res.Failed[0].Reason, res.Err)
				}
			}
		})
	}
}

// batchFaults fails about rate percent of calls with a 500, drawn per batch
// (named by its first value) from a stream of the batch's own, so the n-th
// attempt of a batch meets the same answer whatever order the calls arrive
// in. TestRunPacingAgainstIdeal drew them from one stream in arrival order,
// and the arrival order is the scheduler's: on the fake clock the dispatcher
// may send up to Concurrency batches before their goroutines run, in any
// order. So the scheduler chose which batch met the faults of a dense stretch
// of that stream (8 in draws 124 to 149), and now and then (once in ~30 runs
// under -race in CI) one batch met six of them, e.g. draws 124, 129, 133,
// 140, 148 and 149, and failed with "gave up after 5 retries", as
// DefaultMaxRetries says it must (interface.md: 5xx "retry with jittered
// backoff up to --max-retries"): 1,122 requests, Err nil, and a run one
// batch's refill (125 ms) shorter. The engine dropped nothing and did not
// stop early; the test failed on a schedule.
type batchFaults struct {
	seed uint64
	draw func(*rand.Rand) error // called under mu

	mu      sync.Mutex
	streams map[string]*rand.Rand
	n       int // faults injected
}

func newBatchFaults(seed uint64, rate int) *batchFaults {
	return newBatchDraws(seed, func(rng *rand.Rand) error {
		if rng.IntN(100) < rate {
			return &APIError{Status: 500, Message: "Internal Server Error"}
		}
		return nil
	})
}

// newBatchDraws is batchFaults with the answer drawn by draw from the
// batch's own stream.
func newBatchDraws(seed uint64, draw func(*rand.Rand) error) *batchFaults {
	return &batchFaults{seed: seed, draw: draw, streams: map[string]*rand.Rand{}}
}

func (f *batchFaults) inject(_ int, req Request) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := req.Items[0].Value
	rng := f.streams[first]
	if rng == nil {
		h := fnv.New64a()
		h.Write([]byte(first))
		rng = rand.New(rand.NewPCG(f.seed, h.Sum64()))
		f.streams[first] = rng
	}
	err := f.draw(rng)
	if err != nil {
		f.n++
	}
	return err
}

func (f *batchFaults) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// The faults a batch meets do not depend on the order in which the calls of
// several batches arrive (see batchFaults): here three batches' attempts
// arrive one batch after another, then round-robin, and each batch meets
// the same answers both ways.
func TestBatchFaultsIgnoreArrivalOrder(t *testing.T) {
	req := func(b int) Request {
		return Request{Kind: KindURL, Items: []WireItem{{Value: fmt.Sprintf("https://example.com/p/%d", b*100)}}}
	}
	const batches, attempts = 3, 40
	outcomes := func(order [][2]int) [batches][attempts]bool {
		f := newBatchFaults(3, 50)
		var out [batches][attempts]bool
		for _, ba := range order {
			out[ba[0]][ba[1]] = f.inject(0, req(ba[0])) != nil
		}
		return out
	}
	var batchMajor, roundRobin [][2]int
	for b := range batches {
		for a := range attempts {
			batchMajor = append(batchMajor, [2]int{b, a})
		}
	}
	for a := range attempts {
		for b := range batches {
			roundRobin = append(roundRobin, [2]int{b, a})
		}
	}
	x, y := outcomes(batchMajor), outcomes(roundRobin)
	for b := range batches {
		for a := range attempts {
			if x[b][a] != y[b][a] {
				t.Fatalf("batch %d, attempt %d: failed %v when the batches come one after another, %v round-robin", b, a, x[b][a], y[b][a])
			}
		}
	}
}

// Issue 10 ("10 % 5xx + 5 % resets ≤ 1.15"): the retry backoff follows
// the faults in a row across the run, not the batch's own attempts, so a
// batch that fails twice with a success in between waits about BackoffBase
// each time (it waited 2× longer the second time, and a run's last batch
// could sit seconds behind an exponential backoff while the API was fine).
func TestBackoffFollowsFaultsInARowNotAttempts(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	var mu sync.Mutex
	fails := map[string]int{}
	api.inject = func(_ int, req Request) error {
		mu.Lock()
		defer mu.Unlock()
		first := req.Items[0].Value
		if first == "https://example.com/p/0" && fails[first] < 2 {
			fails[first]++
			return &APIError{Status: 502, Message: "Bad Gateway"}
		}
		return nil
	}
	entries := urlEntries(200)
	cfg := config(api, KindURL, limits.Enterprise)
	cfg.Concurrency, cfg.BatchSize = 1, 100
	cfg.Jitter = func() float64 { return 0.999 }
	cfg.Budget = NewBudget(cfg.Limits, DefaultJitterTolerance)
	cfg.Budget.LearnBatchSize(KindURL, Cap{Size: 100, Confirmed: true})
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 200 || res.Retries != 2 {
		t.Fatalf("purged %d, retries %d", res.Purged, res.Retries)
	}
	// Two waits of about BackoffBase each (the other batch succeeded in
	// between); doubling would make it about 3 × BackoffBase.
	if limit := DefaultBackoffBase * 5 / 2; res.Duration > limit {
		t.Fatalf("run took %v, want under %v (two backoffs of about %v)", res.Duration, limit, DefaultBackoffBase)
	}
}

// A 429 is Cloudflare asking to wait: it never counts against MaxRetries
// (interface.md "Waiting and giving up"), so a run with no retries at all
// still waits the 429s out and purges everything.
func TestRun429IsNotARetry(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	api.inject = func(call int, req Request) error {
		switch call {
		case 1, 2, 3:
			return &APIError{Status: 429, Message: "rate limited", RetryAfter: 2 * time.Second}
		case 4, 5, 6, 7, 8, 9, 10, 11:
			return &APIError{Status: 429, Message: "rate limited"} // no Retry-After: backoff, not a retry either
		}
		return nil
	}
	entries := urlEntries(250)
	cfg := config(api, KindURL, limits.Free)
	cfg.MaxRetries = -1
	cfg.Concurrency = 1
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	if res.Purged != 250 || len(res.Failed) != 0 || res.Err != nil || res.Requests != 14 {
		t.Fatalf("purged %d failed %d err %v requests %d", res.Purged, len(res.Failed), res.Err, res.Requests)
	}
}

// A wait longer than MaxWait stops the run at once: nothing more is sent,
// every entry not confirmed fails with the reason, and the run does not sit
// through the hour (its virtual duration stays far below it).
func TestRunStopsWhenAskedToWaitLongerThanMaxWait(t *testing.T) {
	for _, c := range []struct {
		name    string
		maxWait time.Duration
		err     *APIError
		want    string
	}{
		{"retry-after", 0, &APIError{Status: 429, Message: "rate limited", RetryAfter: time.Hour},
			"Cloudflare asked to wait 1h0m0s (Retry-After), longer than --max-wait 5m0s"},
		{"ratelimit reset of a 429", time.Minute, &APIError{Status: 429, Message: "rate limited", Header: http.Header{"Ratelimit": {`"default";r=0;t=90`}}},
			"Cloudflare asked to wait 1m30s (Ratelimit reset), longer than --max-wait 1m0s"},
		{"no wait allowed", -1, &APIError{Status: 429, Message: "rate limited", RetryAfter: time.Second},
			"Cloudflare asked to wait 1s (Retry-After), longer than --max-wait 0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := newFakeClock()
			api := newFakeAPI(clock)
			api.inject = func(call int, req Request) error {
				if call == 3 {
					return c.err
				}
				return nil
			}
			entries := urlEntries(500)
			cfg := config(api, KindURL, limits.Free)
			cfg.Concurrency, cfg.MaxWait = 1, c.maxWait
			res := Run(context.Background(), cfg, entries)
			checkExactlyOnce(t, api, entries, res)
			var werr *WaitTooLongError
			if !errors.As(res.Err, &werr) || res.Err.Error() != c.want {
				t.Fatalf("err = %v, want %q", res.Err, c.want)
			}
			if res.Purged != 200 || len(res.Failed) != 300 || api.calls != 3 {
				t.Fatalf("purged %d failed %d calls %d", res.Purged, len(res.Failed), api.calls)
			}
			if res.Failed[0].Reason != c.want || !strings.HasSuffix(res.Failed[299].Reason, c.want) {
				t.Errorf("reasons %q … %q", res.Failed[0].Reason, res.Failed[299].Reason)
			}
			if res.Duration >= werr.Asked {
				t.Errorf("the run waited %v", res.Duration)
			}
		})
	}
}

// 429s that name no wait are backed off without counting as retries, but
// the backoffs add up and MaxWait bounds their sum: an API (or a proxy in
// front of it) that answers nothing but bare 429s cannot hold a run forever.
func TestRunBare429sAreBoundedByMaxWait(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	api.inject = func(call int, req Request) error {
		if call >= 2 {
			return &APIError{Status: 429, Message: "rate limited"}
		}
		return nil
	}
	cfg := config(api, KindURL, limits.Free)
	cfg.Concurrency, cfg.MaxWait = 1, 2*time.Minute
	cfg.MaxRetries = -1
	done := make(chan Result, 1)
	go func() { done <- Run(context.Background(), cfg, urlEntries(300)) }()
	var res Result
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the run is still retrying bare 429s after a minute of real time")
	}
	var werr *WaitTooLongError
	if !errors.As(res.Err, &werr) || werr.Asked <= 2*time.Minute || !strings.Contains(res.Err.Error(), "429s that named no wait") {
		t.Fatalf("err = %v, want a WaitTooLongError over 2m for bare 429s", res.Err)
	}
	if res.Purged != 100 || len(res.Failed) != 200 || api.calls < 4 {
		t.Fatalf("purged %d failed %d calls %d: want the first batch purged and the bare 429s retried a few times", res.Purged, len(res.Failed), api.calls)
	}
}

// The reset of a used-up Ratelimit budget on a successful answer is also a
// wait Cloudflare asks for, bounded the same way.
func TestRunStopsWhenRatelimitBudgetResetsTooLate(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	snd := SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		resp, err := api.Send(ctx, req)
		if resp != nil {
			resp.Header.Set("Ratelimit", `"default";r=0;t=3600`)
		}
		return resp, err
	})
	cfg := config(api, KindURL, limits.Free)
	cfg.Sender, cfg.Concurrency = snd, 1
	res := Run(context.Background(), cfg, urlEntries(300))
	if want := "Cloudflare asked to wait 1h0m0s (Ratelimit reset), longer than --max-wait 5m0s"; res.Err == nil || res.Err.Error() != want {
		t.Fatalf("err = %v, want %q", res.Err, want)
	}
	if res.Purged != 100 || len(res.Failed) != 200 || api.calls != 1 || res.Duration >= time.Hour {
		t.Fatalf("purged %d failed %d calls %d duration %v", res.Purged, len(res.Failed), api.calls, res.Duration)
	}
}

// While a 429 is waited out, progress says when sending resumes.
func TestRunProgressSaysWhenItResumes(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	var at time.Time
	api.inject = func(call int, req Request) error {
		if call == 2 {
			at = clock.Now()
			return &APIError{Status: 429, Message: "rate limited", RetryAfter: 42 * time.Second}
		}
		return nil
	}
	var mu sync.Mutex
	var resumes []time.Time
	cfg := config(api, KindURL, limits.Free)
	cfg.Concurrency = 1
	cfg.OnProgress = func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if !p.ResumeAt.IsZero() {
			resumes = append(resumes, p.ResumeAt)
		}
	}
	res := Run(context.Background(), cfg, urlEntries(300))
	if res.Purged != 300 {
		t.Fatalf("purged %d", res.Purged)
	}
	if len(resumes) == 0 || !resumes[0].Equal(at.Add(42*time.Second)) {
		t.Fatalf("resume times %v, want %v first", resumes, at.Add(42*time.Second))
	}
}

// A 429's pause that another process (or an earlier zone of this run)
// recorded in the shared budget is bounded by this run's own --max-wait,
// and said to be a Retry-After (review of issue 10, finding 3: a stored
// 3-minute pause was sat out under --max-wait 2s).
func TestRunBoundsAPauseRecordedByAnotherRun(t *testing.T) {
	for _, why := range []WaitReason{WaitPurgeLimit, WaitAPILimit} {
		clock := newFakeClock()
		api := newFakeAPI(clock)
		cfg := config(api, KindURL, limits.Free)
		b := NewBudget(cfg.Limits, 0)
		// Another run got a 429 asking for 3 minutes, a second ago.
		b.Answered(clock.Now().Add(-time.Second), Answer{Kind: KindURL, Until: clock.Now().Add(179 * time.Second), Reason: why, Source: "Retry-After"})
		cfg.Budget, cfg.Concurrency, cfg.MaxWait = b, 1, 2*time.Second
		res := Run(context.Background(), cfg, urlEntries(10))
		if want := "Cloudflare asked to wait 2m59s (Retry-After), longer than --max-wait 2s"; res.Err == nil || res.Err.Error() != want {
			t.Fatalf("%s: err = %v, want %q", why, res.Err, want)
		}
		if api.calls != 0 || len(res.Failed) != 10 || res.Duration >= time.Minute {
			t.Fatalf("%s: calls %d failed %d duration %v", why, api.calls, len(res.Failed), res.Duration)
		}
		// A pause shorter than --max-wait is waited out.
		clock = newFakeClock()
		api = newFakeAPI(clock)
		cfg = config(api, KindURL, limits.Free)
		b = NewBudget(cfg.Limits, 0)
		b.Answered(clock.Now(), Answer{Kind: KindURL, Until: clock.Now().Add(time.Second), Reason: why, Source: "Retry-After"})
		cfg.Budget, cfg.Concurrency, cfg.MaxWait = b, 1, 2*time.Second
		if res := Run(context.Background(), cfg, urlEntries(10)); res.Err != nil || res.Purged != 10 {
			t.Fatalf("%s: short pause: err %v purged %d", why, res.Err, res.Purged)
		}
	}
}
