package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Setting is one independently overridable setting of a rule: rules stack,
// and when two matching rules set the same setting the later one wins.
type Setting struct {
	Path  string // "edge_ttl", "cache_key.cache_by_device_type", "cache_key.custom_key.header"
	Value *Value
	pos   Pos
}

// Settings lists the rule's settings in file order. Top-level parameters are
// settings; cache_key and its custom_key are split into their parts because
// Cloudflare merges those part by part.
//
// The list is allocated once at its length and the paths the schema knows
// are constants: cachekey.Compile lists every rule's settings, and growing
// the list and concatenating its paths was some 700 bytes a rule
// (docs/performance.md, "Against start-up").
func (r *Rule) Settings() []Setting {
	if r.Params == nil || r.Params.Kind != Object {
		return nil
	}
	n := 0
	r.eachSetting(func(string, string, *Field) { n++ })
	if n == 0 {
		return nil
	}
	out := make([]Setting, 0, n)
	r.eachSetting(func(prefix, path string, f *Field) {
		out = append(out, Setting{Path: settingPath(prefix, path), Value: f.Value, pos: f.KeyPos})
	})
	return out
}

// eachSetting calls fn for each setting of r.Params in file order, with
// the prefix of its path ("", "cache_key." or "cache_key.custom_key.") and
// its key.
func (r *Rule) eachSetting(fn func(prefix, key string, f *Field)) {
	for _, f := range r.Params.Fields() {
		if f.Key == "cache_key" && f.Value.Kind == Object {
			for _, g := range f.Value.Fields() {
				if g.Key == "custom_key" && g.Value.Kind == Object {
					for _, h := range g.Value.Fields() {
						fn("cache_key.custom_key.", h.Key, h)
					}
					continue
				}
				fn("cache_key.", g.Key, g)
			}
			continue
		}
		fn("", f.Key, f)
	}
}

// settingPath is prefix+key, without building the string for the settings
// paramsSchema knows.
func settingPath(prefix, key string) string {
	switch prefix {
	case "":
		return key
	case "cache_key.":
		switch key {
		case "cache_by_device_type":
			return "cache_key.cache_by_device_type"
		case "cache_deception_armor":
			return "cache_key.cache_deception_armor"
		case "ignore_query_strings_order":
			return "cache_key.ignore_query_strings_order"
		}
	case "cache_key.custom_key.":
		switch key {
		case "query_string":
			return "cache_key.custom_key.query_string"
		case "header":
			return "cache_key.custom_key.header"
		case "cookie":
			return "cache_key.custom_key.cookie"
		case "host":
			return "cache_key.custom_key.host"
		case "user":
			return "cache_key.custom_key.user"
		}
	}
	return prefix + key
}

// normExpr strips whitespace differences and outer parentheses so that
// `(http.host eq "a")` and `http.host eq "a"` count as the same expression.
func normExpr(e string) string {
	e = collapseSpace(e)
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") && balancedInside(e[1:len(e)-1]) {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	return e
}

// collapseSpace is strings.Join(strings.Fields(e), " "): words separated
// by single spaces, none at either end. Most expressions are that already
// and are returned as they are; splitting and joining them anyway was over
// half of what validating a 300-rule file allocated once its paths were
// built lazily (docs/performance.md, "Against start-up"). The others are
// built in one allocation.
func collapseSpace(e string) string {
	if singleSpaced(e) {
		return e
	}
	var b strings.Builder
	b.Grow(len(e))
	for w := range strings.FieldsSeq(e) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// singleSpaced reports whether collapseSpace(e) is e itself.
func singleSpaced(e string) bool {
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case c > ' ' && c < utf8.RuneSelf:
			// Most bytes: nothing to do.
		case c == ' ':
			if i == 0 || i == len(e)-1 || e[i+1] == ' ' {
				return false
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(e[i:])
			if unicode.IsSpace(r) {
				return false
			}
			i += n - 1
		case c >= '\t' && c <= '\r': // the other ASCII spaces
			return false
		}
	}
	return true
}

// balancedInside reports whether s never closes more parentheses than it
// opened, so stripping the outer pair of "(s)" is safe.
func balancedInside(s string) bool {
	depth := 0
	inStr := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '(':
			depth++
		case !inStr && c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// MatchesAll reports whether an expression matches every request: the
// dashboard's "All incoming requests" stores `true`.
func MatchesAll(expr string) bool { return normExpr(expr) == "true" }

// lint adds the warnings: settings always overridden by a later rule, and
// disabled rules identical to enabled ones. (The per-rule warnings, such as
// cache: false with TTLs, are added while checking parameters.)
//
// last is an empty map for lint's index of expressions (validateRules
// hands over its map of refs, emptied).
func (c *vctx) lint(rules []*Rule, last map[string]int) {
	norm := make([]string, len(rules))
	for i, r := range rules {
		norm[i] = normExpr(r.Expression)
	}
	// A later enabled rule whose expression is `true`, or the same as this
	// rule's, matches every request this rule matches; any setting both set is
	// then always decided by the later one. Proving subsumption for general
	// expressions needs the full parser, so only these two sure cases count.
	// Settings are only listed for a rule that some later rule can
	// override: listing them for every rule was a tenth of validate's
	// allocations on a 300-rule file.
	lastTrue := -1
	for j, o := range rules {
		if o.Enabled && o.Action == ActionSetCacheSettings {
			last[norm[j]] = j
			if norm[j] == "true" {
				lastTrue = j
			}
		}
	}
	for i, r := range rules {
		if !r.Enabled || r.Action != ActionSetCacheSettings || (lastTrue <= i && last[norm[i]] <= i) {
			continue
		}
		settings := r.Settings()
		if len(settings) == 0 {
			continue
		}
		reported := map[string]bool{}
		for j := len(rules) - 1; j > i; j-- {
			o := rules[j]
			if !o.Enabled || o.Action != ActionSetCacheSettings || (norm[j] != "true" && norm[j] != norm[i]) {
				continue
			}
			later := map[string]bool{}
			for _, s := range o.Settings() {
				later[s.Path] = true
			}
			for _, s := range settings {
				if later[s.Path] && !reported[s.Path] {
					reported[s.Path] = true
					why := "matches every request"
					if norm[j] == norm[i] {
						why = "has the same expression"
					}
					root := rootPath("rules")
					rp := root.at(i)
					ap := rp.dot("action_parameters")
					c.warnf(s.pos, ap.dot(s.Path),
						"always overridden by rules[%d] %q%s, which %s and comes later", j, o.Ref, lineNote(o.Line()), why)
				}
			}
		}
	}
	// Only enabled rules sharing an expression with a disabled one can be
	// its twin, so the (costlier) content key is built for those alone.
	disabledExprs := map[string]bool{}
	for i, r := range rules {
		if !r.Enabled {
			disabledExprs[norm[i]] = true
		}
	}
	if len(disabledExprs) == 0 {
		return
	}
	enabled := map[string]int{}
	for i, r := range rules {
		if r.Enabled && disabledExprs[norm[i]] {
			if k := contentKey(r, norm[i], c.sch); enabled[k] == 0 {
				enabled[k] = i + 1
			}
		}
	}
	for i, r := range rules {
		if r.Enabled {
			continue
		}
		if j1 := enabled[contentKey(r, norm[i], c.sch)]; j1 > 0 {
			j := j1 - 1
			root := rootPath("rules")
			c.warnf(r.pos("enabled"), root.at(i),
				"disabled and identical to enabled rules[%d] %q%s; delete one", j, rules[j].Ref, lineNote(rules[j].Line()))
		}
	}
}

// contentKey identifies what a rule does, ignoring ref, description and
// enabled, for finding duplicates in one pass.
func contentKey(r *Rule, norm string, sch *schema) string {
	p := canonical(normParams(r.Params), sch)
	return r.Action + "\x00" + norm + "\x00" + p.display()
}
