package purge

import (
	"context"
	"sync"
	"sync/atomic"
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
	if c := budget.BatchSize(KindURL); c != (Cap{Size: 30, Confirmed: true}) {
		t.Fatalf("learned %+v", c)
	}
	api2 := newFakeAPI(clock)
	api2.maxItems = 30
	// The first request waits for a second one to start: with a
	// confirmed cap the run does not probe, so one does (a probe would
	// leave the first alone until the timeout).
	second := make(chan struct{})
	var once sync.Once
	var calls atomic.Int32
	concurrent := true
	cfg.Sender = SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		if calls.Add(1) == 1 {
			select {
			case <-second:
			case <-time.After(10 * time.Second):
				concurrent = false
			}
		} else {
			once.Do(func() { close(second) })
		}
		return api2.Send(ctx, req)
	})
	res := Run(context.Background(), cfg, urlEntries(600))
	if api2.sizes[0] != 30 || res.Splits != 0 || res.Purged != 600 {
		t.Errorf("second run: first request of %d, %d splits, purged %d", api2.sizes[0], res.Splits, res.Purged)
	}
	if !concurrent {
		t.Error("a confirmed cap still probed: one request at a time")
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
			// The clock holds the long sleep after the 429 until progress
			// has been reported, so the snapshot after it is taken before
			// the fake clock jumps past the wait.
			gate := make(chan struct{})
			var mu sync.Mutex
			var after *Progress
			var bad []Progress
			cfg := config(api, KindURL, limits.Free)
			cfg.Clock = gatedClock{clock, gate}
			cfg.Concurrency = 1
			cfg.OnProgress = func(p Progress) {
				mu.Lock()
				defer mu.Unlock()
				if p.RateLimited == 1 && after == nil {
					after = &p
					close(gate)
					return
				}
				// Without a wait, the ETA is the pacing's on what is left.
				if p.WaitReason == "" && p.ETA != RemainingTime(KindURL, p.Total-p.Done-p.Failed, cfg.Limits, p.BatchSize) {
					bad = append(bad, p)
				}
			}
			res := Run(context.Background(), cfg, urlEntries(10_000))
			if res.RateLimited != 1 || res.Retries != 0 || res.Purged != 10_000 {
				t.Fatalf("rate limited %d, retries %d, purged %d", res.RateLimited, res.Retries, res.Purged)
			}
			// Right after the 429 (the third answer): waiting 40 s, and the
			// ETA counts the wait and the 9,800 URLs left at 800/s.
			want := 40*time.Second + RemainingTime(KindURL, 9800, cfg.Limits, 100)
			if p := after; p == nil || p.WaitReason != c.want || p.Paused != 40*time.Second || p.ETA != want {
				t.Errorf("after the 429: %+v, want reason %q, ETA %v", p, c.want, want)
			}
			if len(bad) > 0 {
				t.Errorf("ETA off the pacing model: %+v", bad[0])
			}
		})
	}
}

// gatedClock is a fakeClock whose timers of 30 s or more wait for gate.
type gatedClock struct {
	*fakeClock
	gate chan struct{}
}

func (c gatedClock) NewTimer(d time.Duration) Timer {
	if d >= 30*time.Second {
		<-c.gate
	}
	return c.fakeClock.NewTimer(d)
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

// Callers take turns per bucket: a tag purge is not queued behind a URL
// purge waiting for the URL bucket.
func TestTurnsArePerBucket(t *testing.T) {
	b := NewBudget(free, 0)
	for b.p.Purge.URL.Tokens > 0 || b.p.Purge.URL.Last.IsZero() {
		if ok, _ := b.TryTake(t0, Take{Caller: "url-run", Kind: KindURL, Units: 100}); !ok {
			break
		}
	}
	if ok, _ := b.TryTake(t0, Take{Caller: "url-run", Kind: KindURL, Units: 100}); ok {
		t.Fatal("the URL bucket is not empty")
	}
	if ok, w := b.TryTake(t0, Take{Caller: "tag-run", Kind: KindTag, Units: 30}); !ok {
		t.Errorf("a tag purge waits behind the URL queue: %+v", w)
	}
	// A second URL caller does queue behind the first, one send apart.
	_, w1 := b.TryTake(t0, Take{Caller: "url-run", Kind: KindURL, Units: 100})
	_, w2 := b.TryTake(t0, Take{Caller: "url-run-2", Kind: KindURL, Units: 100})
	if d := w2.Until.Sub(w1.Until); d != 125*time.Millisecond {
		t.Errorf("second URL caller's turn %v after the first's, want one send's refill (125ms)", d)
	}
}
