package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

const (
	testToken     = "user-token-0123456789abcdefghijklmnopqrstu"
	testAcctToken = "cfat_account-token-0123456789abcdefghijklmn"
)

// fakeClock drives the buckets and windows; tests step it instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
}

func testConfig(clock *fakeClock) Config {
	cfg := DefaultConfig()
	cfg.Tokens[0].Value = testToken
	cfg.Tokens[1].Value = testAcctToken
	cfg.Now = clock.Now
	return cfg
}

func newEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	clock := newClock()
	cfg := testConfig(clock)
	if mutate != nil {
		mutate(&cfg)
	}
	srv := New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, srv: srv, http: ts, clock: clock}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	Env    struct {
		Success    bool            `json:"success"`
		Errors     []APIError      `json:"errors"`
		Messages   []apiMessage    `json:"messages"`
		Result     json.RawMessage `json:"result"`
		ResultInfo *resultInfo     `json:"result_info"`
	}
}

func (r *response) code() int {
	if len(r.Env.Errors) == 0 {
		return 0
	}
	return r.Env.Errors[0].Code
}

func (r *response) pointer() string {
	if len(r.Env.Errors) == 0 || r.Env.Errors[0].Source == nil {
		return ""
	}
	return r.Env.Errors[0].Source.Pointer
}

func (r *response) result(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.Result, v); err != nil {
		t.Fatalf("decoding result %s: %v", r.Env.Result, err)
	}
}

// call sends a request with a bearer token (none when token is "") and
// decodes the envelope. body may be a string (sent as is) or a value.
func (e *env) call(method, path, token string, body any) *response {
	e.t.Helper()
	return e.callWith(method, path, body, func(h http.Header) {
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
	})
}

func (e *env) callWith(method, path string, body any, headers func(http.Header)) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.http.URL+BasePath+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	headers(req.Header)
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out := &response{Status: res.StatusCode, Header: res.Header}
	out.Body, _ = io.ReadAll(res.Body)
	if err := json.Unmarshal(out.Body, &out.Env); err != nil {
		e.t.Fatalf("%s %s: answer is not an envelope: %q", method, path, out.Body)
	}
	if out.Env.Errors == nil || out.Env.Messages == nil {
		e.t.Fatalf("%s %s: errors and messages must be arrays: %s", method, path, out.Body)
	}
	return out
}

func (e *env) purge(body any) *response {
	e.t.Helper()
	return e.call(http.MethodPost, "/zones/"+DefaultZoneID+"/purge_cache", testToken, body)
}

func urls(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://example.com/%s/%d", prefix, i)
	}
	return out
}

func withLimits(f func(*limits.Limits)) func(*Config) {
	return func(c *Config) {
		t := limits.Default()
		for p, l := range t {
			f(&l)
			t[p] = l
		}
		c.Limits = t
	}
}

func mustJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
