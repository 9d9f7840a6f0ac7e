package cfapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/config"
)

func TestIsRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&APIError{Status: 429}, true},
		{&APIError{Status: 502}, true},
		{&APIError{Status: 400}, false},
		{&APIError{Status: 403}, false},
		{&ZoneNotFoundError{Query: "x"}, false},
		{context.Canceled, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{io.ErrUnexpectedEOF, true},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if got := ParseRetryAfter("3", now); got != 3*time.Second {
		t.Errorf("seconds: %v", got)
	}
	if got := ParseRetryAfter("Mon, 23 Nov 2026 00:00:10 GMT", now); got != 10*time.Second {
		t.Errorf("date: %v", got)
	}
	if got := ParseRetryAfter("soon", now); got != 0 {
		t.Errorf("junk: %v", got)
	}
}

func TestIsZoneID(t *testing.T) {
	if !IsZoneID("023e105f4ecef8ad9ca31a8372d0c353") || IsZoneID("example.com") || IsZoneID("023E105F4ECEF8AD9CA31A8372D0C353") {
		t.Fatal("zone id detection wrong")
	}
}

// Options.Timeout bounds every request, reading its answer included,
// through the request's context: the HTTP client has no timeout of its own
// (cfapi.New and the Factory build it without one). A server that never
// answers, or stops in the middle of an answer, ends the call with an
// error, both for the raw GETs and for the SDK's requests.
func TestTimeoutBoundsEveryRequest(t *testing.T) {
	done := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/entrypoint") {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"success":true,"result":{"rules":[`)
			w.(http.Flusher).Flush()
		}
		<-done // no answer, or half of one
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(done) })
	for _, hc := range []*http.Client{nil, {}} {
		c, err := New(Options{BaseURL: ts.URL + "/client/v4", Credentials: config.Credentials{Token: config.NewSecret("tok-0123456789")},
			HTTPClient: hc, Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]func(context.Context) error{
			"zone by name (raw GET, no answer)": func(ctx context.Context) error {
				_, err := c.ResolveZone(ctx, "example.com", "")
				return err
			},
			"entrypoint (raw GET, half an answer)": func(ctx context.Context) error {
				_, err := c.GetPhaseEntrypoint(ctx, "023e105f4ecef8ad9ca31a8372d0c353", "")
				return err
			},
			"zone list (SDK, no answer)": func(ctx context.Context) error {
				_, err := c.ListZones(ctx)
				return err
			},
		}
		for name, call := range calls {
			errc := make(chan error, 1)
			go func() { errc <- call(context.Background()) }()
			select {
			case err := <-errc:
				if err == nil {
					t.Errorf("%s: no error", name)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s: not bounded by Options.Timeout", name)
			}
		}
	}
}
