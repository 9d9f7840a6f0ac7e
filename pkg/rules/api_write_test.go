package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// putBodyOfTree is PutBody as it was: the API values built, then written.
func putBodyOfTree(rules []*Rule) []byte {
	var b bytes.Buffer
	rulesDoc(rules, true).writeJSON(&b, "", "")
	return b.Bytes()
}

func checkPutBody(t *testing.T, name string, rules []*Rule) {
	t.Helper()
	if got, want := PutBody(rules), putBodyOfTree(rules); !bytes.Equal(got, want) {
		t.Fatalf("%s: PutBody differs from the API values written:\n got %s\nwant %s", name, got, want)
	}
}

// TestPutBodyIsRulesDoc: the PUT body written straight from the rules is
// the one apiValue and canonical built, byte for byte: for the examples
// (both phases), the API answers of the ruleset corpus and their mutants,
// and settings canonical reorders, repeats or does not know.
func TestPutBodyIsRulesDoc(t *testing.T) {
	checkPutBody(t, "no rules", nil)
	paths, _ := filepath.Glob(filepath.Join("..", "..", "examples", "rules", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := Parse(filepath.Base(p), data)
		checkPutBody(t, p, f.Rules)
		for i, r := range f.Rules {
			r.ID = fmt.Sprintf("id%d", i) // sent when known
		}
		checkPutBody(t, p+" with ids", f.Rules)
	}
	f, _ := Parse("300.yaml", []byte(rules300(0)))
	checkPutBody(t, "rules300", f.Rules)
	for _, doc := range []string{
		`{"rules":[{"ref":"a","enabled":false,"action_parameters":{"zz":1,"cache":true,"aa":[{"b":1,"a":2}],"zz":2,"cache":false,"edge_ttl":{"default":5,"mode":"override_origin","x":null}}}]}`,
		`{"rules":[{"ref":"b","description":"d \"q\" \\ é \u2028 <&>","action_parameters":{"cache_key":{"custom_key":{"header":{"contains":{"b-h":["x"],"a-h":["y","z"]},"include":["h2","h1"]}}}}}]}`,
		`{"rules":[{"ref":"c","action_parameters":{}},{"ref":"d","action_parameters":null},{"ref":"e","id":"x1"},{"id":"x2"}]}`,
		`{"rules":[{"ref":"r","action":"set_cache_settings","action_parameters":{"strip_etags":true,"cache":true}}],"phase":"http_response_cache_settings"}`,
		`{"rules":[{"ref":"r","action":"set_cache_control","action_parameters":{"max_age":{"operation":"set","value":60},"zz":[1,[2,{"b":1}]]}},{"ref":"s","action":"set_cache_tags","action_parameters":{"values":["a","b"],"operation":"add"}},{"ref":"t","action":"unknown_action","action_parameters":{"b":1,"a":{"d":1,"c":2}}}]}`,
		`{"rules":[{"ref":"n","action_parameters":{"edge_ttl":{"mode":"override_origin","default":1e21,"status_code_ttl":[{"value":-1,"status_code_range":{"to":599,"from":500}},{"status_code":404,"value":0.5}]},"read_timeout":-0,"vary":{"headers":{"b":{"action":"normalize"},"a":{"action":"passthrough"}}}}}]}`,
	} {
		rs, err := ParseRuleset([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		checkPutBody(t, doc, rs.Rules)
	}
	const alphabet = ` ,:{}[]"\0n1-.etfu`
	for name, doc := range rulesetCorpus(t) {
		if len(doc) > 2000 {
			doc = doc[:2000]
		}
		for i := 0; i < len(doc); i += len(doc)/40 + 1 {
			for k, c := range alphabet {
				m := doc[:i] + string(c) + doc[min(i+k%3, len(doc)):]
				if rs, err := ParseRuleset([]byte(m)); err == nil {
					checkPutBody(t, fmt.Sprintf("%s mutated at %d with %q", name, i, c), rs.Rules)
				}
			}
		}
	}
}

// TestPutBodyReservesBoundedRoom: PutBody sizes the body from the first
// rule, but a first rule of megabytes (nothing bounds a description) must
// not reserve its size for every other rule (300 rules behind a 4 MiB one
// reserved 1.2 GB).
func TestPutBodyReservesBoundedRoom(t *testing.T) {
	rules := []*Rule{{Ref: "big", Description: strings.Repeat("d", 256<<10), Expression: "true", Action: "set_cache_settings"}}
	for i := range 299 {
		rules = append(rules, &Rule{Ref: fmt.Sprintf("r%d", i), Expression: "true", Action: "set_cache_settings"})
	}
	body := PutBody(rules)
	if c := cap(body); c > 4*len(body) {
		t.Errorf("a %d-byte body reserved %d bytes", len(body), c)
	}
}
