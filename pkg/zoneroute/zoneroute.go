// Package zoneroute sends purge items to zones: each item goes to the zone
// whose name is the longest suffix of its host, so a subzone delegated as
// its own zone (shop.example.com) wins over its parent (example.com)
// (interface.md, purge: "Zones"). It is pure: the zone list comes from the
// caller, and nothing here does I/O.
package zoneroute

import (
	"strings"

	"github.com/cfcache/cfcache/pkg/purge"
)

// Router matches hosts against a fixed list of zone names.
type Router struct {
	byName map[string]int
}

// New builds a router over zone names; Match returns indexes into names.
// Names compare case-insensitively and without a trailing dot. When a name
// is listed twice, the first wins.
func New(names []string) *Router {
	r := &Router{byName: make(map[string]int, len(names))}
	for i, n := range names {
		n = normalize(n)
		if n == "" {
			continue
		}
		if _, dup := r.byName[n]; !dup {
			r.byName[n] = i
		}
	}
	return r
}

// Match returns the index of the zone whose name is the longest suffix of
// host on a label boundary (the host itself, or a parent domain), and false
// when no zone holds the host. It walks the host's labels from the left, so
// the first hit is the longest: one map lookup per label.
func (r *Router) Match(host string) (int, bool) {
	h := normalize(host)
	for h != "" {
		if i, ok := r.byName[h]; ok {
			return i, true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return 0, false
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
