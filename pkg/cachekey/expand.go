package cachekey

import (
	"fmt"
	"sort"
	"strings"
)

// VariantChoices are the values the user picks for the dimensions whose
// values the rules leave open (`purge url --variants auto`'s --device,
// --country, --lang and -H flags).
type VariantChoices struct {
	// Devices restricts the device types purged where a key holds one; nil,
	// or "all" among them, means every type the rule gives.
	Devices []string
	// Countries are the countries to purge where a key holds the visitor's.
	Countries []string
	// Langs are the languages to purge where a key holds the visitor's
	// first Accept-Language language (user.lang).
	Langs []string
	// Headers are -H values, "Name: value": the values to purge for a header
	// dimension, or for a cookie as "Cookie: name=value". Several values of
	// one name are alternatives.
	Headers []string
}

// Expander expands URLs into the variants each URL's cache key requires
// under a Stack (the zone's Cache Rules, and APO when it applies). The rules
// say which dimensions a key holds; where they do not say which values (the
// visitor's country, a header's or cookie's value), the VariantChoices do,
// and a missing one is an error naming the rule and the flag to give.
//
// An Expander remembers the combinations of each rule outcome (thousands of
// URLs usually share a handful) and what it saw for Summary: it is not safe
// for concurrent use.
type Expander struct {
	stack     *Stack
	devices   []string
	countries []string
	langs     []string
	headers   map[string][]string // by lower-case name

	combos map[string][][]Header // by requirement signature
	why    map[string]int        // which rule required which dimension, in URLs
	notes  map[string]bool       // assumed matches, unpurgeable parts
}

// NewExpander returns an Expander over s. The error is for a -H value that
// is not "Name: value".
func NewExpander(s *Stack, c VariantChoices) (*Expander, error) {
	x := &Expander{stack: s, countries: c.Countries, langs: c.Langs, headers: map[string][]string{},
		combos: map[string][][]Header{}, why: map[string]int{}, notes: map[string]bool{}}
	for _, h := range c.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		n := strings.ToLower(strings.TrimSpace(name))
		x.headers[n] = append(x.headers[n], strings.TrimSpace(value))
	}
	for _, d := range c.Devices {
		if d == "all" {
			x.devices = nil
			break
		}
		x.devices = append(x.devices, strings.ToLower(d))
	}
	return x, nil
}

// Expand returns the header sets of the copies of rawURL to purge: own (the
// entry's headers, sorted by name) merged with each combination the key
// requires, own headers winning as they do over the variant flags. A URL
// without variants gives one set, own itself. The error names the rule whose
// values cannot be determined and the flag that gives them.
func (x *Expander) Expand(rawURL string, own []Header) ([][]Header, error) {
	combos, err := x.combosFor(rawURL)
	if err != nil {
		return nil, err
	}
	out := make([][]Header, len(combos))
	for i, c := range combos {
		out[i] = mergeHeaders(own, c)
	}
	return out, nil
}

// Summary says what the rules required (how many URLs each dimension,
// through which rule or APO setting), then the notes, each sorted.
func (x *Expander) Summary() []string {
	lines := make([]string, 0, len(x.why)+len(x.notes))
	for why, n := range x.why {
		lines = append(lines, fmt.Sprintf("%d URL(s): %s", n, why))
	}
	sort.Strings(lines)
	notes := make([]string, 0, len(x.notes))
	for n := range x.notes {
		notes = append(notes, n)
	}
	sort.Strings(notes)
	return append(lines, notes...)
}

func (x *Expander) combosFor(rawURL string) ([][]Header, error) {
	uv, err := x.stack.Variants(rawURL)
	if err != nil {
		return nil, err
	}
	for _, n := range uv.Notes {
		x.notes[n] = true
	}
	// A bypassed URL has no variants from the rules, but may have APO's.
	if len(uv.Variants) == 0 {
		return [][]Header{nil}, nil
	}
	sig := signature(uv.Variants)
	if c, ok := x.combos[sig]; ok {
		x.count(uv.Variants)
		return c, nil
	}
	dims, err := x.dimensions(uv.Variants)
	if err != nil {
		return nil, err
	}
	combos := [][]Header{nil}
	for _, opts := range dims {
		var next [][]Header
		for _, c := range combos {
			for _, o := range opts {
				nc := append([]Header(nil), c...)
				if o != nil {
					nc = append(nc, *o)
				}
				next = append(next, nc)
			}
		}
		combos = next
	}
	x.combos[sig] = combos
	x.count(uv.Variants)
	return combos, nil
}

func (x *Expander) count(vs []Variant) {
	for _, v := range vs {
		label := string(v.Dimension)
		if v.Name != "" {
			label += " " + v.Name
		}
		if v.Ref == RefAPO {
			x.why[label+" (APO for WordPress, "+v.Setting+")"]++
			continue
		}
		x.why[label+" (rule "+v.Ref+")"]++
	}
}

// dimensions turns the rules' variants into the options of each dimension
// (a header to send, or nil: the copy cached for requests without it),
// merging the same dimension required by several rules.
func (x *Expander) dimensions(vs []Variant) ([][]*Header, error) {
	type dim struct {
		values map[string]bool
		absent bool
		header string
	}
	byKey := map[string]*dim{}
	var order []string
	for _, v := range vs {
		if !v.Purgeable {
			x.notes[fmt.Sprintf("rule %s puts the visitor's %s in the cache key, which no purge header reaches: those copies expire on their own", v.Ref, v.Dimension)] = true
			continue
		}
		key := string(v.Dimension) + "\x00" + v.Name
		if v.Dimension == DimLang {
			// One Accept-Language per entry: lang and a header setting on
			// Accept-Language are one dimension, their values alternatives.
			key = string(DimHeader) + "\x00accept-language"
		}
		d, ok := byKey[key]
		if !ok {
			d = &dim{values: map[string]bool{}}
			byKey[key] = d
			order = append(order, key)
		}
		d.absent = d.absent || v.Absent
		values := v.Values
		switch v.Dimension {
		case DimDevice:
			d.header = HeaderDevice
			if len(x.devices) > 0 {
				values = x.devices
			}
		case DimCountry:
			d.header = HeaderCountry
			if values == nil {
				if len(x.countries) == 0 {
					return nil, fmt.Errorf("rule %s puts the visitor's country in the cache key (%s): say which countries to purge with --country", v.Ref, v.Setting)
				}
				values = x.countries
			}
		case DimLang:
			d.header = HeaderLanguage
			// -H 'Accept-Language: ...' joins --lang, as it does without
			// --variants auto (pkg/purge ParseVariants).
			values = append(append([]string(nil), x.langs...), x.headers["accept-language"]...)
			if len(values) == 0 {
				return nil, fmt.Errorf("rule %s puts the visitor's first Accept-Language language in the cache key (%s): say which languages to purge with --lang", v.Ref, v.Setting)
			}
		case DimHeader, DimCookie:
			d.header = v.Name
			if v.Dimension == DimCookie {
				d.header = "Cookie"
			}
			if v.Presence && values == nil {
				values = x.headers[strings.ToLower(d.header)]
				if len(values) == 0 {
					values = []string{presenceValue(v)}
				}
			}
			if values == nil {
				values = x.headers[strings.ToLower(d.header)]
				if len(values) == 0 {
					flag := fmt.Sprintf("-H '%s: VALUE'", v.Name)
					if v.Dimension == DimCookie {
						flag = fmt.Sprintf("-H 'Cookie: %s=VALUE'", v.Name)
					}
					return nil, fmt.Errorf("rule %s puts the %s %q in the cache key (%s): say which values to purge with %s", v.Ref, v.Dimension, v.Name, v.Setting, flag)
				}
			}
		default:
			continue
		}
		for _, val := range values {
			d.values[val] = true
		}
	}
	var dims [][]*Header
	for _, key := range order {
		d := byKey[key]
		if d.header == "" {
			continue
		}
		vals := make([]string, 0, len(d.values))
		for v := range d.values {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		opts := make([]*Header, 0, len(vals)+1)
		for _, v := range vals {
			opts = append(opts, &Header{Name: canonicalHeader(d.header), Value: v})
		}
		if d.absent {
			opts = append(opts, nil)
		}
		dims = append(dims, opts)
	}
	return dims, nil
}

// presenceValue is a value for a check_presence dimension when -H gives
// none: the key records only that it was sent.
func presenceValue(v Variant) string {
	if v.Dimension == DimCookie {
		return v.Name + "=1"
	}
	return "1"
}

func canonicalHeader(name string) string {
	switch strings.ToLower(name) {
	case strings.ToLower(HeaderDevice):
		return HeaderDevice
	case strings.ToLower(HeaderCountry):
		return HeaderCountry
	case strings.ToLower(HeaderLanguage):
		return HeaderLanguage
	}
	return name
}

// mergeHeaders adds a combination to an entry's own headers, sorted by
// name; the entry's own (from a JSON line) win.
func mergeHeaders(own, combo []Header) []Header {
	if len(combo) == 0 {
		return own
	}
	out := append([]Header(nil), own...)
	for _, h := range combo {
		dup := false
		for _, o := range own {
			if strings.EqualFold(o.Name, h.Name) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// signature identifies a rule outcome, for the cache of combinations.
func signature(vs []Variant) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%s|%s|%v|%v|%v|%v;", v.Dimension, v.Name, v.Values, v.Presence, v.Absent, v.Purgeable)
	}
	return b.String()
}
