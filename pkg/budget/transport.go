package budget

import (
	"net/http"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Transport returns an http.RoundTripper that counts every API call of the
// credential (zone lookups, settings, rulesets) in the token's window, and
// waits when the window is full, so that a run which also looks up zones
// stays under Cloudflare's 1,200 calls / 5 min (issue 10, "count every API
// request"). l gives the window (the API limit is the same on every plan).
//
// Its answers' Ratelimit headers feed the same window (another machine's
// calls show there), and a 429 pauses the token's calls for its
// Retry-After. The wait for the window is not bounded by --max-wait: it is
// cfcache's own pacing, at most one window long, as the purge engine's is;
// the request's context still ends it.
//
// Purge calls the engine sends are already counted by its purge.Budget at
// the moment it takes them: their context carries purge.Counted, and the
// transport lets them through uncounted rather than count them twice.
func (r *Registry) Transport(base http.RoundTripper, l limits.Limits) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, counter: r.counter(l), now: time.Now}
}

type transport struct {
	base    http.RoundTripper
	counter interface {
		TryCount(now time.Time) (bool, time.Time)
		Answered(now time.Time, a purge.Answer)
	}
	now func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !purge.Counted(ctx) {
		for {
			ok, at := t.counter.TryCount(t.now())
			if ok {
				break
			}
			timer := time.NewTimer(at.Sub(t.now()))
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil, ctx.Err()
			case <-timer.C:
			}
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || purge.Counted(ctx) {
		return resp, err // the engine reads its own answers
	}
	a := purge.Answer{Header: resp.Header}
	if resp.StatusCode == http.StatusTooManyRequests {
		if wait := purge.ParseRetryAfter(resp.Header, t.now()); wait > 0 {
			a.Until, a.Reason, a.Source = t.now().Add(wait), purge.WaitAPILimit, "Retry-After"
		}
	}
	if a.Until.IsZero() && resp.Header.Get("Ratelimit") == "" && resp.Header.Get("Ratelimit-Policy") == "" {
		return resp, nil // nothing to record: spare the lock
	}
	t.counter.Answered(t.now(), a)
	return resp, nil
}
