package purge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/ratelimit"
)

// Defaults of RunConfig.
const (
	DefaultConcurrency      = 4
	DefaultMaxRetries       = 5
	DefaultRequestTimeout   = 30 * time.Second
	DefaultGrace            = 10 * time.Second
	DefaultBackoffBase      = 200 * time.Millisecond
	DefaultBackoffMax       = 30 * time.Second
	DefaultJitterTolerance  = 100 * time.Millisecond
	DefaultBreakerThreshold = 10
	// DefaultMaxWait is the longest single wait Cloudflare may ask for
	// before the run gives up (interface.md "Waiting and giving up").
	DefaultMaxWait = ratelimit.DefaultMaxWait
)

// ReasonInterrupted is the reason given to every entry not sent because the
// run was interrupted (Ctrl-C).
const ReasonInterrupted = "not sent: interrupted"

// RunConfig configures Run. Zero values take the defaults above.
type RunConfig struct {
	Kind   Kind
	Limits limits.Limits
	Sender Sender
	// Budget is the account's pacing, shared with every other Run on the
	// account (zones of one account, other processes through pkg/budget).
	// Nil means a budget of this run's own, in memory, from Limits.
	Budget Budget
	// Concurrency is the most requests in flight at once, within the pacing.
	Concurrency int
	// MaxRetries bounds the retries of one batch after 5xx, timeouts and
	// connection errors. 0 means DefaultMaxRetries; negative, none. A 429
	// never counts against it: it is Cloudflare asking to wait, not a
	// failure (interface.md "Waiting and giving up").
	MaxRetries int
	// MaxWait bounds one wait Cloudflare asks for: a 429's Retry-After (or,
	// without one, its Ratelimit reset), or the reset of a Ratelimit budget
	// the run has used up. A longer one stops the run with a
	// *WaitTooLongError; what is not confirmed by then fails. 0 means
	// DefaultMaxWait; negative, no such wait at all.
	MaxWait time.Duration
	// BatchSize overrides the plan's values per request (it never exceeds
	// it). It may be lowered during the run when Cloudflare says a batch is
	// too large.
	BatchSize int
	// RequestTimeout bounds one call (a timeout is retried). It runs on
	// the real clock, as it bounds real network I/O.
	RequestTimeout time.Duration
	// Grace is how long requests in flight may still finish after ctx is
	// cancelled before they are cancelled too.
	Grace time.Duration
	// BackoffBase and BackoffMax shape the exponential backoff (with
	// jitter) between retries of 5xx and transport errors.
	BackoffBase, BackoffMax time.Duration
	// JitterTolerance is the network jitter the pacing absorbs: the purge
	// bucket keeps this much refill in reserve and the API window is
	// lengthened by it, so a request that arrives early is not refused.
	JitterTolerance time.Duration
	// BreakerThreshold stops the run after this many batches in a row
	// failed for good (retries exhausted or single items refused) without a
	// success in between: the cause is then the API or the network, not the
	// items, and carrying on would only spend the API budget.
	BreakerThreshold int
	// Clock defaults to the system clock; tests inject a fake one.
	Clock Clock
	// Jitter returns a number in [0, 1); nil means math/rand/v2.
	Jitter func() float64
	// OnProgress, when set, is called after every response, one call at a
	// time, with a snapshot. It runs on the engine's goroutines: keep it
	// quick (the command rate-limits its own drawing).
	OnProgress func(Progress)
	// OnConfirmed, when set, is called after each successful response with
	// the indexes (into the entries given to Run) of the entries that
	// response completed: every form of them is now confirmed purged. It
	// runs on the engine's goroutines, possibly several at once, outside
	// the engine's lock: keep it quick. --failed-file uses it to shrink the
	// file as the run goes (contract, "Files cfcache writes").
	OnConfirmed func(entries []int)
}

// Progress is a snapshot of a run. Counts are in entries (items after variant
// expansion) unless said otherwise.
type Progress struct {
	Total, Done, Failed int
	Requests            int // calls made so far, retries included
	Retries             int // re-sends after 5xx, resets, timeouts
	RateLimited         int // 429 answers received
	InFlight            int
	BatchSize           int
	Elapsed             time.Duration
	Rate                float64       // entries confirmed per second so far
	Paused              time.Duration // > 0 while sending waits (a 429, the API limit)
	// ResumeAt is when sending resumes after that wait (on the run's
	// clock); zero when not paused.
	ResumeAt time.Time
	// WaitReason says whose limit the wait is (WaitAPILimit or
	// WaitPurgeLimit); empty when not paused.
	WaitReason WaitReason
	// ETA is the time still needed: what is left at the plan's rate (the
	// pacing model of Estimate, with the learned batch size) plus the wait
	// under way. Not the last seconds' speed, which a wait makes lie.
	ETA time.Duration
}

// Failure is an entry not confirmed purged, and why.
type Failure struct {
	Entry  Entry
	Reason string
}

// Result is the outcome of Run.
type Result struct {
	Total    int       // entries
	Purged   int       // entries whose every form was confirmed
	Failed   []Failure // every other entry, in input order
	Requests int       // calls made, retries and split halves included
	// Retries counts re-sends after 5xx, connection resets and timeouts:
	// the faults the server saw. Re-sends after a 429 are not retries.
	Retries int
	// RateLimited counts 429 answers received.
	RateLimited int
	Splits      int // batches split after a 4xx
	// BatchSize is the values per request at the end (lower than the plan's
	// when Cloudflare refused a batch as too large).
	BatchSize int
	Duration  time.Duration
	// Interrupted is set when ctx was cancelled before the work was done.
	Interrupted bool
	// Err is why the run stopped early: an *APIError with IsAuth() for
	// 401/403, or another error the items cannot fix (404, a TLS or DNS
	// failure, too many failures in a row). Nil otherwise.
	Err error
}

// Run sends the entries in batches, paced and retried as configured, and
// reports every entry as purged or failed: none is dropped, and none is sent
// again once a request holding it succeeded.
//
// For KindEverything, entries are ignored and one purge_everything call is
// made. When ctx is cancelled no new request starts; requests in flight get
// cfg.Grace to finish; everything not confirmed fails with
// ReasonInterrupted.
func Run(ctx context.Context, cfg RunConfig, entries []Entry) Result {
	if err := checkLimits(cfg.Limits); err != nil {
		return Result{Total: len(entries), Err: err}
	}
	if cfg.Sender == nil {
		return Result{Total: len(entries), Err: errors.New("purge: no Sender")}
	}
	r := newRunner(cfg, entries)
	return r.run(ctx)
}

// checkLimits refuses limits the pacing cannot work with (a zero rate would
// mean "never"); limits.Table.WithOverrides already refuses them from config.
func checkLimits(l limits.Limits) error {
	if l.URLPurgeRate <= 0 || l.FlexPurgeRate <= 0 || l.URLPurgeBurst < 1 || l.FlexPurgeBurst < 1 ||
		l.URLsPerRequest < 1 || l.FlexItemsPerRequest < 1 {
		return fmt.Errorf("purge: invalid limits for plan %q: rates, bucket sizes and items per request must be positive", l.Plan)
	}
	return nil
}

type unit struct {
	entry int32
	form  uint8
}

type batch struct {
	units     []int32       // indexes into runner.units
	attempts  int           // failed attempts so far (429s excluded)
	waits     int           // 429s without a requested wait, for their backoff
	waited    time.Duration // the sum of those backoffs, bounded by MaxWait
	retry     bool          // the next send is a retry
	notBefore time.Time
}

type runner struct {
	cfg     RunConfig
	clock   Clock
	entries []Entry
	units   []unit
	wake    chan struct{}
	progMu  sync.Mutex // serialises OnProgress calls

	mu        sync.Mutex
	left      []uint8  // per entry: forms not yet confirmed
	reason    []string // per entry: why it failed ("" = not failed)
	cursor    int      // next unit not yet in any batch
	queue     []*batch // splits and retries waiting to be sent
	batchSize int
	// confirmed is set once a request of batchSize succeeded (now or in an
	// earlier run, through the budget); until then one request at a time
	// probes the size, so a cap lower than the plan's costs one refusal,
	// not Concurrency of them.
	confirmed bool
	budget    Budget
	id        string // this run's caller id in the budget's queue
	wait      Wait   // the wait under way, for progress
	settled   int    // units confirmed or failed
	inflight  int
	requests  int
	retries   int
	limited   int // 429s
	splits    int
	done      int
	failed    int
	inARow    int // batches failed for good since the last success
	// faults counts transient faults (5xx, resets, timeouts) answered in
	// a row, whatever the batch, since the last success: the backoff grows
	// with it, so an isolated fault among successes is retried at once
	// (about BackoffBase) while an outage, where every answer fails, backs
	// off exponentially (see retry backoff in handle).
	faults  int
	stopErr error
	start   time.Time
}

func newRunner(cfg RunConfig, entries []Entry) *runner {
	orDefault(&cfg.Concurrency, DefaultConcurrency)
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	orDefault(&cfg.RequestTimeout, DefaultRequestTimeout)
	orDefault(&cfg.Grace, DefaultGrace)
	orDefault(&cfg.BackoffBase, DefaultBackoffBase)
	orDefault(&cfg.BackoffMax, DefaultBackoffMax)
	orDefault(&cfg.JitterTolerance, DefaultJitterTolerance)
	orDefault(&cfg.BreakerThreshold, DefaultBreakerThreshold)
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock()
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Kind == KindEverything {
		entries = []Entry{{}}
	}
	r := &runner{cfg: cfg, clock: cfg.Clock, entries: entries, wake: make(chan struct{}, 1)}
	r.units = unitsOf(entries)
	r.left = make([]uint8, len(entries))
	r.reason = make([]string, len(entries))
	for i := range entries {
		r.left[i] = uint8(entries[i].NumForms())
	}
	r.budget = cfg.Budget
	if r.budget == nil {
		r.budget = NewBudget(cfg.Limits, cfg.JitterTolerance)
	}
	r.id = fmt.Sprintf("run-%016x", rand.Uint64())
	r.batchSize = defaultBatchSize(cfg.Kind, cfg.Limits)
	if cfg.BatchSize > 0 {
		r.batchSize = min(r.batchSize, cfg.BatchSize)
	}
	if learned := r.budget.BatchSize(cfg.Kind); learned.Size > 0 && learned.Size <= r.batchSize {
		r.batchSize = learned.Size
		r.confirmed = learned.Confirmed
	}
	if cfg.Kind == KindEverything || r.batchSize == 1 {
		r.batchSize, r.confirmed = 1, true
	}
	return r
}

// orDefault replaces a zero or negative setting by its default.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (r *runner) run(ctx context.Context) Result {
	r.start = r.clock.Now()
	defer r.budget.Leave(r.id)
	// Requests get their own context: cancelling ctx stops new requests at
	// once but lets those in flight finish within the grace period.
	sendCtx, cancelSend := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSend()
	var wg sync.WaitGroup
	interrupted := r.dispatch(ctx, sendCtx, &wg)

	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	if interrupted {
		t := r.clock.NewTimer(r.cfg.Grace)
		select {
		case <-finished:
		case <-t.C():
			cancelSend()
			<-finished
		}
		t.Stop()
	} else {
		<-finished
	}
	return r.result(interrupted)
}

// dispatch is the single goroutine that decides what is sent when. It reports
// whether it stopped because ctx was cancelled.
func (r *runner) dispatch(ctx, sendCtx context.Context, wg *sync.WaitGroup) bool {
	var next *batch
	for {
		r.mu.Lock()
		if ctx.Err() != nil || r.stopErr != nil {
			if next != nil {
				r.queue = append([]*batch{next}, r.queue...)
			}
			r.mu.Unlock()
			return ctx.Err() != nil
		}
		now := r.clock.Now()
		if next == nil && r.inflight < r.concurrency() {
			next = r.pick(now)
		}
		if next == nil {
			if r.inflight == 0 && r.cursor == len(r.units) && len(r.queue) == 0 {
				r.mu.Unlock()
				return false
			}
			// Wait for a response, or for the earliest retry to be due
			// (only when a slot is free to send it).
			var wait time.Duration
			if r.inflight < r.concurrency() {
				wait = r.earliestRetry(now)
			}
			r.mu.Unlock()
			r.sleep(ctx, wait)
			continue
		}
		// The batch size may have been lowered since the batch was formed.
		if len(next.units) > r.batchSize {
			rest := &batch{units: next.units[r.batchSize:], attempts: next.attempts, retry: next.retry}
			next.units = next.units[:r.batchSize:r.batchSize]
			r.queue = append([]*batch{rest}, r.queue...)
		}
		if ok, w := r.budget.TryTake(now, Take{Caller: r.id, Kind: r.cfg.Kind, Units: len(next.units)}); !ok {
			// An exhausted Ratelimit budget is a wait Cloudflare asked
			// for, bounded like a Retry-After.
			// So is a 429's pause recorded by another run or process: each
			// run applies its own --max-wait to it.
			if w.Asked > 0 && r.tooLong(w.Asked) {
				src := w.Source
				if src == "" {
					src = "Ratelimit reset"
				}
				r.stop(&WaitTooLongError{Asked: w.Asked, Max: max(r.cfg.MaxWait, 0), Source: src})
				r.mu.Unlock()
				continue
			}
			// A named wait that starts is reported at once: the progress
			// display and a CI log say it while it lasts, not only after the
			// next answer (interface.md "Waiting and giving up").
			newWait := w.Reason != "" && !w.Until.Equal(r.wait.Until)
			r.wait = w
			d := w.Until.Sub(now)
			if w.Reason != "" {
				d += r.resumeJitter(d)
			}
			r.mu.Unlock()
			if newWait {
				r.report()
			}
			r.sleep(ctx, max(d, time.Nanosecond))
			continue
		}
		r.wait = Wait{}
		r.inflight++
		r.requests++
		if next.retry {
			r.retries++
			next.retry = false
		}
		b, req := next, r.request(next)
		next = nil
		r.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.send(sendCtx, b, req)
		}()
	}
}

// concurrency is the most requests in flight now: one while the batch size
// is not confirmed (issue 10: "requests are not fired in bursts that all
// come back refused"), Concurrency once it is.
func (r *runner) concurrency() int {
	if !r.confirmed {
		return 1
	}
	return r.cfg.Concurrency
}

// pick returns the next batch to send: a due split or retry first, then a
// fresh batch from the input. Nil when nothing is due.
func (r *runner) pick(now time.Time) *batch {
	for i, b := range r.queue {
		if !b.notBefore.After(now) {
			r.queue = append(r.queue[:i:i], r.queue[i+1:]...)
			return b
		}
	}
	if r.cursor == len(r.units) {
		return nil
	}
	n := min(r.batchSize, len(r.units)-r.cursor)
	b := &batch{units: make([]int32, n)}
	for i := range b.units {
		b.units[i] = int32(r.cursor + i)
	}
	r.cursor += n
	return b
}

// earliestRetry is how long until the first queued batch is due; 0 when none
// is waiting (the dispatcher then waits for a response).
func (r *runner) earliestRetry(now time.Time) time.Duration {
	var first time.Time
	for _, b := range r.queue {
		if first.IsZero() || b.notBefore.Before(first) {
			first = b.notBefore
		}
	}
	if first.IsZero() {
		return 0
	}
	return max(first.Sub(now), time.Nanosecond)
}

// sleep waits for d (0: no timer), a response, or cancellation.
func (r *runner) sleep(ctx context.Context, d time.Duration) {
	var tc <-chan time.Time
	if d > 0 {
		t := r.clock.NewTimer(d)
		defer t.Stop()
		tc = t.C()
	}
	select {
	case <-r.wake:
	case <-tc:
	case <-ctx.Done():
	}
}

func (r *runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *runner) request(b *batch) Request {
	return buildRequest(r.cfg.Kind, r.entries, r.units, b.units)
}

// unitsOf lists the values to send, entry by entry and form by form, so the
// forms of one entry usually travel in the same request.
func unitsOf(entries []Entry) []unit {
	n := 0
	for i := range entries {
		n += entries[i].NumForms()
	}
	units := make([]unit, 0, n)
	for i := range entries {
		for f := 0; f < entries[i].NumForms(); f++ {
			units = append(units, unit{int32(i), uint8(f)})
		}
	}
	return units
}

func buildRequest(kind Kind, entries []Entry, units []unit, idx []int32) Request {
	req := Request{Kind: kind}
	if kind == KindEverything {
		return req
	}
	req.Items = make([]WireItem, len(idx))
	for i, u := range idx {
		un := units[u]
		e := &entries[un.entry]
		req.Items[i] = WireItem{Value: e.form(int(un.form)), Headers: e.Headers}
	}
	return req
}

// Batches cuts entries into the requests a run would start with, size values
// each (0: the plan's limit from l). Run forms its batches the same way,
// lazily, so that a lowered size applies to the rest of the run; this is the
// fixed-size view for dry runs and tests.
func Batches(kind Kind, entries []Entry, l limits.Limits, size int) []Request {
	if kind == KindEverything {
		return []Request{{Kind: kind}}
	}
	if def := defaultBatchSize(kind, l); size <= 0 || size > def {
		size = def
	}
	units := unitsOf(entries)
	out := make([]Request, 0, (len(units)+size-1)/size)
	idx := make([]int32, 0, size)
	for start := 0; start < len(units); start += size {
		idx = idx[:0]
		for i := start; i < min(start+size, len(units)); i++ {
			idx = append(idx, int32(i))
		}
		out = append(out, buildRequest(kind, entries, units, idx))
	}
	return out
}

func (r *runner) send(ctx context.Context, b *batch, req Request) {
	// The budget counted this call when it was taken (TryTake).
	rctx, cancel := context.WithTimeout(WithCounted(ctx), r.cfg.RequestTimeout)
	resp, err := r.cfg.Sender.Send(rctx, req)
	cancel()
	r.mu.Lock()
	r.inflight--
	r.handle(ctx, r.clock.Now(), b, resp, err)
	var completed []int
	if err == nil && r.cfg.OnConfirmed != nil {
		completed = r.completed(b)
	}
	r.mu.Unlock()
	r.signal()
	if len(completed) > 0 {
		r.cfg.OnConfirmed(completed)
	}
	r.report()
}

// completed lists the entries of a batch just confirmed that are now wholly
// purged (an entry sent in two forms may need a second batch). Called with
// r.mu held.
func (r *runner) completed(b *batch) []int {
	var out []int
	last := int32(-1)
	for _, u := range b.units {
		e := r.units[u].entry
		if e != last && r.left[e] == 0 && r.reason[e] == "" {
			out = append(out, int(e))
		}
		last = e
	}
	return out
}

// handle files the outcome of one call. Called with r.mu held.
func (r *runner) handle(ctx context.Context, now time.Time, b *batch, resp *Response, err error) {
	if err == nil {
		a := Answer{Kind: r.cfg.Kind, InFlight: r.inflight, OK: true}
		if resp != nil {
			a.Header = resp.Header
		}
		r.budget.Answered(now, a)
		for _, u := range b.units {
			r.confirm(u)
		}
		if !r.confirmed && len(b.units) >= r.batchSize {
			r.confirmed = true
			r.budget.LearnBatchSize(r.cfg.Kind, Cap{Size: r.batchSize, Confirmed: true})
		}
		r.inARow, r.faults = 0, 0
		return
	}
	var ae *APIError
	isAPI := errors.As(err, &ae)
	refund := 0
	if uncounted(err) {
		refund = len(b.units)
	}
	if isAPI && ae.Status != http.StatusTooManyRequests || refund > 0 {
		a := Answer{Kind: r.cfg.Kind, InFlight: r.inflight, Refund: refund}
		if isAPI {
			a.Header = ae.Header
		}
		r.budget.Answered(now, a)
	}
	switch {
	case ae == nil && ctx.Err() != nil:
		// The grace period after an interrupt ran out with this in flight.
		r.fail(b, "not confirmed: interrupted while the request was in flight")
	case ae != nil && ae.IsAuth():
		r.fail(b, ae.Error())
		r.stop(ae)
	case ae != nil && ae.Status == http.StatusTooManyRequests:
		// Cloudflare asks to wait: not a failure, so not a retry counted
		// against MaxRetries (interface.md "Waiting and giving up"), nor
		// in Result.Retries, which counts the faults the server saw.
		r.limited++
		wait, source := requestedWait(ae)
		if source != "" && r.tooLong(wait) {
			werr := &WaitTooLongError{Asked: wait, Max: max(r.cfg.MaxWait, 0), Source: source}
			r.fail(b, werr.Error())
			r.stop(werr)
			return
		}
		if source == "" {
			// A 429 that names no wait (a proxy in between, a fault) is
			// backed off, still not counted as a retry; the backoffs add
			// up, and --max-wait bounds their sum as it bounds one named
			// wait, so such answers cannot hold a run forever.
			b.waits++
			wait = r.backoff(b.waits)
			b.waited += wait
			if r.tooLong(b.waited) {
				werr := &WaitTooLongError{Asked: b.waited, Max: max(r.cfg.MaxWait, 0), Source: "429s that named no wait, backed off in a row"}
				r.fail(b, werr.Error())
				r.stop(werr)
				return
			}
		}
		// Pause every sender, not only this one: the bucket is shared,
		// and so is the budget with the account's other runs.
		why := throttleReason(ae)
		r.budget.Answered(now, Answer{Kind: r.cfg.Kind, Header: ae.Header, InFlight: r.inflight, Until: now.Add(wait), Reason: why, Source: source})
		r.wait = Wait{Until: now.Add(wait), Reason: why}
		b.notBefore = now.Add(wait + r.resumeJitter(wait))
		r.queue = append(r.queue, b)
	case Retryable(err):
		// The backoff follows the faults in a row across the run, not the
		// batch's own attempts: one batch unlucky among successes is not
		// held back seconds at the end of a run (issue 10, "10 % 5xx"),
		// while an outage still backs every batch off exponentially.
		r.faults++
		r.retryLater(b, now.Add(r.backoff(r.faults)), err.Error())
	case ae != nil && ae.Status == http.StatusNotFound:
		// Zone or endpoint not found: no item can fix that.
		r.fail(b, ae.Error())
		r.stop(ae)
	case ae != nil && ae.Status >= 400 && ae.Status < 500:
		if len(b.units) > 1 {
			r.split(b, ae)
			return
		}
		r.fail(b, ae.Error())
		r.failedForGood(ae.Error())
	default:
		// Not retryable and not about the items (TLS, DNS, a request the
		// Sender could not build): every further call would fail alike.
		r.fail(b, err.Error())
		r.stop(err)
	}
}

// throttleReason tells a 429 of the whole-API limit (code 971, or a
// Ratelimit budget used up) from one of the purge bucket (code 1134, or
// anything else on a purge endpoint).
func throttleReason(ae *APIError) WaitReason {
	for _, c := range ae.Codes {
		if c == 971 {
			return WaitAPILimit
		}
	}
	if rl, ok := ParseRatelimit(ae.Header); ok && rl.Remaining == 0 {
		return WaitAPILimit
	}
	return WaitPurgeLimit
}

// requestedWait is the wait a 429 asks for: its Retry-After, or else the
// reset of the Ratelimit budget it reports used up. source names which, and
// is empty when the answer asks for no particular wait.
func requestedWait(ae *APIError) (wait time.Duration, source string) {
	if ae.RetryAfter > 0 {
		return ae.RetryAfter, "Retry-After"
	}
	if rl, ok := ParseRatelimit(ae.Header); ok && rl.Remaining == 0 && rl.Reset > 0 {
		return rl.Reset, "Ratelimit reset"
	}
	return 0, ""
}

// tooLong reports whether a wait Cloudflare asked for exceeds MaxWait.
func (r *runner) tooLong(d time.Duration) bool {
	if r.cfg.MaxWait < 0 {
		return d > 0
	}
	return d > r.cfg.MaxWait
}

func (r *runner) confirm(u int32) {
	r.settled++
	e := r.units[u].entry
	r.left[e]--
	if r.left[e] == 0 && r.reason[e] == "" {
		r.done++
	}
}

// fail marks the entries of b failed with reason (the first reason of an
// entry wins) and their forms as settled.
func (r *runner) fail(b *batch, reason string) {
	r.settled += len(b.units)
	for _, u := range b.units {
		e := r.units[u].entry
		r.left[e]--
		if r.reason[e] == "" {
			r.reason[e] = reason
			r.failed++
		}
	}
}

func (r *runner) stop(err error) {
	if r.stopErr == nil {
		r.stopErr = err
	}
}

func (r *runner) failedForGood(msg string) {
	r.inARow++
	if r.inARow >= r.cfg.BreakerThreshold {
		r.stop(fmt.Errorf("stopped after %d failed requests in a row; last: %s", r.inARow, msg))
	}
}

func (r *runner) retryLater(b *batch, at time.Time, msg string) {
	b.attempts++
	if b.attempts > r.cfg.MaxRetries {
		reason := msg
		if r.cfg.MaxRetries > 0 {
			reason = "gave up after " + strconv.Itoa(r.cfg.MaxRetries) + " retries: " + msg
		}
		r.fail(b, reason)
		r.failedForGood(msg)
		return
	}
	b.retry, b.notBefore = true, at
	r.queue = append(r.queue, b)
}

// split handles a 4xx on a batch of several values: the batch is split and
// the parts retried. When the message says the batch was too large, the
// batch size is lowered for the rest of the run, to the number the message
// gives or else to half; otherwise the halves isolate the value Cloudflare
// refuses, which then fails alone with Cloudflare's message.
func (r *runner) split(b *batch, ae *APIError) {
	r.splits++
	n := len(b.units)
	size := (n + 1) / 2
	if limit, ok := sizeLimit(ae.Message, n); ok {
		size = limit
		if limit < r.batchSize {
			// Remembered for the account, so later runs (and dry runs)
			// start at it; confirmed by the first success at that size.
			r.batchSize, r.confirmed = limit, limit == 1
			r.budget.LearnBatchSize(r.cfg.Kind, Cap{Size: limit, Confirmed: limit == 1})
		}
	}
	var parts []*batch
	for i := 0; i < n; i += size {
		parts = append(parts, &batch{units: b.units[i:min(i+size, n):min(i+size, n)]})
	}
	r.queue = append(parts, r.queue...)
}

// sizeLimit reads a 4xx message for "the batch is too large". Words such as
// "too many", "at most", "maximum", "exceed" or "limit" say so on their own;
// the limit is then the first number in the message below n ("at most 30"),
// or half of n when there is none. Otherwise a count of values ("30 files",
// "100 items") next to "only", "per request" or "allowed" says so too
// ("Only 30 files can be purged per request"). Any other message is about an
// item ("Invalid url in files[3]").
func sizeLimit(msg string, n int) (int, bool) {
	m := strings.ToLower(msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	strong := has("too many", "too large", "too long", "too big", "at most", "maximum", "exceed", "limit", "more than", "up to")
	weak := has("only", "per request", "per call", "allowed")
	for i := 0; i < len(m); {
		if m[i] < '0' || m[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(m) && m[j] >= '0' && m[j] <= '9' {
			j++
		}
		k, err := strconv.Atoi(m[i:j])
		counted := false
		rest := strings.TrimLeft(m[j:], " ")
		for _, noun := range [...]string{"files", "items", "urls", "tags", "hosts", "prefixes", "keys", "entries"} {
			counted = counted || strings.HasPrefix(rest, noun)
		}
		if err == nil && k >= 1 && k < n && (strong || weak && counted) {
			return k, true
		}
		i = j
	}
	if strong {
		return max(1, n/2), true
	}
	return 0, false
}

// maxResumeJitter bounds the jitter added to the end of a 429's wait.
const maxResumeJitter = 250 * time.Millisecond

// resumeJitter spreads the resumes after a wait every client was told the
// same end of (a 429's Retry-After in whole seconds, the API window), so
// that clients sharing no state (other machines) do not all resend at the
// same instant into a bucket that holds only some of them: up to a quarter
// of the wait, at most maxResumeJitter.
func (r *runner) resumeJitter(wait time.Duration) time.Duration {
	return time.Duration(r.cfg.Jitter() * float64(min(wait/4, maxResumeJitter)))
}

// backoff is exponential with jitter: between half and all of
// base·2^(attempt-1), capped.
func (r *runner) backoff(attempt int) time.Duration {
	d := r.cfg.BackoffBase << min(attempt-1, 30)
	if d <= 0 || d > r.cfg.BackoffMax {
		d = r.cfg.BackoffMax
	}
	return d/2 + time.Duration(r.cfg.Jitter()*float64(d/2))
}

func (r *runner) report() {
	if r.cfg.OnProgress == nil {
		return
	}
	// Holding progMu while taking the snapshot keeps the callbacks in order.
	r.progMu.Lock()
	defer r.progMu.Unlock()
	r.mu.Lock()
	now := r.clock.Now()
	p := Progress{
		Total: len(r.entries), Done: r.done, Failed: r.failed,
		Requests: r.requests, Retries: r.retries, RateLimited: r.limited, InFlight: r.inflight,
		BatchSize: r.batchSize, Elapsed: now.Sub(r.start),
	}
	if s := p.Elapsed.Seconds(); s > 0 {
		p.Rate = float64(p.Done) / s
	}
	var waiting time.Duration
	if r.wait.Reason != "" && r.wait.Until.After(now) {
		waiting = r.wait.Until.Sub(now)
		p.Paused, p.ResumeAt, p.WaitReason = waiting, r.wait.Until, r.wait.Reason
	}
	p.ETA = waiting + RemainingTime(r.cfg.Kind, len(r.units)-r.settled, r.cfg.Limits, r.batchSize)
	// A batch waiting out a retry backoff is a known wait too: the ETA
	// is not "0s" while the last batch waits to be sent again.
	p.ETA = max(p.ETA, r.earliestRetry(now))
	r.mu.Unlock()
	r.cfg.OnProgress(p)
}

func (r *runner) result(interrupted bool) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := Result{
		Total: len(r.entries), Requests: r.requests, Retries: r.retries, RateLimited: r.limited, Splits: r.splits,
		BatchSize: r.batchSize, Duration: r.clock.Now().Sub(r.start),
		Interrupted: interrupted, Err: r.stopErr,
	}
	unsent := ReasonInterrupted
	if !interrupted && r.stopErr != nil {
		unsent = "not sent: run stopped: " + r.stopErr.Error()
	}
	for i := range r.entries {
		switch {
		case r.reason[i] != "":
			res.Failed = append(res.Failed, Failure{r.entries[i], r.reason[i]})
		case r.left[i] > 0:
			res.Failed = append(res.Failed, Failure{r.entries[i], unsent})
		default:
			res.Purged++
		}
	}
	return res
}
