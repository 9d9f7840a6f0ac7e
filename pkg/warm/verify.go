package warm

import "time"

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
