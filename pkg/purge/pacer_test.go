package purge

import (
	"net/http"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/ratelimit"
)

var t0 = time.Unix(1_700_000_000, 0)

func TestBucket(t *testing.T) {
	b := newBucket(10, 20, 0, t0) // 10 tokens/s, burst 20
	if got := b.readyAt(t0, 20); !got.Equal(t0) {
		t.Fatalf("full bucket: ready at %v", got.Sub(t0))
	}
	b.take(t0, 20)
	if got := b.readyAt(t0, 5); got.Sub(t0) != 500*time.Millisecond {
		t.Errorf("5 tokens at 10/s: %v", got.Sub(t0))
	}
	if got := b.readyAt(t0, 50); got.Sub(t0) != 2*time.Second {
		t.Errorf("more than the burst waits for a full bucket: %v", got.Sub(t0))
	}
	// Refill caps at the burst.
	if l := b.level(t0.Add(time.Hour)); l != 20 {
		t.Errorf("level after an hour = %v", l)
	}
	b.drain(t0.Add(time.Hour))
	if l := b.level(t0.Add(time.Hour)); l != 0 {
		t.Errorf("drained level = %v", l)
	}
	// The reserve delays by exactly its refill time.
	r := newBucket(10, 20, 2, t0)
	r.take(t0, 20)
	if got := r.readyAt(t0, 5); got.Sub(t0) != 700*time.Millisecond {
		t.Errorf("with reserve 2: %v", got.Sub(t0))
	}
}

// simulate drives a pacer the way the dispatcher does (send as soon as
// allowed, zero latency) and returns the send times.
func simulate(p pacer, requests, units int) []time.Time {
	now := t0
	out := make([]time.Time, 0, requests)
	for i := 0; i < requests; i++ {
		now, _ = p.ReadyAt(now, p.kind, units)
		p.Take(now, p.kind, units)
		out = append(out, now)
	}
	return out
}

// pacer is a Pace on fresh states for one kind, as a run starts with.
type pacer struct {
	Pace
	kind Kind
}

func newPacer(kind Kind, l limits.Limits, tolerance time.Duration, _ time.Time) pacer {
	return pacer{Pace{Purge: &PurgeState{}, API: &APIState{}, Limits: l, Tolerance: tolerance}, kind}
}

func TestPacerURLBucketMatchesIdeal(t *testing.T) {
	l := limits.Default().For(limits.Free)
	p := newPacer(KindURL, l, DefaultJitterTolerance, t0)
	sends := simulate(p, 1000, 100)
	if n := countAt(sends, t0); n != 7 {
		t.Errorf("%d sends at once; the 800-URL burst minus the jitter reserve holds 7 of 100", n)
	}
	got := sends[len(sends)-1].Sub(t0)
	ideal := Estimate(KindURL, 100_000, l, 0).Ideal
	if ideal != 124*time.Second || got < ideal || float64(got) > 1.01*float64(ideal) {
		t.Errorf("last send at %v, ideal %v", got, ideal)
	}
}

func countAt(ts []time.Time, at time.Time) int {
	n := 0
	for _, x := range ts {
		if x.Equal(at) {
			n++
		}
	}
	return n
}

func TestPacerFlexBucket(t *testing.T) {
	l := limits.Default().For(limits.Free) // 5/min, burst 25
	p := newPacer(KindTag, l, 0, t0)
	sends := simulate(p, 27, 100)
	if countAt(sends, t0) != 25 || sends[25].Sub(t0) != 12*time.Second || sends[26].Sub(t0) != 24*time.Second {
		t.Errorf("flex sends: 25 at once, then one per 12 s; got %v %v", sends[25].Sub(t0), sends[26].Sub(t0))
	}
}

func TestPacerSlidingWindow(t *testing.T) {
	l := limits.Default().For(limits.Enterprise)
	l.APIRequestsPerWindow, l.APIWindowSeconds = 3, 10
	l.FlexPurgeBurst, l.FlexPurgeRate = 1000, 1000
	p := newPacer(KindHost, l, 0, t0)
	sends := simulate(p, 7, 1)
	want := []time.Duration{0, 0, 0, 10 * time.Second, 10 * time.Second, 10 * time.Second, 20 * time.Second}
	for i, w := range want {
		if got := sends[i].Sub(t0); got != w {
			t.Errorf("send %d at %v, want %v", i, got, w)
		}
	}
	// The invariant, whatever the bucket: no window holds more than N sends.
	l = limits.Default().For(limits.Enterprise)
	p = newPacer(KindTag, l, 0, t0)
	checkWindow(t, simulate(p, 3000, 1), l.APIRequestsPerWindow, l.APIWindow())
}

func checkWindow(t *testing.T, sends []time.Time, n int, w time.Duration) {
	t.Helper()
	for i := n; i < len(sends); i++ {
		if d := sends[i].Sub(sends[i-n]); d < w {
			t.Fatalf("sends %d and %d are %v apart: %d sends in less than %v", i-n, i, d, n+1, w)
		}
	}
}

func TestPacerRatelimitHeaders(t *testing.T) {
	l := limits.Default().For(limits.Enterprise)
	p := newPacer(KindTag, l, 0, t0)
	h := http.Header{}
	h.Set("Ratelimit", `"default";r=3;t=30`)
	p.Observe(t0, h, 1) // one request still in flight: 2 left for us
	sends := simulate(p, 3, 1)
	if sends[0] != t0 || sends[1] != t0 || sends[2].Sub(t0) != 30*time.Second {
		t.Errorf("header budget: sends at %v %v %v", sends[0].Sub(t0), sends[1].Sub(t0), sends[2].Sub(t0))
	}
	// A stricter announced policy becomes a sliding window of its own.
	p = newPacer(KindTag, l, 0, t0)
	h = http.Header{}
	h.Set("Ratelimit-Policy", `"burst";q=2;w=5`)
	p.Observe(t0, h, 0)
	sends = simulate(p, 5, 1)
	if sends[2].Sub(t0) != 5*time.Second || sends[4].Sub(t0) != 10*time.Second {
		t.Errorf("policy window: %v %v", sends[2].Sub(t0), sends[4].Sub(t0))
	}
}

func TestPacerPause(t *testing.T) {
	l := limits.Default().For(limits.Pro)
	p := newPacer(KindURL, l, 0, t0)
	p.Throttle(t0, t0.Add(7*time.Second), KindURL, WaitPurgeLimit, "Retry-After")
	if got, why := p.ReadyAt(t0, KindURL, 100); got.Sub(t0) != 7*time.Second || why != WaitPurgeLimit {
		t.Errorf("ready after pause at %v", got.Sub(t0))
	}
	// The 429 also empties the bucket: after a short pause it must refill.
	p = newPacer(KindURL, l, 0, t0)
	p.Throttle(t0, t0.Add(10*time.Millisecond), KindURL, WaitPurgeLimit, "Retry-After")
	p.Purge.RateFactor = 0 // the multiplicative decrease is tested on its own
	if got, _ := p.ReadyAt(t0, KindURL, 100); got.Sub(t0).Round(time.Microsecond) != 66667*time.Microsecond {
		t.Errorf("ready after short pause at %v", got.Sub(t0))
	}
}

func TestParseHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("Ratelimit", `"default";r=50;t=30, "other";r=7;t=5`)
	rl, ok := ParseRatelimit(h)
	if !ok || rl.Remaining != 7 || rl.Reset != 5*time.Second {
		t.Errorf("ParseRatelimit = %+v %v", rl, ok)
	}
	if _, ok := ParseRatelimit(http.Header{"Ratelimit": {"garbage"}}); ok {
		t.Error("garbage parsed")
	}
	h.Set("Ratelimit-Policy", `"burst";q=100;w=60`)
	if pol := ParseRatelimitPolicy(h); len(pol) != 1 || pol[0] != (RatelimitPolicy{100, time.Minute}) {
		t.Errorf("policy = %+v", pol)
	}
	for v, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "0.5": 500 * time.Millisecond, "x": 0,
		// A broken server's NaN is nothing to wait for; Inf or 1e300 is
		// longer than any --max-wait (it overflowed to a negative wait).
		"NaN": 0, "Inf": ratelimit.Forever, "1e300": ratelimit.Forever,
		t0.Add(90 * time.Second).UTC().Format(http.TimeFormat): 90 * time.Second} {
		if got := ParseRetryAfter(http.Header{"Retry-After": {v}}, t0); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}

func TestEstimate(t *testing.T) {
	tbl := limits.Default()
	tests := []struct {
		kind     Kind
		plan     limits.Plan
		units    int
		batch    int
		requests int
		ideal    time.Duration
	}{
		{KindURL, limits.Free, 100_000, 0, 1000, 124 * time.Second},
		{KindURL, limits.Free, 800, 0, 8, 0},
		{KindURL, limits.Free, 100_000, 30, 3334, 634_025_000_000},        // the bucket, then the window: 3334 requests > 2×1200
		{KindURL, limits.Enterprise, 1_000_000, 0, 2000, 432_333_333_334}, // 1200 in 199 s, wait for the window, 800 more
		{KindTag, limits.Free, 10_000, 0, 100, 900 * time.Second},
		{KindPrefix, limits.Business, 5_000, 0, 50, 0},
		{KindHost, limits.Pro, 1, 0, 1, 0},
		{KindEverything, limits.Free, 0, 0, 1, 0},
		{KindTag, limits.Free, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		e := Estimate(tt.kind, tt.units, tbl.For(tt.plan), tt.batch)
		if e.Requests != tt.requests || e.Ideal != tt.ideal {
			t.Errorf("Estimate(%s, %s, %d) = %d requests %v, want %d %v", tt.kind, tt.plan, tt.units, e.Requests, e.Ideal, tt.requests, tt.ideal)
		}
		if e.Ideal < e.BucketTime || e.Ideal < e.WindowTime {
			t.Errorf("Estimate(%s, %s, %d): ideal %v below a single limit's %v / %v", tt.kind, tt.plan, tt.units, e.Ideal, e.BucketTime, e.WindowTime)
		}
	}
}
