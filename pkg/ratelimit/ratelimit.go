// Package ratelimit reads the signals Cloudflare's API sends about waiting:
// Retry-After on a 429 (docs/cloudflare.md, "Rate limiting"). It
// is shared by the purge engine and the API client, which both wait on it,
// so a hostile or broken value is handled once.
package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Forever is what an absurdly long Retry-After is read as: longer than any
// --max-wait, so the run stops and says so instead of overflowing a
// time.Duration (converting +Inf or 1e300 seconds to one is undefined and
// came out negative: "retry at once").
const Forever = time.Duration(math.MaxInt64)

// RetryAfter reads a Retry-After value: seconds (integer or decimal) or an
// HTTP date. It returns 0 for an absent, unreadable, negative, NaN or past
// value (nothing to wait for) and Forever for one too long to represent.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil || isRange(err) {
		switch {
		case math.IsNaN(secs) || secs <= 0:
			return 0
		}
		// Compared in nanoseconds, where the conversion happens:
		// float64(Forever) is 2^63, the first value that overflows.
		if ns := secs * float64(time.Second); ns < float64(Forever) {
			return time.Duration(ns)
		}
		return Forever
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// isRange is ParseFloat's "out of range" (it returns ±Inf with it).
func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// DefaultMaxWait is --max-wait's default: the longest single wait Cloudflare
// may ask for before a run stops and says so (interface.md "Waiting and
// giving up").
const DefaultMaxWait = 5 * time.Minute

// WaitTooLongError is Cloudflare asking for a wait longer than the longest
// allowed: the purge engine stops a run with it, the API client a read. A
// user would rather be told, and re-run the rest later, than see a silent
// hour.
type WaitTooLongError struct {
	Asked  time.Duration // the wait asked for
	Max    time.Duration // the longest allowed (0: none)
	Source string        // what asked: "Retry-After", "Ratelimit reset", ...
	Err    error         // the answer that asked, when there is one
	// Bound names the limit for a command that has no --max-wait (its API
	// reads wait at most DefaultMaxWait); empty means --max-wait.
	Bound string
	// Local says the wait is for the token's API window as cfcache counts
	// it on this machine (LocalLimitHeader), not one Cloudflare asked for.
	Local bool
}

func (e *WaitTooLongError) Error() string {
	msg := "Cloudflare asked to wait " + roundWait(e.Asked) + " (" + e.Source + "), longer than "
	if e.Local {
		msg = "this token's API calls, as cfcache counts them on this machine, have reached Cloudflare's limit: " +
			"the next one would wait " + roundWait(e.Asked) + ", longer than "
	}
	if e.Bound == "" {
		msg += "--max-wait " + roundWait(e.Max)
	} else {
		msg += e.Bound + " (" + roundWait(e.Max) + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *WaitTooLongError) Unwrap() error { return e.Err }

// roundWait prints a wait to the second (a Retry-After is whole seconds).
func roundWait(d time.Duration) string {
	if d >= time.Second {
		d = d.Round(time.Second)
	}
	return d.String()
}

// LocalLimitHeader marks a 429 that cfcache's own API transport answered
// without sending the request (pkg/budget): the token's calls counted on
// this machine fill Cloudflare's window, so the call waits its Retry-After.
// The API client bounds that wait by --max-wait and says it while it lasts,
// outside any request timeout.
const LocalLimitHeader = "Cfcache-Local-Limit"
