package purge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/ratelimit"
)

// ItemError is one invalid input item. Error() is the contract's format
// SOURCE:LINE: ITEM: REASON.
type ItemError struct {
	Source string
	Line   int
	Item   string
	Reason string
}

func (e *ItemError) Error() string {
	return e.Source + ":" + strconv.Itoa(e.Line) + ": " + DisplayItem(e.Item) + ": " + e.Reason
}

// Note is something to tell the user about a valid item (a prefix's scheme
// removed, a host outside the zone in warn mode). String() has the same
// SOURCE:LINE: ITEM: TEXT shape as errors.
type Note struct {
	Source string
	Line   int
	Item   string
	Text   string
}

func (n Note) String() string {
	return n.Source + ":" + strconv.Itoa(n.Line) + ": " + DisplayItem(n.Item) + ": " + n.Text
}

// DisplayItem shows an item (or any user-given value) in a message: as is
// when it is printable, quoted when it holds control characters, invalid
// UTF-8 or invisible characters (so a stray escape sequence cannot garble the
// terminal, and a BOM, a zero-width space or a bidi override that makes the
// item invalid is seen), and shortened when very long.
func DisplayItem(s string) string {
	const maxShown = 200
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean {
			break
		}
		clean = unicode.IsGraphic(r) // not Cc (controls), Cf (format: BOM, ZWSP, bidi) or Co/Cs
	}
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if !clean {
		return strconv.Quote(s)
	}
	return s
}

// APIError is a purge call that Cloudflare answered with an error status. The
// command's Sender returns it (NewAPIError builds one from a raw response).
type APIError struct {
	Status     int
	Codes      []int
	Message    string
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
	Header     http.Header   // the response header, for Ratelimit
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.Status))
	for i, c := range e.Codes {
		if i == 0 {
			b.WriteString(" (code ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(c))
		if i == len(e.Codes)-1 {
			b.WriteByte(')')
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// WaitTooLongError stops a run when Cloudflare asks for a wait longer than
// RunConfig.MaxWait (interface.md "Waiting and giving up").
type WaitTooLongError = ratelimit.WaitTooLongError

// IsAuth reports an authentication or permission failure (401, 403): the
// run stops, since every further call would fail the same way.
func (e *APIError) IsAuth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// NewAPIError builds an APIError from a response's status, header and body,
// reading Cloudflare's error envelope
// {"errors":[{"code":N,"message":"..."}]} and the Retry-After header. now is
// used for a Retry-After given as a date.
func NewAPIError(status int, header http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{Status: status, Header: header}
	var env struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil {
		msgs := make([]string, 0, len(env.Errors))
		for _, er := range env.Errors {
			e.Codes = append(e.Codes, er.Code)
			if er.Message != "" {
				msgs = append(msgs, er.Message)
			}
		}
		e.Message = strings.Join(msgs, "; ")
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.RetryAfter = ParseRetryAfter(header, now)
	return e
}

// ParseRetryAfter reads a response's Retry-After (ratelimit.RetryAfter: 0
// when absent or unreadable, ratelimit.Forever when absurdly long).
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	return ratelimit.RetryAfter(h.Get("Retry-After"), now)
}

// Retryable reports whether a failed call may be retried unchanged: 429,
// 5xx, 408, timeouts, connection resets and unexpected EOFs. Other 4xx are
// not (they split instead), nor are errors that would recur (TLS, DNS name
// not found, a malformed request).
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusRequestTimeout || ae.Status >= 500
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) // other socket-level failures: worth another try
}

// uncounted reports whether a failed request was, as far as the client can
// tell, not processed: the API answered 5xx, or the connection was reset,
// refused or closed before any answer. Its purge tokens are given back
// (Pace.Refund). A timeout is not: the server may have done the work.
func uncounted(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Ratelimit is Cloudflare's `Ratelimit: "default";r=50;t=30` header: r calls
// remain until the window resets in t seconds.
type Ratelimit struct {
	Remaining int
	Reset     time.Duration
}

// ParseRatelimit reads the Ratelimit header. With several policies listed
// (comma-separated) the most restrictive (fewest remaining) wins.
func ParseRatelimit(h http.Header) (Ratelimit, bool) {
	var best Ratelimit
	found := false
	for _, line := range h.Values("Ratelimit") {
		for _, item := range strings.Split(line, ",") {
			params := structuredParams(item)
			r, okR := params["r"]
			t, okT := params["t"]
			if !okR || !okT || r < 0 || t < 0 {
				continue
			}
			rl := Ratelimit{Remaining: int(r), Reset: time.Duration(t * float64(time.Second))}
			if !found || rl.Remaining < best.Remaining {
				best, found = rl, true
			}
		}
	}
	return best, found
}

// RatelimitPolicy is `Ratelimit-Policy: "burst";q=100;w=60`: at most q calls
// in any w seconds.
type RatelimitPolicy struct {
	Quota  int
	Window time.Duration
}

// ParseRatelimitPolicy reads every policy in the Ratelimit-Policy header.
func ParseRatelimitPolicy(h http.Header) []RatelimitPolicy {
	var out []RatelimitPolicy
	for _, line := range h.Values("Ratelimit-Policy") {
		for _, item := range strings.Split(line, ",") {
			params := structuredParams(item)
			q, okQ := params["q"]
			w, okW := params["w"]
			if okQ && okW && q >= 1 && w > 0 {
				out = append(out, RatelimitPolicy{Quota: int(q), Window: time.Duration(w * float64(time.Second))})
			}
		}
	}
	return out
}

// structuredParams reads the numeric ;key=value parameters of one item of a
// structured-field list ("name";r=50;t=30).
func structuredParams(item string) map[string]float64 {
	out := map[string]float64{}
	parts := strings.Split(item, ";")
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		if n, err := strconv.ParseFloat(strings.Trim(v, `"`), 64); err == nil {
			out[strings.ToLower(strings.TrimSpace(k))] = n
		}
	}
	return out
}
