package budget

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
)

// bucketServer is one account's URL purge bucket with a cap of 30 URLs per
// request, on the time of a synctest bubble.
type bucketServer struct {
	mu      sync.Mutex
	l       limits.Limits
	tokens  float64
	last    time.Time
	limited map[int]int
	done    int
}

func (s *bucketServer) sender(who int) purge.Sender {
	return purge.SenderFunc(func(ctx context.Context, req purge.Request) (*purge.Response, error) {
		time.Sleep(20 * time.Millisecond)
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(req.Items) > 30 {
			return nil, &purge.APIError{Status: 400, Message: "You can purge at most 30 files per request"}
		}
		now := time.Now()
		s.tokens = math.Min(float64(s.l.URLPurgeBurst), s.tokens+now.Sub(s.last).Seconds()*s.l.URLPurgeRate)
		s.last = now
		if s.tokens+1e-6 < float64(len(req.Items)) {
			s.limited[who]++
			return nil, &purge.APIError{Status: 429, Codes: []int{1134}, Message: "rate limited", RetryAfter: time.Second}
		}
		s.tokens -= float64(len(req.Items))
		s.done += len(req.Items)
		return &purge.Response{Header: http.Header{}}, nil
	})
}

// Two processes (two Registries, their own file handles, one state
// directory) purging one account at once go at the account's rate together:
// wall / ideal ≤ 1.10, at most 5 429s each, nothing lost, the cap learned
// once in the shared file.
func TestTwoProcessesShareTheAccount(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		srv := &bucketServer{l: free, tokens: float64(free.URLPurgeBurst), last: time.Now(), limited: map[int]int{}}
		const each = 5000
		start := time.Now()
		var wg sync.WaitGroup
		results := make([]purge.Result, 2)
		for i := range 2 {
			wg.Go(func() {
				reg := NewRegistry(Options{Dir: dir, Credential: secret})
				b, _ := reg.For("acc1", limits.Free, free)
				entries := make([]purge.Entry, each)
				for j := range entries {
					entries[j] = purge.Entry{Value: fmt.Sprintf("https://z%d.example/%d", i, j), Source: "-", Line: j + 1}
				}
				results[i] = purge.Run(context.Background(), purge.RunConfig{Kind: purge.KindURL, Limits: free, Sender: srv.sender(i), Budget: b}, entries)
			})
		}
		wg.Wait()
		ratio := float64(time.Since(start)) / float64(purge.Estimate(purge.KindURL, 2*each, free, 30).Ideal)
		t.Logf("wall/ideal %.3f, 429s %v", ratio, srv.limited)
		for i, res := range results {
			if res.Purged != each || res.RateLimited > 5 {
				t.Errorf("process %d: purged %d, %d 429s", i, res.Purged, res.RateLimited)
			}
		}
		if ratio > 1.10 || srv.done != 2*each {
			t.Errorf("wall/ideal %.3f, %d URLs accepted", ratio, srv.done)
		}
		// Read back by a new registry, on the bubble's clock (the cap
		// carries when it was learned, and expires: CapTTL).
		reg := NewRegistry(Options{Dir: dir, Credential: secret})
		if n := reg.LearnedBatchSize("acc1", limits.Free, free, purge.KindURL); n != 30 {
			t.Errorf("learned cap in the file: %d", n)
		}
	})
}

// Decided: purge calls go through the same counting transport as every
// other call (the Factory installs one client), and are counted once, by
// the engine's budget, not again by the transport.
func TestPurgeThroughTransportCountedOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	reg := NewRegistry(Options{Dir: dir, Credential: secret})
	hc := &http.Client{Transport: reg.Transport(nil, free)}
	call := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := call(context.Background()); err != nil { // a zone lookup
		t.Fatal(err)
	}
	b, _ := reg.For("acc1", limits.Free, free)
	snd := purge.SenderFunc(func(ctx context.Context, req purge.Request) (*purge.Response, error) {
		return &purge.Response{Header: http.Header{}}, call(ctx)
	})
	entries := make([]purge.Entry, 1000)
	for j := range entries {
		entries[j] = purge.Entry{Value: "https://example.com/" + strconv.Itoa(j), Source: "-", Line: j + 1}
	}
	res := purge.Run(context.Background(), purge.RunConfig{Kind: purge.KindURL, Limits: free, Sender: snd, Budget: b}, entries)
	var st purge.APIState
	data, err := readFile(dir, "api-"+TokenKey(secret)+".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeAPI(data, &st); err != nil {
		t.Fatal(err)
	}
	if res.Requests != 10 || len(st.Sends) != 1+res.Requests {
		t.Errorf("%d purge requests and 1 lookup, %d calls counted", res.Requests, len(st.Sends))
	}
}
