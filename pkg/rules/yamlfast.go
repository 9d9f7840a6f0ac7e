package rules

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// A fast reader for the YAML that rules files are written in: block
// mappings and sequences, plain and quoted one-line scalars, literal block
// scalars and one-line flow collections. It builds the same Value tree as
// the yaml.v3 path (positions, styles and offsets included) at a tenth of
// the cost: yaml.v3's scanner and node tree were 85% of reading a
// 300-rule file and most of `rules validate`'s time above process start-up
// (docs/performance.md, "Cache Rules").
//
// Whatever it is not sure of (anchors, aliases, tags, multi-line plain or
// quoted scalars, folded scalars, escapes, tabs, documents markers, any
// syntax error...) it hands back to yaml.v3 by returning errSlow, so the
// two paths never differ in what they accept or in the messages a broken
// file gets. TestFastYAMLMatchesYAMLv3 and FuzzFastYAML hold that.

// errSlow means "not in the fast subset: read it with yaml.v3".
var errSlow = errors.New("yaml: outside the fast subset")

const fastMaxDepth = 64

type fastYAML struct {
	src  *source
	ln   lineAt // current line
	next nextLine
	// marker: a document marker ("---", "...") was met; the file is
	// yaml.v3's (see nextContent).
	marker bool
	// Values and fields come from slabs: allocation was a third of the
	// reader's time, one small object at a time.
	vals     []Value
	fields   []Field
	keyCache [256]string // see key
	lineKeys [256]string // see lineKey
	texts    strings.Builder
	scratch  []byte // see literal
	slabs
}

// maxReservedLines bounds the lines reserve sizes slabs for.
const maxReservedLines = 1 << 15

// reserve sizes the first slabs from the file's length, one allocation
// each instead of one per 128 values: a rules file holds about 1.2 values
// and one key per line (1.7 and 1.3 with flow mappings; more come in
// small slabs) and a mapping every two lines (0.5–0.6 in the 300-rule
// files): sizing the mappings' headers too saves the forty small slabs a
// 300-rule file took one at a time. Lists are too few to be worth it.
func (p *fastYAML) reserve(lines int) {
	// A 300-rule file is about 5,000 lines; past maxReservedLines the
	// slabs grow with the values read. Sized by lines alone, a 16 MiB file
	// of blank lines reserved gigabytes for values it does not hold.
	lines = min(lines, maxReservedLines)
	p.vals = make([]Value, lines+lines/4)
	p.fields = make([]Field, lines)
	p.fslab = make([]*Field, lines)
	p.fhdrs = make([][]*Field, lines/2+1)
}

func (p *fastYAML) newValue() *Value {
	if len(p.vals) == 0 {
		p.vals = make([]Value, 128)
	}
	v := &p.vals[0]
	p.vals = p.vals[1:]
	return v
}

func (p *fastYAML) newField(key string, at Pos) *Field {
	if len(p.fields) == 0 {
		p.fields = make([]Field, 64)
	}
	f := &p.fields[0]
	p.fields = p.fields[1:]
	f.Key, f.KeyPos = key, at
	return f
}

// parseYAMLFast reads src, or returns errSlow.
func parseYAMLFast(src *source) (*Value, error) {
	if !fastSafeBytes(src) {
		return nil, errSlow
	}
	p := &fastYAML{src: src}
	p.ln = p.lineFrom(0, 0)
	p.reserve(bytes.Count(src.data, []byte{'\n'})) // every line ends with one
	l, ind, ok := p.nextContent()
	if !ok || ind != 0 {
		return nil, errSlow
	}
	line := p.line(l)
	if bytes.HasPrefix(line, []byte("- ")) || bytes.Equal(line, []byte("-")) {
		return nil, errSlow // a file that is a list: rare, and refused later anyway
	}
	v, err := p.mapping(0, false, 0)
	if err != nil {
		return nil, err
	}
	if _, _, more := p.nextContent(); more || p.marker {
		return nil, errSlow
	}
	return v, nil
}

// fastSafeBytes rules out what the fast reader does not handle anywhere:
// tabs, carriage returns, a byte-order mark, invalid UTF-8 and characters
// yaml.v3 refuses as unprintable. Document markers are looked for as the
// lines are read (nextContent).
func fastSafeBytes(src *source) bool {
	data := src.data
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return false
	}
	if src.plain {
		return true // newSource has checked every byte
	}
	for i := 0; i < len(data); {
		if i+8 <= len(data) && plainASCIIWord(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
			continue
		}
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		// yaml.v3's is_printable, less U+0085 (a line break to YAML).
		if r == utf8.RuneError || r == 0xFEFF || !(r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
		i += n
	}
	return true
}

// plainASCIIWord reports whether each of the eight bytes of w is a newline
// or in 0x20–0x7e, the bytes fastSafeBytes takes without a second look.
func plainASCIIWord(w uint64) bool {
	return notPrintable(w|newlineMask(w)>>2) == 0
}

// lineAt is a line of the file: its number (0-based) and where its bytes
// start and end (end is its newline). The reader finds each line's end
// as it comes to it, so it needs no line index: building one for every
// file was a tenth of reading it and 38 kB for a 300-rule file
// (docs/performance.md, "Against start-up"); problems that need one
// build it then (source.index). A line past the last starts at the end
// of the data.
type lineAt struct{ no, start, end int }

// lineFrom is line no, which starts at start.
func (p *fastYAML) lineFrom(no, start int) lineAt {
	data := p.src.data
	if start >= len(data) {
		return lineAt{no, len(data), len(data)}
	}
	// fastSafeBytes made sure the data ends with a newline.
	return lineAt{no, start, start + bytes.IndexByte(data[start:], '\n')}
}

// after is the line after l.
func (p *fastYAML) after(l lineAt) lineAt { return p.lineFrom(l.no+1, l.end+1) }

// exists reports whether l is a line of the file.
func (p *fastYAML) exists(l lineAt) bool { return l.start < len(p.src.data) }

// line is l's bytes without its newline.
func (p *fastYAML) line(l lineAt) []byte { return p.src.data[l.start:l.end] }

// nextContent finds the next line that is neither blank nor a comment,
// from p.ln, without consuming it. The reader asks two or three times
// from the same line (a value looks past itself, then its mapping looks
// for the next key), so the last answer is kept. A document marker at
// the start of a line ends the search and marks the file as yaml.v3's:
// every line that starts with something other than a space is a content
// line to this search, including those that end a block scalar.
func (p *fastYAML) nextContent() (line lineAt, indent int, ok bool) {
	if p.next.from == p.ln.no+1 {
		return p.next.line, p.next.indent, p.next.ok
	}
	p.next = nextLine{from: p.ln.no + 1}
	for l := p.ln; p.exists(l); l = p.after(l) {
		b := p.line(l)
		i := leadingSpaces(b)
		if i == len(b) || b[i] == '#' {
			continue
		}
		if i == 0 && (bytes.HasPrefix(b, []byte("---")) || bytes.HasPrefix(b, []byte("..."))) {
			p.marker = true
			break
		}
		p.next.line, p.next.indent, p.next.ok = l, i, true
		break
	}
	return p.next.line, p.next.indent, p.next.ok
}

// leadingSpaces counts the spaces b starts with, eight at a time:
// indentation is most of a rules file's bytes after its expressions.
func leadingSpaces(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if w := binary.LittleEndian.Uint64(b[i:]) ^ (oneBits * ' '); w != 0 {
			return i + bits.TrailingZeros64(w)/8
		}
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

// nextLine is nextContent's last answer: from is the line it started
// from plus one (zero: none yet).
type nextLine struct {
	from   int
	line   lineAt
	indent int
	ok     bool
}

func (p *fastYAML) pos(l lineAt, i int) Pos {
	if p.src.ascii {
		return mkPos(l.no+1, i+1)
	}
	return mkPos(l.no+1, utf8.RuneCount(p.line(l)[:i])+1)
}

func (p *fastYAML) off(l lineAt, i int) int { return l.start + i }

func isSeqEntry(b []byte, i int) bool {
	return i < len(b) && b[i] == '-' && (i+1 == len(b) || b[i+1] == ' ')
}

// restIsEmpty reports whether b[i:] is spaces and at most a comment.
func restIsEmpty(b []byte, i int) bool {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i == len(b) || b[i] == '#'
}

// plainKey reads a mapping key written plain at b[i:] and returns it and
// where its value starts (after ": "), or ok false.
func plainKey(b []byte, i int) (key []byte, next int, ok bool) {
	if i >= len(b) || isIndicator(b[i]) {
		return nil, 0, false
	}
	for j := i; j < len(b); j++ {
		if wordBytes[b[j]] {
			continue
		}
		if b[j] == ':' && j > i && (j+1 == len(b) || b[j+1] == ' ') {
			return b[i:j], j + 1, true
		}
		return nil, 0, false
	}
	return nil, 0, false
}

// text returns b as a string cut from a larger buffer: one allocation
// for every few hundred scalars instead of one each (3,000 in the 300-rule
// file, docs/performance.md "Against start-up"). A strings.Builder only
// ever appends, so what String returned earlier is never written again;
// when the buffer is full, a new one is started and the old one lives on
// in the strings cut from it.
func (p *fastYAML) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if p.texts.Cap()-p.texts.Len() < len(b) {
		p.texts = strings.Builder{}
		p.texts.Grow(max(len(b), 16<<10))
	}
	n := p.texts.Len()
	p.texts.Write(b)
	return p.texts.String()[n:]
}

// key interns a mapping key: a rules file repeats the same dozen keys.
// They are looked up first in a small table of their own, a slot chosen
// from the key's length and three of its bytes and the next three slots
// tried after it, and only then in the map: hashing every key for the map
// was a twentieth of reading a 300-rule file (docs/performance.md, "Against
// start-up").
func (p *fastYAML) key(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	sig := uint32(len(b))<<24 | uint32(b[0])<<16 | uint32(b[len(b)/2])<<8 | uint32(b[len(b)-1])
	h := sig * 0x9E3779B1 >> (32 - 8) // Fibonacci hashing into 256 slots
	for i := range uint32(4) {
		slot := &p.keyCache[(h+i)%uint32(len(p.keyCache))]
		if *slot == string(b) {
			return *slot
		}
		if *slot == "" {
			*slot = p.internBytes(b)
			return *slot
		}
	}
	return p.internBytes(b)
}

// lineKey reads a block mapping's key at b[i:] as plainKey does and
// interns it. The same keys come back at the same indentation rule after
// rule, so the two keys last read at this column with the same first two
// characters are tried first (two: "cache" and "cache_key" take turns):
// when b holds one, then ": " or the end of the line, plainKey would have
// read it (it is made of key characters, none of them ':'), and neither
// scanning it again nor hashing it is needed. Keys were a sixth of the
// reader's instructions.
func (p *fastYAML) lineKey(b []byte, i int) (string, int, bool) {
	if i+1 >= len(b) {
		key, next, ok := plainKey(b, i)
		return p.key(key), next, ok
	}
	h := (uint(b[i])*31 + uint(b[i+1])*7 + uint(i)*57) % uint(len(p.lineKeys)-1)
	ways := p.lineKeys[h : h+2]
	for _, k := range ways {
		if end := i + len(k); k != "" && end < len(b) && string(b[i:end]) == k && b[end] == ':' && (end+1 == len(b) || b[end+1] == ' ') {
			return k, end + 1, true
		}
	}
	key, next, ok := plainKey(b, i)
	if !ok {
		return "", 0, false
	}
	k := p.key(key)
	ways[0], ways[1] = k, ways[0]
	return k, next, true
}

// repeated reports whether the mapping whose fields start at from in
// fstack already has key k. A file that repeats a key is left to yaml.v3,
// and the decoder looks for repeats only in such files: walking the whole
// tree again for them was a twentieth of reading a 300-rule file.
func (p *fastYAML) repeated(k string, from int) bool {
	for _, f := range p.fstack[from:] {
		if f.Key == k {
			return true
		}
	}
	return false
}

// safeWordByte: the characters of keys and of plain scalars in flow
// collections that the fast reader takes (YAML gives the others meanings
// in some contexts).
func safeWordByte(c byte) bool { return wordBytes[c] }

// wordBytes is safeWordByte as a table: one load a byte instead of a
// chain of comparisons, in the loops over every key.
var wordBytes = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/'
	}
	return t
}()

// isIndicator: characters that give a scalar's first character a meaning
// other than plain text (YAML 1.2 §5.3).
func isIndicator(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return true
	}
	return false
}

// mapping reads a block mapping whose keys sit at column ind (0-based
// bytes: indentation is ASCII). inItem says the first key follows a "- "
// on the current line.
func (p *fastYAML) mapping(ind int, inItem bool, depth int) (*Value, error) {
	if depth > fastMaxDepth {
		return nil, errSlow
	}
	v := p.newValue()
	v.Kind = Object
	first := true
	from := len(p.fstack)
	for {
		l, li, ok := p.nextContent()
		if first && inItem {
			l, li, ok = p.ln, ind, true
		}
		if !ok || li < ind {
			break
		}
		if li > ind {
			return nil, errSlow
		}
		b := p.line(l)
		if isSeqEntry(b, li) {
			if first {
				return nil, errSlow
			}
			break // the parent's sequence, at the same indentation
		}
		k, next, ok := p.lineKey(b, li)
		if !ok {
			return nil, errSlow
		}
		if p.repeated(k, from) {
			return nil, errSlow
		}
		f := p.newField(k, p.pos(l, li))
		if first {
			v.Pos = f.KeyPos
			first = false
		}
		p.ln = l
		val, err := p.value(b, next, ind, true, depth+1)
		if err != nil {
			return nil, err
		}
		f.Value = val
		p.fstack = append(p.fstack, f)
	}
	// The fields are cut from the stack only on success: on errSlow the
	// whole tree is dropped.
	p.setFields(v, from)
	return v, nil
}

// sequence reads a block sequence whose "-" sit at column ind.
func (p *fastYAML) sequence(ind int, depth int) (*Value, error) {
	if depth > fastMaxDepth {
		return nil, errSlow
	}
	v := p.newValue()
	v.Kind = Array
	from := len(p.istack)
	for {
		l, li, ok := p.nextContent()
		if !ok || li < ind {
			break
		}
		if li > ind {
			return nil, errSlow
		}
		b := p.line(l)
		if !isSeqEntry(b, li) {
			break
		}
		if len(p.istack) == from {
			v.Pos = p.pos(l, li)
		}
		p.ln = l
		i := li + 1
		for i < len(b) && b[i] == ' ' {
			i++
		}
		var item *Value
		var err error
		switch {
		case i < len(b) && b[i] != '#' && isSeqEntry(b, i):
			return nil, errSlow // "- - a"
		case i < len(b) && b[i] != '#':
			if _, _, isKey := plainKey(b, i); isKey {
				item, err = p.mapping(i, true, depth+1)
				break
			}
			item, err = p.value(b, li+1, ind, false, depth+1)
		default:
			item, err = p.value(b, li+1, ind, false, depth+1)
		}
		if err != nil {
			return nil, err
		}
		p.istack = append(p.istack, item)
	}
	p.setItems(v, from)
	return v, nil
}

// value reads the value that starts at b[i:] on line p.ln, of a mapping
// key or sequence entry at column ind. A value on the next lines must be
// indented deeper, except a mapping's sequence, which may sit at ind.
func (p *fastYAML) value(b []byte, i, ind int, ofKey bool, depth int) (*Value, error) {
	l := p.ln
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i == len(b) || b[i] == '#' {
		p.ln = p.after(l)
		nl, ni, ok := p.nextContent()
		if !ok {
			return nil, errSlow // an empty value: rare, left to yaml.v3
		}
		nb := p.line(nl)
		switch {
		case ni > ind && isSeqEntry(nb, ni):
			return p.sequence(ni, depth)
		case ni > ind:
			return p.mapping(ni, false, depth)
		case ni == ind && ofKey && isSeqEntry(nb, ni):
			return p.sequence(ni, depth)
		}
		return nil, errSlow
	}
	var v *Value
	var end int
	var err error
	switch b[i] {
	case '|', '>':
		return p.literal(b, i, ind)
	case '"', '\'':
		v, end, err = p.quoted(b, i)
	case '{', '[':
		v, end, err = p.flow(b, i, depth)
	default:
		if isIndicator(b[i]) && !(b[i] == '-' && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9') {
			return nil, errSlow
		}
		// A comment starts at a '#' after a space. Before it, a ':' that
		// ends the text or is followed by a space (a mapping, or an error:
		// yaml.v3's) is refused, which is what looking for ": " in the
		// text trimmed of its comment and trailing spaces said. Both are
		// looked for with IndexByte: the text is most often an expression
		// of a hundred characters with neither.
		end = len(b)
		for k := i + 1; ; {
			h := bytes.IndexByte(b[k:], '#')
			if h < 0 {
				break
			}
			if k += h; b[k-1] == ' ' {
				end = k
				break
			}
			k++
		}
		for k := i + 1; k < end; {
			c := bytes.IndexByte(b[k:end], ':')
			if c < 0 {
				break
			}
			if k += c; k+1 == len(b) || b[k+1] == ' ' {
				return nil, errSlow
			}
			k++
		}
		for end > i && b[end-1] == ' ' {
			end--
		}
		v, err = p.plain(b[i:end], l, i)
	}
	if err != nil {
		return nil, err
	}
	if !restIsEmpty(b, end) {
		return nil, errSlow
	}
	p.ln = p.after(l)
	// A deeper line now would continue a multi-line scalar (or be an
	// error): yaml.v3's business.
	if _, ni, ok := p.nextContent(); ok && ni > ind {
		return nil, errSlow
	}
	return v, nil
}

// plain resolves a plain scalar the way yaml.v3 does for the types a
// rules file uses; anything that might be another type (.inf, 0x1F, 1e3,
// 1_000, timestamps) goes to yaml.v3.
func (p *fastYAML) plain(text []byte, l lineAt, i int) (*Value, error) {
	v := p.newValue()
	v.Pos = p.pos(l, i)
	switch string(text) {
	case "~", "null", "Null", "NULL":
		v.Kind = Null
		return v, nil
	case "true", "True", "TRUE":
		v.Kind, v.Bool = Bool, true
		return v, nil
	case "false", "False", "FALSE":
		v.Kind = Bool
		return v, nil
	case "<<":
		return nil, errSlow
	}
	switch c := text[0]; {
	case (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) && mayResolve(text):
		if !simpleNumber(text) {
			return nil, errSlow
		}
		str := p.text(text)
		f, ok := smallInt(text)
		if !ok {
			var err error
			if f, err = parseYAMLNumber(str); err != nil {
				return nil, errSlow
			}
		}
		v.Kind, v.Num, v.Str = Number, f, str
		return v, nil
	}
	v.Kind, v.Str, v.style = String, p.text(text), stylePlain
	v.setOff(p.off(l, i))
	return v, nil
}

// mayResolve reports whether yaml.v3 might read text as a number or a
// timestamp: only if every character could be part of one ("2xx a day"
// cannot: the y).
func mayResolve(text []byte) bool {
	for _, c := range text {
		if !numberBytes[c] {
			return false
		}
	}
	return true
}

// numberBytes are the characters mayResolve lets through, as a table.
var numberBytes = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEFxXoObB.+-_:tTzZ iInN") {
		t[c] = true
	}
	return t
}()

// smallInt reads text that simpleNumber accepted when it is an integer of
// at most 15 digits, which a float64 holds exactly: what ParseInt (base 0)
// and a conversion gave, without their generality (a 300-rule file has a
// few hundred such numbers).
func smallInt(text []byte) (float64, bool) {
	digits := text
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 {
		return 0, false
	}
	n := int64(0)
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(text) {
		n = -n
	}
	return float64(n), true
}

// simpleNumber: -?(0|[1-9][0-9]*)(\.[0-9]+)?
func simpleNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i == len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else {
		if b[i] < '1' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// quoted reads a one-line quoted scalar without escapes (” in single
// quotes is the only one taken).
func (p *fastYAML) quoted(b []byte, i int) (*Value, int, error) {
	q := b[i]
	j := i + 1
	doubled := false // a '' in single quotes, which stands for one '
	for ; ; j++ {
		if j >= len(b) {
			return nil, 0, errSlow // continues on the next line
		}
		c := b[j]
		if q == '"' && c == '\\' {
			return nil, 0, errSlow
		}
		if c == q {
			if q == '\'' && j+1 < len(b) && b[j+1] == '\'' {
				doubled = true
				j++
				continue
			}
			break
		}
	}
	s := b[i+1 : j]
	if doubled {
		s = bytes.ReplaceAll(s, []byte("''"), []byte("'"))
	}
	if bytes.HasPrefix(b[i+1:j], []byte(" ")) || bytes.HasSuffix(b[i+1:j], []byte(" ")) {
		// Spaces at the ends of a quoted scalar stay, but keep yaml.v3 the
		// judge of such oddities.
		return nil, 0, errSlow
	}
	style := styleDouble
	if q == '\'' {
		style = styleSingle
	}
	v := p.newValue()
	v.Kind, v.Str, v.Pos, v.style = String, p.text(s), p.pos(p.ln, i), style
	v.setOff(p.off(p.ln, i))
	return v, j + 1, nil
}

// literal reads a "|", "|-", ">" or ">-" block scalar whose parent sits
// at ind. Folded lines join with a space, or with a newline per empty line
// between them (YAML 1.2 §8.1.3); a more-indented folded line, whose rules
// differ, goes to yaml.v3.
func (p *fastYAML) literal(b []byte, i, ind int) (*Value, error) {
	l := p.ln
	strip := false
	j := i + 1
	if j < len(b) && b[j] == '-' {
		strip = true
		j++
	}
	for ; j < len(b); j++ {
		if b[j] != ' ' {
			return nil, errSlow // "|+", "|2", a comment: yaml.v3's
		}
	}
	folded := b[i] == '>'
	v := p.newValue()
	v.Kind, v.Pos, v.style = String, p.pos(l, i), styleLiteral
	v.setOff(p.off(l, i))
	if folded {
		v.style = styleFolded
	}
	out := p.scratch[:0] // reused: growing a new one cost several allocations a block
	content := -1
	pending := 0 // empty lines not yet written
	k := p.after(l)
	for ; p.exists(k); k = p.after(k) {
		lb := p.line(k)
		if len(lb) == 0 {
			pending++
			continue
		}
		sp := 0
		for sp < len(lb) && lb[sp] == ' ' {
			sp++
		}
		if sp == len(lb) {
			return nil, errSlow // a line of spaces: yaml.v3 decides
		}
		if content < 0 {
			if sp <= ind || pending > 0 {
				return nil, errSlow
			}
			content = sp
		}
		if sp < content {
			break
		}
		switch {
		case folded && sp > content:
			return nil, errSlow
		case folded && len(out) > 0 && pending == 0:
			out = append(out, ' ')
		case len(out) > 0 && !folded:
			out = append(out, '\n')
		}
		for ; pending > 0; pending-- {
			out = append(out, '\n')
		}
		out = append(out, lb[content:]...)
	}
	if content < 0 {
		return nil, errSlow
	}
	if !strip {
		out = append(out, '\n')
	}
	v.Str = p.text(out)
	p.scratch = out
	// Empty lines between the scalar and what follows belong to neither.
	p.ln = k
	if _, ni, ok := p.nextContent(); ok && ni > ind {
		return nil, errSlow
	}
	return v, nil
}

// flow reads a one-line flow mapping or sequence at b[i].
func (p *fastYAML) flow(b []byte, i int, depth int) (*Value, int, error) {
	if depth > fastMaxDepth {
		return nil, 0, errSlow
	}
	l := p.ln
	open := b[i]
	closing := byte('}')
	v := p.newValue()
	v.Kind, v.Pos = Object, p.pos(l, i)
	if open == '[' {
		closing, v.Kind = ']', Array
	}
	ffrom, ifrom := len(p.fstack), len(p.istack)
	j := skipSpaces(b, i+1)
	if j < len(b) && b[j] == closing {
		return v, j + 1, nil
	}
	for {
		if j >= len(b) {
			return nil, 0, errSlow
		}
		var f *Field
		if open == '{' {
			k := j
			for k < len(b) && b[k] != ':' {
				if !safeWordByte(b[k]) {
					return nil, 0, errSlow
				}
				k++
			}
			if k+1 >= len(b) || b[k+1] != ' ' || k == j || isIndicator(b[j]) || b[k-1] == ' ' {
				return nil, 0, errSlow
			}
			key := p.key(b[j:k])
			if p.repeated(key, ffrom) {
				return nil, 0, errSlow
			}
			f = p.newField(key, p.pos(l, j))
			j = skipSpaces(b, k+1)
		}
		item, end, err := p.flowValue(b, j, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if f != nil {
			f.Value = item
			p.fstack = append(p.fstack, f)
		} else {
			p.istack = append(p.istack, item)
		}
		j = skipSpaces(b, end)
		if j >= len(b) {
			return nil, 0, errSlow
		}
		switch b[j] {
		case closing:
			if open == '{' {
				p.setFields(v, ffrom)
			} else {
				p.setItems(v, ifrom)
			}
			return v, j + 1, nil
		case ',':
			j = skipSpaces(b, j+1)
			if j >= len(b) || b[j] == closing || b[j] == ',' {
				return nil, 0, errSlow
			}
		default:
			return nil, 0, errSlow
		}
	}
}

func (p *fastYAML) flowValue(b []byte, j int, depth int) (*Value, int, error) {
	if j >= len(b) {
		return nil, 0, errSlow
	}
	switch b[j] {
	case '{', '[':
		return p.flow(b, j, depth)
	case '"', '\'':
		return p.quoted(b, j)
	}
	if isIndicator(b[j]) && !(b[j] == '-' && j+1 < len(b) && b[j+1] >= '0' && b[j+1] <= '9') {
		return nil, 0, errSlow
	}
	k := j
	for k < len(b) {
		c := b[k]
		if c == ',' || c == '}' || c == ']' {
			break
		}
		if !safeWordByte(c) && c != ' ' && c != '~' {
			return nil, 0, errSlow
		}
		k++
	}
	end := k
	for end > j && b[end-1] == ' ' {
		end--
	}
	v, err := p.plain(b[j:end], p.ln, j)
	return v, k, err
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}
