// Package zoneroute sends purge items to zones: each item goes to the zone
// whose name is the longest suffix of its host, so a subzone delegated as
// its own zone (shop.example.com) wins over its parent (example.com)
// (interface.md, purge: "Zones"). It is pure: the zone list comes from the
// caller, and nothing here does I/O.
package zoneroute

import (
	"strings"

	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/zonestatus"
)

// Zone is what routing reads of a listed zone.
type Zone struct {
	Name string
	// Status is the zone's status as the API lists it (active, pending,
	// initializing, moved, ...); "" is read as active.
	Status string
}

// Router matches hosts against a fixed list of zones.
type Router struct {
	byName map[string][]int // best-ranked zones of each name, in list order
	rank   map[string]int   // their rank (zonestatus.Rank)
}

// New builds a router over zones; Match returns indexes into zones. Names
// compare case-insensitively and without a trailing dot. A name listed more
// than once (the same domain added to several accounts, one of them often
// a pending copy) keeps only its zones of the best status: an active zone
// wins over a pending one; two of equal status stay ambiguous.
func New(zones []Zone) *Router {
	r := &Router{byName: make(map[string][]int, len(zones)), rank: make(map[string]int, len(zones))}
	for i, z := range zones {
		n := normalize(z.Name)
		if n == "" {
			continue
		}
		rank := zonestatus.Rank(z.Status)
		have, listed := r.byName[n]
		switch {
		case !listed || rank < r.rank[n]:
			r.byName[n], r.rank[n] = []int{i}, rank
		case rank == r.rank[n]:
			r.byName[n] = append(have, i)
		}
	}
	return r
}

// Match returns the zones whose name is the longest suffix of host on a
// label boundary (the host itself, or a parent domain): none when no zone
// holds the host, one when it is routed, several when that name is listed
// more than once with the same status, which the caller must refuse as
// ambiguous rather than guess. It walks the host's labels from the left,
// so the first hit is the longest: one map lookup per label.
func (r *Router) Match(host string) []int {
	h := normalize(host)
	for h != "" {
		if zs, ok := r.byName[h]; ok {
			return zs
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return nil
}

// Host is the host an item of kind addresses: a URL's authority without
// user info or port, a prefix's part before its first slash, a host item
// itself. It is "" for kinds without a host (tag, everything) and for an
// IP literal, which no zone name can hold.
func Host(kind purge.Kind, value string) string {
	var h string
	switch kind {
	case purge.KindURL:
		h = value
		if i := strings.Index(h, "://"); i >= 0 {
			h = h[i+3:]
		}
		h = cut(h)
		if i := strings.LastIndexByte(h, '@'); i >= 0 {
			h = h[i+1:]
		}
	case purge.KindPrefix:
		h = value
		if i := strings.Index(h, "://"); i >= 0 {
			h = h[i+3:]
		}
		h = cut(h)
	case purge.KindHost:
		h = value
	default:
		return ""
	}
	if strings.HasPrefix(h, "[") {
		return ""
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return h
}

// cut ends an authority at its path, query or fragment.
func cut(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func normalize(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
