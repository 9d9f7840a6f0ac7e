package purge

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Issue 10: "4 batches of 100 refused before the cap of 30 was learned".
// Until a size is confirmed by a success, one request probes it; the
// others wait, so a lower cap costs one refusal, not Concurrency of them.
func TestRunProbesBatchSizeBeforeOpeningUp(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	api.maxItems = 30
	entries := urlEntries(3000)
	cfg := config(api, KindURL, limits.Free)
	cfg.Concurrency = 4
	res := Run(context.Background(), cfg, entries)
	checkExactlyOnce(t, api, entries, res)
	refused := 0
	for _, n := range api.sizes {
		if n > 30 {
			refused++
		}
	}
	if refused != 1 || res.BatchSize != 30 || res.Purged != 3000 {
		t.Errorf("%d requests over the cap (sizes %v...), batch %d, purged %d", refused, api.sizes[:min(8, len(api.sizes))], res.BatchSize, res.Purged)
	}
}

// Learn once: a later run on the same budget starts at the learned cap,
// already confirmed, so it neither probes nor is refused.
func TestLaterRunStartsAtLearnedCap(t *testing.T) {
	clock := newFakeClock()
	api := newFakeAPI(clock)
	api.maxItems = 30
	budget := NewBudget(free, DefaultJitterTolerance)
	cfg := config(api, KindURL, limits.Free)
	cfg.Budget = budget
	Run(context.Background(), cfg, urlEntries(300))
	if c := budget.BatchSize(KindURL); c != (Cap{30, true}) {
		t.Fatalf("learned %+v", c)
	}
	api2 := newFakeAPI(clock)
	api2.maxItems = 30
	var mu sync.Mutex
	inflight, most := 0, 0
	cfg.Sender = SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		mu.Lock()
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		time.Sleep(time.Millisecond) // real time: lets the dispatcher fill the slots
		defer func() { mu.Lock(); inflight--; mu.Unlock() }()
		return api2.Send(ctx, req)
	})
	res := Run(context.Background(), cfg, urlEntries(600))
	if api2.sizes[0] != 30 || res.Splits != 0 || res.Purged != 600 {
		t.Errorf("second run: first request of %d, %d splits, purged %d", api2.sizes[0], res.Splits, res.Purged)
	}
	if most < 2 {
		t.Errorf("a confirmed cap still probed: at most %d in flight", most)
	}
}

// The engine marks the calls its budget counted, so that an API transport
// counting every call (pkg/budget) does not count them twice.
func TestRunMarksRequestsCounted(t *testing.T) {
	api := newFakeAPI(newFakeClock())
	unmarked := 0
	snd := SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		if !Counted(ctx) {
			unmarked++
		}
		return api.Send(ctx, req)
	})
	cfg := config(api, KindURL, limits.Free)
	cfg.Sender, cfg.Concurrency = snd, 1
	Run(context.Background(), cfg, urlEntries(250))
	if unmarked != 0 || Counted(context.Background()) {
		t.Errorf("%d purge calls not marked as counted", unmarked)
	}
}

// Progress gives the ETA from the plan's rate on what is left plus the wait
// under way, and names whose limit the wait is.
func TestProgressETAAndWaitReason(t *testing.T) {
	for _, c := range []struct {
		name string
		err  *APIError
		want WaitReason
	}{
		{"purge bucket", &APIError{Status: 429, Codes: []int{1134}, Message: "Unable to purge, rate limit reached", RetryAfter: 40 * time.Second}, WaitPurgeLimit},
		{"API limit", &APIError{Status: 429, Codes: []int{971}, Message: "Please wait", RetryAfter: 40 * time.Second}, WaitAPILimit},
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
			var mu sync.Mutex
			var ps []Progress
			cfg := config(api, KindURL, limits.Free)
			cfg.Concurrency = 1
			cfg.OnProgress = func(p Progress) {
				mu.Lock()
				ps = append(ps, p)
				mu.Unlock()
			}
			res := Run(context.Background(), cfg, urlEntries(10_000))
			if res.RateLimited != 1 || res.Retries != 0 || res.Purged != 10_000 {
				t.Fatalf("rate limited %d, retries %d, purged %d", res.RateLimited, res.Retries, res.Purged)
			}
			// After the 429 (the third answer): waiting, the ETA counts
			// the 40 s wait and the 9,800 URLs left at 800/s.
			p := ps[2]
			left := RemainingTime(KindURL, 9800, cfg.Limits, 100)
			if p.WaitReason != c.want || p.Paused != 40*time.Second || p.ETA != 40*time.Second+left || p.RateLimited != 1 {
				t.Errorf("after the 429: %+v, want reason %q, ETA %v", p, c.want, 40*time.Second+left)
			}
			// Before it, no wait to show, and the ETA is the pacing's.
			if p := ps[0]; p.WaitReason != "" || p.ETA != RemainingTime(KindURL, 9900, cfg.Limits, 100) {
				t.Errorf("first answer: %+v", p)
			}
			last := ps[len(ps)-1]
			if last.ETA != 0 || last.WaitReason != "" {
				t.Errorf("last progress: %+v", last)
			}
		})
	}
}

func TestRemainingTime(t *testing.T) {
	l := limits.Default().For(limits.Free)
	for _, c := range []struct {
		kind  Kind
		units int
		batch int
		want  time.Duration
	}{
		{KindURL, 8000, 100, 10 * time.Second},         // the bucket: 800 URLs/s
		{KindURL, 1_000_000, 30, 27 * 5 * time.Minute}, // 33,334 requests: the window binds
		{KindTag, 50, 10, time.Minute},                 // 5 requests at 5/min
		{KindEverything, 1, 1, 0},
	} {
		if got := RemainingTime(c.kind, c.units, l, c.batch); got != c.want {
			t.Errorf("RemainingTime(%s, %d, %d) = %v, want %v", c.kind, c.units, c.batch, got, c.want)
		}
	}
}
