package purge

import (
	"encoding/binary"
	"errors"
	"math"
	"net/http"
	"slices"
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

// maxHistory caps the send history if a server announces a huge quota.
const maxHistory = 100_000

// WaitReason says why sending waits, in the words progress shows.
type WaitReason string

const (
	// WaitAPILimit is Cloudflare's whole-API limit of one token (1,200
	// requests per 5 minutes), or the reset of a Ratelimit budget used up.
	WaitAPILimit WaitReason = "Cloudflare's API limit"
	// WaitPurgeLimit is a 429 from the account's purge bucket.
	WaitPurgeLimit WaitReason = "purge rate limit"
)

// PurgeState is the pacing state of one account's purge buckets on one plan
// (Cloudflare keeps them per account: interface.md "Pacing is per account").
// It holds no configuration and no clock, so it can live in memory or in a
// file shared by processes (pkg/budget) and be driven by Pace either way.
type PurgeState struct {
	URL  BucketState `json:"url"`
	Flex BucketState `json:"flex"`
	// PauseUntil is the end of a 429's wait: nothing is sent before it.
	PauseUntil time.Time  `json:"pause_until,omitzero"`
	PauseWhy   WaitReason `json:"pause_why,omitempty"`
	// PauseSource names what asked for the pause ("Retry-After",
	// "Ratelimit reset"), empty for a backoff cfcache chose itself: a
	// pause Cloudflare asked for is bounded by each run's own --max-wait
	// when that run meets it (TryTake's Wait.Asked), whichever process or
	// zone received the 429 (review of issue 10, finding 3).
	PauseSource string `json:"pause_source,omitempty"`
	// RateFactor scales the buckets' refill rates: halved-ish on a 429
	// (multiplicative decrease), raised a little on every success (additive
	// increase), so clients that share no state (other machines) converge
	// on the rate the account allows. 0 means 1.
	RateFactor float64   `json:"rate_factor,omitempty"`
	RaisedAt   time.Time `json:"raised_at,omitzero"` // the last additive increase
	// Caps are the per-request caps learned from "too many items" answers,
	// by bucket ("url", "flex").
	Caps map[string]Cap `json:"caps,omitempty"`
	// Waiters queue the callers refused a send, oldest first, so that no
	// caller (run, process) starves another.
	Waiters []Waiter `json:"waiters,omitempty"`
}

// BucketState is a token bucket's level at a time; zero means full.
type BucketState struct {
	Tokens float64   `json:"tokens"`
	Last   time.Time `json:"last,omitzero"`
}

// Cap is a learned per-request cap; Confirmed once a request of that size
// succeeded.
type Cap struct {
	Size      int  `json:"size"`
	Confirmed bool `json:"confirmed,omitempty"`
	// Learned is when the cap was learned or last confirmed (wall clock;
	// set by a Budget that outlives the process, pkg/budget, which forgets
	// a cap not seen for a week so a cap Cloudflare has raised since is
	// found again). Zero in memory.
	Learned time.Time `json:"learned,omitempty"`
}

// Waiter is a caller waiting for its turn.
type Waiter struct {
	ID     string    `json:"id"`
	Bucket string    `json:"bucket"` // "url" or "flex"
	Since  time.Time `json:"since"`
	// Expires drops a waiter that did not come back (a killed process).
	Expires time.Time `json:"expires"`
}

// APIState is the whole-API pacing state of one token: the times of its
// recent sends (sliding windows), any stricter window a Ratelimit-Policy
// announced, the last Ratelimit budget, and a pause after an API-limit 429.
type APIState struct {
	Sends      SendLog        `json:"-"` // stored apart, in binary (pkg/budget)
	Policies   []PolicyWindow `json:"policies,omitempty"`
	Header     *HeaderBudget  `json:"header,omitempty"`
	PauseUntil time.Time      `json:"pause_until,omitzero"`
	// PauseSource is PurgeState.PauseSource for the API pause.
	PauseSource string `json:"pause_source,omitempty"`
}

// SendLog is the times of past sends, in unix nanoseconds, ascending. Its
// binary form is their varint deltas: a full 1,200-call window is a few
// kilobytes that decode in microseconds, which keeps a take on the shared
// state file (pkg/budget) far under a millisecond (as JSON numbers, the
// parse alone took a third of one).
type SendLog []int64

// AppendBinary appends the binary form of l to buf.
func (l SendLog) AppendBinary(buf []byte) ([]byte, error) {
	var prev int64
	for _, t := range l {
		buf = binary.AppendVarint(buf, t-prev)
		prev = t
	}
	return buf, nil
}

// UnmarshalBinary reads the form AppendBinary writes.
func (l *SendLog) UnmarshalBinary(buf []byte) error {
	out := make(SendLog, 0, len(buf)/4)
	var prev int64
	for len(buf) > 0 {
		d, n := binary.Varint(buf)
		if n <= 0 {
			return errors.New("bad send log")
		}
		prev += d
		out = append(out, prev)
		buf = buf[n:]
	}
	*l = out
	return nil
}

// PolicyWindow is a Ratelimit-Policy quota.
type PolicyWindow struct {
	Quota  int           `json:"quota"`
	Window time.Duration `json:"window"`
}

// HeaderBudget is "budget calls remain until reset" from a Ratelimit header.
type HeaderBudget struct {
	Budget int       `json:"budget"`
	Used   int       `json:"used"`
	Reset  time.Time `json:"reset"`
}

// Pace applies the pacing rules to the states of one account and one token.
// It is pure: callers hold whatever lock guards the states.
type Pace struct {
	Purge  *PurgeState
	API    *APIState
	Limits limits.Limits
	// Tolerance is the network jitter absorbed (RunConfig.JitterTolerance).
	Tolerance time.Duration
}

func bucketName(kind Kind) string {
	if kind.flex() {
		return "flex"
	}
	return "url"
}

// bucket returns the bucket of kind at its stored level; put stores it back.
func (p Pace) bucket(kind Kind, now time.Time) bucket {
	f := p.Purge.RateFactor
	if f <= 0 || f > 1 {
		f = 1
	}
	var b bucket
	st := p.Purge.URL
	if kind.flex() {
		b = newBucket(p.Limits.FlexPurgeRate*f, p.Limits.FlexPurgeBurst, p.Limits.FlexPurgeRate*p.Tolerance.Seconds(), now)
		st = p.Purge.Flex
	} else {
		b = newBucket(p.Limits.URLPurgeRate*f, p.Limits.URLPurgeBurst, p.Limits.URLPurgeRate*p.Tolerance.Seconds(), now)
	}
	if !st.Last.IsZero() {
		b.tokens, b.last = st.Tokens, st.Last
	}
	return b
}

func (p Pace) put(kind Kind, b bucket) {
	st := BucketState{Tokens: b.tokens, Last: b.last}
	if kind.flex() {
		p.Purge.Flex = st
	} else {
		p.Purge.URL = st
	}
}

func (p Pace) windows() []windowLimit {
	var ws []windowLimit
	if p.Limits.APIRequestsPerWindow > 0 && p.Limits.APIWindowSeconds > 0 {
		ws = append(ws, windowLimit{p.Limits.APIRequestsPerWindow, p.Limits.APIWindow()})
	}
	for _, w := range p.API.Policies {
		ws = append(ws, windowLimit{w.Quota, w.Window})
	}
	return ws
}

// cost is what a request of units values takes from the purge bucket.
func cost(kind Kind, units int) float64 {
	if kind.flex() {
		return 1
	}
	return float64(units)
}

// ReadyAt is the earliest time, not before now, that a request of units
// values of kind may be sent, and what it waits for ("" for the purge
// bucket's steady pacing, which is no wait worth showing).
func (p Pace) ReadyAt(now time.Time, kind Kind, units int) (time.Time, WaitReason) {
	return p.readyAt(now, kind, units, p.Tolerance)
}

func (p Pace) readyAt(now time.Time, kind Kind, units int, margin time.Duration) (time.Time, WaitReason) {
	t, why := now, WaitReason("")
	later := func(at time.Time, w WaitReason) {
		if at.After(t) {
			t, why = at, w
		}
	}
	later(p.Purge.PauseUntil, p.Purge.PauseWhy)
	later(p.API.PauseUntil, WaitAPILimit)
	b := p.bucket(kind, now)
	if at := b.readyAt(t, cost(kind, units)); at.After(t) {
		t = at // steady pacing keeps the reason of any pause before it
	}
	for _, w := range p.windows() {
		if q := min(w.quota, maxHistory); len(p.API.Sends) >= q {
			// The send q places back must have left the window (plus a
			// margin for latency differences between requests).
			later(time.Unix(0, p.API.Sends[len(p.API.Sends)-q]).Add(w.window+margin), WaitAPILimit)
		}
	}
	if h := p.API.Header; h != nil && t.Before(h.Reset) && h.Used >= h.Budget {
		later(h.Reset, WaitAPILimit)
	}
	return t, why
}

// TryCount records an API call that is not a purge (a zone lookup, a
// setting) at now when the token's windows allow it; otherwise it returns
// when to try again. Such calls count against the same 1,200 / 5 min as
// purges (issue 10: "count every API request ... including the zone
// lookups").
func (p Pace) TryCount(now time.Time) (bool, time.Time) {
	t := now
	if p.API.PauseUntil.After(t) {
		t = p.API.PauseUntil
	}
	for _, w := range p.windows() {
		if q := min(w.quota, maxHistory); len(p.API.Sends) >= q {
			if at := time.Unix(0, p.API.Sends[len(p.API.Sends)-q]).Add(w.window + p.Tolerance); at.After(t) {
				t = at
			}
		}
	}
	if h := p.API.Header; h != nil && t.Before(h.Reset) && h.Used >= h.Budget {
		t = h.Reset
	}
	if t.After(now) {
		return false, t
	}
	p.Count(now)
	return true, time.Time{}
}

// Take records a send of units values of kind at now.
func (p Pace) Take(now time.Time, kind Kind, units int) {
	b := p.bucket(kind, now)
	b.take(now, cost(kind, units))
	p.put(kind, b)
	p.Count(now)
}

// Refund gives back what a request of units values of kind took from the
// purge bucket when the server did not count it: it answered 5xx or dropped
// the connection before answering (see uncounted). Were Cloudflare to have
// counted it after all, the next send finds its bucket short and gets a 429,
// which is waited out and lowers the rate (Throttle): nothing is lost, and a
// run with 10 % of faults does not spend a tenth of its time on tokens no
// one used (issue 10, "Measure").
func (p Pace) Refund(now time.Time, kind Kind, units int) {
	b := p.bucket(kind, now)
	b.tokens = math.Min(b.burst, b.level(now)+cost(kind, units))
	if now.After(b.last) {
		b.last = now
	}
	p.put(kind, b)
}

// Count records one API call at now in the token's windows (any call: a
// zone lookup counts as a purge does).
func (p Pace) Count(now time.Time) {
	keep := 0
	for _, w := range p.windows() {
		keep = max(keep, min(w.quota, maxHistory))
	}
	if keep > 0 {
		ns := now.UnixNano()
		s := p.API.Sends
		// Sends from several processes may arrive slightly out of order.
		i := len(s)
		for i > 0 && s[i-1] > ns {
			i--
		}
		s = slices.Insert(s, i, ns)
		if len(s) > keep {
			s = s[len(s)-keep:]
		}
		p.API.Sends = s
	}
	if h := p.API.Header; h != nil {
		if now.Before(h.Reset) {
			h.Used++
		} else {
			p.API.Header = nil
		}
	}
}

// Observe reads the rate-limit headers of a response. The Ratelimit header's
// "r calls remain in the next t seconds" becomes a budget: requests still in
// flight were probably not counted yet, so they are subtracted. A
// Ratelimit-Policy quota becomes one more sliding window.
func (p Pace) Observe(now time.Time, h http.Header, inflight int) {
	if h == nil {
		return
	}
	if rl, ok := ParseRatelimit(h); ok && rl.Reset > 0 {
		p.API.Header = &HeaderBudget{Budget: rl.Remaining - inflight, Reset: now.Add(rl.Reset)}
	}
	for _, pol := range ParseRatelimitPolicy(h) {
		w := PolicyWindow(pol)
		if !slices.Contains(p.API.Policies, w) {
			p.API.Policies = append(p.API.Policies, w)
		}
	}
}

// HeaderWait is how long until the reset of a Ratelimit budget that is used
// up; 0 when the header sets no wait.
func (p Pace) HeaderWait(now time.Time) time.Duration {
	if h := p.API.Header; h != nil && now.Before(h.Reset) && h.Used >= h.Budget {
		return h.Reset.Sub(now)
	}
	return 0
}

// Throttle records a 429: every send waits until until, and the bucket of
// kind is emptied (Cloudflare has just said it is) and refills slower
// (multiplicative decrease). An API-limit 429 pauses the token's calls
// instead. source names what asked for the wait ("Retry-After", ...; ""
// for a backoff of cfcache's own), kept with the pause so that every run
// that meets it bounds it by its own --max-wait.
func (p Pace) Throttle(now, until time.Time, kind Kind, why WaitReason, source string) {
	if why == WaitAPILimit {
		if until.After(p.API.PauseUntil) {
			p.API.PauseUntil, p.API.PauseSource = until, source
		}
		return
	}
	if until.After(p.Purge.PauseUntil) {
		p.Purge.PauseUntil, p.Purge.PauseWhy, p.Purge.PauseSource = until, why, source
	}
	b := p.bucket(kind, now)
	b.drain(now)
	p.put(kind, b)
	f := p.Purge.RateFactor
	if f <= 0 || f > 1 {
		f = 1
	}
	p.Purge.RateFactor = max(minRateFactor, f*rateDecrease)
	p.Purge.RaisedAt = now
}

// AIMD constants: a 429 halves the refill rate, never below 5 % (a fair
// share for up to twenty machines); successes give back rateIncrease of the
// plan's rate per second (per second, not per success, so that a faster
// client does not regain its share faster). Tuned on
// TestRunsOnSeveralMachinesConverge: 2 and 4 machines get 5 and about 30
// 429s in all, against 51 and 260 without the decrease.
const (
	rateDecrease  = 0.5
	rateIncrease  = 0.05
	minRateFactor = 0.05
)

// Succeeded raises the refill rate after a success (additive increase).
func (p Pace) Succeeded(now time.Time) {
	f := p.Purge.RateFactor
	if f <= 0 || f >= 1 {
		p.Purge.RateFactor, p.Purge.RaisedAt = 0, time.Time{}
		return
	}
	if p.Purge.RaisedAt.IsZero() || now.Before(p.Purge.RaisedAt) {
		p.Purge.RaisedAt = now
		return
	}
	f += rateIncrease * now.Sub(p.Purge.RaisedAt).Seconds()
	p.Purge.RaisedAt = now
	if f >= 1 {
		p.Purge.RateFactor, p.Purge.RaisedAt = 0, time.Time{}
		return
	}
	p.Purge.RateFactor = f
}

// waiterGrace is how long after its turn a waiter that did not come back
// keeps its place.
const waiterGrace = time.Second

// TryTake takes a send for caller when the pacing allows it now and no
// caller that waited longer is still due first; otherwise it queues caller
// and returns when to try again. Later callers in the queue get later
// times, one send's refill apart, so waiting callers take turns instead of
// waking together and racing.
func (p Pace) TryTake(now time.Time, t Take) (bool, Wait) {
	// Forget waiters that did not come back.
	ws := p.Purge.Waiters[:0]
	for _, w := range p.Purge.Waiters {
		if now.Before(w.Expires) {
			ws = append(ws, w)
		}
	}
	p.Purge.Waiters = ws
	// Turns are per bucket: a tag purge does not wait behind URL purges.
	bk := bucketName(t.Kind)
	pos, ahead := -1, 0
	for i, w := range ws {
		if w.Bucket != bk {
			continue
		}
		if w.ID == t.Caller {
			pos = i
			break
		}
		ahead++
	}
	ready, why := p.ReadyAt(now, t.Kind, t.Units)
	if !ready.After(now) && ahead == 0 {
		if pos >= 0 {
			p.Purge.Waiters = slices.Delete(p.Purge.Waiters, pos, pos+1)
		}
		p.Take(now, t.Kind, t.Units)
		return true, Wait{}
	}
	if pos < 0 {
		pos = len(ws)
		p.Purge.Waiters = append(p.Purge.Waiters, Waiter{ID: t.Caller, Bucket: bk, Since: now})
	}
	// One send's refill per caller ahead.
	rate := p.Limits.URLPurgeRate
	if t.Kind.flex() {
		rate = p.Limits.FlexPurgeRate
	}
	step := time.Duration(math.Ceil(cost(t.Kind, t.Units) / rate * 1e9))
	at := ready.Add(time.Duration(ahead) * step)
	if !at.After(now) {
		at = now.Add(time.Millisecond)
	}
	p.Purge.Waiters[pos].Expires = at.Add(waiterGrace)
	w := Wait{Until: at, Reason: why}
	w.Asked, w.Source = p.askedWait(now, ready)
	return false, w
}

// askedWait is the part of a wait until ready that Cloudflare asked for,
// and what asked: a 429's pause (this run's, another zone's or another
// process's, read from the shared state), or the reset of a Ratelimit
// budget used up. It is how long this caller would still wait for it, so
// each run bounds it by its own --max-wait (interface.md "Waiting and
// giving up"); 0 when the wait is cfcache's own pacing.
func (p Pace) askedWait(now, ready time.Time) (time.Duration, string) {
	var asked time.Duration
	source := ""
	consider := func(until time.Time, src string) {
		if src == "" || !until.After(now) || ready.Before(until) {
			return // not asked for, over, or not what the wait is for
		}
		if d := until.Sub(now); d > asked {
			asked, source = d, src
		}
	}
	consider(p.Purge.PauseUntil, p.Purge.PauseSource)
	consider(p.API.PauseUntil, p.API.PauseSource)
	if hw := p.HeaderWait(now); hw > 0 {
		consider(now.Add(hw), "Ratelimit reset")
	}
	return asked, source
}

// Leave drops caller from the queue (its run ended).
func (p Pace) Leave(caller string) {
	p.Purge.Waiters = slices.DeleteFunc(p.Purge.Waiters, func(w Waiter) bool { return w.ID == caller })
}

// BatchSize is the learned cap of kind's requests, 0 when none is known.
func (p Pace) BatchSize(kind Kind) Cap { return p.Purge.Caps[bucketName(kind)] }

// LearnBatchSize stores a cap: a lower one replaces the known one; the
// same one confirmed marks it so.
func (p Pace) LearnBatchSize(kind Kind, c Cap) {
	if c.Size < 1 {
		return
	}
	name := bucketName(kind)
	have, ok := p.Purge.Caps[name]
	switch {
	case !ok || c.Size < have.Size:
		if p.Purge.Caps == nil {
			p.Purge.Caps = map[string]Cap{}
		}
		p.Purge.Caps[name] = c
	case c.Size == have.Size && c.Confirmed:
		have.Confirmed = true
		if c.Learned.After(have.Learned) {
			have.Learned = c.Learned
		}
		p.Purge.Caps[name] = have
	}
}

// ForgetBatchSize drops the learned cap of kind's requests.
func (p Pace) ForgetBatchSize(kind Kind) { delete(p.Purge.Caps, bucketName(kind)) }

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
// Pass a cap learned for the account (Budget.BatchSize, or
// budget.Registry.LearnedBatchSize for a dry run) as batchSize so the
// estimate counts the requests the server will really take.
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
	e.BucketTime, e.WindowTime = limitTimes(kind, units, e.Requests, l, true)
	start := time.Unix(0, 0) // any time but the zero one, which a bucket reads as "never used"
	p := Pace{Purge: &PurgeState{}, API: &APIState{}, Limits: l}
	now := start
	for left := units; left > 0; left -= batchSize {
		n := min(left, batchSize)
		now, _ = p.readyAt(now, kind, n, 0)
		p.Take(now, kind, n)
	}
	e.Ideal = now.Sub(start)
	return e
}

// limitTimes is what the purge bucket and the API window alone impose on
// units values in requests calls; fresh says whether the bucket starts full.
func limitTimes(kind Kind, units, requests int, l limits.Limits, fresh bool) (bucketT, windowT time.Duration) {
	seconds := func(s float64) time.Duration { return time.Duration(math.Ceil(s * 1e9)) }
	if kind.flex() {
		over := requests
		if fresh {
			over -= l.FlexPurgeBurst
		}
		if over > 0 && l.FlexPurgeRate > 0 {
			bucketT = seconds(float64(over) / l.FlexPurgeRate)
		}
	} else {
		over := units
		if fresh {
			over -= l.URLPurgeBurst
		}
		if over > 0 && l.URLPurgeRate > 0 {
			bucketT = seconds(float64(over) / l.URLPurgeRate)
		}
	}
	if n := l.APIRequestsPerWindow; n > 0 && requests > 0 {
		windowT = time.Duration((requests-1)/n) * l.APIWindow()
	}
	return bucketT, windowT
}

func defaultBatchSize(kind Kind, l limits.Limits) int {
	if kind.flex() {
		return max(1, l.FlexItemsPerRequest)
	}
	return max(1, min(l.URLsPerRequest, l.URLPurgeBurst))
}

// RemainingTime is how long units values of kind still take at the plan's
// steady rate (buckets already drained, as they are mid-run) in requests of
// batchSize: the larger of the purge bucket's and the API window's times.
// It is the ETA of the pacing model, not of the last seconds' speed.
func RemainingTime(kind Kind, units int, l limits.Limits, batchSize int) time.Duration {
	if units <= 0 || kind == KindEverything {
		return 0
	}
	batchSize = max(1, batchSize)
	requests := (units + batchSize - 1) / batchSize
	bt, wt := limitTimes(kind, units, requests, l, false)
	return max(bt, wt)
}
