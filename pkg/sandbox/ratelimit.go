package sandbox

import (
	"math"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// bucket is a token bucket driven by the caller's clock, so tests can step
// time instead of sleeping. It starts full.
type bucket struct {
	rate   float64 // tokens per second
	size   float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, size int, now time.Time) *bucket {
	return &bucket{rate: rate, size: float64(size), tokens: float64(size), last: now}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = math.Min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// tolerance absorbs float rounding so that waiting exactly the advertised
// time (rounded to the microsecond) is always enough.
const tolerance = 1e-5

// take removes n tokens when they are all there; otherwise it removes
// nothing and says how long until they will be. A request larger than the
// bucket could never pass, so it costs a full bucket instead.
func (b *bucket) take(now time.Time, n float64) (bool, time.Duration) {
	b.refill(now)
	n = math.Min(n, b.size)
	if b.tokens+tolerance >= n {
		b.tokens = math.Max(0, b.tokens-n)
		return true, 0
	}
	// Whole microseconds, rounded up past float noise: 1.000000001 s is 1 s.
	micros := math.Ceil((n-b.tokens)/b.rate*1e6 - 1e-3)
	return false, time.Duration(micros) * time.Microsecond
}

// available reports the tokens in the bucket at now without taking any.
func (b *bucket) available(now time.Time) float64 {
	b.refill(now)
	return b.tokens
}

// bucketKind separates the two purge buckets Cloudflare documents.
type bucketKind int

const (
	urlBucket  bucketKind = iota // single-file purge, counted in URLs
	flexBucket                   // tag, host, prefix and everything, counted in requests
)

// bucketKey is per account, as Cloudflare's purge limits are; the plan is
// part of the key so two zones of one account on different plans do not
// share a bucket sized for the other.
type bucketKey struct {
	account string
	plan    limits.Plan
	kind    bucketKind
}

// bucketFor returns the bucket, creating it full. Callers hold s.mu.
func (s *Server) bucketFor(z *zoneState, kind bucketKind) *bucket {
	k := bucketKey{account: z.AccountID, plan: z.Plan, kind: kind}
	b := s.buckets[k]
	if b == nil {
		l := s.cfg.Limits.For(z.Plan)
		if kind == urlBucket {
			b = newBucket(l.URLPurgeRate, l.URLPurgeBurst, s.now())
		} else {
			b = newBucket(l.FlexPurgeRate, l.FlexPurgeBurst, s.now())
		}
		s.buckets[k] = b
	}
	return b
}

// window is the whole-API limit of one token: a fixed window opened by the
// first request, and a block once the window's quota is exceeded.
type window struct {
	start        time.Time
	count        int
	blockedUntil time.Time
}

// admit counts one request. It returns whether the request may proceed, the
// quota left and the time until the window (or the block) ends.
func (w *window) admit(now time.Time, quota int, length, block time.Duration) (bool, int, time.Duration) {
	if now.Before(w.blockedUntil) {
		return false, 0, w.blockedUntil.Sub(now)
	}
	if w.start.IsZero() || !now.Before(w.start.Add(length)) {
		w.start, w.count = now, 0
	}
	if w.count >= quota {
		w.blockedUntil = now.Add(block)
		return false, 0, block
	}
	w.count++
	return true, quota - w.count, w.start.Add(length).Sub(now)
}

// peek is admit without counting.
func (w *window) peek(now time.Time, quota int, length time.Duration) (int, time.Duration) {
	if now.Before(w.blockedUntil) {
		return 0, w.blockedUntil.Sub(now)
	}
	if w.start.IsZero() || !now.Before(w.start.Add(length)) {
		return quota, length
	}
	return quota - w.count, w.start.Add(length).Sub(now)
}
