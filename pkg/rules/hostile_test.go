package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// billionLaughs is nine levels of nine aliases: 9^9 strings once expanded.
// Before aliases were bounded it took `rules validate` to 24 GB of memory
// (issue 9, defect 1).
const billionLaughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
rules: []
`

// Bad files are refused with one problem naming FILE:LINE and the reason.
func TestParseRefusesHostileFiles(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		want             string // the whole first problem
	}{
		{"alias bomb", "bomb.yaml", billionLaughs,
			`bomb.yaml:6: aliases expand to too many values (a "billion laughs" file?): write the values out, or share fewer anchors`},
		{"second document", "two.yaml", "rules: []\n---\nrules:\n  - ref: x\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			`two.yaml:2: a second YAML document starts here: a rules file holds one document (remove the "---" line or put the rules in one list)`},
		{"second document after content", "two.yaml", "rules:\n  - ref: a\n    expression: \"true\"\n--- # more\n- ref: b\n",
			`two.yaml:4: a second YAML document starts here: a rules file holds one document (remove the "---" line or put the rules in one list)`},
		{"rules without a value", "empty.yaml", "# deploy\nrules:\n",
			"empty.yaml:2: rules: no value: give a list of rules (an explicit `rules: []` means none, and deploy needs --allow-empty for it)"},
		{"rules null", "null.yaml", "rules: null\n",
			"null.yaml:1: rules: no value: give a list of rules (an explicit `rules: []` means none, and deploy needs --allow-empty for it)"},
		{"rules null in JSON", "null.json", "{\n  \"rules\": null\n}\n",
			"null.json:2: rules: no value: give a list of rules (an explicit `rules: []` means none, and deploy needs --allow-empty for it)"},
		{"rules missing", "none.yaml", "phase: http_request_cache_settings\n",
			"none.yaml:1: rules: missing rules: want a list of rules"},
		{"NUL in ref (YAML escape)", "nul.yaml", "rules:\n  - ref: \"a\\0b\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			`nul.yaml:2: rules[0].ref: ref "a\x00b" holds the control character U+0000: refs are printable text`},
		{"NUL in ref (JSON escape)", "nul.json", "{\"rules\": [\n {\"ref\": \"a\\u0000\", \"expression\": \"true\", \"action_parameters\": {\"cache\": true}}]}",
			`nul.json:2: rules[0].ref: ref "a\x00" holds the control character U+0000: refs are printable text`},
		{"escape character in ref", "esc.yaml", "rules:\n  - ref: \"x\\e[31m\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			`esc.yaml:2: rules[0].ref: ref "x\x1b[31m" holds the control character U+001B: refs are printable text`},
		{"tab inside ref", "tab.yaml", "rules:\n  - ref: \"a\\tb\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			`tab.yaml:2: rules[0].ref: ref "a\tb" holds the control character U+0009: refs are printable text`},
		{"C1 control in ref", "c1.yaml", "rules:\n  - ref: \"a\\x85b\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
			`c1.yaml:2: rules[0].ref: ref "a\u0085b" holds the control character U+0085: refs are printable text`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := Check(tc.file, []byte(tc.data), Options{})
			errs := probs.Errors()
			if len(errs) == 0 {
				t.Fatalf("accepted; problems: %v", probs)
			}
			if got := errs[0].String(); got != tc.want || len(errs) != 1 {
				t.Errorf("problems\n got %s\nwant %s", errs, tc.want)
			}
		})
	}
}

// What the bounds must not refuse: an explicit empty list, trailing empty
// documents, a leading "---", and anchors shared by the 300 rules of an
// Enterprise zone.
func TestParseAcceptsWhatIsFine(t *testing.T) {
	var shared strings.Builder
	shared.WriteString("rules:\n  - ref: first\n    expression: http.host eq \"example.com\"\n    action_parameters: &ttl\n      cache: true\n      edge_ttl: {mode: override_origin, default: 86400}\n      browser_ttl: {mode: override_origin, default: 3600}\n      cache_key: {cache_by_device_type: true, custom_key: {query_string: {include: {list: [a, b, c, d, e, f]}}}}\n")
	for i := 1; i < 300; i++ {
		fmt.Fprintf(&shared, "  - ref: r%d\n    expression: http.host eq \"h%d.example.com\"\n    action_parameters: *ttl\n", i, i)
	}
	for name, data := range map[string]string{
		"empty.yaml":    "rules: []\n",
		"empty.json":    `{"rules": []}`,
		"trailing.yaml": "rules: []\n---\n",
		"comment.yaml":  "rules: []\n---\n# nothing more\n",
		"end.yaml":      "rules: []\n...\n",
		"leading.yaml":  "---\nrules: []\n",
		"anchors.yaml":  shared.String(),
	} {
		t.Run(name, func(t *testing.T) {
			f, probs := Check(name, []byte(data), Options{})
			if probs.HasErrors() {
				t.Fatalf("refused: %v", probs.Errors())
			}
			if name == "anchors.yaml" && (len(f.Rules) != 300 || f.Rules[299].Params.Lookup("edge_ttl", "default").Num != 86400) {
				t.Errorf("anchors not expanded: %d rules", len(f.Rules))
			}
		})
	}
}

// countValues counts the values of a parsed tree.
func countValues(v *Value) int {
	if v == nil {
		return 0
	}
	n := 1
	for _, f := range v.Fields() {
		n += countValues(f.Value)
	}
	for _, it := range v.Items() {
		n += countValues(it)
	}
	return n
}

// FuzzParse feeds arbitrary bytes to the rules reader: parsing and
// validating must never panic, and a YAML tree never holds more values
// than the alias budget allows (so no file can make it explode).
func FuzzParse(f *testing.F) {
	seeds := []string{billionLaughs, "rules: []\n", "rules:\n", "rules: []\n---\nrules: []\n", "{\"rules\": [{\"ref\": \"a\\u0000\"}]}",
		"a: &a [*a]\nrules: []\n", "rules:\n  - ref: x\n    expression: http.host eq \"a\"\n    action_parameters: {cache: true}\n"}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "rules", "*"))
	for _, p := range examples {
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.yaml", "f.json"} {
			file, probs := Check(name, data, Options{})
			if file == nil {
				t.Fatal("no file")
			}
			for _, p := range probs {
				if p.File != name {
					t.Fatalf("problem names %q, not %q", p.File, name)
				}
			}
		}
		src := newSource(data)
		v, _, err := parseYAML(src)
		if err == nil && v != nil {
			// The bound, recomputed from the file's own nodes.
			// A file of len(data) bytes holds at most len(data)+1 nodes.
			if n := countValues(v); n > aliasBudget(len(data)+1) {
				t.Fatalf("%d values from %d bytes", n, len(data))
			}
		}
	})
}
