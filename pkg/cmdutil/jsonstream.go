package cmdutil

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// JSONStream writes one JSON object key by key, with an array that may be
// written element by element while a command runs, so a long run's output
// does not have to be held in memory (issue 9, #16). It is formatted like
// WriteJSON (two-space indent, no HTML escaping). Close ends any open array
// and the object, so what was written is one valid document even when the
// run stops part way (interface.md: -o json prints exactly one document).
// It is not safe for concurrent use.
type JSONStream struct {
	w       *bufio.Writer
	buf     bytes.Buffer
	enc     *json.Encoder
	keys    int
	inArray bool
	elems   int
	closed  bool
	err     error
}

// NewJSONStream starts an object on w.
func NewJSONStream(w io.Writer) *JSONStream {
	s := &JSONStream{w: bufio.NewWriterSize(w, 32<<10)}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	s.write([]byte("{"))
	return s
}

// Field writes "key": v. It ends an open array first.
func (s *JSONStream) Field(key string, v any) {
	s.endArray()
	s.key(key)
	s.value(v, "  ")
}

// BeginArray opens "key": [, to be filled with Elem.
func (s *JSONStream) BeginArray(key string) {
	s.endArray()
	s.key(key)
	s.write([]byte("["))
	s.inArray, s.elems = true, 0
}

// Elem writes one element of the open array.
func (s *JSONStream) Elem(v any) {
	if !s.inArray {
		panic("cmdutil.JSONStream: Elem outside an array")
	}
	if s.elems > 0 {
		s.write([]byte(","))
	}
	s.elems++
	s.write([]byte("\n    "))
	s.value(v, "    ")
}

// Close ends the open array, if any, and the object, and flushes. It
// returns the first write or encoding error.
func (s *JSONStream) Close() error {
	if s.closed {
		return s.err
	}
	s.closed = true
	s.endArray()
	if s.keys > 0 {
		s.write([]byte("\n"))
	}
	s.write([]byte("}\n"))
	if err := s.w.Flush(); err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}

func (s *JSONStream) endArray() {
	if !s.inArray {
		return
	}
	s.inArray = false
	if s.elems > 0 {
		s.write([]byte("\n  "))
	}
	s.write([]byte("]"))
}

func (s *JSONStream) key(k string) {
	if s.keys > 0 {
		s.write([]byte(","))
	}
	s.keys++
	s.write([]byte("\n  "))
	s.value(k, "  ")
	s.write([]byte(": "))
}

func (s *JSONStream) value(v any, indent string) {
	s.buf.Reset()
	s.enc.SetIndent(indent, "  ")
	if err := s.enc.Encode(v); err != nil {
		if s.err == nil {
			s.err = err
		}
		s.write([]byte("null")) // keep the document valid
		return
	}
	s.write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
}

func (s *JSONStream) write(b []byte) {
	if _, err := s.w.Write(b); err != nil && s.err == nil {
		s.err = err
	}
}
