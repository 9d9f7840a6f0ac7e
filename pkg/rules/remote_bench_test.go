package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// BenchmarkComputeStatic300 is Compute as `rules diff rules300b.yaml` runs
// it against a zone holding rules300.yaml (docs/performance.md, "Against
// start-up"): the remote rules read from the API's answer, the local ones
// from the file, one TTL changed.
func BenchmarkComputeStatic300(b *testing.B) {
	f, _ := Parse("rules300.yaml", []byte(rules300Static()))
	rs, err := ParseRuleset(PutBody(f.Rules))
	if err != nil {
		b.Fatal(err)
	}
	local, _ := Parse("rules300b.yaml", []byte(strings.Replace(rules300Static(), "default: 3650\n", "default: 7200\n", 1)))
	for b.Loop() {
		d := Compute(rs.Rules, local.Rules)
		if d.Summary.Change != 1 || len(d.Unchanged) != 299 {
			b.Fatalf("want 1 change and 299 unchanged, got %+v", d.Summary)
		}
	}
}

// pairKeysOneByOne is pairKeys as it was: a count for every ref, then the
// index of every key. pairKeys counts only from the first repeated ref on.
func pairKeysOneByOne(rules []*Rule) ([]string, map[string]int) {
	seen := map[string]int{}
	keys := make([]string, len(rules))
	for i, r := range rules {
		n := seen[r.Ref]
		seen[r.Ref] = n + 1
		if n == 0 {
			keys[i] = r.Ref
		} else {
			keys[i] = fmt.Sprintf("%s\x00%d", r.Ref, n)
		}
	}
	idx := make(map[string]int, len(rules))
	for i, k := range keys {
		idx[k] = i
	}
	return keys, idx
}

func TestPairKeysAgreesWithCountingEveryRef(t *testing.T) {
	for _, refs := range [][]string{
		nil,
		{"a"},
		{"a", "b", "c"},
		{"a", "a"},
		{"a", "b", "a", "c", "a", "b"},
		{"a", "b", "c", "c"},
		// Keys that collide with a repeat's counter: the last index wins.
		{"a", "a\x001", "a", "a\x001"},
		{"a", "a", "a\x001"},
		{"a\x001", "a", "a"},
	} {
		rules := make([]*Rule, len(refs))
		for i, ref := range refs {
			rules[i] = &Rule{Ref: ref}
		}
		keys, idx := pairKeys(rules)
		wantKeys, wantIdx := pairKeysOneByOne(rules)
		if !reflect.DeepEqual(keys, wantKeys) || !reflect.DeepEqual(idx, wantIdx) {
			t.Errorf("pairKeys(%q) = %q, %v; want %q, %v", refs, keys, idx, wantKeys, wantIdx)
		}
	}
}

// BenchmarkParseRulesetStatic300 reads the API's answer for rules300.yaml,
// the ruleset `rules diff rules300b.yaml` fetches.
func BenchmarkParseRulesetStatic300(b *testing.B) {
	f, _ := Parse("rules300.yaml", []byte(rules300Static()))
	body := PutBody(f.Rules)
	for b.Loop() {
		if _, err := ParseRuleset(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJSONKeysFromTheRecentSlots: a key's text that equals an interned
// key (or shares its slot) is that key only when it has no escape.
func TestJSONKeysFromTheRecentSlots(t *testing.T) {
	for _, doc := range []string{
		`{"a\\\\b":1,"a\\b":2,"a\\\\b":3}`,
		`[{"a\\b":1},{"a\\\\b":2},{"a\\b":3}]`,
		`[{"ab":1,"ba":2,"aab":3},{"ba":4,"ab":5,"aab":6,"":7},{"":8,"a\u0062":9}]`,
		`[{"é":1,"\u00e9":2},{"\u00e9":3,"é":4}]`,
		`[{"x\/y":1,"x/y":2},{"x/y":3,"x\/y":4}]`,
	} {
		checkLikeEncodingJSON(t, doc)
	}
}

// TestPairRulesAgreesWithTheKeyMaps: pairing by position when both sides
// list the same refs is what the key maps give, repeats and NUL bytes
// included, and lists that differ still go through the maps.
func TestPairRulesAgreesWithTheKeyMaps(t *testing.T) {
	alphabet := []string{"a", "b", "c", "a\x001", "a\x00", "\x00", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	mk := func(refs []string) []*Rule {
		rules := make([]*Rule, len(refs))
		for i, ref := range refs {
			rules[i] = &Rule{Ref: ref}
		}
		return rules
	}
	for n := 0; n < 20000; n++ {
		old := make([]string, rng.IntN(7))
		for i := range old {
			old[i] = alphabet[rng.IntN(len(alphabet))]
		}
		new := slices.Clone(old)
		if rng.IntN(2) == 0 && len(new) > 0 {
			new[rng.IntN(len(new))] = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(4) == 0 {
			new = append(new, alphabet[rng.IntN(len(alphabet))])
		}
		o, nw := mk(old), mk(new)
		gotN2O, gotO2N := pairRules(o, nw)
		wantN2O, wantO2N := pairByKeys(o, nw)
		if !slices.Equal(gotN2O, wantN2O) || !slices.Equal(gotO2N, wantO2N) {
			t.Fatalf("pairRules(%q, %q) = %v, %v; want %v, %v", old, new, gotN2O, gotO2N, wantN2O, wantO2N)
		}
	}
}

// TestKeptInOrderAgreesWithLongestIncreasing: the shortcut for a pairing
// that kept its order marks what longestIncreasing marks.
func TestKeptInOrderAgreesWithLongestIncreasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 20000; n++ {
		nOld := rng.IntN(8)
		newToOld := make([]int, rng.IntN(8))
		for i := range newToOld {
			newToOld[i] = rng.IntN(nOld+1) - 1
			if rng.IntN(2) == 0 && nOld > 0 {
				newToOld[i] = min(i, nOld-1) // often in order
			}
		}
		var seq []int
		for _, oi := range newToOld {
			if oi >= 0 {
				seq = append(seq, oi)
			}
		}
		want := make([]bool, nOld)
		for oi := range longestIncreasing(seq) {
			want[oi] = true
		}
		if got := keptInOrder(newToOld, nOld); !slices.Equal(got, want) {
			t.Fatalf("keptInOrder(%v, %d) = %v, want %v", newToOld, nOld, got, want)
		}
	}
}

// BenchmarkParseRulesetAnswer300 reads the entrypoint's `result` as the API
// (and the sandbox) answers it for rules300.yaml: each rule with its id,
// version and last update, the ruleset's own fields first.
func BenchmarkParseRulesetAnswer300(b *testing.B) {
	f, _ := Parse("rules300.yaml", []byte(rules300Static()))
	var rules []string
	for i, r := range f.Rules {
		v := r.apiValue(false, schemaFor(r.Action, paramsSchema()))
		v.Set("id", NewString(fmt.Sprintf("%032x", i+1)))
		v.Set("version", NewString("1"))
		v.Set("last_updated", NewString("2026-12-07T16:30:00.693883105Z"))
		j, _ := v.MarshalJSON()
		rules = append(rules, string(j))
	}
	body := []byte(`{"id":"3d8bcf85f4bca914bfd77ee5607c17df","name":"default","description":"","kind":"zone","phase":"http_request_cache_settings",` +
		`"version":"1","last_updated":"2026-12-07T16:30:00.693883105Z","rules":[` + strings.Join(rules, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseRuleset(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutBody300 writes the body `rules deploy rules300.yaml` sends.
func BenchmarkPutBody300(b *testing.B) {
	f, _ := Parse("rules300.yaml", []byte(rules300Static()))
	for b.Loop() {
		PutBody(f.Rules)
	}
}
