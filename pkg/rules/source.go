package rules

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// scalarStyle is how a string was written in the source.
type scalarStyle uint8

const (
	stylePlain scalarStyle = iota
	styleJSON
	styleDouble
	styleSingle
	styleLiteral
	styleFolded
)

// source is a file's bytes with a line index, for turning offsets into
// positions and back.
type source struct {
	data []byte
	// lines holds the byte offset where each line starts. A source from
	// scanSource has none until index is first called.
	lines     []int
	indexOnce sync.Once
	// ascii: every byte is below 0x80, so a column is the byte offset from
	// the line start plus one, and marks is not needed. Rules files are
	// nearly always ASCII; counting characters and recording marks byte by
	// byte was an eighth of reading a 300-rule file (docs/performance.md,
	// "Against start-up").
	ascii bool
	// plain: every byte is a newline or printable ASCII (0x20–0x7e), which
	// the fast YAML reader takes without a second look (fastSafeBytes).
	plain bool
	// marks[k] counts the characters in data[:k*markEvery], so finding a
	// column takes at most markEvery steps however long the line is. An API
	// answer or a minified JSON file is one line of 100 KB or more, and
	// counting from the line start for every node made parsing quadratic
	// (450 ms for a 300-rule ruleset). Only files with multi-byte
	// characters have them.
	marks []int
}

const markEvery = 256

func newSource(data []byte) *source {
	// One pass, eight bytes at a time, finds the lines and says whether the
	// file is ASCII and plain; the index is sized once (bytes.Count is
	// vectorised) and written by position: growing it by append allocated
	// it about twice over, and even within its capacity append's checks
	// were a fifth of the pass. bytes.IndexByte, called once a line, cost
	// about 11 ns a line.
	lines := make([]int, bytes.Count(data, []byte{'\n'})+1)
	n := 1
	// high: every word ORed together (a top bit set: a byte is not ASCII);
	// odd: nonzero once some byte is neither a newline nor printable ASCII.
	var high, odd uint64
	i := 0
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		nl := newlineMask(w)
		for m := nl; m != 0; m &= m - 1 {
			lines[n] = i + bits.TrailingZeros64(m)/8 + 1
			n++
		}
		high |= w
		odd |= notPrintable(w | nl>>2) // a newline with 0x20 set is 0x2a: printable
	}
	for ; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			lines[n] = i + 1
			n++
		} else if c < 0x20 || c > 0x7e {
			odd = 1
		}
		high |= uint64(c)
	}
	s := &source{data: data, lines: lines[:n], ascii: high&highBits == 0, plain: odd == 0}
	if s.ascii {
		return s
	}
	s.marks = make([]int, len(data)/markEvery+1)
	chars := 0
	for i, c := range data {
		if i%markEvery == 0 {
			s.marks[i/markEvery] = chars
		}
		if isCharStart(c) {
			chars++
		}
	}
	if len(data)%markEvery == 0 {
		s.marks[len(data)/markEvery] = chars
	}
	return s
}

// scanSource is newSource without the line index, which index builds on
// first use: the fast YAML reader finds lines as it reads them, so a
// valid file read by it never needs one (docs/performance.md, "Against
// start-up").
func scanSource(data []byte) *source {
	var high, odd uint64
	// Sixteen bytes a turn: slicing the data for each word was a third
	// of the loop.
	rest := data
	for ; len(rest) >= 16; rest = rest[16:] {
		w, v := binary.LittleEndian.Uint64(rest), binary.LittleEndian.Uint64(rest[8:])
		high |= w | v
		odd |= notPrintable(w|newlineMask(w)>>2) | notPrintable(v|newlineMask(v)>>2)
	}
	for _, c := range rest {
		if c != '\n' && (c < 0x20 || c > 0x7e) {
			odd = 1
		}
		high |= uint64(c)
	}
	return &source{data: data, ascii: high&highBits == 0, plain: odd == 0}
}

// index returns the line index, building it (and the character marks of
// a file that is not ASCII) when the source came from scanSource. A
// File's source may be asked for positions from more than one goroutine.
func (s *source) index() []int {
	s.indexOnce.Do(func() {
		if s.lines == nil {
			full := newSource(s.data)
			s.lines, s.marks = full.lines, full.marks
		}
	})
	return s.lines
}

// Eight bytes at a time: the bit tricks are the classic ones ("Bit
// Twiddling Hacks": "Determine if a word has a zero byte", "... a byte
// less than n", "... a byte greater than n").
const oneBits, highBits, lowBits = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f

// newlineMask has 0x80 in exactly the bytes of w that are newlines, zero
// elsewhere.
func newlineMask(w uint64) uint64 {
	y := w ^ (oneBits * '\n')
	return ^(((y & lowBits) + lowBits) | y | lowBits)
}

// notPrintable is nonzero when some byte of w is below 0x20 or above 0x7e
// (not which one).
func notPrintable(w uint64) uint64 {
	below := (w - oneBits*0x20) &^ w & highBits
	above := ((w + oneBits) | w) & highBits
	return below | above
}

// isCharStart reports whether c begins a UTF-8 character (is not a
// continuation byte). For valid UTF-8, counting these is utf8.RuneCount.
func isCharStart(c byte) bool { return c&0xC0 != 0x80 }

// chars counts the characters in data[:off].
func (s *source) chars(off int) int {
	if s.ascii {
		return off
	}
	k := off / markEvery
	n := s.marks[k]
	for _, c := range s.data[k*markEvery : off] {
		if isCharStart(c) {
			n++
		}
	}
	return n
}

// pos turns a byte offset into a 1-based line and a 1-based column counted
// in characters, which is what editors show.
func (s *source) pos(off int) Pos {
	if off > len(s.data) {
		off = len(s.data)
	}
	if off < 0 {
		off = 0
	}
	lines := s.index()
	i := sort.Search(len(lines), func(i int) bool { return lines[i] > off }) - 1
	return mkPos(i+1, s.chars(off)-s.chars(lines[i])+1)
}

// offset turns a position back into a byte offset (yaml.v3 reports positions).
func (s *source) offset(p Pos) int {
	lines := s.index()
	if p.Line < 1 || int(p.Line) > len(lines) {
		return -1
	}
	off := lines[p.Line-1]
	if s.ascii {
		return min(off+max(int(p.Col)-1, 0), len(s.data))
	}
	for c := 1; c < int(p.Col) && off < len(s.data); c++ {
		_, n := utf8.DecodeRune(s.data[off:])
		off += n
	}
	return off
}

// syntaxError is a problem with the file's YAML or JSON itself.
type syntaxError struct {
	Pos Pos
	Msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg) }

// parseJSON reads a JSON document, recording where each value starts.
// yaml.v3 is not used for JSON because it rejects valid JSON escapes such as
// \/ and tab indentation in some places; encoding/json's Token API was, at
// about 15 ms for a 300-rule API answer, the largest cost of `rules diff`.
// So valid JSON is scanned directly over the bytes (offsets come for free),
// and anything the scanner does not accept is handed to encoding/json, whose
// error message and offset are reported.
func parseJSON(src *source) (*Value, error) {
	return scanJSON(src, true)
}

func scanJSON(src *source, positions bool) (*Value, error) {
	sc := &jsonScanner{src: src, data: src.data, positions: positions}
	sc.ws()
	v, ok := sc.value(0)
	if !positions && (!ok || sc.i < len(sc.data)) {
		src = newSource(src.data) // errors say where, even without a file
	}
	if ok {
		sc.ws()
		if sc.i < len(sc.data) {
			return nil, &syntaxError{Pos: src.pos(sc.i), Msg: "unexpected data after the top-level value"}
		}
		return v, nil
	}
	if sc.err != nil {
		return nil, sc.err
	}
	var any interface{}
	err := json.Unmarshal(src.data, &any)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, &syntaxError{Pos: src.pos(int(se.Offset)), Msg: "invalid JSON: " + se.Error()}
	case err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end")):
		return nil, &syntaxError{Pos: src.pos(len(src.data)), Msg: "invalid JSON: unexpected end of input"}
	case err != nil:
		return nil, &syntaxError{Pos: src.pos(sc.i), Msg: "invalid JSON: " + err.Error()}
	}
	return nil, &syntaxError{Pos: src.pos(sc.i), Msg: "invalid JSON"}
}

// parseJSONValue parses JSON without a file behind it (API responses):
// no line and column is ever shown for it, so none is computed.
func parseJSONValue(data []byte) (*Value, error) {
	return scanJSON(&source{data: data}, false)
}

// jsonMaxDepth bounds nesting, as encoding/json does, so hostile input
// cannot exhaust the stack.
const jsonMaxDepth = 10000

// jsonScanner is a recursive-descent reader of valid JSON. It reports
// failure by returning false; parseJSON then asks encoding/json why.
type jsonScanner struct {
	src  *source
	data []byte
	i    int
	err  error // set only for errors encoding/json would not describe
	// positions: record line and column of each value (files only).
	positions bool

	// Values, fields and their lists come from slabs, and repeated keys
	// share one string, as in the YAML reader (yamlfast.go): one small
	// allocation at a time was most of reading a 300-rule API answer, and
	// enough to start a garbage collection in `rules diff`
	// (docs/performance.md, "Against start-up").
	vals   []Value
	fields []Field
	slabs
	// recent holds interned keys by a cheap slot of their text: an API
	// answer gives every rule the same dozen keys, and comparing a key
	// with its slot costs less than hashing it for the map
	// (docs/performance.md, "Against start-up").
	recent [64]string
}

// keySlot is the recent slot of a key's text.
func keySlot(raw []byte) int {
	if len(raw) == 0 {
		return 0
	}
	return (len(raw)*31 + int(raw[0])*7 + int(raw[len(raw)-1])) & 63
}

// valueChunk Values fill the runtime's 8 KB size class (a Value is 56
// bytes): 128 of them, 7 KB, took an 8 KB block and left an eighth of
// it unused.
const valueChunk = 8192 / 56

func (s *jsonScanner) newValue() *Value {
	if len(s.vals) == 0 {
		s.vals = make([]Value, valueChunk)
	}
	v := &s.vals[0]
	s.vals = s.vals[1:]
	return v
}

func (s *jsonScanner) newField() *Field {
	if len(s.fields) == 0 {
		s.fields = make([]Field, 64)
	}
	f := &s.fields[0]
	s.fields = s.fields[1:]
	return f
}

// key interns an object key: an API answer repeats the same dozen keys
// for every rule.
func (s *jsonScanner) key(k string) string { return s.intern(k) }

func (s *jsonScanner) pos(off int) Pos {
	if !s.positions {
		return Pos{}
	}
	return s.src.pos(off)
}

func (s *jsonScanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value(depth int) (*Value, bool) {
	if s.i >= len(s.data) {
		return nil, false
	}
	if depth > jsonMaxDepth {
		s.err = &syntaxError{Pos: newSource(s.data).pos(s.i), Msg: "invalid JSON: nesting too deep"}
		return nil, false
	}
	start := s.i
	v := s.newValue()
	v.Pos = s.pos(start)
	v.setOff(start)
	switch c := s.data[s.i]; {
	case c == '{':
		v.Kind = Object
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == '}' {
			s.i++
			return v, true
		}
		from := len(s.fstack)
		for {
			s.ws()
			kstart := s.i
			key, ok := s.keyStr()
			if !ok {
				return nil, false
			}
			s.ws()
			if s.i >= len(s.data) || s.data[s.i] != ':' {
				return nil, false
			}
			s.i++
			s.ws()
			val, ok := s.value(depth + 1)
			if !ok {
				return nil, false
			}
			f := s.newField()
			f.Key, f.KeyPos, f.Value = key, s.pos(kstart), val
			s.fstack = append(s.fstack, f)
			s.ws()
			if s.i >= len(s.data) {
				return nil, false
			}
			if s.data[s.i] == ',' {
				s.i++
				continue
			}
			if s.data[s.i] == '}' {
				s.i++
				s.setFields(v, from)
				return v, true
			}
			return nil, false
		}
	case c == '[':
		v.Kind = Array
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			return v, true
		}
		from := len(s.istack)
		for {
			s.ws()
			it, ok := s.value(depth + 1)
			if !ok {
				return nil, false
			}
			s.istack = append(s.istack, it)
			s.ws()
			if s.i >= len(s.data) {
				return nil, false
			}
			if s.data[s.i] == ',' {
				s.i++
				continue
			}
			if s.data[s.i] == ']' {
				s.i++
				s.setItems(v, from)
				return v, true
			}
			return nil, false
		}
	case c == '"':
		str, ok := s.str()
		if !ok {
			return nil, false
		}
		v.Kind, v.Str, v.style = String, str, styleJSON
	case c == '-' || (c >= '0' && c <= '9'):
		lit, ok := s.number()
		if !ok {
			return nil, false
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil || math.IsInf(f, 0) {
			s.err = &syntaxError{Pos: newSource(s.data).pos(start), Msg: fmt.Sprintf("number %s is out of range", lit)}
			return nil, false
		}
		v.Kind, v.Num, v.Str = Number, f, lit
	case s.lit("true"):
		v.Kind, v.Bool = Bool, true
	case s.lit("false"):
		v.Kind = Bool
	case s.lit("null"):
		v.Kind = Null
	default:
		return nil, false
	}
	return v, true
}

// lit consumes word if it is next.
func (s *jsonScanner) lit(word string) bool {
	if bytes.HasPrefix(s.data[s.i:], []byte(word)) {
		s.i += len(word)
		return true
	}
	return false
}

// keyStr reads an object key, interned (see key).
func (s *jsonScanner) keyStr() (string, bool) {
	if s.i >= len(s.data) || s.data[s.i] != '"' {
		return "", false
	}
	if j := bytes.IndexByte(s.data[s.i+1:], '"'); j >= 0 {
		raw := s.data[s.i+1 : s.i+1+j]
		slot := keySlot(raw)
		if k := s.recent[slot]; k == string(raw) && k != "" && unescapedKey(raw) {
			s.i += j + 2
			return k, true
		}
		if k, ok := s.keys[string(raw)]; ok && unescapedKey(raw) {
			s.i += j + 2
			s.recent[slot] = k
			return k, true
		}
	}
	k, ok := s.str()
	if !ok {
		return "", false
	}
	return s.key(k), true
}

// unescapedKey: raw is a key's text as it stands, no escape and no control
// character (which str refuses), so a known key's interned copy is it.
func unescapedKey(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c < 0x20 {
			return false
		}
	}
	return true
}

// jsonStringStop marks the bytes str must look at: the closing quote, an
// escape, a control character (which JSON refuses inside a string).
var jsonStringStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a string. Strings without escapes (nearly all) are sliced out
// directly; the rare escaped one is decoded by encoding/json.
func (s *jsonScanner) str() (string, bool) {
	if s.i >= len(s.data) || s.data[s.i] != '"' {
		return "", false
	}
	start := s.i
	escaped := false
	for j := start + 1; j < len(s.data); j++ {
		// Ordinary bytes are passed over with one table look-up each:
		// strings are most of an API answer.
		for j < len(s.data) && !jsonStringStop[s.data[j]] {
			j++
		}
		if j == len(s.data) {
			break
		}
		switch c := s.data[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			s.i = j + 1
			raw := s.data[start+1 : j]
			if !escaped && utf8.Valid(raw) {
				return string(raw), true
			}
			if out, ok := unescapeJSON(raw); ok {
				return out, true
			}
			var out string
			if err := json.Unmarshal(s.data[start:j+1], &out); err != nil {
				return "", false
			}
			return out, true
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// unescapeJSON decodes a string's text whose escapes are all one
// character (\" \\ \/ \b \f \n \r \t) and which is valid UTF-8:
// every expression of an API answer quotes its strings as \" (a quarter
// of reading it went to encoding/json for them). It says false for
// anything else (\u escapes, invalid bytes), left to encoding/json.
func unescapeJSON(raw []byte) (string, bool) {
	if !utf8.Valid(raw) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		// The text up to the next escape is copied as it stands.
		n := bytes.IndexByte(raw[i:], '\\')
		if n < 0 {
			b.Write(raw[i:])
			break
		}
		b.Write(raw[i : i+n])
		if i += n + 1; i == len(raw) {
			return "", false
		}
		switch raw[i] {
		case '"', '\\', '/':
			b.WriteByte(raw[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// number reads a number as JSON's grammar has it: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
func (s *jsonScanner) number() (string, bool) {
	start := s.i
	digits := func() bool {
		n := s.i
		for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
			s.i++
		}
		return s.i > n
	}
	if s.data[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.data) && s.data[s.i] == '0' {
		s.i++
	} else if !digits() {
		return "", false
	}
	if s.i < len(s.data) && s.data[s.i] == '.' {
		s.i++
		if !digits() {
			return "", false
		}
	}
	if s.i < len(s.data) && (s.data[s.i] == 'e' || s.data[s.i] == 'E') {
		s.i++
		if s.i < len(s.data) && (s.data[s.i] == '+' || s.data[s.i] == '-') {
			s.i++
		}
		if !digits() {
			return "", false
		}
	}
	return string(s.data[start:s.i]), true
}

// parseYAML reads YAML with the fast reader, or with yaml.v3, whose nodes
// carry line and column. A rules file is one document: a second one (after
// "---") is refused, not silently ignored, since its rules would never be
// deployed. noDups says no mapping repeats a key (the fast reader leaves
// such files to yaml.v3), so the decoder need not look again.
func parseYAML(src *source) (v *Value, noDups bool, err error) {
	if v, err := parseYAMLFast(src); err == nil {
		return v, true, nil
	}
	v, err = parseYAMLv3(src)
	return v, false, err
}

// parseYAMLv3 reads any YAML with yaml.v3, and is the judge of every file
// the fast reader (yamlfast.go) leaves to it.
func parseYAMLv3(src *source) (*Value, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlErrorAt(src, err)
	}
	// An empty document after the first (a trailing "---", as templating
	// tools emit) holds nothing that could be lost, so only one with
	// content is refused.
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlErrorAt(src, err)
		}
		if len(next.Content) > 0 && !(next.Content[0].Kind == yaml.ScalarNode && next.Content[0].ShortTag() == "!!null" && next.Content[0].Value == "") {
			return nil, &syntaxError{Pos: mkPos(secondDocLine(src, &next), 0),
				Msg: "a second YAML document starts here: a rules file holds one document (remove the \"---\" line or put the rules in one list)"}
		}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	r := &yamlReader{src: src}
	r.budget = aliasBudget(countNodes(doc.Content[0]))
	return r.value(doc.Content[0], 0)
}

// secondDocLine is the line of the "---" that opens the second document:
// yaml.v3 gives the line of the document's content (or none when it is
// empty), so this looks back from there for the marker.
func secondDocLine(src *source, doc *yaml.Node) int {
	line := doc.Line
	if len(doc.Content) > 0 {
		line = doc.Content[0].Line
	}
	lines := src.index()
	if line < 1 || line > len(lines) {
		line = len(lines)
	}
	for l := line; l >= 1; l-- {
		start := lines[l-1]
		if bytes.HasPrefix(src.data[start:], []byte("---")) {
			return l
		}
	}
	return line
}

// Alias expansion is bounded because a few hundred bytes of nested aliases
// ("billion laughs") expand to billions of values: 3.6 GB and a minute of CPU
// before this bound (issue 9). yaml.v3 only guards aliases when decoding
// into Go values (its "excessive aliasing" check is what refuses such a
// config file), not into the node tree read here, so the tree walk counts.
// Aliases may add as many values as the file itself holds, and at least
// minAliasValues: enough for anchors shared by 300 rules, far below memory
// trouble (a value is about 150 bytes).
const minAliasValues = 100_000

func aliasBudget(nodes int) int {
	return nodes + max(nodes, minAliasValues)
}

// countNodes counts the nodes written in the file (aliases count as one,
// not as what they expand to). The tree has no cycles: aliases are leaves.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// yamlReader turns yaml.v3's node tree into Values, expanding aliases
// within budget.
type yamlReader struct {
	src    *source
	budget int // values that may still be made
	// alias is the outermost alias being expanded: where a file that runs
	// out of budget is pointed at.
	alias *yaml.Node
}

// yamlErrorAt positions a YAML syntax error. yaml.v3 reports the line where
// the enclosing block starts (or no line at all), not where the problem is,
// so this finds the shortest prefix of whole lines that fails to parse: block
// YAML is line-oriented, so that is the line that broke it.
func yamlErrorAt(src *source, err error) error {
	se, _ := yamlError(err).(*syntaxError)
	lines := src.index()
	n := len(lines)
	fails := func(k int) bool {
		end := len(src.data)
		if k < n {
			end = lines[k]
		}
		var doc yaml.Node
		return yaml.Unmarshal(src.data[:end], &doc) != nil
	}
	lo, hi := 1, n // smallest k in [1, n] with fails(k)
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if fails(lo) {
		se.Pos = mkPos(lo, 0)
	}
	return se
}

// yamlError turns yaml.v3's "yaml: line N: msg" into a positioned error.
func yamlError(err error) error {
	msg := err.Error()
	var line int
	var rest string
	if n, _ := fmt.Sscanf(msg, "yaml: line %d:", &line); n == 1 {
		if i := bytes.IndexByte([]byte(msg), ':'); i >= 0 {
			rest = msg[i+1:]
			if j := bytes.IndexByte([]byte(rest), ':'); j >= 0 {
				rest = rest[j+1:]
			}
		}
		return &syntaxError{Pos: mkPos(line, 0), Msg: "invalid YAML:" + rest}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
			return &syntaxError{Pos: mkPos(line, 0), Msg: "invalid YAML:" + msg[bytes.IndexByte([]byte(msg), ':')+1:]}
		}
	}
	return &syntaxError{Pos: Pos{Line: 1}, Msg: "invalid YAML: " + msg}
}

func (r *yamlReader) value(n *yaml.Node, depth int) (*Value, error) {
	// A rules file has no business being deeper than this.
	if depth > 64 {
		return nil, &syntaxError{Pos: mkPos(n.Line, n.Column), Msg: "nesting too deep"}
	}
	if r.budget--; r.budget < 0 {
		at := n
		if r.alias != nil {
			at = r.alias
		}
		return nil, &syntaxError{Pos: mkPos(at.Line, at.Column),
			Msg: "aliases expand to too many values (a \"billion laughs\" file?): write the values out, or share fewer anchors"}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if r.alias == nil {
			r.alias = n
			defer func() { r.alias = nil }()
		}
		v, err := r.value(n.Alias, depth+1)
		if v != nil {
			v.Pos = mkPos(n.Line, n.Column)
		}
		return v, err
	}
	v := &Value{Pos: mkPos(n.Line, n.Column)}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &Value{Kind: Null}, nil
		}
		return r.value(n.Content[0], depth+1)
	case yaml.MappingNode:
		v.Kind = Object
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, &syntaxError{Pos: mkPos(k.Line, k.Column), Msg: "mapping keys must be plain strings"}
			}
			cv, err := r.value(val, depth+1)
			if err != nil {
				return nil, err
			}
			v.AddField(&Field{Key: k.Value, KeyPos: mkPos(k.Line, k.Column), Value: cv})
		}
	case yaml.SequenceNode:
		v.Kind = Array
		for _, c := range n.Content {
			cv, err := r.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			v.AddItem(cv)
		}
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			v.Kind = Null
		case "!!bool":
			v.Kind = Bool
			v.Bool = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
		case "!!int", "!!float":
			f, err := parseYAMLNumber(n.Value)
			if err != nil {
				return nil, &syntaxError{Pos: v.Pos, Msg: fmt.Sprintf("%q is not a usable number", n.Value)}
			}
			v.Kind, v.Num, v.Str = Number, f, n.Value
		default: // !!str, !!timestamp, !!binary and custom tags stay text
			v.Kind, v.Str = String, n.Value
			v.setOff(r.src.offset(v.Pos))
			switch {
			case n.Style&yaml.DoubleQuotedStyle != 0:
				v.style = styleDouble
			case n.Style&yaml.SingleQuotedStyle != 0:
				v.style = styleSingle
			case n.Style&yaml.LiteralStyle != 0:
				v.style = styleLiteral
			case n.Style&yaml.FoldedStyle != 0:
				v.style = styleFolded
			}
		}
	}
	return v, nil
}

func parseYAMLNumber(s string) (float64, error) {
	clean := s
	if strings.Contains(s, "_") { // copying every number was most of the fast reader's allocations
		clean = strings.ReplaceAll(s, "_", "")
	}
	if i, err := strconv.ParseInt(clean, 0, 64); err == nil {
		return float64(i), nil
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("bad number")
	}
	return f, nil
}
