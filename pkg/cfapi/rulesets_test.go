package cfapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/config"
)

// No zone id is refused at once, before any request: the refusal is not
// transient, and it was retried with backoff (seconds) before failing.
func TestGetPhaseEntrypointWithoutZoneFailsAtOnce(t *testing.T) {
	var requests atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(ts.Close)
	c, err := New(Options{BaseURL: ts.URL + "/client/v4", Credentials: config.Credentials{Token: config.NewSecret("tok-0123456789")},
		HTTPClient: ts.Client(), ReadRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Retried, the call would wait 500 ms, then 1 s, then 2 s before giving
	// up (3.5 s): the deadline turns any retry into a context error, with
	// a margin no busy machine needs for a call that sends nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.GetPhaseEntrypoint(ctx, "", "")
	if err == nil || err.Error() != "either account ID or zone ID must be provided" {
		t.Fatalf("err %v: want the missing-id error at once, not after retries", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
