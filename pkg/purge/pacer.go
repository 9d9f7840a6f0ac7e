package purge

import (
	"math"
	"net/http"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// bucket is a token bucket on an explicit time line (no clock of its own), so
// it can be driven by a fake clock or by a simulation.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
	// reserve is kept back so that a request arriving a little earlier than
	// planned (network jitter) still finds enough tokens at Cloudflare.
	reserve float64
}

func newBucket(rate float64, burst int, reserve float64, now time.Time) bucket {
	b := float64(burst)
	return bucket{rate: rate, burst: b, tokens: b, last: now, reserve: math.Min(reserve, b/2)}
}

func (b *bucket) level(now time.Time) float64 {
	if !now.After(b.last) {
		return b.tokens
	}
	return math.Min(b.burst, b.tokens+b.rate*now.Sub(b.last).Seconds())
}

// readyAt is the earliest time (not before now) at which n tokens are
// available on top of the reserve.
func (b *bucket) readyAt(now time.Time, n float64) time.Time {
	need := math.Min(n+b.reserve, b.burst)
	have := b.level(now)
	if have >= need-1e-9 {
		return now
	}
	// Round up to the next nanosecond so that, at the returned time, the
	// tokens are really there and the caller does not spin.
	wait := time.Duration(math.Ceil((need - have) / b.rate * 1e9))
	return now.Add(wait)
}

func (b *bucket) take(now time.Time, n float64) {
	b.tokens = b.level(now) - n
	if now.After(b.last) {
		b.last = now
	}
}

// drain empties the bucket: Cloudflare said (with a 429) that its bucket is
// empty, whatever ours thought.
func (b *bucket) drain(now time.Time) {
	b.tokens = math.Min(b.tokens, 0)
	if now.After(b.last) {
		b.last = now
	}
}

// windowLimit is "at most quota sends in any window".
type windowLimit struct {
	quota  int
	window time.Duration
}

// pacer decides when the next request may go out. It combines the plan's
// purge bucket (URLs for single-file purge, requests for flex purge and purge
// everything), the whole-API limit as a sliding window over the times of past
// sends (plus any stricter Ratelimit-Policy the API announces), the budget of
// the last Ratelimit header, and a global pause after a 429. It has no clock
// and no lock: the executor calls it under its mutex with the time.
type pacer struct {
	flex       bool
	bucket     bucket
	windows    []windowLimit
	sends      []time.Time // ring buffer of the latest send times
	head, n    int
	margin     time.Duration
	hdrActive  bool
	hdrBudget  int
	hdrUsed    int
	hdrReset   time.Time
	pauseUntil time.Time
}

// maxHistory caps the ring buffer if a server announces a huge quota.
const maxHistory = 100_000

func newPacer(kind Kind, l limits.Limits, tolerance time.Duration, now time.Time) *pacer {
	p := &pacer{flex: kind.flex(), margin: tolerance}
	if p.flex {
		p.bucket = newBucket(l.FlexPurgeRate, l.FlexPurgeBurst, l.FlexPurgeRate*tolerance.Seconds(), now)
	} else {
		p.bucket = newBucket(l.URLPurgeRate, l.URLPurgeBurst, l.URLPurgeRate*tolerance.Seconds(), now)
	}
	if l.APIRequestsPerWindow > 0 && l.APIWindowSeconds > 0 {
		p.addWindow(windowLimit{l.APIRequestsPerWindow, l.APIWindow()})
	}
	return p
}

func (p *pacer) addWindow(w windowLimit) {
	for _, have := range p.windows {
		if have == w {
			return
		}
	}
	p.windows = append(p.windows, w)
	if size := min(w.quota, maxHistory); size > len(p.sends) {
		grown := make([]time.Time, size)
		for i := 0; i < p.n; i++ {
			grown[i] = p.nthLatest(p.n - i)
		}
		p.sends, p.head = grown, p.n%size
	}
}

// nthLatest is the time of the k-th most recent send (k=1: the latest).
func (p *pacer) nthLatest(k int) time.Time {
	i := (p.head - k) % len(p.sends)
	if i < 0 {
		i += len(p.sends)
	}
	return p.sends[i]
}

// cost is what a request of units values takes from the purge bucket.
func (p *pacer) cost(units int) float64 {
	if p.flex {
		return 1
	}
	return float64(units)
}

// readyAt is the earliest time, not before now, that a request of units
// values may be sent.
func (p *pacer) readyAt(now time.Time, units int) time.Time {
	t := now
	if p.pauseUntil.After(t) {
		t = p.pauseUntil
	}
	if b := p.bucket.readyAt(t, p.cost(units)); b.After(t) {
		t = b
	}
	for _, w := range p.windows {
		if q := min(w.quota, len(p.sends)); p.n >= q {
			// The send q places back must have left the window (plus a
			// margin for latency differences between requests).
			if free := p.nthLatest(q).Add(w.window + p.margin); free.After(t) {
				t = free
			}
		}
	}
	if p.hdrActive && t.Before(p.hdrReset) && p.hdrUsed >= p.hdrBudget {
		t = p.hdrReset
	}
	return t
}

// take records a send at now.
func (p *pacer) take(now time.Time, units int) {
	p.bucket.take(now, p.cost(units))
	if len(p.sends) > 0 {
		p.sends[p.head] = now
		p.head = (p.head + 1) % len(p.sends)
		p.n = min(p.n+1, len(p.sends))
	}
	if p.hdrActive {
		if now.Before(p.hdrReset) {
			p.hdrUsed++
		} else {
			p.hdrActive = false
		}
	}
}

// observe reads the rate-limit headers of a response. The Ratelimit header's
// "r calls remain in the next t seconds" becomes a budget: requests still in
// flight were probably not counted yet, so they are subtracted. A
// Ratelimit-Policy quota becomes one more sliding window.
func (p *pacer) observe(now time.Time, h http.Header, inflight int) {
	if h == nil {
		return
	}
	if rl, ok := ParseRatelimit(h); ok && rl.Reset > 0 {
		p.hdrActive = true
		p.hdrBudget = rl.Remaining - inflight
		p.hdrUsed = 0
		p.hdrReset = now.Add(rl.Reset)
	}
	for _, pol := range ParseRatelimitPolicy(h) {
		p.addWindow(windowLimit{pol.Quota, pol.Window})
	}
}

// budgetWait is how long until the reset of a Ratelimit budget that is used
// up; 0 when the header sets no wait.
func (p *pacer) budgetWait(now time.Time) time.Duration {
	if p.hdrActive && now.Before(p.hdrReset) && p.hdrUsed >= p.hdrBudget {
		return p.hdrReset.Sub(now)
	}
	return 0
}

// pause stops every send until the given time (a 429's Retry-After) and
// empties the purge bucket, which Cloudflare has just said is empty.
func (p *pacer) pause(now, until time.Time) {
	if until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	p.bucket.drain(now)
}

// PlanEstimate is the dry-run plan of a purge.
type PlanEstimate struct {
	Units     int // values to send
	BatchSize int // values per request
	Requests  int
	// Ideal is the shortest time the plan's limits allow from the first
	// request to the last: every request sent the moment the purge bucket
	// and the API window both allow it, with fresh buckets, zero latency and
	// no retries. This is what the benchmark divides wall time by.
	Ideal time.Duration
	// BucketTime and WindowTime are what each limit alone would impose;
	// Ideal is at least their maximum, more when both bind in turn.
	BucketTime time.Duration
	WindowTime time.Duration
}

// Estimate plans a purge of units values of kind under limits l. batchSize 0
// means the plan's values per request; purge everything is one request.
// Ideal is computed by running the executor's own pacing rules over a
// virtual time line (O(requests), microseconds per thousand requests).
func Estimate(kind Kind, units int, l limits.Limits, batchSize int) PlanEstimate {
	if def := defaultBatchSize(kind, l); batchSize <= 0 || batchSize > def {
		batchSize = def
	}
	e := PlanEstimate{Units: units, BatchSize: batchSize}
	if kind == KindEverything {
		e.Units, e.Requests = 1, 1
		return e
	}
	if units <= 0 {
		return e
	}
	e.Requests = (units + batchSize - 1) / batchSize
	if checkLimits(l) != nil {
		return e // no pacing to estimate
	}
	seconds := func(s float64) time.Duration { return time.Duration(math.Ceil(s * 1e9)) }
	if kind.flex() {
		if over := e.Requests - l.FlexPurgeBurst; over > 0 {
			e.BucketTime = seconds(float64(over) / l.FlexPurgeRate)
		}
	} else if over := units - l.URLPurgeBurst; over > 0 {
		e.BucketTime = seconds(float64(over) / l.URLPurgeRate)
	}
	if n := l.APIRequestsPerWindow; n > 0 {
		e.WindowTime = time.Duration((e.Requests-1)/n) * l.APIWindow()
	}
	var start time.Time
	p := newPacer(kind, l, 0, start)
	p.margin = 0
	now := start
	for left := units; left > 0; left -= batchSize {
		n := min(left, batchSize)
		now = p.readyAt(now, n)
		p.take(now, n)
	}
	e.Ideal = now.Sub(start)
	return e
}

func defaultBatchSize(kind Kind, l limits.Limits) int {
	if kind.flex() {
		return max(1, l.FlexItemsPerRequest)
	}
	return max(1, min(l.URLsPerRequest, l.URLPurgeBurst))
}
