package purge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxLineBytes bounds one input line. A longer line is reported as an
// invalid item (the reader skips to the next newline) rather than aborting or
// growing a buffer without limit. Real URLs and the 1,024-character tag limit
// fit with room to spare.
const DefaultMaxLineBytes = 64 << 10

// SourceArgs is the SOURCE name of items given as command-line arguments.
const SourceArgs = "arg"

// Item is one input item before validation.
type Item struct {
	Source string // file name, "-" for stdin, or "arg"
	Line   int    // 1-based line number, or argument position
	Value  string
	// Headers come from a JSON-object line ({"url": ..., "headers": {...}}),
	// sorted by name.
	Headers []Header
	// Reason is set when the line could not be read as an item at all (too
	// long, malformed JSON); Value then holds what is shown in the error.
	Reason string
}

// Input is one source of items: a reader (a file or stdin) or arguments.
type Input struct {
	Source string    // shown in error messages: file name or "-"
	R      io.Reader // one item per line
	Args   []string  // used instead of R when R is nil; Source defaults to "arg"
}

// FileInput is an Input reading lines from r; source is the file name or "-".
func FileInput(source string, r io.Reader) Input { return Input{Source: source, R: r} }

// ArgsInput is an Input over command-line arguments, one item each.
func ArgsInput(args []string) Input { return Input{Source: SourceArgs, Args: args} }

// Reader streams the items of one Input. Lines are read with a bounded
// buffer, so memory does not grow with the input; blank lines and lines whose
// first non-blank character is # are skipped. For KindURL a line starting with
// { is a JSON object {"url": "...", "headers": {...}}; for the other kinds a
// line that is exactly a one-key object {"tag": "..."} ({"prefix": ...},
// {"host": ...}) is that item, which is how WriteFailed writes an item that
// would otherwise read as a comment.
//
// Arguments are taken as given: an empty argument is an invalid item, and one
// starting with # is an item, not a comment (the user typed it on purpose).
type Reader struct {
	in   Input
	kind Kind
	br   *bufio.Reader
	max  int
	line int
	item Item
	err  error
	// borrow makes Item.Value point into the read buffer instead of a copy,
	// valid only until the next Scan. Prepare's count-only mode uses it so a
	// dry run over millions of lines allocates nothing per line: without it
	// the garbage, not the dedupe set, would set the peak memory.
	borrow bool
}

// NewReader returns a Reader over in. maxLine bounds a line in bytes;
// 0 means DefaultMaxLineBytes.
func NewReader(in Input, kind Kind, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	if in.R == nil && in.Source == "" {
		in.Source = SourceArgs
	}
	r := &Reader{in: in, kind: kind, max: maxLine}
	if in.R != nil {
		// One byte beyond the limit holds the newline of a line exactly at
		// the limit; a longer line fills the buffer (bufio.ErrBufferFull).
		r.br = bufio.NewReaderSize(in.R, maxLine+1)
	}
	return r
}

// Scan advances to the next item and reports whether there is one. After it
// returns false, Err tells whether reading failed.
func (r *Reader) Scan() bool {
	if r.br == nil {
		if r.line >= len(r.in.Args) {
			return false
		}
		r.line++
		s := strings.TrimSpace(r.in.Args[r.line-1])
		r.item = r.parse(s)
		if s == "" {
			r.item.Reason = "empty item"
		}
		return true
	}
	if r.line == 0 && r.err == nil {
		// A file that is not text is refused whole, before its first line:
		// read line by line it would be thousands of escaped "items".
		peek, _ := r.br.Peek(min(SniffBytes, r.br.Size()))
		if why := notText(peek); why != "" {
			r.err = &NotTextError{Source: r.in.Source, Reason: why}
			return false
		}
	}
	for r.err == nil {
		b, err := r.br.ReadSlice('\n')
		r.line++
		if errors.Is(err, bufio.ErrBufferFull) {
			r.item = Item{Source: r.in.Source, Line: r.line, Value: string(b[:min(len(b), 80)]) + "…",
				Reason: "line longer than " + strconv.Itoa(r.max) + " bytes"}
			r.skipRest()
			return true
		}
		if err != nil {
			if err != io.EOF {
				r.err = err
				return false
			}
			r.err = io.EOF
			if len(b) == 0 {
				return false
			}
		}
		if n := len(bytes.TrimSuffix(b, []byte{'\n'})); n > r.max {
			// Only reachable when the buffer is larger than the limit (tiny
			// limits) or for a last line without a newline.
			r.item = Item{Source: r.in.Source, Line: r.line, Value: string(b[:min(len(b), 80)]) + "…",
				Reason: "line longer than " + strconv.Itoa(r.max) + " bytes"}
			return true
		}
		if r.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 BOM some editors write
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if r.borrow {
			r.item = r.parse(unsafe.String(unsafe.SliceData(b), len(b)))
		} else {
			r.item = r.parse(string(b))
		}
		return true
	}
	return false
}

// SniffBytes is how much of a file is looked at to tell text from binary:
// git's rule looks at the first 8,000 bytes.
const SniffBytes = 8000

// NotTextError is an input that is not a text file (an executable, an
// archive, UTF-16), refused as a whole rather than item by item.
type NotTextError struct {
	Source string
	Reason string
}

func (e *NotTextError) Error() string {
	return e.Source + ": not a text file (" + e.Reason + ")"
}

// notText says why the start of a file shows it is not a list of items, or
// "" when it may be one. The rule is git's (a NUL byte in the first 8,000
// bytes), plus a share of control characters and invalid UTF-8 that no list
// of URLs, tags or hosts has: a Latin-1 file with an accented path here and
// there is text, and its items get their own errors.
func notText(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
			return "UTF-16; convert it to UTF-8"
		}
		// The line too, so a list with one stray NUL is mended in an editor.
		return "NUL byte on line " + strconv.Itoa(bytes.Count(b[:i], []byte{'\n'})+1) + ", at offset " + strconv.Itoa(i)
	}
	bad := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' || c == 0x7f {
				bad++
			}
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) && len(b)-i < utf8.UTFMax {
			break // a character cut by the end of the window
		}
		ru, n := utf8.DecodeRune(b[i:])
		if ru == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	// At least 8 bad bytes, so a short file with one stray byte is text.
	if bad >= 8 && bad*10 >= len(b) {
		return strconv.Itoa(bad*100/len(b)) + "% of the first " + strconv.Itoa(len(b)) + " bytes are control characters or invalid UTF-8"
	}
	return ""
}

// skipRest discards the remainder of an over-long line.
func (r *Reader) skipRest() {
	for {
		_, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if err != io.EOF {
				r.err = err
			} else {
				r.err = io.EOF
			}
		}
		return
	}
}

// Item returns the current item.
func (r *Reader) Item() Item { return r.item }

// Err returns the first read error other than io.EOF.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

func (r *Reader) parse(s string) Item {
	it := Item{Source: r.in.Source, Line: r.line, Value: s}
	if r.kind == KindURL && strings.HasPrefix(s, "{") {
		it.Value, it.Headers, it.Reason = parseJSONLine(s)
		if it.Reason != "" && it.Value == "" {
			it.Value = s
		}
	} else if r.kind != KindURL && strings.HasPrefix(s, "{") {
		// The form WriteFailed gives an item that would not read back on a
		// line of its own ({"tag": "#x"}). Anything else starting with { is
		// taken as written (a tag may start with {), as before.
		if v, ok := parseJSONItem(r.kind, s); ok {
			it.Value = v
		}
	}
	return it
}

// parseJSONItem reads a one-key JSON-object line {"KIND": "value"}.
func parseJSONItem(kind Kind, s string) (string, bool) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil || len(m) != 1 {
		return "", false
	}
	v, ok := m[jsonKey(kind)]
	return v, ok
}

// jsonLine is the JSON-object form of a URL line.
type jsonLine struct {
	URL     *string           `json:"url"`
	Headers map[string]string `json:"headers"`
}

func parseJSONLine(s string) (url string, headers []Header, reason string) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var jl jsonLine
	if err := dec.Decode(&jl); err != nil {
		return "", nil, "invalid JSON line: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	if dec.More() {
		return "", nil, "invalid JSON line: text after the object"
	}
	if jl.URL == nil {
		return "", nil, `JSON line has no "url"`
	}
	url = strings.TrimSpace(*jl.URL)
	for name, value := range jl.Headers {
		if !validHeaderName(name) {
			return url, nil, "invalid header name " + strconv.Quote(name)
		}
		if hasHeader(headers, name) {
			return url, nil, "header " + strconv.Quote(name) + " given twice"
		}
		name = builtinName(name)
		v, why := checkHeaderValue(name, strings.TrimSpace(value))
		if why != "" {
			return url, nil, "header " + name + ": " + why
		}
		headers = append(headers, Header{name, v})
	}
	sort.Slice(headers, func(i, j int) bool { return headers[i].Name < headers[j].Name })
	return url, headers, ""
}
