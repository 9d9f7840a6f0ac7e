package rules

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestWriteJSONStringIsEncoder: the plain-string shortcut writes what the
// encoder (HTML escaping off) writes, for every byte value alone and
// between letters, and for strings the shortcut leaves to the encoder.
func TestWriteJSONStringIsEncoder(t *testing.T) {
	cases := []string{"", "plain", "override_origin", `a"b`, `a\b`, `""`, `\\`, `"\"`, `starts_with(http.request.uri.path, "/a\b/") and x in {"css" "js"}`, "q\"\x01", "<&>", "\u2028", "é", "\xff", "tab\t", "del\x7f"}
	for i := range 256 {
		cases = append(cases, string([]byte{byte(i)}), "a"+string([]byte{byte(i)})+"b")
	}
	for _, s := range cases {
		var got, tmp bytes.Buffer
		writeJSONString(&got, s)
		enc := json.NewEncoder(&tmp)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if want := bytes.TrimSuffix(tmp.Bytes(), []byte("\n")); !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%q: got %s, want %s", s, got.Bytes(), want)
		}
	}
}
