package warm

import (
	"hash/maphash"
	"net/url"

	"github.com/cfcache/cfcache/pkg/purge"
)

// Excluded counts the URLs left out, by reason.
type Excluded struct {
	Query      int `json:"query"`
	Pagination int `json:"pagination"`
	Trashed    int `json:"trashed"`
	Pattern    int `json:"pattern"`
	// Invalid counts sitemap entries that are not absolute http(s) URLs
	// (URLs given by the user are refused instead).
	Invalid int `json:"invalid"`
}

// Total is the number of URLs excluded for any reason.
func (e Excluded) Total() int { return e.Query + e.Pagination + e.Trashed + e.Pattern + e.Invalid }

// Collector decides which URLs to warm, in first-seen order: it applies the
// exclusions and drops exact duplicates, counting both. It keeps no URL:
// each is handed on as it is read (Feed), and duplicates are recognised by
// a 64-bit hash of the URL, 8 bytes per distinct URL in the set instead of
// the string itself (issue 9, #16: memory must not grow with the number of
// URLs beyond that; about 1 MB per 50,000 URLs with the map's overhead).
//
// Two different URLs with the same hash would make the second count as a
// duplicate and not be warmed. maphash is seeded at random per run, so no
// input can aim at a collision, and with n URLs the odds of any are about
// n²/2⁶⁵: 7·10⁻¹¹ for the 50,000 of a full sitemap, 10⁻⁷ for 2 million. A
// skipped warm request at those odds costs one visitor a cache miss, which
// does not justify keeping every string to compare on collision.
type Collector struct {
	Excluder   *Excluder
	Excluded   Excluded
	Duplicates int
	// Kept counts the URLs kept so far.
	Kept int
	seed maphash.Seed
	seen map[uint64]struct{}
}

// NewCollector returns a Collector applying ex (nil: exclude nothing).
func NewCollector(ex *Excluder) *Collector {
	return &Collector{Excluder: ex, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// Check validates a URL given by the user; it returns why it is refused, or
// "". It is purge's URL check without the zone rule: a warm may cover any
// host.
func Check(raw string) string {
	return purge.ValidateURL(raw, purge.Zone{}).Reason
}

// Add offers one URL and reports whether it is kept, with its index among
// the URLs kept (0, 1, 2, …). Invalid ones (from a sitemap) are counted as
// such.
func (c *Collector) Add(raw string) (index int, kept bool) {
	if Check(raw) != "" {
		c.Excluded.Invalid++
		return 0, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		c.Excluded.Invalid++
		return 0, false
	}
	if c.Excluder != nil {
		switch c.Excluder.Exclude(raw, u) {
		case ReasonQuery:
			c.Excluded.Query++
			return 0, false
		case ReasonPagination:
			c.Excluded.Pagination++
			return 0, false
		case ReasonTrashed:
			c.Excluded.Trashed++
			return 0, false
		case ReasonPattern:
			c.Excluded.Pattern++
			return 0, false
		}
	}
	h := maphash.String(c.seed, raw)
	if _, dup := c.seen[h]; dup {
		c.Duplicates++
		return 0, false
	}
	c.seen[h] = struct{}{}
	c.Kept++
	return c.Kept - 1, true
}

// Targets crosses urls with devices: every URL once per device, URL-major so
// the devices of one page are warmed together.
func Targets(urls []string, devices []Device) []Target {
	out := make([]Target, 0, len(urls)*len(devices))
	for _, u := range urls {
		for _, d := range devices {
			out = append(out, Target{URL: u, Device: d})
		}
	}
	return out
}
