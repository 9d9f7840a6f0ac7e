package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the JSON type of a Value. It is a byte so that it shares a word
// with Value's Bool, style and offset (see Value).
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "list"
	case Object:
		return "mapping"
	}
	return "null"
}

// Pos is a 1-based position in the source file; the zero Pos means "not from
// a file" (for example a rule read from the API).
//
// Line and Col are int32: every Value and Field carries a Pos, and halving
// it took a Value from 96 to 88 bytes and a Field from 40 to 32 in the
// slabs the readers cut them from (docs/performance.md, "Against
// start-up"); a file or an answer beyond 2 GiB is refused long before.
type Pos struct {
	Line int32 `json:"line"`
	Col  int32 `json:"col"`
}

// mkPos makes a Pos from int line and column numbers. A rules file is at
// most 16 MiB (pkg/cmd/rules/shared/file.go), so its positions fit; an API
// answer has no such cap, but its positions are never shown (ParseRuleset
// drops them), and a number past int32 is clamped rather than wrapped, as
// setOff does for offsets.
func mkPos(line, col int) Pos { return Pos{Line: clamp32(line), Col: clamp32(col)} }

func clamp32(n int) int32 {
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(n)
}

// Value is an ordered JSON tree that remembers where each node came from.
// action_parameters are kept in this form rather than in typed structs so
// that fields this package does not know yet survive a round trip, a diff can
// name any leaf by path, and every problem can point at a line.
type Value struct {
	Kind Kind
	Bool bool
	// style records how a string scalar was written (see scalarStyle) and off
	// its byte offset in the source (-1 when unknown or beyond 2 GiB), so a
	// column inside an expression can be mapped back to the file only when a
	// problem needs it. Kind, Bool, style and off share one word: a 300-rule
	// file and an API answer are each some 6,000 values, and the tree was
	// most of the bytes reading a file allocates (docs/performance.md,
	// "Against start-up").
	style scalarStyle
	off   int32
	Pos   Pos
	Num   float64
	Str   string // the string, or a number's literal text
	// items (an Array's) and fields (an Object's, in source order) are
	// reached through pointers, read with Items and Fields: most values are
	// scalars, and two inline slice headers were 48 of a scalar's 88 bytes.
	// A Value is 56 bytes; a list or mapping adds a 24-byte header, which
	// the readers cut from a slab (slabs.go).
	items  *[]*Value
	fields *[]*Field
}

// Items returns an Array's items.
func (v *Value) Items() []*Value {
	if v.items == nil {
		return nil
	}
	return *v.items
}

// Fields returns an Object's fields, in source order.
func (v *Value) Fields() []*Field {
	if v.fields == nil {
		return nil
	}
	return *v.fields
}

// SetItems replaces an Array's items. A copied Value (w := *v) shares
// v's lists: give it its own with a fresh Value, not SetItems on the copy.
func (v *Value) SetItems(items []*Value) {
	if v.items == nil {
		v.items = new([]*Value)
	}
	*v.items = items
}

// SetFields replaces an Object's fields.
func (v *Value) SetFields(fields []*Field) {
	if v.fields == nil {
		v.fields = new([]*Field)
	}
	*v.fields = fields
}

// AddItem appends it to an Array's items.
func (v *Value) AddItem(it *Value) { v.SetItems(append(v.Items(), it)) }

// AddField appends f to an Object's fields.
func (v *Value) AddField(f *Field) { v.SetFields(append(v.Fields(), f)) }

// setOff records a string's byte offset in its source.
func (v *Value) setOff(off int) {
	if off < 0 || off > math.MaxInt32 {
		off = -1
	}
	v.off = int32(off)
}

// Field is one key of an Object.
type Field struct {
	Key    string
	KeyPos Pos
	Value  *Value
}

// Get returns the value of key in an Object, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for _, f := range v.Fields() {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// field returns the Field for key, or nil.
func (v *Value) field(key string) *Field {
	if v == nil || v.Kind != Object {
		return nil
	}
	for _, f := range v.Fields() {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// Lookup follows a path of object keys, returning nil when any is missing.
func (v *Value) Lookup(path ...string) *Value {
	for _, k := range path {
		v = v.Get(k)
	}
	return v
}

// Set replaces or appends key in an Object.
func (v *Value) Set(key string, val *Value) {
	for _, f := range v.Fields() {
		if f.Key == key {
			f.Value = val
			return
		}
	}
	v.AddField(&Field{Key: key, Value: val})
}

// Delete removes key from an Object.
func (v *Value) Delete(key string) {
	for i, f := range v.Fields() {
		if f.Key == key {
			v.SetFields(append(v.Fields()[:i:i], v.Fields()[i+1:]...))
			return
		}
	}
}

// IsTrue reports whether v is the boolean true.
func (v *Value) IsTrue() bool { return v != nil && v.Kind == Bool && v.Bool }

// Int returns v as an integer and whether it is one.
func (v *Value) Int() (int64, bool) {
	if v == nil || v.Kind != Number || v.Num != math.Trunc(v.Num) || math.Abs(v.Num) > 1<<53 {
		return 0, false
	}
	return int64(v.Num), true
}

// NewString, NewBool, NewNumber and NewObject build values with no position.
func NewString(s string) *Value { return &Value{Kind: String, Str: s} }
func NewBool(b bool) *Value     { return &Value{Kind: Bool, Bool: b} }
func NewNumber(f float64) *Value {
	return &Value{Kind: Number, Num: f, Str: formatNum(f)}
}
func NewObject() *Value { return &Value{Kind: Object} }

// NewArray builds a list of items with no position.
func NewArray(items ...*Value) *Value {
	v := &Value{Kind: Array}
	v.SetItems(items)
	return v
}

func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Equal compares two trees by value: object key order does not matter, list
// order does (Cloudflare keeps it), and positions are ignored.
func (v *Value) Equal(o *Value) bool {
	if v == nil || o == nil {
		return v == o
	}
	if v.Kind != o.Kind {
		return false
	}
	switch v.Kind {
	case Null:
		return true
	case Bool:
		return v.Bool == o.Bool
	case Number:
		return v.Num == o.Num
	case String:
		return v.Str == o.Str
	case Array:
		if len(v.Items()) != len(o.Items()) {
			return false
		}
		for i := range v.Items() {
			if !v.Items()[i].Equal(o.Items()[i]) {
				return false
			}
		}
		return true
	}
	if len(v.Fields()) != len(o.Fields()) {
		return false
	}
	for _, f := range v.Fields() {
		if !f.Value.Equal(o.Get(f.Key)) {
			return false
		}
	}
	return true
}

// Clone returns a deep copy without source positions.
func (v *Value) Clone() *Value {
	if v == nil {
		return nil
	}
	c := &Value{Kind: v.Kind, Bool: v.Bool, Num: v.Num, Str: v.Str}
	for _, it := range v.Items() {
		c.AddItem(it.Clone())
	}
	for _, f := range v.Fields() {
		c.AddField(&Field{Key: f.Key, Value: f.Value.Clone()})
	}
	return c
}

// MarshalJSON writes the tree compactly, keys in their stored order.
func (v *Value) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	v.writeJSON(&b, "", "")
	return b.Bytes(), nil
}

// UnmarshalJSON reads any JSON document, keeping key order.
func (v *Value) UnmarshalJSON(data []byte) error {
	nv, err := parseJSONValue(data)
	if err != nil {
		return err
	}
	*v = *nv
	return nil
}

// writeJSON writes v; with indent != "" it pretty-prints like json.MarshalIndent.
func (v *Value) writeJSON(b *bytes.Buffer, prefix, indent string) {
	if v == nil {
		b.WriteString("null")
		return
	}
	nl := func(depth string) {
		if indent != "" {
			b.WriteByte('\n')
			b.WriteString(depth)
		}
	}
	switch v.Kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case Number:
		b.WriteString(formatNum(v.Num))
	case String:
		writeJSONString(b, v.Str)
	case Array:
		if len(v.Items()) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, it := range v.Items() {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(prefix + indent)
			it.writeJSON(b, prefix+indent, indent)
		}
		nl(prefix)
		b.WriteByte(']')
	case Object:
		if len(v.Fields()) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, f := range v.Fields() {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(prefix + indent)
			writeJSONString(b, f.Key)
			b.WriteByte(':')
			if indent != "" {
				b.WriteByte(' ')
			}
			f.Value.writeJSON(b, prefix+indent, indent)
		}
		nl(prefix)
		b.WriteByte('}')
	}
}

// writeJSONString quotes s without escaping <, > and &, which expressions
// contain and which would otherwise turn into \u003c noise in exports.
func writeJSONString(b *bytes.Buffer, s string) {
	// Most strings need no escape: written as they are, without an encoder
	// per string (rules explain prints every effective setting's JSON;
	// docs/performance.md).
	if jsonPlain(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	if jsonQuotable(s) {
		// An expression quotes its strings: '"' (and '\\') are its only
		// escapes, written here rather than by an encoder, which was most
		// of writing a 300-rule PUT body's allocations.
		b.WriteByte('"')
		for {
			i := strings.IndexAny(s, `"\`)
			if i < 0 {
				break
			}
			b.WriteString(s[:i])
			b.WriteByte('\\')
			b.WriteByte(s[i])
			s = s[i+1:]
		}
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

// jsonPlain reports whether encoding/json, HTML escaping off, writes s as
// it is between the quotes: ASCII with no control character, '"' or '\\'.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// jsonQuotable reports whether encoding/json, HTML escaping off, writes s
// with no escapes but \" and \\: ASCII with no control character.
func jsonQuotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// display renders v on one line for diff and problem messages: JSON with a
// space after commas and colons, as people write it.
func (v *Value) display() string {
	if v == nil {
		return "(none)"
	}
	var b bytes.Buffer
	v.writeDisplay(&b)
	return b.String()
}

func (v *Value) writeDisplay(b *bytes.Buffer) {
	switch v.Kind {
	case Array:
		b.WriteByte('[')
		for i, it := range v.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			it.writeDisplay(b)
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for i, f := range v.Fields() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, f.Key)
			b.WriteString(": ")
			f.Value.writeDisplay(b)
		}
		b.WriteByte('}')
	default:
		v.writeJSON(b, "", "")
	}
}

// sortedKeys returns an Object's keys sorted.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }
