package warm

import "sort"

// Summary condenses results: counts by cache status, the URLs Cloudflare
// would not cache, and how many requests failed.
type Summary struct {
	Requested     int            `json:"requested"`
	ByCacheStatus map[string]int `json:"by_cache_status"`
	// NotCacheable lists each URL (once, sorted) that any device got as a
	// 2xx with DYNAMIC or BYPASS: usually a cache rule is missing for it.
	// Redirects and errors are left out: they say nothing about the page.
	NotCacheable []string `json:"not_cacheable"`
	// Failed counts requests with no answer or a 5xx.
	Failed int `json:"failed"`
}

// Summarize builds the Summary of results. Requests with no answer have no
// cache status and are counted only in Failed.
func Summarize(results []Result) Summary {
	s := Summary{Requested: len(results), ByCacheStatus: map[string]int{}, NotCacheable: []string{}}
	seen := map[string]bool{}
	for _, r := range results {
		if r.Failed() {
			s.Failed++
		}
		if r.Status == 0 {
			continue
		}
		s.ByCacheStatus[r.CacheStatus]++
		if r.Status >= 200 && r.Status < 300 && NotCacheable(r.CacheStatus) && !seen[r.URL] {
			seen[r.URL] = true
			s.NotCacheable = append(s.NotCacheable, r.URL)
		}
	}
	sort.Strings(s.NotCacheable)
	return s
}

// StatusOrder lists cache statuses for display: Cloudflare's documented
// values from "served from cache" to "not cacheable", then any other seen.
func StatusOrder(by map[string]int) []string {
	known := []string{"HIT", "STALE", "UPDATING", "REVALIDATED", "EXPIRED", "MISS", "DYNAMIC", "BYPASS", "NONE"}
	out := []string{}
	for _, k := range known {
		if by[k] > 0 {
			out = append(out, k)
		}
	}
	var other []string
	for k, n := range by {
		if n > 0 && !contains(known, k) {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	return append(out, other...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
