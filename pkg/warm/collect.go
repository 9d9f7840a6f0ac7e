package warm

import (
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

// Collector gathers the URLs to warm in first-seen order, dropping exact
// duplicates and applying the exclusions.
type Collector struct {
	Excluder   *Excluder
	Excluded   Excluded
	Duplicates int
	urls       []string
	seen       map[string]struct{}
}

// NewCollector returns a Collector applying ex (nil: exclude nothing).
func NewCollector(ex *Excluder) *Collector {
	return &Collector{Excluder: ex, seen: map[string]struct{}{}}
}

// Check validates a URL given by the user; it returns why it is refused, or
// "". It is purge's URL check without the zone rule: a warm may cover any
// host.
func Check(raw string) string {
	return purge.ValidateURL(raw, purge.Zone{}).Reason
}

// Add offers one URL. Invalid ones (from a sitemap) are counted as such.
func (c *Collector) Add(raw string) {
	if Check(raw) != "" {
		c.Excluded.Invalid++
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		c.Excluded.Invalid++
		return
	}
	if c.Excluder != nil {
		switch c.Excluder.Exclude(raw, u) {
		case ReasonQuery:
			c.Excluded.Query++
			return
		case ReasonPagination:
			c.Excluded.Pagination++
			return
		case ReasonTrashed:
			c.Excluded.Trashed++
			return
		case ReasonPattern:
			c.Excluded.Pattern++
			return
		}
	}
	if _, dup := c.seen[raw]; dup {
		c.Duplicates++
		return
	}
	c.seen[raw] = struct{}{}
	c.urls = append(c.urls, raw)
}

// URLs are the URLs kept, in first-seen order.
func (c *Collector) URLs() []string { return c.urls }

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
