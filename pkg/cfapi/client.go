// Package cfapi is cfcache's one narrow client over cloudflare-go v7. It is
// built in one place from the resolved base URL, credentials, timeout and an
// injectable *http.Client, and imports only the service packages it uses.
package cfapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/accounts"
	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"
	"github.com/cloudflare/cloudflare-go/v7/user"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/ratelimit"
)

// Options configure a Client.
type Options struct {
	BaseURL     string
	Credentials config.Credentials
	HTTPClient  *http.Client // nil: a plain http.Client
	// Timeout bounds each request, reading its answer included, through
	// the request's context (the SDK's request timeout, and rawGet's and
	// rawPost's own); 0 means 30 s.
	Timeout   time.Duration
	UserAgent string
	// Verbose, when set, receives one line per HTTP exchange: method, path,
	// status and timing. Headers and bodies are never logged, so credentials
	// cannot reach it.
	Verbose io.Writer
	// Retries for idempotent reads (GET) on 429, 5xx and transport errors.
	// Purges and writes are retried by their callers, which know what is safe.
	ReadRetries int
	// MaxWait bounds one Retry-After a read waits out (interface.md
	// "Waiting and giving up"): a longer one ends the read at once with a
	// *WaitTooLongError. 0 means DefaultMaxWait; negative, none at all.
	MaxWait time.Duration
	// OnWait, when set, is told of every wait of a second or more a read
	// makes because of a 429 (Cloudflare's, or the one the API transport
	// answers when the token's window is full: ratelimit.LocalLimitHeader),
	// before it starts, so the user sees why the command pauses and until
	// when (interface.md "Waiting and giving up").
	OnWait func(wait time.Duration, until time.Time)
	// OnNotice, when set, is told what the user should know of a choice
	// the client made (a zone of a name chosen by the account id over a
	// better-served one); one line, no trailing newline.
	OnNotice func(msg string)
}

// DefaultMaxWait is the longest Retry-After a read waits out by default.
const DefaultMaxWait = ratelimit.DefaultMaxWait

// WaitTooLongError is a 429 whose Retry-After is longer than MaxWait.
type WaitTooLongError = ratelimit.WaitTooLongError

// SetMaxWait changes Options.MaxWait (a command's --max-wait).
func (c *Client) SetMaxWait(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.MaxWait = d
}

// Client talks to the Cloudflare API.
type Client struct {
	opts       Options
	zones      *zones.ZoneService
	cache      *cache.CacheService
	userTokens *user.TokenService
	acctTokens *accounts.TokenService
	phases     *rulesets.PhaseService
	versions   *rulesets.PhaseVersionService
	envs       *zones.EnvironmentService
	settings   *zones.SettingService
	// What a raw request (rawPost) needs to go out as the SDK's do.
	hc          *http.Client
	base        string
	authorize   func(http.Header)
	mu          sync.Mutex
	zoneByQuery map[string]Zone
	logMu       sync.Mutex
}

// New builds the client. Nothing is sent until a method is called.
func New(o Options) (*Client, error) {
	if err := config.CheckAPIURL(o.BaseURL); err != nil {
		return nil, err
	}
	if o.Credentials.Token.IsZero() && o.Credentials.Key.IsZero() {
		return nil, config.ErrNoCredentials
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	hc := o.HTTPClient
	if hc == nil {
		// No http.Client.Timeout: Timeout already bounds every request
		// through its context, and a client timeout over a wrapping
		// RoundTripper (the budget's) costs each request a timer
		// goroutine and net/http's legacy-cancel goroutine
		// (docs/performance.md, "Against start-up").
		hc = &http.Client{}
	}
	if o.UserAgent == "" {
		o.UserAgent = "cfcache"
	}
	c := &Client{opts: o, zoneByQuery: map[string]Zone{}}
	base := strings.TrimRight(o.BaseURL, "/") + "/"
	reqOpts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		// Our callers retry with knowledge of rate limits; SDK retries would multiply with theirs.
		option.WithMaxRetries(0),
		option.WithRequestTimeout(o.Timeout),
		option.WithHeader("User-Agent", o.UserAgent),
		option.WithMiddleware(c.logMiddleware, errorMiddleware),
	}
	creds := o.Credentials
	if !creds.Token.IsZero() {
		reqOpts = append(reqOpts, option.WithAPIToken(creds.Token.Reveal()))
		c.authorize = func(h http.Header) { h.Set("Authorization", "Bearer "+creds.Token.Reveal()) }
	} else {
		reqOpts = append(reqOpts, option.WithAPIKey(creds.Key.Reveal()), option.WithAPIEmail(creds.Email))
		c.authorize = func(h http.Header) { h.Set("X-Auth-Key", creds.Key.Reveal()); h.Set("X-Auth-Email", creds.Email) }
	}
	c.hc, c.base = hc, base
	c.zones = zones.NewZoneService(reqOpts...)
	c.cache = cache.NewCacheService(reqOpts...)
	c.userTokens = user.NewTokenService(reqOpts...)
	c.acctTokens = accounts.NewTokenService(reqOpts...)
	c.phases = rulesets.NewPhaseService(reqOpts...)
	c.versions = rulesets.NewPhaseVersionService(reqOpts...)
	c.envs = zones.NewEnvironmentService(reqOpts...)
	c.settings = zones.NewSettingService(reqOpts...)
	return c, nil
}

func (c *Client) logMiddleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	if c.opts.Verbose == nil {
		return next(req)
	}
	start := time.Now()
	resp, err := next(req)
	elapsed := time.Since(start).Round(time.Millisecond)
	status := "error"
	if resp != nil {
		status = strconv.Itoa(resp.StatusCode)
	} else if apiErr := (*APIError)(nil); errors.As(err, &apiErr) {
		status = strconv.Itoa(apiErr.Status)
	} else if err != nil {
		status = "error: " + redactURLError(err)
	}
	c.logMu.Lock()
	fmt.Fprintf(c.opts.Verbose, "* %s %s → %s (%s)\n", req.Method, req.URL.RequestURI(), status, elapsed)
	c.logMu.Unlock()
	return resp, err
}

// redactURLError keeps a transport error's cause but not the request it wraps.
func redactURLError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// errorMiddleware turns every HTTP error response into an *APIError before
// the SDK sees it, so callers get Cloudflare's codes and the response headers
// (Retry-After, Ratelimit) in one typed value.
func errorMiddleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	resp, err := next(req)
	if err != nil || resp == nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return nil, apiErrorFrom(req, resp, body)
}

// apiErrorFrom builds the typed error of an answer from its envelope's
// errors array (for an HTTP error, or a 200 that says success=false).
func apiErrorFrom(req *http.Request, resp *http.Response, body []byte) *APIError {
	apiErr := &APIError{Status: resp.StatusCode, Header: resp.Header.Clone(), Method: req.Method, Path: req.URL.Path}
	var env struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Source  struct {
				Pointer string `json:"pointer"`
			} `json:"source"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil {
		for _, e := range env.Errors {
			apiErr.Errors = append(apiErr.Errors, ErrorDetail{Code: e.Code, Message: e.Message, Pointer: e.Source.Pointer})
		}
	}
	return apiErr
}

// ErrorDetail is one entry of Cloudflare's errors array.
type ErrorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Pointer string `json:"pointer,omitempty"`
}

// APIError is an HTTP error answer from the API.
type APIError struct {
	Status int
	Errors []ErrorDetail
	Header http.Header
	Method string
	Path   string
}

func (e *APIError) Error() string {
	var parts []string
	for _, d := range e.Errors {
		s := fmt.Sprintf("%s (code %d)", d.Message, d.Code)
		if d.Pointer != "" {
			s += " at " + d.Pointer
		}
		parts = append(parts, s)
	}
	msg := strings.Join(parts, "; ")
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, msg)
}

// Message is the API's messages without the request line.
func (e *APIError) Message() string {
	var parts []string
	for _, d := range e.Errors {
		parts = append(parts, d.Message)
	}
	if len(parts) == 0 {
		return http.StatusText(e.Status)
	}
	return strings.Join(parts, "; ")
}

// Codes lists the error codes.
func (e *APIError) Codes() []int {
	out := make([]int, 0, len(e.Errors))
	for _, d := range e.Errors {
		out = append(out, d.Code)
	}
	return out
}

// HasCode reports whether the answer carries code.
func (e *APIError) HasCode(code int) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// IsAuth reports an authentication or permission failure.
func (e *APIError) IsAuth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.HasCode(10000) || e.HasCode(9109)
}

// RetryAfter parses the Retry-After header (seconds or HTTP date).
func (e *APIError) RetryAfter() time.Duration {
	return ParseRetryAfter(e.Header.Get("Retry-After"), time.Now())
}

// ParseRetryAfter reads a Retry-After value (ratelimit.RetryAfter).
func ParseRetryAfter(v string, now time.Time) time.Duration {
	return ratelimit.RetryAfter(v, now)
}

// IsRetryable reports a failure worth repeating for an idempotent request.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500
	}
	var notFound *ZoneNotFoundError
	if errors.As(err, &notFound) {
		return false // an answer, not a failure to get one
	}
	return true // transport errors: resets, timeouts, refused connections
}

// maxWaitsInARow bounds the 429 waits of one read: each is bounded by
// MaxWait and none counts as a retry, but an API that answers nothing but
// 429s must not hold a command forever.
const maxWaitsInARow = 20

// retryRead runs an idempotent read, retrying transient failures. A 429
// with a Retry-After is a wait, not a retry (interface.md "Waiting and
// giving up"): it is waited out between requests, so outside any request
// timeout, unless it is longer than MaxWait, which ends the read with a
// *WaitTooLongError.
func (c *Client) retryRead(ctx context.Context, f func() error) error {
	backoff := 500 * time.Millisecond
	faults, waits := 0, 0
	for {
		err := f()
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		var apiErr *APIError
		var ra time.Duration
		if errors.As(err, &apiErr) {
			ra = apiErr.RetryAfter()
		}
		asked := ra > 0 && apiErr.Status == http.StatusTooManyRequests && waits < maxWaitsInARow
		if !asked && faults >= c.opts.ReadRetries {
			return err
		}
		wait := backoff << faults
		if ra > 0 {
			c.mu.Lock()
			maxWait := c.opts.MaxWait
			c.mu.Unlock()
			if maxWait == 0 {
				maxWait = DefaultMaxWait
			}
			if maxWait < 0 || ra > maxWait {
				return c.waitTooLong(apiErr, ra, max(maxWait, 0))
			}
			if asked {
				wait = ra
			} else {
				wait = max(wait, ra)
			}
		}
		if asked {
			waits++
			if wait >= time.Second && c.opts.OnWait != nil {
				c.opts.OnWait(wait, time.Now().Add(wait))
			}
		} else {
			faults++
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// waitTooLong is the error of a wait longer than MaxWait; for the 429 the
// API transport answered itself it names cfcache's count as the source.
func (c *Client) waitTooLong(apiErr *APIError, asked, maxWait time.Duration) error {
	e := &WaitTooLongError{Asked: asked, Max: maxWait, Source: "Retry-After", Err: apiErr, Bound: "the longest wait allowed"}
	if apiErr.Header.Get(ratelimit.LocalLimitHeader) != "" {
		e.Source, e.Local, e.Err = "cfcache's count of the token's API calls", true, nil
	}
	return e
}
