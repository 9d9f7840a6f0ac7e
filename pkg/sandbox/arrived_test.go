package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A request is counted in Arrived as soon as it arrives, while the latency
// still holds its answer (Requests counts it only once answered): what lets
// an e2e script signal a command that is waiting for an answer, instead of
// sleeping and hoping it got that far.
func TestArrivedCountsHeldRequests(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Latency = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.http.URL+BasePath+"/zones", nil)
	go func() {
		if res, err := e.http.Client().Do(req); err == nil {
			res.Body.Close()
		}
	}()
	for i := 0; ; i++ {
		st := e.srv.Stats()
		if st.Arrived[EndpointZones] == 1 {
			if st.Total != 0 {
				t.Fatalf("answered %d while held", st.Total)
			}
			return
		}
		if i == 3000 {
			t.Fatalf("never arrived: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
