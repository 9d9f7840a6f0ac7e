package expr

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cfcache/cfcache/pkg/limits"
)

// FieldInfo describes one field of the Rules language.
type FieldInfo struct {
	Name       string
	Type       Type
	Categories []string
	// PlanLabel is the source's plan_info_label ("Pro or above",
	// "Enterprise add-on", ...); MinPlan is the plan it implies.
	PlanLabel string
	MinPlan   limits.Plan
	// InCacheRules reports whether the field may be used in a cache rule;
	// when false, NotInCacheRules says where it belongs instead.
	InCacheRules    bool
	NotInCacheRules string
	// ResponseOnly marks the response fields (category Response) that Cache
	// Response Rules may use (phase http_response_cache_settings,
	// docs/cloudflare.md "Cache Response Rules"); request-phase
	// rules may not.
	ResponseOnly bool
	// DeprecatedFor names the field to use instead of a deprecated alias.
	DeprecatedFor string
}

// CacheRuleFields are the fields Cloudflare's Cache Rules pages list for cache
// rule expressions (Expression Builder list and docs/cloudflare.md).
// Every other request field is also accepted in the Expression Editor.
var CacheRuleFields = []string{
	"http.cookie", "http.host", "http.referer", "ssl", "http.request.full_uri",
	"http.request.uri", "http.request.uri.path", "http.request.uri.path.extension",
	"http.request.uri.query", "http.request.uri.args", "http.request.headers",
	"http.request.cookies", "http.user_agent", "http.x_forwarded_for", "ip.src",
	"ip.src.country", "ip.src.continent", "ip.src.asnum",
}

// fields indexes the field rows by name; a field's description is built
// on its first lookup, and never modified. purge, zones and version never
// read it (building the descriptions when the package was initialised cost
// every process 0.12–0.2 ms and 69 kB, GODEBUG=inittrace=1), and a rules
// file's checks look up a few names (issue 12's 300 rules: three), where
// describing all 180 fields up front cost 75 µs and 53 kB
// (docs/performance.md, "Against start-up").
var fields = sync.OnceValue(indexFields)

// fieldNames is the sorted list of names, for suggestions.
var fieldNames = sync.OnceValue(sortedFieldNames)

// fieldIndex is the index: entry i < len(fieldRows) is fieldRows[i], then
// come extraFieldRows and the deprecated aliases.
type fieldIndex struct {
	byName  map[string]int32
	aliases [][2]string // alias, the field it stands for
	infos   []atomic.Pointer[FieldInfo]
}

func indexFields() *fieldIndex {
	n := len(fieldRows) + len(extraFieldRows) + len(deprecatedAliases)
	x := &fieldIndex{byName: make(map[string]int32, n), infos: make([]atomic.Pointer[FieldInfo], n)}
	for i, r := range fieldRows {
		x.byName[r.name] = int32(i)
	}
	for i, r := range extraFieldRows {
		x.byName[r.name] = int32(len(fieldRows) + i)
	}
	for alias, target := range deprecatedAliases {
		x.byName[alias] = int32(len(fieldRows) + len(extraFieldRows) + len(x.aliases))
		x.aliases = append(x.aliases, [2]string{alias, target})
	}
	return x
}

// lookup returns the description of a field, building it on first use.
func (x *fieldIndex) lookup(name string) (FieldInfo, bool) {
	i, ok := x.byName[name]
	if !ok {
		return FieldInfo{}, false
	}
	if f := x.infos[i].Load(); f != nil {
		return *f, true
	}
	var f FieldInfo
	switch rows := len(fieldRows) + len(extraFieldRows); {
	case int(i) < len(fieldRows):
		f = describeField(fieldRows[i])
	case int(i) < rows:
		f = describeField(extraFieldRows[int(i)-len(fieldRows)])
	default:
		a := x.aliases[int(i)-rows]
		f, _ = x.lookup(a[1])
		f.Name, f.DeprecatedFor = a[0], a[1]
	}
	// Two first lookups at once build equal descriptions; either is kept.
	x.infos[i].Store(&f)
	return f, true
}

// known reports whether name is a field, without describing it.
func (x *fieldIndex) known(name string) bool {
	_, ok := x.byName[name]
	return ok
}

// fieldAvailability derives cache-rule availability from a row. The source
// file lists no per-product availability, so the rule is: Cloudflare's Cache
// Rules settings page says the Expression Editor accepts "any of the available
// fields", and cache rules run on the request, hence every Request field is
// allowed except those whose description says they are "only available in"
// another product; Response fields are not available before the response
// exists.
func fieldAvailability(r fieldRow) (bool, string) {
	if r.onlyIn != "" {
		return false, "it is only available in " + r.onlyIn
	}
	if strings.HasPrefix(r.categories, "Response") {
		return false, "it is a response field, and cache rules run on the request; Cache Response Rules (a file with `phase: response`) may use it"
	}
	return true, ""
}

func planFromLabel(label string) limits.Plan {
	switch {
	case strings.HasPrefix(label, "Pro"):
		return limits.Pro
	case strings.HasPrefix(label, "Business"):
		return limits.Business
	case strings.HasPrefix(label, "Enterprise"):
		return limits.Enterprise
	}
	return ""
}

// describeField is a row's description.
func describeField(r fieldRow) FieldInfo {
	t, err := ParseType(r.dataType)
	if err != nil {
		panic("expr: field table: " + r.name + ": " + err.Error())
	}
	ok, why := fieldAvailability(r)
	return FieldInfo{
		Name:            r.name,
		Type:            t,
		Categories:      strings.Split(r.categories, ", "),
		PlanLabel:       r.planLabel,
		MinPlan:         planFromLabel(r.planLabel),
		InCacheRules:    ok,
		NotInCacheRules: why,
		ResponseOnly:    r.onlyIn == "" && strings.HasPrefix(r.categories, "Response"),
	}
}

func sortedFieldNames() []string {
	names := make([]string, 0, len(fields().byName))
	for n := range fields().byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupField returns the description of a field.
func LookupField(name string) (FieldInfo, bool) {
	return fields().lookup(name)
}

// Fields returns every known field, sorted by name.
func Fields() []FieldInfo {
	out := make([]FieldInfo, 0, len(fieldNames()))
	for _, n := range fieldNames() {
		f, _ := fields().lookup(n)
		out = append(out, f)
	}
	return out
}

// suggest returns the closest candidate to name, or "" when none is close.
func suggest(name string, candidates []string, prefer func(string) bool) string {
	best, bestD := "", 1<<30
	limit := len(name)/4 + 1
	if limit < 2 {
		limit = 2
	}
	for _, c := range candidates {
		if diff := len(name) - len(c); diff > limit || -diff > limit {
			continue // cannot be within limit; also keeps huge names cheap
		}
		d := levenshtein(name, c)
		if d > limit {
			continue
		}
		if d < bestD || (d == bestD && prefer != nil && prefer(c) && !prefer(best)) {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
