package shared

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/purge"
)

// autoVariants expands URL entries into the variants each URL's cache key
// requires under the zone's live Cache Rules (purge url --variants auto).
// The rules say which dimensions a key holds; where they do not say which
// values (the visitor's country, a header's or cookie's value), the user's
// --country and -H flags do, and a missing one is a usage error naming the
// rule, before anything is sent.
type autoVariants struct {
	stack     *cachekey.Stack
	devices   []string            // --device restricts the device types purged
	countries []string            // --country: the countries to purge where the key holds one
	headers   map[string][]string // -H, by lower-case name: values for header and cookie dimensions

	// combos caches the header combinations of a requirement signature:
	// thousands of URLs usually share a handful of rule outcomes.
	combos map[string][][]purge.Header
	// Why says which rule required which dimension, for the report.
	why map[string]int
	// Notes are distinct notes (assumed matches, unpurgeable parts).
	notes map[string]bool
}

func newAutoVariants(stack *cachekey.Stack, devices, countries, headerFlags []string) (*autoVariants, error) {
	a := &autoVariants{stack: stack, devices: devices, countries: countries, headers: map[string][]string{},
		combos: map[string][][]purge.Header{}, why: map[string]int{}, notes: map[string]bool{}}
	for _, h := range headerFlags {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		n := strings.ToLower(strings.TrimSpace(name))
		a.headers[n] = append(a.headers[n], strings.TrimSpace(value))
	}
	for i, d := range a.devices {
		if d == "all" {
			a.devices = nil
			break
		}
		a.devices[i] = strings.ToLower(d)
	}
	return a, nil
}

// option is one value of a dimension: a header to send, or none (the copy
// cached for requests without it).
type option struct {
	header *purge.Header
}

// expand returns the entries with their variants, or an error naming the
// first URL and rule whose variants cannot be determined.
func (a *autoVariants) expand(entries []purge.Entry) ([]purge.Entry, error) {
	out := make([]purge.Entry, 0, len(entries))
	for _, e := range entries {
		combos, err := a.combosFor(e.Value)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", e.Source, e.Line, e.Value, err)
		}
		for _, combo := range combos {
			ne := e
			ne.Headers = mergeHeaders(e.Headers, combo)
			out = append(out, ne)
		}
	}
	return out, nil
}

func (a *autoVariants) combosFor(url string) ([][]purge.Header, error) {
	uv, err := a.stack.Variants(url)
	if err != nil {
		return nil, err
	}
	for _, n := range uv.Notes {
		a.notes[n] = true
	}
	// A bypassed URL has no variants from the rules, but may have APO's.
	if len(uv.Variants) == 0 {
		return [][]purge.Header{nil}, nil
	}
	sig := signature(uv.Variants)
	if c, ok := a.combos[sig]; ok {
		a.count(uv.Variants)
		return c, nil
	}
	dims, err := a.dimensions(uv.Variants)
	if err != nil {
		return nil, err
	}
	combos := [][]purge.Header{nil}
	for _, opts := range dims {
		var next [][]purge.Header
		for _, c := range combos {
			for _, o := range opts {
				nc := append([]purge.Header(nil), c...)
				if o.header != nil {
					nc = append(nc, *o.header)
				}
				next = append(next, nc)
			}
		}
		combos = next
	}
	a.combos[sig] = combos
	a.count(uv.Variants)
	return combos, nil
}

func (a *autoVariants) count(vs []cachekey.Variant) {
	for _, v := range vs {
		label := string(v.Dimension)
		if v.Name != "" {
			label += " " + v.Name
		}
		if v.Ref == cachekey.RefAPO {
			a.why[label+" (APO for WordPress, "+v.Setting+")"]++
			continue
		}
		a.why[label+" (rule "+v.Ref+")"]++
	}
}

// dimensions turns the rules' variants into the options of each dimension,
// merging the same dimension required by several rules.
func (a *autoVariants) dimensions(vs []cachekey.Variant) ([][]option, error) {
	type dim struct {
		values  map[string]bool
		absent  bool
		name    string
		header  string
		ref     string
		setting string
	}
	byKey := map[string]*dim{}
	var order []string
	for _, v := range vs {
		if !v.Purgeable {
			a.notes[fmt.Sprintf("rule %s puts the visitor's %s in the cache key, which no purge header reaches: those copies expire on their own", v.Ref, v.Dimension)] = true
			continue
		}
		key := string(v.Dimension) + "\x00" + v.Name
		d, ok := byKey[key]
		if !ok {
			d = &dim{values: map[string]bool{}, name: v.Name, ref: v.Ref, setting: v.Setting}
			byKey[key] = d
			order = append(order, key)
		}
		d.absent = d.absent || v.Absent
		values := v.Values
		switch v.Dimension {
		case cachekey.DimDevice:
			d.header = cachekey.HeaderDevice
			if len(a.devices) > 0 {
				values = a.devices
			}
		case cachekey.DimCountry:
			d.header = cachekey.HeaderCountry
			if values == nil {
				if len(a.countries) == 0 {
					return nil, fmt.Errorf("rule %s puts the visitor's country in the cache key (%s): say which countries to purge with --country", v.Ref, v.Setting)
				}
				values = a.countries
			}
		case cachekey.DimHeader, cachekey.DimCookie:
			d.header = v.Name
			if v.Dimension == cachekey.DimCookie {
				d.header = "Cookie"
			}
			if v.Presence && values == nil {
				values = a.headers[strings.ToLower(d.header)]
				if len(values) == 0 {
					values = []string{presenceValue(v)}
				}
			}
			if values == nil {
				values = a.headers[strings.ToLower(d.header)]
				if len(values) == 0 {
					flag := fmt.Sprintf("-H '%s: VALUE'", v.Name)
					if v.Dimension == cachekey.DimCookie {
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
	var dims [][]option
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
		var opts []option
		for _, v := range vals {
			opts = append(opts, option{header: &purge.Header{Name: canonicalHeader(d.header), Value: v}})
		}
		if d.absent {
			opts = append(opts, option{})
		}
		dims = append(dims, opts)
	}
	return dims, nil
}

func presenceValue(v cachekey.Variant) string {
	if v.Dimension == cachekey.DimCookie {
		return v.Name + "=1"
	}
	return "1"
}

func canonicalHeader(name string) string {
	switch strings.ToLower(name) {
	case strings.ToLower(cachekey.HeaderDevice):
		return cachekey.HeaderDevice
	case strings.ToLower(cachekey.HeaderCountry):
		return cachekey.HeaderCountry
	}
	return name
}

// mergeHeaders adds a combination to an entry's own headers; the entry's own
// (from a JSON line) win, as they do for the variant flags.
func mergeHeaders(own, combo []purge.Header) []purge.Header {
	if len(combo) == 0 {
		return own
	}
	out := append([]purge.Header(nil), own...)
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

func signature(vs []cachekey.Variant) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%s|%s|%v|%v|%v|%v;", v.Dimension, v.Name, v.Values, v.Presence, v.Absent, v.Purgeable)
	}
	return b.String()
}

// summary says what the rules required, most common first.
func (a *autoVariants) summary() []string {
	var lines []string
	for why, n := range a.why {
		lines = append(lines, fmt.Sprintf("%d URL(s): %s", n, why))
	}
	sort.Strings(lines)
	var notes []string
	for n := range a.notes {
		notes = append(notes, n)
	}
	sort.Strings(notes)
	return append(lines, notes...)
}
