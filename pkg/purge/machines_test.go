package purge

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Issue 10, "across machines": runs that share no state (a budget each, as
// on different machines) converge through the 429s of the account's
// bucket: nothing is lost, and the multiplicative decrease keeps the 429s
// to a handful per run instead of one every few requests.
func TestRunsOnSeveralMachinesConverge(t *testing.T) {
	for _, runs := range []int{2, 4} {
		t.Run(strconv.Itoa(runs)+" machines", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				free := limits.Default().For(limits.Free)
				srv := newAccountServer(free, 30)
				const each = 5000
				results := make([]Result, runs)
				start := time.Now()
				var wg sync.WaitGroup
				for i := range runs {
					wg.Go(func() {
						cfg := RunConfig{Kind: KindURL, Limits: free, Sender: srv.sender(strconv.Itoa(i)), MaxRetries: -1}
						results[i] = Run(context.Background(), cfg, zoneEntries(fmt.Sprintf("z%d.example", i), each))
					})
				}
				wg.Wait()
				wall := time.Since(start)
				ideal := Estimate(KindURL, runs*each, free, 30).Ideal
				limited := 0
				for i, res := range results {
					limited += res.RateLimited
					if res.Purged != each || res.Err != nil {
						t.Errorf("run %d: purged %d err %v", i, res.Purged, res.Err)
					}
				}
				ratio := float64(wall) / float64(ideal)
				t.Logf("wall/ideal %.3f, %d 429s in all", ratio, limited)
				// Without the decrease (each run at the plan's full rate):
				// about 25 429s a run with 2 machines, 65 with 4.
				if limited > 15*runs || ratio > 1.5 {
					t.Errorf("%d 429s for %d runs, wall/ideal %.3f: the runs did not converge", limited, runs, ratio)
				}
			})
		})
	}
}
