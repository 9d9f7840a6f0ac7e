package purge

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// accountServer emulates one account's purge endpoint as Cloudflare keeps
// it: one URL bucket for every client of the account, a per-request cap
// lower than the documented one, and a network latency. It runs on the
// time of a synctest bubble, where time moves only when every goroutine
// waits, so several Runs race exactly as they would on a real clock.
type accountServer struct {
	l       limits.Limits
	cap     int
	latency time.Duration

	mu       sync.Mutex
	tokens   float64
	last     time.Time
	accepted map[string]int
	sends    []time.Time // every API call it saw, lookups included
	refused  map[string]int
	limited  map[string]int // 429s by caller
}

func newAccountServer(l limits.Limits, cap int) *accountServer {
	return &accountServer{l: l, cap: cap, latency: 20 * time.Millisecond, tokens: float64(l.URLPurgeBurst),
		last: time.Now(), accepted: map[string]int{}, refused: map[string]int{}, limited: map[string]int{}}
}

func (s *accountServer) lookup() {
	s.mu.Lock()
	s.sends = append(s.sends, time.Now())
	s.mu.Unlock()
}

func (s *accountServer) sender(who string) Sender {
	return SenderFunc(func(ctx context.Context, req Request) (*Response, error) {
		time.Sleep(s.latency)
		s.mu.Lock()
		now := time.Now()
		s.sends = append(s.sends, now)
		if len(req.Items) > s.cap {
			s.refused[who]++
			s.mu.Unlock()
			time.Sleep(s.latency)
			return nil, &APIError{Status: 400, Codes: []int{1015}, Message: fmt.Sprintf("You can purge at most %d files per request", s.cap)}
		}
		s.tokens = math.Min(float64(s.l.URLPurgeBurst), s.tokens+now.Sub(s.last).Seconds()*s.l.URLPurgeRate)
		s.last = now
		n := float64(len(req.Items))
		if s.tokens+1e-6 < n {
			s.limited[who]++
			wait := time.Duration(math.Ceil((n-s.tokens)/s.l.URLPurgeRate)) * time.Second
			s.mu.Unlock()
			time.Sleep(s.latency)
			return nil, &APIError{Status: 429, Codes: []int{1134}, Message: "Unable to purge, rate limit reached",
				RetryAfter: max(time.Second, wait)}
		}
		s.tokens -= n
		for _, it := range req.Items {
			s.accepted[it.Value]++
		}
		s.mu.Unlock()
		time.Sleep(s.latency)
		return &Response{Header: http.Header{}}, nil
	})
}

// maxInWindow is the most calls the server saw in any window of w.
func (s *accountServer) maxInWindow(w time.Duration) int {
	ts := append([]time.Time(nil), s.sends...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	most, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func zoneEntries(zone string, n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Value: "https://" + zone + "/p/" + strconv.Itoa(i), Source: "-", Line: i + 1}
	}
	return out
}

// Issue 10, "one budget per account": runs of one account (zones, or
// processes with pkg/budget) share one Budget, so together they go at the
// account's rate: total wall / ideal ≤ 1.10, at most 5 429s a run, nothing
// lost, and the server's cap of 30 learned once for all of them. With a
// budget per run (today: a pacer per Run), each run paces as if alone and
// the account's bucket answers 429 after 429.
func TestRunsShareOneBudget(t *testing.T) {
	for _, runs := range []int{2, 4} {
		t.Run(strconv.Itoa(runs)+" runs", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				free := limits.Default().For(limits.Free)
				srv := newAccountServer(free, 30)
				budget := NewBudget(free, DefaultJitterTolerance)
				const each = 5000
				results := make([]Result, runs)
				start := time.Now()
				var wg sync.WaitGroup
				for i := range runs {
					wg.Go(func() {
						cfg := RunConfig{Kind: KindURL, Limits: free, Sender: srv.sender(strconv.Itoa(i)), Budget: budget}
						results[i] = Run(context.Background(), cfg, zoneEntries(fmt.Sprintf("z%d.example", i), each))
					})
				}
				wg.Wait()
				wall := time.Since(start)
				ideal := Estimate(KindURL, runs*each, free, 30).Ideal
				ratio := float64(wall) / float64(ideal)
				lost := 0
				for i, res := range results {
					lost += len(res.Failed)
					t.Logf("run %d: %d requests, %d 429s, %d refused as too large, batch %d", i, res.Requests, res.RateLimited, srv.refused[strconv.Itoa(i)], res.BatchSize)
					if res.RateLimited > 5 || res.Purged != each || res.Err != nil {
						t.Errorf("run %d: purged %d, %d 429s, err %v", i, res.Purged, res.RateLimited, res.Err)
					}
				}
				t.Logf("wall %v, ideal %v: ratio %.3f", wall, ideal, ratio)
				if ratio > 1.10 || lost > 0 || len(srv.accepted) != runs*each {
					t.Errorf("wall/ideal %.3f > 1.10, or lost %d, accepted %d", ratio, lost, len(srv.accepted))
				}
				refused := 0
				for _, n := range srv.refused {
					refused += n
				}
				if refused > runs {
					t.Errorf("%d batches refused as too large: the cap is learned once and probed, not fired in bursts", refused)
				}
				if c := budget.BatchSize(KindURL); c != (Cap{Size: 30, Confirmed: true}) {
					t.Errorf("budget's learned cap %+v, want 30 confirmed", c)
				}
			})
		})
	}
}

// Issue 10: 30,000 + 5,000 URLs of one account and the zone lookups around
// them never put more than 1,200 calls in any 5 minutes of the server's
// view (the whole-API limit), and the run still finishes.
func TestAccountLoadStaysUnderAPIWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	synctest.Test(t, func(t *testing.T) {
		free := limits.Default().For(limits.Free)
		srv := newAccountServer(free, 30)
		budget := NewBudget(free, DefaultJitterTolerance)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// Zone lookups and setting reads, all through the budget, as
		// pkg/budget's transport counts them.
		wg.Go(func() {
			for ctx.Err() == nil {
				if ok, at := budget.TryCount(time.Now()); ok {
					srv.lookup()
					time.Sleep(time.Second)
				} else {
					time.Sleep(time.Until(at))
				}
			}
		})
		results := make([]Result, 2)
		var runs sync.WaitGroup
		for i, n := range []int{30_000, 5_000} {
			runs.Go(func() {
				cfg := RunConfig{Kind: KindURL, Limits: free, Sender: srv.sender(strconv.Itoa(i)), Budget: budget}
				results[i] = Run(context.Background(), cfg, zoneEntries(fmt.Sprintf("z%d.example", i), n))
			})
		}
		runs.Wait()
		cancel()
		wg.Wait()
		for i, res := range results {
			if len(res.Failed) > 0 || res.Err != nil {
				t.Errorf("run %d: failed %d err %v", i, len(res.Failed), res.Err)
			}
		}
		if most := srv.maxInWindow(5 * time.Minute); most > free.APIRequestsPerWindow {
			t.Errorf("%d calls in a 5-minute window, over %d", most, free.APIRequestsPerWindow)
		} else {
			t.Logf("at most %d calls in any 5 minutes (%d in all)", most, len(srv.sends))
		}
	})
}
