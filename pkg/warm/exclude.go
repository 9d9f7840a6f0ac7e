package warm

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Reason is why a URL was left out of a warm.
type Reason string

// The exclusion reasons. The first three are on by default, like WP Rocket's
// preload: a query string usually means a per-visitor or filtered view that
// is rarely cached under that key, pagination pages (/page/2/) multiply the
// crawl for little traffic, and "__trashed" posts are deleted pages that
// linger in sitemaps. Pattern is --exclude.
const (
	ReasonQuery      Reason = "query"
	ReasonPagination Reason = "pagination"
	ReasonTrashed    Reason = "trashed"
	ReasonPattern    Reason = "pattern"
)

// DefaultReasons are the exclusions applied unless kept.
func DefaultReasons() []Reason { return []Reason{ReasonQuery, ReasonPagination, ReasonTrashed} }

// Excluder decides which URLs to leave out.
type Excluder struct {
	query, pagination, trashed bool
	patterns                   []*regexp.Regexp
}

// NewExcluder applies the default exclusions except those named in keep
// ("query", "pagination", "trashed" or "all"), plus every pattern: Go
// regular expressions matched anywhere in the URL. Every bad value is
// reported.
func NewExcluder(keep, patterns []string) (*Excluder, error) {
	e := &Excluder{query: true, pagination: true, trashed: true}
	var errs []string
	for _, k := range keep {
		for _, s := range strings.Split(k, ",") {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "":
			case string(ReasonQuery):
				e.query = false
			case string(ReasonPagination):
				e.pagination = false
			case string(ReasonTrashed):
				e.trashed = false
			case "all":
				e.query, e.pagination, e.trashed = false, false, false
			default:
				errs = append(errs, fmt.Sprintf("--keep %q: want query, pagination, trashed or all", s))
			}
		}
	}
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			errs = append(errs, fmt.Sprintf("--exclude %q: %v", p, err))
			continue
		}
		e.patterns = append(e.patterns, re)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return e, nil
}

// Exclude returns why raw is left out, or "" to keep it. u is raw parsed.
func (e *Excluder) Exclude(raw string, u *url.URL) Reason {
	switch {
	case e.query && (u.RawQuery != "" || u.ForceQuery):
		return ReasonQuery
	case e.pagination && paginationRE.MatchString(u.EscapedPath()):
		return ReasonPagination
	case e.trashed && strings.Contains(u.Path, "__trashed"):
		return ReasonTrashed
	}
	for _, re := range e.patterns {
		if re.MatchString(raw) {
			return ReasonPattern
		}
	}
	return ""
}
