package cachekey

import (
	"strings"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Dimension is one way a URL's cached copies can differ.
type Dimension string

const (
	DimDevice  Dimension = "device"  // CF-Device-Type: mobile, desktop, tablet
	DimCountry Dimension = "country" // CF-IPCountry
	DimLang    Dimension = "lang"    // first Accept-Language language, purged as Accept-Language
	DimHeader  Dimension = "header"  // a request header (Name)
	DimCookie  Dimension = "cookie"  // a cookie (Name), sent in a Cookie header
)

// DeviceTypes are the values of CF-Device-Type.
func DeviceTypes() []string { return []string{"mobile", "desktop", "tablet"} }

// Variant is one dimension a URL's cache key may hold, and the rule that
// put it there.
type Variant struct {
	Dimension Dimension `json:"dimension"`
	// Name is the header or cookie name (lower-case) for DimHeader and
	// DimCookie; empty otherwise.
	Name string `json:"name,omitempty"`
	// Values are the values to purge when the rules name them: the three
	// device types, or a header.contains list. Nil means the key holds
	// whatever the visitor sent (countries, header values, cookie values):
	// the caller has to say which values to purge.
	Values []string `json:"values,omitempty"`
	// Presence: check_presence; the key records only whether the header or
	// cookie was sent, so one entry with it (any value) and one without
	// reach both copies.
	Presence bool `json:"presence,omitempty"`
	// Absent: the copy for requests without the header (or cookie) is a
	// variant too; purge the URL without it as well.
	Absent bool `json:"absent,omitempty"`
	// Purgeable is false when no purge header reaches the dimension. Every
	// dimension the rules can put in a key is purgeable today (lang too,
	// through Accept-Language: cloudflare.md, Purge).
	Purgeable bool `json:"purgeable"`
	// Ref and Setting say which rule required the dimension, through which
	// setting (e.g. cache_key.custom_key.user).
	Ref     string `json:"ref"`
	Setting string `json:"setting"`
	// Conditional: the rule's match depends on more than the URL
	// (headers, cookies, method, client), so it was assumed to match; or a
	// later rule that overrides the setting may not match.
	Conditional bool   `json:"conditional,omitempty"`
	Note        string `json:"note,omitempty"`
}

// URLVariants is what a URL's cache key may require to be purged.
type URLVariants struct {
	URL string `json:"url"`
	// Variants grouped by setting (device type, user features, headers,
	// cookies), in rule order within each; the same dimension may appear
	// once per rule that requires it.
	Variants []Variant `json:"variants"`
	// Bypassed: every rule that may apply sets cache to false, so nothing
	// is cached and there is nothing to expand.
	Bypassed bool `json:"bypassed,omitempty"`
	// Notes say which rules were assumed to match and why.
	Notes []string `json:"notes,omitempty"`
}

// truth is a three-valued match: a rule that reads more than the URL may
// or may not match a request for that URL.
type truth uint8

const (
	tFalse truth = iota
	tTrue
	tUnknown
)

// candidate is one value a setting may have: the rule that set it and
// whether that rule, or a later one that would override it, is uncertain.
type candidate struct {
	ref         string
	value       *rules.Value
	conditional bool
}

// Variants answers `purge url --variants auto`: given only a URL, which
// variant dimensions its cache key may hold under the stack's rules, and
// which rule requires each.
//
// Rules whose expression reads only the URL are decided exactly. For the
// rest the parts that need more than the URL (headers, cookies, method,
// client address or country, lists) are unknown, and the rule is treated as
// possibly matching unless the URL alone already makes it false (`path
// starts with /api and cookie ...` on /home is false whatever the cookie):
// purging a variant that does not exist is harmless, missing one is not. For
// the same reason a setting is kept while every later rule that overrides it
// is uncertain. Disabled rules never match; a rule whose expression does not
// parse is assumed to match.
func (s *Stack) Variants(rawURL string) (URLVariants, error) {
	env, err := expr.NewEnv(expr.Request{URL: rawURL})
	if err != nil {
		return URLVariants{}, err
	}
	out := URLVariants{URL: rawURL, Variants: []Variant{}}
	cands := map[string][]candidate{}
	for i := range s.rules {
		c := &s.rules[i]
		if !c.rule.Enabled {
			continue
		}
		t := tUnknown
		switch {
		case c.ruleReads().urlOnly:
			if env.Matches(c.expr) {
				t = tTrue
			} else {
				t = tFalse
			}
		case c.parseErr == nil:
			t = partialEval(env, c.expr)
		}
		if t == tFalse {
			continue
		}
		cond := t == tUnknown
		relevant := false
		for _, st := range c.ruleSettings() {
			if st.Path != PathCache && !strings.HasPrefix(st.Path, "cache_key.") {
				continue
			}
			relevant = true
			nc := candidate{ref: c.ref, value: st.Value, conditional: cond}
			if cond {
				cands[st.Path] = append(cands[st.Path], nc)
			} else {
				cands[st.Path] = []candidate{nc}
			}
		}
		if relevant && cond {
			why := "reads " + strings.Join(c.ruleReads().parts, ", ")
			if c.parseErr != nil {
				why = "does not parse"
			}
			out.Notes = append(out.Notes, "rule "+c.ref+" "+why+", so a URL alone cannot decide it: assumed to match")
		}
	}
	// A later uncertain rule leaves earlier values possible; mark them.
	for path, cs := range cands {
		for j := range cs {
			if j < len(cs)-1 {
				cs[j].conditional = true
			}
		}
		cands[path] = cs
	}

	if cs := cands[PathCache]; len(cs) > 0 {
		bypass := true
		for _, c := range cs {
			if c.value.Kind != rules.Bool || c.value.Bool {
				bypass = false
			}
		}
		// Only a certain bypass (one unconditional cache: false) means
		// nothing is cached for the URL.
		if bypass && len(cs) == 1 && !cs[0].conditional {
			out.Bypassed = true
			out.Notes = append(out.Notes, "rule "+cs[0].ref+" sets cache to false for this URL: nothing is cached")
			// APO serves HTML from its own cache; purging copies that the
			// bypass may have left unused is harmless, missing them is not.
			if s.apo != nil && s.apo.Covers(rawURL) {
				out.Variants = append(out.Variants, s.apo.variant())
			}
			return out, nil
		}
	}

	add := func(v Variant) { out.Variants = append(out.Variants, v) }
	for _, c := range cands[PathByDeviceType] {
		if c.value.IsTrue() {
			add(Variant{Dimension: DimDevice, Values: DeviceTypes(), Purgeable: true, Ref: c.ref, Setting: PathByDeviceType, Conditional: c.conditional})
		}
	}
	for _, c := range cands[PathUser] {
		if c.value.Get("device_type").IsTrue() {
			add(Variant{Dimension: DimDevice, Values: DeviceTypes(), Purgeable: true, Ref: c.ref, Setting: PathUser, Conditional: c.conditional})
		}
		if c.value.Get("geo").IsTrue() {
			add(Variant{Dimension: DimCountry, Purgeable: true, Ref: c.ref, Setting: PathUser, Conditional: c.conditional,
				Note: "one copy per visitor country: purge with --country for the countries served"})
		}
		if c.value.Get("lang").IsTrue() {
			// A purge entry's Accept-Language is read as a visitor's: its
			// first language picks the copy (cloudflare.md, Purge), and an
			// entry without one reaches the copy of visitors who sent none.
			add(Variant{Dimension: DimLang, Absent: true, Purgeable: true, Ref: c.ref, Setting: PathUser, Conditional: c.conditional,
				Note: "one copy per first Accept-Language language: purge with --lang for the languages served, and without one"})
		}
	}
	for _, c := range cands[PathHeader] {
		for _, n := range strList(c.value.Get("include")) {
			add(Variant{Dimension: DimHeader, Name: strings.ToLower(n), Absent: true, Purgeable: true, Ref: c.ref, Setting: PathHeader, Conditional: c.conditional,
				Note: "one copy per value sent: purge with -H for the values in use, and without it"})
		}
		for _, n := range strList(c.value.Get("check_presence")) {
			add(Variant{Dimension: DimHeader, Name: strings.ToLower(n), Presence: true, Absent: true, Purgeable: true, Ref: c.ref, Setting: PathHeader, Conditional: c.conditional})
		}
		if m := c.value.Get("contains"); m != nil && m.Kind == rules.Object {
			for _, f := range m.Fields() {
				add(Variant{Dimension: DimHeader, Name: strings.ToLower(f.Key), Values: strList(f.Value), Absent: true, Purgeable: true, Ref: c.ref, Setting: PathHeader, Conditional: c.conditional,
					Note: "the key records which listed values the header contains"})
			}
		}
	}
	for _, c := range cands[PathCookie] {
		for _, n := range strList(c.value.Get("include")) {
			add(Variant{Dimension: DimCookie, Name: n, Absent: true, Purgeable: true, Ref: c.ref, Setting: PathCookie, Conditional: c.conditional,
				Note: "one copy per cookie value: purge with -H 'Cookie: " + n + "=...' for the values in use, and without it"})
		}
		for _, n := range strList(c.value.Get("check_presence")) {
			add(Variant{Dimension: DimCookie, Name: n, Presence: true, Absent: true, Purgeable: true, Ref: c.ref, Setting: PathCookie, Conditional: c.conditional})
		}
	}
	if s.apo != nil && s.apo.Covers(rawURL) {
		add(s.apo.variant())
	}
	return out, nil
}

// partialEval evaluates an expression with three-valued logic: comparisons
// and calls that read only the URL are evaluated; the others are unknown.
func partialEval(env *expr.Env, e expr.Expr) truth {
	switch x := e.(type) {
	case *expr.Paren:
		return partialEval(env, x.X)
	case *expr.Not:
		switch partialEval(env, x.X) {
		case tTrue:
			return tFalse
		case tFalse:
			return tTrue
		}
		return tUnknown
	case *expr.Binary:
		a := partialEval(env, x.X)
		switch x.Op {
		case expr.OpAnd, expr.OpOr:
			// A false side decides `and`, a true side decides `or`,
			// whatever the other side is.
			decisive := tFalse
			if x.Op == expr.OpOr {
				decisive = tTrue
			}
			if a == decisive {
				return decisive
			}
			b := partialEval(env, x.Y)
			if b == decisive {
				return decisive
			}
			if a == tUnknown || b == tUnknown {
				return tUnknown
			}
			return a
		case expr.OpXor:
			b := partialEval(env, x.Y)
			if a == tUnknown || b == tUnknown {
				return tUnknown
			}
			if (a == tTrue) != (b == tTrue) {
				return tTrue
			}
			return tFalse
		}
	}
	if !readsOnlyURL(e) {
		return tUnknown
	}
	if env.Matches(e) {
		return tTrue
	}
	return tFalse
}

// readsOnlyURL reports whether a URL alone decides e: it reads no field
// outside the URL and no list.
func readsOnlyURL(e expr.Expr) bool {
	only := true
	expr.Walk(e, func(n expr.Expr) bool {
		switch x := n.(type) {
		case *expr.Field:
			if !isURLField(x.Name) {
				only = false
			}
		case *expr.ListRef:
			only = false
		}
		return only
	})
	return only
}
