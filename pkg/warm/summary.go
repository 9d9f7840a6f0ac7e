package warm

import (
	"container/heap"
	"net/url"
	"sort"
)

// Bounds of what a Summary lists one by one; the rest is counted. A warm of
// a large site with no cache rule for HTML answers DYNAMIC for every page,
// and listing each would make the summary grow with the site (issue 9, #16).
const (
	MaxNotCacheable  = 1000
	MaxFailureSample = 20
)

// Summary condenses results: counts by cache status, the URLs Cloudflare
// would not cache, and how many requests failed.
type Summary struct {
	Requested     int            `json:"requested"`
	ByCacheStatus map[string]int `json:"by_cache_status"`
	// NotCacheable lists the URLs (once, sorted) that any device got as a
	// 2xx with DYNAMIC or BYPASS: usually a cache rule is missing for it.
	// Redirects and errors are left out: they say nothing about the page.
	// At most MaxNotCacheable are listed (the first in sort order);
	// NotCacheableCount counts them all.
	NotCacheable      []string `json:"not_cacheable"`
	NotCacheableCount int      `json:"not_cacheable_count"`
	// Failed counts requests with no answer or a 5xx.
	Failed int `json:"failed"`
	// FailedSample is the first MaxFailureSample failed requests, for the
	// text report.
	FailedSample []Result `json:"-"`
	// Answered counts the requests that got an answer (any status).
	Answered int `json:"-"`
	// NoCloudflare counts the answers with neither CF-Cache-Status nor
	// CF-Ray: they did not come through Cloudflare's proxy (the site is not
	// on Cloudflare, or the record is DNS only). NoCloudflareHosts names
	// their hosts, the first MaxNoCloudflareHosts.
	NoCloudflare      int      `json:"-"`
	NoCloudflareHosts []string `json:"-"`
}

// MaxNoCloudflareHosts bounds Summary.NoCloudflareHosts.
const MaxNoCloudflareHosts = 3

// MostlyNotCloudflare reports whether most answers (more than half, at
// least one) show no sign of Cloudflare: a warm of such a site reports NONE
// for every URL, which says nothing about the cache unless told why.
func (s Summary) MostlyNotCloudflare() bool {
	return s.NoCloudflare > 0 && 2*s.NoCloudflare > s.Answered
}

// Summarizer builds a Summary from results as they arrive, keeping counts
// and bounded lists only.
type Summarizer struct {
	s Summary
	// flagged marks, by URL index, the URLs already counted as not
	// cacheable: one bit per URL rather than a set of strings.
	flagged []uint64
	// listed is a max-heap of the MaxNotCacheable smallest URLs seen.
	listed urlHeap
}

// NewSummarizer returns an empty Summarizer.
func NewSummarizer() *Summarizer {
	return &Summarizer{s: Summary{ByCacheStatus: map[string]int{}}}
}

// Add counts one result; url identifies its URL (0, 1, 2, … one per
// distinct URL), so a URL answered DYNAMIC on several devices is listed
// once. Requests with no answer have no cache status and are counted only
// in Failed.
func (z *Summarizer) Add(url int, r Result) {
	s := &z.s
	s.Requested++
	if r.Failed() {
		s.Failed++
		if len(s.FailedSample) < MaxFailureSample {
			s.FailedSample = append(s.FailedSample, r)
		}
	}
	if r.Status == 0 {
		return
	}
	s.Answered++
	if r.CacheStatus == "NONE" && r.Colo == "" {
		s.NoCloudflare++
		if h := hostOf(r.URL); len(s.NoCloudflareHosts) < MaxNoCloudflareHosts && !contains(s.NoCloudflareHosts, h) {
			s.NoCloudflareHosts = append(s.NoCloudflareHosts, h)
		}
	}
	s.ByCacheStatus[r.CacheStatus]++
	if r.Status < 200 || r.Status >= 300 || !NotCacheable(r.CacheStatus) {
		return
	}
	w, bit := url/64, uint64(1)<<(url%64)
	for len(z.flagged) <= w {
		z.flagged = append(z.flagged, 0)
	}
	if z.flagged[w]&bit != 0 {
		return
	}
	z.flagged[w] |= bit
	s.NotCacheableCount++
	switch {
	case len(z.listed) < MaxNotCacheable:
		heap.Push(&z.listed, r.URL)
	case r.URL < z.listed[0]:
		z.listed[0] = r.URL
		heap.Fix(&z.listed, 0)
	}
}

// Summary returns the summary so far.
func (z *Summarizer) Summary() Summary {
	s := z.s
	s.NotCacheable = append([]string{}, z.listed...)
	sort.Strings(s.NotCacheable)
	return s
}

// Summarize builds the Summary of results held in memory.
func Summarize(results []Result) Summary {
	z := NewSummarizer()
	index := map[string]int{}
	for _, r := range results {
		i, ok := index[r.URL]
		if !ok {
			i = len(index)
			index[r.URL] = i
		}
		z.Add(i, r)
	}
	return z.Summary()
}

// urlHeap is a max-heap of strings (container/heap).
type urlHeap []string

func (h urlHeap) Len() int           { return len(h) }
func (h urlHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h urlHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *urlHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *urlHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
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

// hostOf is the host of a URL, or the URL itself when it has none.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
