package cmdutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// A streamed document reads as the same JSON as WriteJSON's, in the same
// layout, and is one valid document however far it got before Close.
func TestJSONStream(t *testing.T) {
	var got bytes.Buffer
	s := NewJSONStream(&got)
	s.Field("name", "a&b")
	s.Field("m", map[string]int{"x": 1})
	s.BeginArray("items")
	s.Elem(map[string]any{"url": "https://example.com/?a=1&b=<2>"})
	s.Elem(map[string]any{"url": "u2"})
	s.Field("n", 2)
	s.BeginArray("empty")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	doc := struct {
		Name  string           `json:"name"`
		M     map[string]int   `json:"m"`
		Items []map[string]any `json:"items"`
		N     int              `json:"n"`
		Empty []int            `json:"empty"`
	}{"a&b", map[string]int{"x": 1}, []map[string]any{{"url": "https://example.com/?a=1&b=<2>"}, {"url": "u2"}}, 2, []int{}}
	if err := WriteJSON(&want, doc); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Fatalf("got\n%s\nwant\n%s", got.String(), want.String())
	}

	// Closed in the middle of an array (an interrupted run): still one
	// document.
	for _, elems := range []int{0, 1, 3} {
		var b bytes.Buffer
		s := NewJSONStream(&b)
		s.BeginArray("results")
		for i := range elems {
			s.Elem(i)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		var m map[string][]int
		if err := json.Unmarshal(b.Bytes(), &m); err != nil || len(m["results"]) != elems {
			t.Fatalf("%d elements: %v\n%s", elems, err, b.String())
		}
	}
	var b bytes.Buffer
	if err := NewJSONStream(&b).Close(); err != nil || b.String() != "{}\n" {
		t.Fatalf("empty: %q %v", b.String(), err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestJSONStreamReportsWriteErrors(t *testing.T) {
	s := NewJSONStream(failingWriter{})
	s.Field("a", 1)
	if err := s.Close(); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("err %v", err)
	}
}
