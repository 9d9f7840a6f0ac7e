package cfapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/budget"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A read that meets a full API window (counted by the budget transport on
// this machine) does not sleep inside its request timeout: it is told to
// wait, and a wait longer than --max-wait ends it at once with a
// *WaitTooLongError that names cfcache's count, not with "context deadline
// exceeded" 30 silent seconds later (review of issue 10, finding 2).
func TestReadWaitingForAFullWindowIsBoundedByMaxWait(t *testing.T) {
	cfg := sandbox.DefaultConfig()
	var hits atomic.Int32
	sb := sandbox.New(cfg)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); sb.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	l := limits.Default().For(limits.Free)
	l.APIRequestsPerWindow = 2
	reg := budget.NewRegistry(budget.Options{Dir: t.TempDir(), Credential: cfg.Tokens[0].Value})
	hc := &http.Client{Transport: reg.Transport(ts.Client().Transport, l), Timeout: 200 * time.Millisecond}
	var waits []time.Duration
	c, err := New(Options{BaseURL: ts.URL + sandbox.BasePath, Credentials: config.Credentials{Token: config.NewSecret(cfg.Tokens[0].Value)},
		HTTPClient: hc, Timeout: 200 * time.Millisecond, ReadRetries: 3,
		OnWait: func(d time.Duration, _ time.Time) { waits = append(waits, d) }})
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxWait(2 * time.Second)
	ctx := context.Background()
	for range 2 {
		if _, err := c.ListZones(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.ListZones(ctx)
	var wtl *WaitTooLongError
	if !errors.As(err, &wtl) || wtl.Asked < 4*time.Minute || !strings.Contains(err.Error(), "as cfcache counts them on this machine, have reached Cloudflare's limit") ||
		!strings.Contains(err.Error(), "longer than the longest wait allowed (2s)") {
		t.Fatalf("err = %v, want a wait too long for --max-wait", err)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the API saw %d calls, want 2", n)
	}
	if len(waits) != 0 {
		t.Errorf("a wait not waited was announced: %v", waits)
	}
}

// A 429 with a Retry-After is a wait, announced when it lasts a second or
// more, and not a retry: it succeeds with no retries left.
func TestRead429IsAnAnnouncedWaitNotARetry(t *testing.T) {
	cfg := sandbox.DefaultConfig()
	sb := sandbox.New(cfg)
	var hits atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch hits.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			sb.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	var waits []time.Duration
	c, err := New(Options{BaseURL: ts.URL + sandbox.BasePath, Credentials: config.Credentials{Token: config.NewSecret(cfg.Tokens[0].Value)},
		HTTPClient: ts.Client(), ReadRetries: 0, OnWait: func(d time.Duration, _ time.Time) { waits = append(waits, d) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListZones(context.Background()); err != nil {
		t.Fatalf("err = %v", err)
	}
	if len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits announced: %v, want [1s]", waits)
	}
}
