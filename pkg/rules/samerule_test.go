package rules

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSameRuleAgreesWithAPIFields: Compute's shortcut (sameRule) may only
// say "no difference" where comparing the API values finds none, and it
// must say so for rules that differ in key order only (the remote's JSON
// against a file), or it saves nothing. Every pair of rules of the
// examples and of mutants of them is compared both ways.
func TestSameRuleAgreesWithAPIFields(t *testing.T) {
	var all []*Rule
	paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", "rules", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, probs := Parse(filepath.Base(p), data)
		if probs.HasErrors() {
			t.Fatalf("%s: %v", p, probs)
		}
		all = append(all, f.Rules...)
	}
	if len(all) < 10 {
		t.Fatalf("only %d example rules", len(all))
	}
	sch := paramsSchema()
	var variants []*Rule
	for _, r := range all {
		variants = append(variants, r)
		// The API's answer for the rule: canonical key order, no positions.
		api := ParseRulesForTest(t, r)
		variants = append(variants, api)
		reordered := *r
		reordered.Params = reverseKeys(r.Params)
		variants = append(variants, &reordered)
		if r.Params != nil && len(r.Params.Fields()) > 0 {
			dup := *r
			dup.Params = r.Params.Clone()
			dup.Params.AddField(&Field{Key: r.Params.Fields()[0].Key, Value: NewString("other")})
			variants = append(variants, &dup)
			if len(r.Params.Fields()) > 1 {
				// As many keys as r, one of them twice: canonical drops
				// the repeat, so the second key is gone.
				rep := *r
				rep.Params = r.Params.Clone()
				rep.Params.Fields()[1] = &Field{Key: rep.Params.Fields()[0].Key, Value: rep.Params.Fields()[0].Value}
				variants = append(variants, &rep)
			}
			null := *r
			null.Params = &Value{Kind: Null}
			variants = append(variants, &null)
		}
		for _, m := range []func(*Rule){
			func(x *Rule) { x.Enabled = !x.Enabled },
			func(x *Rule) { x.Description += " " },
			func(x *Rule) { x.Expression += " " },
		} {
			c := *r
			m(&c)
			variants = append(variants, &c)
		}
	}
	shortcuts := 0
	for _, o := range variants {
		for _, n := range variants {
			same, full := sameRule(o, n), apiFields(o, n, sch)
			if same && len(full) > 0 {
				t.Fatalf("sameRule says %q and %q are the same; the API values differ: %+v", o.Ref, n.Ref, full)
			}
			if same {
				shortcuts++
			}
		}
	}
	// Each example rule matches at least itself, its API form and its
	// reordered copy, both ways.
	if shortcuts < 9*len(all) {
		t.Errorf("the shortcut was taken %d times for %d rules: key order defeats it", shortcuts, len(all))
	}
}

// ParseRulesForTest returns r as the API gives it back: its API value
// written as JSON and read by the ruleset reader.
func ParseRulesForTest(t *testing.T, r *Rule) *Rule {
	t.Helper()
	rs, err := ParseRuleset([]byte(`{"id":"x","rules":[` + string(mustJSON(t, r.apiValue(false, paramsSchema()))) + `]}`))
	if err != nil || len(rs.Rules) != 1 {
		t.Fatalf("%v", err)
	}
	return rs.Rules[0]
}

func mustJSON(t *testing.T, v *Value) []byte {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reverseKeys(v *Value) *Value {
	if v == nil {
		return nil
	}
	c := v.Clone()
	var rev func(*Value)
	rev = func(x *Value) {
		for i, j := 0, len(x.Fields())-1; i < j; i, j = i+1, j-1 {
			x.Fields()[i], x.Fields()[j] = x.Fields()[j], x.Fields()[i]
		}
		for _, f := range x.Fields() {
			rev(f.Value)
		}
		for _, it := range x.Items() {
			rev(it)
		}
	}
	rev(c)
	return c
}
