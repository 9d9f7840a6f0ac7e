package e2e

import (
	"encoding/json"
	"testing"

	"github.com/cfcache/cfcache/pkg/sandbox"
)

// Issue 10 ("One budget per account, shared"): two cfcache processes on one
// machine and one account share its purge buckets through
// $XDG_STATE_HOME/cfcache/, so together they are paced as one (neither
// bursts into the other's share), the server's lower per-request cap is
// learned and shared, and nothing is lost. The wall-time figures are the
// benchmarks' (bench_test.go, BenchmarkAccount*); this asserts what must hold
// on any machine, however loaded. Before the shared budget the same case
// drew 25-71 429s in all (one process up to 37).
func TestProcessesShareOneAccountBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("paced run of about 3 s")
	}
	c := accountCase{procs: []benchProc{
		{urls: map[string]int{"example.com": 1500}},
		{urls: map[string]int{"example.com": 1500}},
	}}
	results, srv, st, _ := runAccountCase(t, c, 1)
	for p := range results {
		r := &results[p]
		if err := json.Unmarshal([]byte(r.stdout), &r.rep); err != nil {
			t.Fatalf("process %d: %v, no JSON report (%v)\nstderr: %s", p, r.err, err, firstLines(r.stderr, 10))
		}
	}
	checkNothingLost(t, srv, results)
	for p, r := range results {
		if r.err != nil || r.rep.Failed != 0 {
			t.Errorf("process %d: exit %v, %d failed\nstderr: %s", p, r.err, r.rep.Failed, firstLines(r.stderr, 10))
		}
		// The bound: at most 5 429s per process.
		if r.rep.RateLimited == nil || *r.rep.RateLimited > 5 {
			t.Errorf("process %d: rate_limited %s, want at most 5", p, optInt(r.rep.RateLimited))
		}
	}
	// Each process may probe the documented size once before either has
	// learned the server's cap of 30; no other batch is refused.
	if refused := st.Count(sandbox.EndpointPurge, 400); refused > len(results) {
		t.Errorf("%d batches refused as too large, want at most %d (one probe per process)", refused, len(results))
	}
	if tok := st.Tokens[srv.Config().Tokens[0].ID]; tok.Blocked {
		t.Errorf("the token was blocked by the API limit")
	}
}
