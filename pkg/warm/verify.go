package warm

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/purge"
)

// DefaultRecheck is how long a verification waits before asking again
// about a URL that still looked cached: a purge reaches every Cloudflare
// data centre within seconds, and a false alarm fails a CI job.
const DefaultRecheck = 2 * time.Second

// ServedFromBefore reports whether r shows a cached copy older than an
// event at since (a purge, or with soft an invalidation): served from cache
// with an Age older than the time since the event, so the event did not
// reach it. Age is whole seconds, hence the one second of slack.
//
// After a purge, HIT, STALE and UPDATING are all copies from the cache. An
// invalidation keeps the copy but marks it stale, so the next request
// revalidates it: REVALIDATED (the origin said 304), EXPIRED (new content)
// and UPDATING (served stale while revalidating) are its proof, as is STALE
// (marked stale, the origin could not be asked); only a HIT, a copy still
// served as fresh, from before the invalidation shows it did not take
// (cloudflare.md, "Soft purge").
func ServedFromBefore(r Result, since time.Time, soft bool) bool {
	switch r.CacheStatus {
	case "HIT":
	case "STALE", "UPDATING":
		if soft {
			return false
		}
	default:
		return false
	}
	return float64(r.Age) > r.At.Sub(since).Seconds()+1
}

// PurgedTargets turns the entries a purge confirmed (every entry not in
// failed) into the requests that check them, with their labels as label
// names entries (the purge report's names; an entry is failed when its
// label is). A CF-Device-Type variant becomes that device's User-Agent
// (Cloudflare derives the header from it and overwrites one a client
// sends), every other variant header is sent as is, and an entry without a
// device is requested as desktop, the cache key every visitor shares.
func PurgedTargets(entries []purge.Entry, failed []purge.Failure, label func(purge.Entry) string) ([]Target, []string) {
	notPurged := make(map[string]bool, len(failed))
	for _, f := range failed {
		notPurged[label(f.Entry)] = true
	}
	out := make([]Target, 0, max(0, len(entries)-len(failed)))
	labels := make([]string, 0, cap(out))
	for _, e := range entries {
		l := label(e)
		if notPurged[l] {
			continue
		}
		labels = append(labels, l)
		t := Target{URL: e.Value, Device: Desktop}
		for _, h := range e.Headers {
			if strings.EqualFold(h.Name, purge.HeaderDevice) {
				t.Device = Device(strings.ToLower(h.Value))
				continue
			}
			if t.Header == nil {
				t.Header = http.Header{}
			}
			t.Header.Set(h.Name, h.Value)
		}
		out = append(out, t)
	}
	return out, labels
}

// VerifyConfig says what a verification (`purge url --verify`) checks.
type VerifyConfig struct {
	// Since is when the purge (or invalidation) began: a copy older than
	// that was not evicted.
	Since time.Time
	// Soft: the event was an invalidation, so only a HIT from before it
	// shows it did not take (ServedFromBefore).
	Soft bool
	// Sample, when positive and below the number of targets, checks that
	// many targets chosen at random instead of all.
	Sample int
	// Recheck is how long to wait before asking once more about the
	// targets that still looked cached; 0 asks once.
	Recheck time.Duration
	// Perm returns a random permutation of [0, n) for the sample; nil
	// means math/rand/v2's Perm (tests fix it).
	Perm func(n int) []int
	// First makes the first round of requests, so the caller can show its
	// progress; nil means Run. The recheck, small and short, uses Run.
	First func(context.Context, Config, []Target) Outcome
}

// Verification is what a verification found.
type Verification struct {
	// Checked are the indexes of the targets checked (every target, or
	// the sample), in the order of Results.
	Checked []int
	// Results has one answer per checked target: the recheck's where one
	// was made.
	Results []Result
	// StillCached are the indexes in Results of the checks served from a
	// copy older than the event, on the recheck as well when made.
	StillCached []int
	// Unverified are the indexes in Results of the checks that said
	// nothing about the cache (Result.Unanswered): not a success either
	// (issue 9, #12).
	Unverified []int
	// Interrupted: ctx ended before the verification did; the other
	// fields are then incomplete.
	Interrupted bool
}

// Verify requests every target (or a sample, VerifyConfig.Sample), asks
// again after VerifyConfig.Recheck about those served from a copy older
// than the purge, and says which still are and which could not be checked.
func Verify(ctx context.Context, cfg Config, targets []Target, vc VerifyConfig) Verification {
	var v Verification
	v.Checked = make([]int, len(targets))
	for i := range v.Checked {
		v.Checked[i] = i
	}
	if vc.Sample > 0 && vc.Sample < len(targets) {
		perm := vc.Perm
		if perm == nil {
			perm = rand.Perm
		}
		v.Checked = perm(len(targets))[:vc.Sample]
	}
	checked := make([]Target, len(v.Checked))
	for i, j := range v.Checked {
		checked[i] = targets[j]
	}
	first := vc.First
	if first == nil {
		first = Run
	}
	out := first(ctx, cfg, checked)
	if out.Interrupted {
		v.Interrupted = true
		return v
	}
	v.Results = out.Results
	cached := cachedBefore(v.Results, vc)
	if len(cached) > 0 && vc.Recheck > 0 {
		t := time.NewTimer(vc.Recheck)
		select {
		case <-ctx.Done():
			t.Stop()
			v.Interrupted = true
			return v
		case <-t.C:
		}
		again := make([]Target, 0, len(cached))
		for _, i := range cached {
			again = append(again, checked[i])
		}
		re := Run(ctx, cfg, again)
		if re.Interrupted {
			v.Interrupted = true
			return v
		}
		var still []int
		for _, j := range cachedBefore(re.Results, vc) {
			still = append(still, cached[j])
		}
		for j, i := range cached {
			v.Results[i] = re.Results[j]
		}
		cached = still
	}
	v.StillCached = cached
	for i, r := range v.Results {
		if r.Unanswered() {
			v.Unverified = append(v.Unverified, i)
		}
	}
	return v
}

// cachedBefore returns the indexes of results served from a copy cached
// before the event: the purge did not evict it, or the invalidation did not
// mark it stale.
func cachedBefore(results []Result, vc VerifyConfig) []int {
	var out []int
	for i, r := range results {
		if ServedFromBefore(r, vc.Since, vc.Soft) {
			out = append(out, i)
		}
	}
	return out
}

// VerifyReport is a verification in the purge JSON ("verify").
type VerifyReport struct {
	Checked int `json:"checked"`
	// StillCached lists each URL (once) served from cache with an Age older
	// than the purge for at least one of its variants.
	StillCached []string `json:"still_cached"`
	// Failed counts verify requests that got no answer (or a 5xx).
	Failed int `json:"failed"`
	// Unverified counts the checks that said nothing about the cache (no
	// answer, or a 5xx that did not come through it: Result.Unanswered),
	// and UnverifiedReasons counts them by reason. Any makes the run exit 3:
	// a check nobody answered is not a success (issue 9, #12).
	Unverified        int            `json:"unverified"`
	UnverifiedReasons map[string]int `json:"unverified_reasons"`
}

// Report sums the verification up for the JSON report.
func (v Verification) Report() VerifyReport {
	r := VerifyReport{Checked: len(v.Results), StillCached: []string{}, Failed: Summarize(v.Results).Failed,
		Unverified: len(v.Unverified), UnverifiedReasons: map[string]int{}}
	for _, i := range v.Unverified {
		r.UnverifiedReasons[v.Results[i].Reason()]++
	}
	seen := map[string]bool{}
	for _, i := range v.StillCached {
		if u := v.Results[i].URL; !seen[u] {
			seen[u] = true
			r.StillCached = append(r.StillCached, u)
		}
	}
	return r
}
