package rules

import (
	"fmt"
	"sort"
	"strings"
)

// ChangeKind says what happens to a rule or a field.
type ChangeKind string

const (
	Add    ChangeKind = "add"
	Remove ChangeKind = "remove"
	Change ChangeKind = "change"
	Move   ChangeKind = "move"
)

// FieldDiff is one changed leaf of a rule, such as
// action_parameters.edge_ttl.default. Old is nil for an added field, New for
// a removed one.
type FieldDiff struct {
	Path   string     `json:"path"`
	Action ChangeKind `json:"action"`
	Old    *Value     `json:"old,omitempty"`
	New    *Value     `json:"new,omitempty"`
}

// RuleDiff is what happens to one rule. A rule that changed and moved has
// Action change and Moved set. Positions are 1-based; OldPosition is 0 for
// an added rule, NewPosition 0 for a removed one.
type RuleDiff struct {
	Action      ChangeKind  `json:"action"`
	Ref         string      `json:"ref"`
	Description string      `json:"description,omitempty"`
	OldPosition int         `json:"old_position,omitempty"`
	NewPosition int         `json:"new_position,omitempty"`
	Moved       bool        `json:"moved"`
	Fields      []FieldDiff `json:"fields,omitempty"`
	// Rule is the whole rule, for added (new) and removed (old) rules.
	Rule *Value `json:"rule,omitempty"`

	Old *Rule `json:"-"`
	New *Rule `json:"-"`
}

// Summary counts the plan. A rule that changed and moved counts in both.
type Summary struct {
	Add    int `json:"add"`
	Change int `json:"change"`
	Remove int `json:"remove"`
	Move   int `json:"move"`
}

// Diff is the difference between the rules in place (old, usually the zone's)
// and the rules wanted (new, usually the file's).
type Diff struct {
	Summary Summary    `json:"summary"`
	Rules   []RuleDiff `json:"rules"`
	// Unchanged lists the refs of rules with no change, in new order.
	Unchanged []string `json:"unchanged"`
}

// HasChanges reports whether applying the diff would change anything
// (`rules diff --exit-code` exits 5 when it does).
func (d *Diff) HasChanges() bool { return len(d.Rules) > 0 }

// Compute pairs rules by ref and compares them. Order matters because later
// rules win, so rules whose relative order changed are reported as moved;
// the fewest rules are called moved (those outside the longest run that kept
// its order). Refs are expected to be unique (Validate enforces it); a
// repeated ref is paired by occurrence.
func Compute(old, new []*Rule) *Diff {
	// Unchanged is sized for all: most rules of a diff are unchanged. The
	// entries are only the rules that differ (a few, usually); sizing them
	// for every rule was a third of what Compute allocated on 300 rules
	// (docs/performance.md, "Against start-up").
	d := &Diff{Rules: []RuleDiff{}, Unchanged: make([]string, 0, len(new))}
	sch := paramsSchema()
	newToOld, oldToNew := pairRules(old, new)
	stays := keptInOrder(newToOld, len(old))

	entries := []RuleDiff{}
	for ni, r := range new {
		oi := newToOld[ni]
		if oi < 0 {
			d.Summary.Add++
			entries = append(entries, RuleDiff{Action: Add, Ref: r.Ref, Description: r.Description,
				NewPosition: ni + 1, Fields: ruleFields(nil, r, sch), Rule: r.apiValue(false, sch), New: r})
			continue
		}
		o := old[oi]
		fields := ruleFields(o, r, sch)
		moved := !stays[oi]
		rd := RuleDiff{Ref: r.Ref, Description: r.Description, OldPosition: oi + 1, NewPosition: ni + 1,
			Moved: moved, Fields: fields, Old: o, New: r}
		switch {
		case len(fields) > 0:
			rd.Action = Change
			d.Summary.Change++
		case moved:
			rd.Action = Move
		default:
			d.Unchanged = append(d.Unchanged, r.Ref)
			continue
		}
		if moved {
			d.Summary.Move++
		}
		entries = append(entries, rd)
	}
	// Removed rules go after the entry of the rule that preceded them in the
	// old order, so the listing reads like the old file with edits.
	var removed []RuleDiff
	for oi, r := range old {
		if oldToNew[oi] >= 0 {
			continue
		}
		d.Summary.Remove++
		removed = append(removed, RuleDiff{Action: Remove, Ref: r.Ref, Description: r.Description,
			OldPosition: oi + 1, Fields: ruleFields(r, nil, sch), Rule: r.apiValue(false, sch), Old: r})
	}
	d.Rules = mergeRemoved(entries, removed, oldToNew)
	return d
}

// pairRules pairs the rules of the two sides by their pairKeys: newToOld
// gives each new rule the index of the old rule with its key (-1 for
// none), oldToNew each old rule that of the new rule with its key.
//
// When both sides list the same refs in the same order, none holding a
// NUL byte (what a diff nearly always compares: the zone's rules and the
// file they were deployed from), every key is its rule's alone and the
// pairing is by position, so the key maps are not built: they were most
// of what Compute allocated on 300 rules (docs/performance.md, "Against
// start-up"). A NUL byte could make keys collide (see pairKeys), where
// the maps decide.
func pairRules(old, new []*Rule) (newToOld, oldToNew []int) {
	if sameRefs(old, new) {
		newToOld, oldToNew = make([]int, len(new)), make([]int, len(old))
		for i := range newToOld {
			newToOld[i], oldToNew[i] = i, i
		}
		return newToOld, oldToNew
	}
	return pairByKeys(old, new)
}

// pairByKeys is pairRules through the key maps, for any two lists.
func pairByKeys(old, new []*Rule) (newToOld, oldToNew []int) {
	newToOld, oldToNew = make([]int, len(new)), make([]int, len(old))
	oldKeys, oldIdx := pairKeys(old)
	newKeys, newIdx := pairKeys(new)
	for ni, k := range newKeys {
		if oi, ok := oldIdx[k]; ok {
			newToOld[ni] = oi
		} else {
			newToOld[ni] = -1
		}
	}
	for oi, k := range oldKeys {
		if ni, ok := newIdx[k]; ok {
			oldToNew[oi] = ni
		} else {
			oldToNew[oi] = -1
		}
	}
	return newToOld, oldToNew
}

// sameRefs reports whether old and new list the same refs in the same
// order, none with a NUL byte.
func sameRefs(old, new []*Rule) bool {
	if len(old) != len(new) {
		return false
	}
	for i, r := range new {
		if r.Ref != old[i].Ref || strings.IndexByte(r.Ref, 0) >= 0 {
			return false
		}
	}
	return true
}

// keptInOrder marks the old rules that keep their order: those of one
// longest run of paired rules whose old indices increase in new order.
// Everything else paired moved.
func keptInOrder(newToOld []int, nOld int) []bool {
	stays := make([]bool, nOld)
	last, increasing := -1, true
	for _, oi := range newToOld {
		if oi >= 0 {
			increasing = increasing && oi > last
			last = oi
			stays[oi] = true
		}
	}
	if increasing {
		// The one longest increasing run is all of them: no rule moved.
		return stays
	}
	clear(stays)
	var seq []int
	for _, oi := range newToOld {
		if oi >= 0 {
			seq = append(seq, oi)
		}
	}
	for oi := range longestIncreasing(seq) {
		stays[oi] = true
	}
	return stays
}

// pairKeys gives each rule its pairing key: the ref, with a counter for
// repeats so that duplicates do not collide; idx maps each key to its rule's
// index (the last, should keys still collide). Refs are nearly always
// unique, so the count of each ref is kept only from the first repeat on:
// until then idx holds exactly the refs seen. Building and growing a
// counting map for every rule besides idx was a fifth of `rules diff`'s
// Compute on 300 rules (docs/performance.md, "Against start-up").
func pairKeys(rules []*Rule) (keys []string, idx map[string]int) {
	keys = make([]string, len(rules))
	idx = make(map[string]int, len(rules))
	var seen map[string]int // how often each ref came so far; nil until one repeats
	for i, r := range rules {
		if seen == nil {
			if _, again := idx[r.Ref]; !again {
				keys[i], idx[r.Ref] = r.Ref, i
				continue
			}
			seen = make(map[string]int, len(rules))
			for _, k := range keys[:i] {
				seen[k] = 1
			}
		}
		n := seen[r.Ref]
		seen[r.Ref] = n + 1
		k := r.Ref
		if n > 0 {
			k = fmt.Sprintf("%s\x00%d", r.Ref, n)
		}
		keys[i], idx[k] = k, i
	}
	return keys, idx
}

// mergeRemoved inserts each removed rule after the entry for the nearest
// rule before it in the old order that is still listed (or first).
// oldToNew is pairRules'.
func mergeRemoved(entries, removed []RuleDiff, oldToNew []int) []RuleDiff {
	if len(removed) == 0 {
		return entries
	}
	// anchor[i] is the new position of the nearest surviving rule before
	// removed rule i in the old order (0 = top).
	type placed struct {
		anchor int // new position after which it goes
		order  int // old position, to keep removed rules in old order
		rd     RuleDiff
	}
	var ps []placed
	for _, rd := range removed {
		anchor := 0
		for oi := rd.OldPosition - 2; oi >= 0; oi-- {
			if ni := oldToNew[oi]; ni >= 0 {
				anchor = ni + 1
				break
			}
		}
		ps = append(ps, placed{anchor, rd.OldPosition, rd})
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].anchor != ps[j].anchor {
			return ps[i].anchor < ps[j].anchor
		}
		return ps[i].order < ps[j].order
	})
	out := make([]RuleDiff, 0, len(entries)+len(removed))
	k := 0
	for _, e := range entries {
		for k < len(ps) && ps[k].anchor < e.NewPosition {
			out = append(out, ps[k].rd)
			k++
		}
		out = append(out, e)
	}
	for ; k < len(ps); k++ {
		out = append(out, ps[k].rd)
	}
	return out
}

// longestIncreasing marks the elements of seq (distinct ints) that belong to
// one longest strictly increasing subsequence, in O(n log n).
func longestIncreasing(seq []int) map[int]bool {
	tails := []int{} // indices into seq
	prev := make([]int, len(seq))
	for i, v := range seq {
		j := sort.Search(len(tails), func(k int) bool { return seq[tails[k]] >= v })
		if j > 0 {
			prev[i] = tails[j-1]
		} else {
			prev[i] = -1
		}
		if j == len(tails) {
			tails = append(tails, i)
		} else {
			tails[j] = i
		}
	}
	out := make(map[int]bool, len(tails))
	if len(tails) == 0 {
		return out
	}
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		out[seq[i]] = true
	}
	return out
}

// ruleFields compares two rules field by field; either may be nil (added or
// removed rule), in which case the defaults (action set_cache_settings,
// enabled true) are left out to keep the listing short.
func ruleFields(o, n *Rule, sch *schema) []FieldDiff {
	if o != nil && n != nil && sameRule(o, n) {
		// Most rules of a diff are unchanged: building both API values to
		// find no difference was a sixth of `rules diff` on 300 rules
		// (docs/performance.md, "Against start-up").
		return nil
	}
	return apiFields(o, n, sch)
}

// apiFields is ruleFields on the rules' API values.
func apiFields(o, n *Rule, sch *schema) []FieldDiff {
	side := func(r *Rule) *Value {
		if r == nil {
			return nil
		}
		v := r.apiValue(false, sch)
		v.Delete("ref")
		if o == nil || n == nil {
			if r.Action == ActionSetCacheSettings {
				v.Delete("action")
			}
			if r.Enabled {
				v.Delete("enabled")
			}
		}
		return v
	}
	var out []FieldDiff
	diffValues("", side(o), side(n), &out)
	return out
}

// sameRule reports whether ruleFields would find no difference between o
// and n, without building their API values. It compares what apiValue
// keeps (the ref is how rules are paired, not a field) on the parsed
// values: objects key by key whatever their order, since canonical orders
// them, lists in order, scalars as Value.Equal does.
func sameRule(o, n *Rule) bool {
	return o.Description == n.Description && o.Expression == n.Expression && o.Action == n.Action &&
		o.Enabled == n.Enabled && sameParams(normParams(o.Params), normParams(n.Params))
}

// sameParams is Value.Equal made strict where canonical would not keep a
// value as it is: an object with a repeated key never matches, so such a
// value takes the full comparison.
func sameParams(a, b *Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Array:
		if len(a.Items()) != len(b.Items()) {
			return false
		}
		for i := range a.Items() {
			if !sameParams(a.Items()[i], b.Items()[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(a.Fields()) != len(b.Fields()) {
			return false
		}
		if sameKeyOrder(a.Fields(), b.Fields()) {
			// The usual case: the API answers a rule's settings in the
			// order they were sent, the file's. Distinct keys in a, the
			// same list in b: none repeated there either. Looking each key
			// up in both was most of Compute's time on 300 unchanged rules
			// (docs/performance.md, "Against start-up").
			for i, f := range a.Fields() {
				if !sameParams(f.Value, b.Fields()[i].Value) {
					return false
				}
			}
			return true
		}
		for _, f := range a.Fields() {
			// Distinct keys in a, as many in b, each found in b: b has
			// the same keys, none repeated.
			g := b.Get(f.Key)
			if g == nil || a.field(f.Key) != f || !sameParams(f.Value, g) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}

// sameKeyOrder reports whether a and b list the same keys in the same
// order, none of them twice.
func sameKeyOrder(a, b []*Field) bool {
	for i, f := range a {
		if f.Key != b[i].Key {
			return false
		}
		for _, g := range a[:i] {
			if g.Key == f.Key {
				return false
			}
		}
	}
	return true
}

// diffValues appends the differences between a and b under path. Objects
// are compared key by key; lists of scalars as a whole (a reviewer wants to
// see the new list); lists holding objects element by element.
func diffValues(path string, a, b *Value, out *[]FieldDiff) {
	switch {
	case a == nil && b == nil:
		return
	case a == nil:
		leaves(path, b, func(p string, v *Value) { *out = append(*out, FieldDiff{Path: p, Action: Add, New: v}) })
		return
	case b == nil:
		leaves(path, a, func(p string, v *Value) { *out = append(*out, FieldDiff{Path: p, Action: Remove, Old: v}) })
		return
	}
	switch {
	case a.Kind == Object && b.Kind == Object:
		for _, f := range a.Fields() {
			diffValues(joinPath(path, f.Key), f.Value, b.Get(f.Key), out)
		}
		for _, f := range b.Fields() {
			if a.Get(f.Key) == nil {
				diffValues(joinPath(path, f.Key), nil, f.Value, out)
			}
		}
	case a.Kind == Array && b.Kind == Array && !(allScalars(a.Items()) && allScalars(b.Items())):
		for i := 0; i < len(a.Items()) || i < len(b.Items()); i++ {
			var x, y *Value
			if i < len(a.Items()) {
				x = a.Items()[i]
			}
			if i < len(b.Items()) {
				y = b.Items()[i]
			}
			diffValues(fmt.Sprintf("%s[%d]", path, i), x, y, out)
		}
	default:
		if !a.Equal(b) {
			*out = append(*out, FieldDiff{Path: path, Action: Change, Old: a, New: b})
		}
	}
}

// leaves calls fn for every leaf under v, lists of scalars counting as leaves.
func leaves(path string, v *Value, fn func(string, *Value)) {
	switch {
	case v.Kind == Object && len(v.Fields()) > 0:
		for _, f := range v.Fields() {
			leaves(joinPath(path, f.Key), f.Value, fn)
		}
	case v.Kind == Array && len(v.Items()) > 0 && !allScalars(v.Items()):
		for i, it := range v.Items() {
			leaves(fmt.Sprintf("%s[%d]", path, i), it, fn)
		}
	default:
		fn(path, v)
	}
}
