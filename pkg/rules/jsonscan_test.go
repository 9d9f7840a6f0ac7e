package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// plain converts a Value to what encoding/json would decode, for comparison.
func plain(v *Value) any {
	switch v.Kind {
	case Object:
		m := map[string]any{}
		for _, f := range v.Fields() {
			m[f.Key] = plain(f.Value)
		}
		return m
	case Array:
		out := []any{}
		for _, it := range v.Items() {
			out = append(out, plain(it))
		}
		return out
	case String:
		return v.Str
	case Number:
		return v.Num
	case Bool:
		return v.Bool
	}
	return nil
}

func normalizeEmpty(x any) any {
	switch t := x.(type) {
	case []any:
		out := []any{}
		for _, e := range t {
			out = append(out, normalizeEmpty(e))
		}
		return out
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeEmpty(e)
		}
	}
	return x
}

// checkLikeEncodingJSON: the scanner accepts exactly what encoding/json
// accepts, and decodes it to the same values.
func checkLikeEncodingJSON(t *testing.T, doc string) {
	v, err := parseJSONValue([]byte(doc))
	var want any
	stdErr := json.Unmarshal([]byte(doc), &want)
	if (err == nil) != (stdErr == nil) {
		t.Fatalf("%q: scanner err %v, encoding/json err %v", doc, err, stdErr)
	}
	if err != nil {
		return
	}
	if got := plain(v); !reflect.DeepEqual(normalizeEmpty(got), normalizeEmpty(want)) {
		t.Fatalf("%q: got %#v, want %#v", doc, got, want)
	}
}

var jsonSeeds = []string{
	`{}`, `[]`, `{"a":1}`, ` { "a" : [ 1 , -2.5e3 , true , false , null , "x" ] } `,
	`{"s":"tab\tescaped \"quote\" \\ \/ \u00e9 \ud83d\ude00"}`, `"caf\u00e9"`, `0`, `-0`, `1e5`, `1E+5`, `0.5`,
	`{"rules":[{"ref":"r","expression":"true","action_parameters":{"edge_ttl":{"mode":"respect_origin"}}}]}`,
	`01`, `1.`, `.5`, `-`, `+1`, `1e`, `{"a":}`, `{"a" 1}`, `{a:1}`, `[1,]`, `{"a":1,}`, `[1 2]`, `tru`, `nul`,
	// Keys are interned: a known key met again, escaped or with a raw
	// control character, is still read (or refused) as the first time.
	`{"a":1,"a":2}`, `[{"k":1},{"k":2,"k\u0001":3}]`, "{\"k\\u0001\":1,\"k\x01\":2}", `{"a\"b":1,"a\"b":2}`,
	`{"k":{"k":{"k":[]}}}`,
	// One-character escapes are decoded directly; others go to encoding/json.
	`"a\"b\\c\/d\b\f\n\r\t"`, `"\q"`, "\"\\\x01\"", "\"x\\\"\xff\"", `"end\\"`, `"\u0041\n"`, `"\`,
	`"unterminated`, "\"ctl\x01\"", `{"a":1}x`, `[`, `{`, `"\x"`, `"\u12"`, "\"bad utf8 \xff\"", ``, `   `,
}

func TestJSONScannerMatchesEncodingJSON(t *testing.T) {
	for _, doc := range jsonSeeds {
		checkLikeEncodingJSON(t, doc)
	}
}

func TestJSONScannerKeepsPositions(t *testing.T) {
	v, err := parseJSON(newSource([]byte("{\n  \"a\": [1,\n    \"x\"]\n}")))
	if err != nil {
		t.Fatal(err)
	}
	item := v.Fields()[0].Value.Items()[1]
	if item.Pos != (Pos{Line: 3, Col: 5}) || v.Fields()[0].KeyPos != (Pos{Line: 2, Col: 3}) {
		t.Fatalf("positions: item %+v key %+v", item.Pos, v.Fields()[0].KeyPos)
	}
}

// TestJSONScannerKeepsOrder: objects keep their keys in order, repeated
// ones included, and nested lists their items, as the API wrote them.
func TestJSONScannerKeepsOrder(t *testing.T) {
	v, err := parseJSONValue([]byte(`{"z":[3,[1,2],{"b":1,"a":2}],"a":0,"z":1,"m":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range v.Fields() {
		keys = append(keys, f.Key)
	}
	inner := v.Fields()[0].Value
	if got := fmt.Sprint(keys); got != "[z a z m]" || len(inner.Items()) != 3 || len(inner.Items()[1].Items()) != 2 ||
		inner.Items()[2].Fields()[0].Key != "b" || v.Fields()[3].Value.Kind != Array || len(v.Fields()[3].Value.Items()) != 0 {
		t.Fatalf("keys %s, list %s", got, mustJSON(t, v))
	}
}

func FuzzJSONScanner(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) { checkLikeEncodingJSON(t, doc) })
}
