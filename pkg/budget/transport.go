package budget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/ratelimit"
)

// Transport returns an http.RoundTripper that counts every API call of the
// credential (zone lookups, settings, rulesets) in the token's window, so
// that a run which also looks up zones stays under Cloudflare's 1,200 calls
// / 5 min (issue 10, "count every API request"). l gives the window (the
// API limit is the same on every plan).
//
// When the window is full, a wait of up to ShortWait is slept in place; a
// longer one is answered at once, without sending anything, with a 429 in
// Cloudflare's shape (code 971, Retry-After the wait, and the
// ratelimit.LocalLimitHeader mark). The API client's reads then wait it out
// between requests, bounded by --max-wait and shown on stderr, rather than
// inside the SDK's request timeout, where a full window used to end as
// "context deadline exceeded" after 30 silent seconds (review of issue 10,
// finding 2); a write fails with the answer's message, nothing written.
//
// Its answers' Ratelimit headers feed the same window (another machine's
// calls show there), and a 429 pauses the token's calls for its
// Retry-After.
//
// Purge calls the engine sends are already counted by its purge.Budget at
// the moment it takes them: their context carries purge.Counted, and the
// transport lets them through uncounted rather than count them twice.
func (r *Registry) Transport(base http.RoundTripper, l limits.Limits) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, counter: r.counter(l), now: time.Now, limits: l}
}

// ShortWait is the longest wait for the token's window the transport
// sleeps inside a request; a longer one is answered with a 429.
const ShortWait = time.Second

type transport struct {
	base    http.RoundTripper
	counter interface {
		TryCount(now time.Time) (bool, time.Time)
		Answered(now time.Time, a purge.Answer)
	}
	now    func() time.Time
	limits limits.Limits
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !purge.Counted(ctx) {
		for {
			ok, at := t.counter.TryCount(t.now())
			if ok {
				break
			}
			wait := at.Sub(t.now())
			if wait > ShortWait {
				return t.windowFull(req, wait, at), nil
			}
			timer := time.NewTimer(wait)
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

// windowFull is the 429 that stands for a request the token's window has
// no room for: nothing was sent.
func (t *transport) windowFull(req *http.Request, wait time.Duration, at time.Time) *http.Response {
	if req.Body != nil {
		req.Body.Close() // a RoundTripper closes the body, sent or not
	}
	window := t.limits.APIWindow().String()
	if w := t.limits.APIWindow(); w%time.Minute == 0 {
		window = fmt.Sprintf("%d min", w/time.Minute)
	}
	msg := fmt.Sprintf("cfcache's own count of this token's API calls on this machine has reached Cloudflare's limit "+
		"(%d calls / %s); nothing was sent: wait %s (until %s) and retry",
		t.limits.APIRequestsPerWindow, window, wait.Round(time.Second), at.Format("15:04:05"))
	body, _ := json.Marshal(map[string]any{
		"success":  false,
		"errors":   []map[string]any{{"code": 971, "message": msg}},
		"messages": []any{},
		"result":   nil,
	})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	h.Set(ratelimit.LocalLimitHeader, "1")
	return &http.Response{
		Status: "429 Too Many Requests", StatusCode: http.StatusTooManyRequests,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}
