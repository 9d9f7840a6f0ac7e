package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkReadRuleset: whatever the one-pass reader takes, the tree path
// reads the same, field for field and value for value; what it leaves,
// the tree path decides. It reports whether the one-pass reader took it.
func checkReadRuleset(t *testing.T, name, doc string) bool {
	t.Helper()
	fast, ok := readRuleset([]byte(doc))
	tree, err := parseRulesetTree([]byte(doc))
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%s: the one-pass reader took what the tree path refuses (%v):\n%s", name, err, doc)
	}
	// A setting's offset in the answer is never used (the rules have no
	// file), and a Value shared between rules has its first one.
	forgetOffsets(fast)
	forgetOffsets(tree)
	if !reflect.DeepEqual(fast, tree) {
		t.Fatalf("%s: the readers differ:\none pass %s\ntree     %s\n%s", name, dumpRuleset(fast), dumpRuleset(tree), doc)
	}
	got, err := ParseRuleset([]byte(doc))
	forgetOffsets(got)
	if err != nil || !reflect.DeepEqual(got, tree) {
		t.Fatalf("%s: ParseRuleset = %s, %v", name, dumpRuleset(got), err)
	}
	return true
}

func forgetOffsets(rs *Ruleset) {
	var walk func(v *Value)
	walk = func(v *Value) {
		v.off = 0
		for _, it := range v.Items() {
			walk(it)
		}
		for _, f := range v.Fields() {
			walk(f.Value)
		}
	}
	if rs != nil {
		for _, r := range rs.Rules {
			if r.Params != nil {
				walk(r.Params)
			}
		}
	}
}

func dumpRuleset(rs *Ruleset) string {
	if rs == nil {
		return "<nil>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%+v", *rs)
	for _, r := range rs.Rules {
		fmt.Fprintf(&b, "\n  %+v params %s", *r, r.Params.display())
	}
	return b.String()
}

// rulesetCorpus is API answers: the examples as a PUT body and as the API
// returns them (ids, versions, times), and hand-written edges.
func rulesetCorpus(t testing.TB) map[string]string {
	corpus := map[string]string{}
	paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", "rules", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := Parse(filepath.Base(p), data)
		corpus[p+" put"] = string(PutBody(f.Rules))
		var rules []string
		for i, r := range f.Rules {
			v := r.apiValue(false, schemaFor(r.Action, paramsSchema()))
			v.Set("id", NewString(fmt.Sprintf("%032x", i+1)))
			v.Set("version", NewString("3"))
			v.Set("last_updated", NewString("2026-12-07T16:30:00.693883105Z"))
			b, _ := v.MarshalJSON()
			rules = append(rules, string(b))
		}
		corpus[p+" answer"] = `{"id":"3d8bcf85","name":"default","description":"","kind":"zone","phase":"` + f.Phase +
			`","version":"4","last_updated":"2026-12-07T16:30:00Z","rules":[` + strings.Join(rules, ",") + `]}`
	}
	for i, doc := range []string{
		`{}`, `{"rules":[]}`, `{"rules":null}`, ` { "rules" : [ { } ] } `, `{"rules":{}}`, `{"rules":"x"}`, `[]`, `null`,
		`{"id":5,"name":true,"description":null,"kind":{"a":1},"phase":[1],"version":1.50,"last_updated":false,"source":{"x":[1,2]},"rules":[]}`,
		`{"rules":[{"id":"abc"}]}`, `{"rules":[{"id":"abc","ref":""}]}`, `{"rules":[{"id":7}]}`, `{"rules":[{"ref":"r","id":"abc"}]}`,
		`{"rules":[{"ref":"a","description":null,"expression":null,"action_parameters":null,"enabled":false}]}`,
		`{"rules":[{"ref":"a","action_parameters":{},"categories":["x"],"logging":{"enabled":true},"position":-1e3}]}`,
		`{"rules":[{"ref":"a","ref":"b","action_parameters":{"cache":true},"action_parameters":null,"enabled":false,"enabled":true}]}`,
		`{"rules":[{"ref":"a","action_parameters":{"x":1,"x":2}}]}`,
		// Settings repeated from the rule before, or nearly.
		`{"rules":[{"action_parameters":{"n":36,"s":"a","o":{"x":[1]},"b":true,"z":null}},{"action_parameters":{"n":3600,"s":"ab","o":{"x":[1,2]},"b":true,"z":null}},` +
			`{"action_parameters":{"n":36,"s":"a","o":{"x":[1]},"b":true,"o":{"x":[1]},"z":null}},{"action_parameters":{"b":false,"o":{"x":[1]} ,"s":"a\"b"}},{"action_parameters":{"s":"a\"b","o":{"x":[1]}}}]}`,
		`{"rules":[{"action_parameters":{"z":null,"b":true,"n":36}},{"action_parameters":{"z":nullx}}]}`, `{"rules":[{"action_parameters":{"b":true}},{"action_parameters":{"b":truex}}]}`,
		`{"rules":[{"action_parameters":{"n":36}},{"action_parameters":{"n":36.5}},{"action_parameters":{"n":36}},{"action_parameters":{"n":36 }},{"action_parameters":{"n":360}}]}`,
		`{"rules":[{"ref":"a"}],"rules":[{"ref":"b"}]}`, `{"rules":[{"ref":"a"}],"rules":5}`,
		`{"result":{"rules":[{"ref":"a"}]},"success":true}`, `{"result":{"rules":[]}}`, `{"success":true,"rules":[]}`,
		`{"rules":[{"ref":5}]}`, `{"rules":[{"description":1}]}`, `{"rules":[{"expression":[]}]}`, `{"rules":[{"action":null}]}`,
		`{"rules":[{"enabled":"yes"}]}`, `{"rules":[{"enabled":null}]}`, `{"rules":[{"action_parameters":[]}]}`,
		`{"rules":[{"action_parameters":"x"}]}`, `{"rules":[1]}`, `{"rules":[{"ref":"a"},null]}`,
		`{"rules":[{"ref":"caf\u00e9","description":"tab\tno","expression":"a eq \"b\" \/ \\"}]}`,
		"{\"rules\":[{\"ref\":\"\xff\",\"action\":\"caf\xc3\xa9\",\"version\":\"\xc3\xa9\",\"last_updated\":\"x\\\"y\"}]}",
		`{"rules":[{"action":"set_cache_settings","version":"1","last_updated":"t"},{"action":"set_cache_settings","version":"1","last_updated":"t"}]}`,
		`{"version":"1","rules":[{"version":"1"}],"ver\u0073ion":"2"}`,
		`{"rules":[{"ref":"a","action_parameters":{"n":1e400}}]}`, `{"rules":[{"ref":"a","x":01}]}`, `{"rules":[{"ref":"a"}]} x`,
		`{"rules":[{"ref":"a"},]}`, `{"rules":[{"ref":"a",}]}`, `{"rules":[{"ref":"a"}}`, `{"rules":[{"ref" "a"}]}`, `{"rules"`,
		"\xef\xbb\xbf{\"rules\":[]}", `{"rules":[{"action_parameters":` + strings.Repeat("[", 10010) + strings.Repeat("]", 10010) + `}]}`,
		`{"rules":[{"action_parameters":{"a":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}}]}`,
	} {
		corpus[fmt.Sprintf("edge %d", i)] = doc
	}
	return corpus
}

func TestReadRulesetMatchesTreePath(t *testing.T) {
	corpus := rulesetCorpus(t)
	f, _ := Parse("300.yaml", []byte(rules300(0)))
	corpus["rules300 put"] = string(PutBody(f.Rules))
	taken := 0
	for name, doc := range corpus {
		if checkReadRuleset(t, name, doc) {
			taken++
		}
	}
	// The one-pass reader must take what the API answers.
	for name, doc := range corpus {
		if strings.HasSuffix(name, " answer") || strings.HasSuffix(name, " put") {
			if _, ok := readRuleset([]byte(doc)); !ok {
				t.Errorf("%s: left to the tree path: the one-pass reader no longer covers the API's answers", name)
			}
		}
	}
	const alphabet = ` ,:{}[]"\0n1-.etfu`
	mutants, mtaken := 0, 0
	for name, doc := range corpus {
		if len(doc) > 3000 {
			doc = doc[:3000]
		}
		step := len(doc)/40 + 1
		for i := 0; i < len(doc); i += step {
			for k, c := range alphabet {
				var m string
				switch k % 3 {
				case 0:
					m = doc[:i] + string(c) + doc[i:]
				case 1:
					m = doc[:i] + string(c) + doc[min(i+1, len(doc)):]
				default:
					m = doc[:i] + doc[min(i+1+k%5, len(doc)):]
				}
				mutants++
				if checkReadRuleset(t, fmt.Sprintf("%s mutated at %d with %q", name, i, c), m) {
					mtaken++
				}
			}
		}
	}
	t.Logf("corpus: %d answers, %d taken in one pass; mutants: %d, %d taken", len(corpus), taken, mutants, mtaken)
}

func FuzzReadRuleset(f *testing.F) {
	for _, doc := range rulesetCorpus(f) {
		if len(doc) < 4000 {
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, doc string) { checkReadRuleset(t, "fuzz", doc) })
}

// TestReadRulesetSharesRepeatedSettings: a setting written as in the rule
// before is read once, and only then.
func TestReadRulesetSharesRepeatedSettings(t *testing.T) {
	rs, ok := readRuleset([]byte(`{"rules":[{"action_parameters":{"browser_ttl":{"mode":"respect_origin"},"edge_ttl":{"mode":"override_origin","default":60}}},` +
		`{"action_parameters":{"edge_ttl":{"mode":"override_origin","default":61},"browser_ttl":{"mode":"respect_origin"}}}]}`))
	if !ok {
		t.Fatal("not read in one pass")
	}
	a, b := rs.Rules[0].Params, rs.Rules[1].Params
	if a.Get("browser_ttl") != b.Get("browser_ttl") {
		t.Error("browser_ttl read twice")
	}
	if a.Get("edge_ttl") == b.Get("edge_ttl") || b.Get("edge_ttl").Get("default").Num != 61 {
		t.Errorf("edge_ttl shared: %s", b.display())
	}
}

// TestReadRulesetRepeatsOnlyWholeValues: a setting whose text starts like
// the last one's but goes on is read anew, in one pass.
func TestReadRulesetRepeatsOnlyWholeValues(t *testing.T) {
	rs, ok := readRuleset([]byte(`{"rules":[{"action_parameters":{"n":36}},{"action_parameters":{"n":36.5}},{"action_parameters":{"n":36}},` +
		`{"action_parameters":{"n":36 }},{"action_parameters":{"n":360,"s":"a"}},{"action_parameters":{"s":"a","n":360}}]}`))
	if !ok {
		t.Fatal("not read in one pass")
	}
	var got []string
	for _, r := range rs.Rules {
		got = append(got, r.Params.display())
	}
	want := `[{"n": 36} {"n": 36.5} {"n": 36} {"n": 36} {"n": 360, "s": "a"} {"s": "a", "n": 360}]`
	if fmt.Sprint(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestReadRulesetBoundsRememberedSettings: the settings remembered for
// the next rule are bounded, so an answer with many distinct names (300
// rules of 100 names took 623 ms against 12 ms) costs a bounded search
// per setting; the answer is read the same.
func TestReadRulesetBoundsRememberedSettings(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"rules":[`)
	for r := range 3 {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"action_parameters":{`)
		for k := range 100 {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":%d`, k, k%7)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`]}`)
	rr := newRulesetReader([]byte(b.String()))
	rs, ok := rr.read()
	if !ok {
		t.Fatal("not read in one pass")
	}
	if n := len(rr.last); n > 32 {
		t.Errorf("%d of the answer's 100 setting names remembered, want at most 32", n)
	}
	if got := rs.Rules[2].Params.Get("k99"); got == nil || got.Num != 99%7 {
		t.Errorf("k99 = %v", got)
	}
}
