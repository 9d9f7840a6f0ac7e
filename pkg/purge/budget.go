package purge

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Budget is the pacing of one account (its purge buckets) and one token (its
// whole-API window), shared by every Run that purges zones of that account:
// interface.md "Pacing is per account". Implementations are safe for
// concurrent use and have no clock: the caller passes the time, so runs stay
// testable on a fake clock. NewBudget keeps it in memory; pkg/budget keeps
// it in a file shared by the processes of the machine.
type Budget interface {
	// TryTake records a send when the pacing allows it at now; otherwise it
	// returns when the caller should try again and why. It never blocks.
	TryTake(now time.Time, t Take) (ok bool, w Wait)
	// Answered records a response: its rate-limit headers, a 429, a
	// success (which raises a rate lowered by earlier 429s).
	Answered(now time.Time, a Answer)
	// BatchSize is the per-request cap learned for kind (0 when none).
	BatchSize(kind Kind) Cap
	// LearnBatchSize stores a cap learned from a "too many items" answer,
	// or confirms one after a success at that size.
	LearnBatchSize(kind Kind, c Cap)
	// Leave says a caller's run ended: it no longer holds a place in the
	// queue of waiting callers.
	Leave(caller string)
}

// Take is one request a caller asks to send.
type Take struct {
	Caller string // a run's id, for fair turns between waiting callers
	Kind   Kind
	Units  int
}

// Wait is a refused take: try again at Until.
type Wait struct {
	Until  time.Time
	Reason WaitReason // "" for the purge bucket's steady pacing
	// Asked is set when the wait is one Cloudflare asked for: a 429's
	// pause (whoever received it) or the reset of a Ratelimit budget the
	// token used up; it is how long is left of it, bounded by MaxWait.
	// Source names what asked ("Retry-After", "Ratelimit reset").
	Asked  time.Duration
	Source string
}

// Answer is what Budget.Answered records of one response.
type Answer struct {
	Kind     Kind
	Header   http.Header
	InFlight int // the caller's requests still in flight
	OK       bool
	// Until is set for a 429: nothing is sent before it. Reason says
	// whose limit it was.
	Until  time.Time
	Reason WaitReason
	// Source names what asked for the wait ("Retry-After", "Ratelimit
	// reset"); empty for a backoff cfcache chose (a 429 naming no wait).
	Source string
	// Refund is the units of a request the server did not count (a 5xx,
	// a connection dropped before an answer): given back to the bucket.
	Refund int
}

// Apply records a onto p: the pure part of Budget.Answered, which pkg/budget
// applies under its file lock.
func (p Pace) Apply(now time.Time, a Answer) {
	p.Observe(now, a.Header, a.InFlight)
	if !a.Until.IsZero() {
		p.Throttle(now, a.Until, a.Kind, a.Reason, a.Source)
	}
	if a.OK {
		p.Succeeded(now)
	}
	if a.Refund > 0 {
		p.Refund(now, a.Kind, a.Refund)
	}
}

// MemoryBudget is a Budget held in memory: shared by the Runs of one
// process, not by other processes.
type MemoryBudget struct {
	mu *sync.Mutex // shared with siblings, as the API state is
	p  Pace
}

// NewBudget returns an in-memory Budget for an account on limits l;
// tolerance is the network jitter its pacing absorbs
// (DefaultJitterTolerance when in doubt).
func NewBudget(l limits.Limits, tolerance time.Duration) *MemoryBudget {
	return &MemoryBudget{mu: new(sync.Mutex), p: Pace{Purge: &PurgeState{}, API: &APIState{}, Limits: l, Tolerance: tolerance}}
}

// Sibling returns the in-memory Budget of another account (or plan) of the
// same token: purge buckets of its own, the API window of b, since
// Cloudflare counts the 1,200 calls / 5 min per token, whatever the account.
func (b *MemoryBudget) Sibling(l limits.Limits) *MemoryBudget {
	return &MemoryBudget{mu: b.mu, p: Pace{Purge: &PurgeState{}, API: b.p.API, Limits: l, Tolerance: b.p.Tolerance}}
}

func (b *MemoryBudget) TryTake(now time.Time, t Take) (bool, Wait) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.p.TryTake(now, t)
}

func (b *MemoryBudget) Answered(now time.Time, a Answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.p.Apply(now, a)
}

func (b *MemoryBudget) BatchSize(kind Kind) Cap {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.p.BatchSize(kind)
}

func (b *MemoryBudget) LearnBatchSize(kind Kind, c Cap) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.p.LearnBatchSize(kind, c)
}

func (b *MemoryBudget) Leave(caller string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.p.Leave(caller)
}

// TryCount records one API call outside the purge engine (a zone lookup)
// in the token's windows when they allow it, like Pace.TryCount.
func (b *MemoryBudget) TryCount(now time.Time) (bool, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.p.TryCount(now)
}

type countedKey struct{}

// WithCounted marks ctx as carrying a call that a Budget already counted
// (the engine's purge requests): an API transport that counts calls
// (pkg/budget) lets it through without counting it again.
func WithCounted(ctx context.Context) context.Context {
	return context.WithValue(ctx, countedKey{}, true)
}

// Counted reports whether ctx was marked by WithCounted.
func Counted(ctx context.Context) bool {
	v, _ := ctx.Value(countedKey{}).(bool)
	return v
}
