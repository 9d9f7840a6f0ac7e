package expr

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// SyntaxError is a parse error at a position in the expression.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// maxDepth bounds nesting (parentheses, not, calls, indexes) so that hostile
// input cannot exhaust the stack. Cloudflare's own limit is lower in practice
// because expressions are at most 4,096 characters.
const maxDepth = 200

// maxRawHashes is the number of `#` a raw string may use (Cloudflare: 255).
const maxRawHashes = 255

// Parse parses one Rules-language expression.
//
// A process parses the same expression more than once: `rules diff` and
// `deploy` validate a file before the zone lookup and again against the
// zone's plan (issue 9: nothing is sent for an invalid file), and
// `rules explain` validates a file and then compiles it for evaluation
// (cachekey.Compile). A tree is not changed once built (wildcard patterns
// are compiled here; a regular expression's syntax is checked here and the
// pattern compiled once, under a sync.Once, at its first evaluation), so
// Parse keeps what it returned for a source text and hands out the same
// tree, or the same error, again (docs/performance.md, "Against start-up").
func Parse(src string) (Expr, error) {
	return parsed.get(src)
}

// parseMemo remembers Parse's results. It is bounded: a zone holds at most
// a few hundred rules per phase, and a hostile file of tens of thousands of
// rules only empties it more often. Trees and errors are kept apart so that
// an entry of the map every expression goes into is two words, not four.
type parseMemo struct {
	mu   sync.Mutex
	m    map[string]Expr
	errs map[string]error
}

// maxMemo is how many distinct expressions parseMemo keeps: twice the
// largest plan's rules per zone, for both phases.
const maxMemo = 2048

var parsed parseMemo

// ForgetParsed empties Parse's memory. A benchmark of a whole command calls
// it before each run to measure what a fresh process does.
func ForgetParsed() {
	parsed.mu.Lock()
	parsed.m, parsed.errs = nil, nil
	parsed.mu.Unlock()
}

func (m *parseMemo) get(src string) (Expr, error) {
	m.mu.Lock()
	e, ok := m.m[src]
	var err error
	if !ok {
		err, ok = m.errs[src]
	}
	m.mu.Unlock()
	if ok {
		return e, err
	}
	e, err = parseSource(src)
	m.mu.Lock()
	if len(m.m)+len(m.errs) >= maxMemo {
		m.m, m.errs = nil, nil
	}
	switch {
	case err != nil && m.errs == nil:
		m.errs = map[string]error{src: err}
	case err != nil:
		m.errs[src] = err
	case m.m == nil:
		m.m = map[string]Expr{src: e}
	default:
		m.m[src] = e
	}
	m.mu.Unlock()
	return e, err
}

func parseSource(src string) (Expr, error) {
	nodes := slabPool.Get().(*nodeSlabs)
	defer slabPool.Put(nodes)
	return parseWith(src, nodes)
}

// parseWith parses src with nodes from the given slabs.
func parseWith(src string, nodes *nodeSlabs) (Expr, error) {
	p := &parser{src: src, line: 1, col: 1, nodes: nodes}
	e, err := p.parse()
	// A tab or control character between tokens is reported even when
	// the parser went on past it, and before a later error it probably caused.
	if p.badSpace != nil {
		var se *SyntaxError
		if err == nil || !errors.As(err, &se) || se.Pos.Offset >= p.badSpace.Pos.Offset {
			return nil, p.badSpace
		}
	}
	return e, err
}

func (p *parser) parse() (Expr, error) {
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		if p.peekByte() == ')' {
			return nil, p.errorf(p.cur(), "unexpected `)` with no matching `(`")
		}
		return nil, p.errorf(p.cur(), "expected `and`, `or`, `xor` or the end of the expression, found %s%s", p.found(), p.hintHere())
	}
	return e, nil
}

// MustParse is Parse for expressions known to be valid (tests, tables); it
// panics on error.
func MustParse(src string) Expr {
	e, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return e
}

type parser struct {
	src             string
	off, line, col  int
	depth, argDepth int
	// badSpace is the first tab or control character met between tokens.
	badSpace *SyntaxError
	// nodes are the slabs the common nodes come from.
	nodes *nodeSlabs
}

func (p *parser) cur() Pos { return Pos{Offset: int32(p.off), Line: int32(p.line), Col: int32(p.col)} }

func (p *parser) eof() bool { return p.off >= len(p.src) }

func (p *parser) peekByte() byte {
	if p.off < len(p.src) {
		return p.src[p.off]
	}
	return 0
}

func (p *parser) peekAt(i int) byte {
	if p.off+i < len(p.src) {
		return p.src[p.off+i]
	}
	return 0
}

func (p *parser) rest() string { return p.src[p.off:] }

// advance consumes n bytes, keeping line and column up to date.
func (p *parser) advance(n int) {
	end := p.off + n
	if end > len(p.src) {
		end = len(p.src)
	}
	// A run of ASCII other than a line break (every token, most strings)
	// moves the column by its length.
	i := p.off
	for i < end && p.src[i] < utf8.RuneSelf && p.src[i] != '\n' {
		i++
	}
	p.col += i - p.off
	p.off = i
	for p.off < end {
		if c := p.src[p.off]; c < utf8.RuneSelf {
			if c == '\n' {
				p.line++
				p.col = 1
			} else {
				p.col++
			}
			p.off++
			continue
		}
		_, size := utf8.DecodeRuneInString(p.src[p.off:])
		p.col++
		p.off += size
	}
}

// skipSpace skips blanks: spaces and line breaks. Cloudflare's parser does
// not treat a tab as whitespace and refuses the expression (issue 12 §3;
// docs/cloudflare.md, "Rules language": operators are separated by
// spaces), so a tab or any other control character here is recorded as an
// error at its column; skipping it lets the rest be checked as well.
func (p *parser) skipSpace() {
	for p.off < len(p.src) {
		switch c := p.src[p.off]; {
		case c == ' ' || c == '\r':
			p.off++
			p.col++
		case c == '\n':
			p.off++
			p.line++
			p.col = 1
		case c < 0x20 || c == 0x7f:
			if p.badSpace == nil {
				what := fmt.Sprintf("the control character U+%04X", c)
				if c == '\t' {
					what = "a tab"
				}
				p.badSpace = &SyntaxError{Pos: p.cur(), Msg: what + " is not whitespace in Cloudflare's Rules language: separate tokens with spaces or line breaks"}
			}
			p.advance(1)
		default:
			return
		}
	}
}

func (p *parser) errorf(pos Pos, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(p.cur(), "expression is nested too deeply (more than %d levels)", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// wordAt returns the identifier-like word (letters, digits, `_`) at offset i.
func wordAt(s string, i int) string {
	j := i
	for j < len(s) && isIdentChar(s[j]) {
		j++
	}
	return s[i:j]
}

// scanIdent returns the length of a dotted identifier at the start of s.
func scanIdent(s string) int {
	if len(s) == 0 || !isIdentStart(s[0]) {
		return 0
	}
	i := 1
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	for i+1 < len(s) && s[i] == '.' && isIdentChar(s[i+1]) {
		i += 2
		for i < len(s) && isIdentChar(s[i]) {
			i++
		}
	}
	return i
}

// found describes the token at the cursor for error messages.
func (p *parser) found() string {
	if p.eof() {
		return "the end of the expression"
	}
	return "`" + p.tokenText() + "`"
}

func (p *parser) tokenText() string {
	s := p.rest()
	c := s[0]
	var n int
	switch {
	case isIdentStart(c) || isDigit(c):
		if c == 'r' && len(s) > 1 && (s[1] == '"' || s[1] == '#') {
			n = stringTokenLen(s)
		} else {
			n = chunkLen(s)
			if m := scanIdent(s); m > n {
				n = m
			}
		}
	case c == '"':
		n = stringTokenLen(s)
	case c == '-' && len(s) > 1 && isDigit(s[1]):
		n = chunkLen(s)
	default:
		n = 1
		for _, op := range []string{"==", "!=", "<=", ">=", "&&", "||", "^^"} {
			if strings.HasPrefix(s, op) {
				n = 2
			}
		}
		if n == 1 {
			_, n = utf8.DecodeRuneInString(s)
		}
	}
	if n <= 0 {
		n = 1
	}
	t := s[:n]
	if utf8.RuneCountInString(t) > 40 {
		r := []rune(t)
		t = string(r[:37]) + "..."
	}
	return t
}

// stringTokenLen is a best-effort length of a string token for messages.
func stringTokenLen(s string) int {
	i := 1
	if s[0] == 'r' {
		for i < len(s) && s[i] == '#' {
			i++
		}
		i++
	}
	for i < len(s) {
		if s[i] == '\\' {
			i += 2
			continue
		}
		if s[i] == '"' {
			return i + 1
		}
		i++
	}
	return len(s)
}

// logicOp reports the logical operator at the cursor, spelled as a symbol
// (`&&`, `||`, `^^`) or as a whole lower-case word, and its length.
func (p *parser) logicOp() (LogicOp, int) {
	s := p.rest()
	if len(s) == 0 {
		return 0, 0
	}
	switch c := s[0]; {
	case len(s) > 1 && s[1] == c && (c == '&' || c == '|' || c == '^'):
		switch c {
		case '&':
			return OpAnd, 2
		case '|':
			return OpOr, 2
		}
		return OpXor, 2
	case isIdentStart(c):
		switch w := wordAt(s, 0); w {
		case "and":
			return OpAnd, len(w)
		case "or":
			return OpOr, len(w)
		case "xor":
			return OpXor, len(w)
		}
	}
	return 0, 0
}

// cmpOp reports the comparison operator at the cursor, spelled as a symbol
// or as a whole lower-case word, and its length. Of the symbols the longer
// spelling wins: `<=` over `<`.
func (p *parser) cmpOp() (CmpOp, int) {
	s := p.rest()
	if len(s) == 0 {
		return 0, 0
	}
	c := s[0]
	if !isIdentStart(c) {
		eq := len(s) > 1 && s[1] == '='
		switch {
		case c == '=' && eq:
			return CmpEq, 2
		case c == '!' && eq:
			return CmpNe, 2
		case c == '<' && eq:
			return CmpLe, 2
		case c == '>' && eq:
			return CmpGe, 2
		case c == '<':
			return CmpLt, 1
		case c == '>':
			return CmpGt, 1
		case c == '~':
			return CmpMatches, 1
		}
		return 0, 0
	}
	w := wordAt(s, 0)
	if w != "strict" {
		if op, ok := cmpWord(w); ok {
			return op, len(w)
		}
		return 0, 0
	}
	// `strict wildcard` is two words separated by blanks.
	i := len("strict")
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	if i > len("strict") && wordAt(s, i) == "wildcard" {
		return CmpStrictWildcard, i + len("wildcard")
	}
	return 0, 0
}

// cmpWord is the comparison operator spelled as the word w: a switch, not
// a map lookup per token.
func cmpWord(w string) (CmpOp, bool) {
	switch w {
	case "eq":
		return CmpEq, true
	case "ne":
		return CmpNe, true
	case "lt":
		return CmpLt, true
	case "le":
		return CmpLe, true
	case "gt":
		return CmpGt, true
	case "ge":
		return CmpGe, true
	case "contains":
		return CmpContains, true
	case "wildcard":
		return CmpWildcard, true
	case "matches":
		return CmpMatches, true
	case "in":
		return CmpIn, true
	}
	return 0, false
}

// hintHere adds advice for common mistakes at the cursor.
func (p *parser) hintHere() string {
	s := p.rest()
	if s == "" {
		return ""
	}
	if s[0] == '=' {
		return " (use `eq` or `==` to compare)"
	}
	if strings.HasPrefix(s, "&") || strings.HasPrefix(s, "|") {
		return " (use `and`/`&&` or `or`/`||`)"
	}
	if isIdentStart(s[0]) {
		w := wordAt(s, 0)
		lw := strings.ToLower(w)
		if lw != w {
			if _, cmp := cmpWord(lw); cmp || lw == "and" || lw == "or" || lw == "xor" || lw == "not" {
				return " (operators must be written in lower case)"
			}
		}
		if _, ok := functions[w]; ok {
			return fmt.Sprintf(" (`%s` is a function: write %s(field, value))", w, w)
		}
		switch w {
		case "starts", "ends", "does", "is":
			return " (the dashboard's \"starts with\"/\"ends with\" are the functions starts_with() and ends_with())"
		}
	}
	return ""
}

func (p *parser) parseExpr() (Expr, error) { return p.parseLevel(OpOr) }

// parseLevel parses a chain of operators binding at least as tightly as min,
// left-associative: or < xor < and.
func (p *parser) parseLevel(min LogicOp) (Expr, error) {
	var x Expr
	var err error
	if min == OpAnd {
		x, err = p.parseUnary()
	} else {
		x, err = p.parseLevel(min + 1)
	}
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		op, n := p.logicOp()
		if op != min {
			return x, nil
		}
		opPos := p.cur()
		p.advance(n)
		var y Expr
		if min == OpAnd {
			y, err = p.parseUnary()
		} else {
			y, err = p.parseLevel(min + 1)
		}
		if err != nil {
			return nil, err
		}
		b := slabNew(&p.nodes.binaries)
		*b = Binary{Op: op, X: x, Y: y, OpPos: opPos}
		x = b
	}
}

func (p *parser) parseUnary() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.skipSpace()
	pos := p.cur()
	s := p.rest()
	if (strings.HasPrefix(s, "!") && !strings.HasPrefix(s, "!=")) || (wordAt(s, 0) == "not" && len(s) > 0 && isIdentStart(s[0])) {
		if s[0] == '!' {
			p.advance(1)
		} else {
			p.advance(3)
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &Not{P: pos, X: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (Expr, error) {
	p.skipSpace()
	pos := p.cur()
	if p.eof() {
		return nil, p.errorf(pos, "expected an expression, found the end of the expression")
	}
	c := p.peekByte()
	if c == '(' {
		p.advance(1)
		if err := p.enter(); err != nil {
			return nil, err
		}
		x, err := p.parseExpr()
		p.leave()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peekByte() != ')' {
			return nil, p.errorf(p.cur(), "expected `)` to close the `(` at %d:%d, found %s%s", pos.Line, pos.Col, p.found(), p.hintHere())
		}
		p.advance(1)
		paren := slabNew(&p.nodes.parens)
		*paren = Paren{P: pos, X: x}
		return paren, nil
	}
	lhs, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op, n := p.cmpOp()
	if op == 0 {
		if !p.eof() {
			c := p.peekByte()
			lop, _ := p.logicOp()
			if lop == 0 && c != ')' && c != ',' && c != ']' {
				return nil, p.errorf(p.cur(), "expected a comparison operator or `and`/`or` after `%s`, found %s%s", Format(lhs), p.found(), p.hintHere())
			}
		}
		return lhs, nil
	}
	switch lhs.(type) {
	case *Field, *Index, *Call:
	default:
		return nil, p.errorf(lhs.Position(), "expected a field or function call on the left of `%s`, found a %s", op, literalKind(lhs))
	}
	opPos := p.cur()
	p.advance(n)
	p.skipSpace()
	rhs, err := p.parseRHS(op)
	if err != nil {
		return nil, err
	}
	cmp := slabNew(&p.nodes.compares)
	*cmp = Compare{Op: op, X: lhs, Y: rhs, OpPos: opPos}
	if op == CmpWildcard || op == CmpStrictWildcard {
		if s, ok := rhs.(*StringLit); ok {
			cmp.wc, _ = parseWildcard(s.Value)
		}
	}
	return cmp, nil
}

func literalKind(e Expr) string {
	switch e.(type) {
	case *StringLit:
		return "string"
	case *IntLit:
		return "number"
	case *BoolLit:
		return "boolean"
	case *IPLit:
		return "IP address"
	case *Set:
		return "set"
	}
	return "value"
}

// parseOperand parses a field, function call or (inside function arguments)
// a literal, followed by any number of `[...]` indexes.
func (p *parser) parseOperand() (Expr, error) {
	pos := p.cur()
	s := p.rest()
	c := s[0]
	var x Expr
	switch {
	case isIdentStart(c) && !(c == 'r' && len(s) > 1 && (s[1] == '"' || s[1] == '#')) && !looksLikeIPv6(s):
		n := scanIdent(s)
		name := s[:n]
		switch name {
		case "true", "false":
			p.advance(n)
			return &BoolLit{P: pos, Value: name == "true"}, nil
		case "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge", "contains", "wildcard", "matches", "in":
			return nil, p.errorf(pos, "expected an expression, found `%s`", name)
		}
		p.advance(n)
		save := *p
		p.skipSpace()
		if p.peekByte() == '(' {
			if strings.Contains(name, ".") {
				return nil, p.errorf(pos, "`%s` is not a function name", name)
			}
			call, err := p.parseCall(pos, name)
			if err != nil {
				return nil, err
			}
			x = call
		} else {
			*p = save
			f := slabNew(&p.nodes.fields)
			*f = Field{P: pos, Name: name}
			x = f
		}
	default:
		if p.argDepth == 0 {
			if c == '"' || c == 'r' || c == '-' || isHex(c) || c == '{' || c == '$' {
				lit, err := p.parseLiteral(litAny)
				if err != nil {
					return nil, err
				}
				p.skipSpace()
				if op, _ := p.cmpOp(); op != 0 {
					return nil, p.errorf(pos, "expected a field or function call on the left of `%s`, found a %s", op, literalKind(lit))
				}
				return nil, p.errorf(pos, "expected a field, a function call or `(`, found a %s", literalKind(lit))
			}
			return nil, p.errorf(pos, "expected a field, a function call or `(`, found %s%s", p.found(), p.hintHere())
		}
		lit, err := p.parseLiteral(litAny)
		if err != nil {
			return nil, err
		}
		return lit, nil
	}
	return p.parseIndexes(x)
}

func (p *parser) parseIndexes(x Expr) (Expr, error) {
	depth := 0
	defer func() { p.depth -= depth }()
	for {
		save := *p
		p.skipSpace()
		if p.peekByte() != '[' {
			*p = save
			return x, nil
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		depth++
		lb := p.cur()
		p.advance(1)
		p.skipSpace()
		idx := &Index{X: x, Lbrack: lb}
		switch c := p.peekByte(); {
		case c == '*':
			p.advance(1)
			idx.Star = true
		case c == '"' || (c == 'r' && (p.peekAt(1) == '"' || p.peekAt(1) == '#')):
			key, err := p.parseString()
			if err != nil {
				return nil, err
			}
			idx.Key = key
		case isDigit(c):
			kpos := p.cur()
			n := 0
			for isDigit(p.peekAt(n)) {
				n++
			}
			v, err := strconv.ParseInt(p.src[p.off:p.off+n], 10, 64)
			if err != nil {
				return nil, p.errorf(kpos, "array index `%s` is out of range", p.src[p.off:p.off+n])
			}
			p.advance(n)
			idx.Key = &IntLit{P: kpos, Value: v}
		default:
			return nil, p.errorf(p.cur(), "expected a map key (a string), an array index (a number) or `*` inside `[...]`, found %s", p.found())
		}
		p.skipSpace()
		if p.peekByte() != ']' {
			return nil, p.errorf(p.cur(), "expected `]` to close the `[` at %d:%d, found %s", lb.Line, lb.Col, p.found())
		}
		p.advance(1)
		x = idx
	}
}

func (p *parser) parseCall(pos Pos, name string) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.advance(1) // (
	call := slabNew(&p.nodes.calls)
	*call = Call{P: pos, Name: name}
	p.skipSpace()
	if p.peekByte() == ')' {
		p.advance(1)
		return p.parseIndexes(call)
	}
	p.argDepth++
	defer func() { p.argDepth-- }()
	// The arguments are gathered here and copied into a slab once counted.
	var scratch [4]Expr
	args := scratch[:0]
	for {
		p.skipSpace()
		if p.eof() {
			return nil, p.errorf(p.cur(), "expected an argument to `%s(`, found the end of the expression", name)
		}
		if c := p.peekByte(); c == ')' || c == ',' {
			return nil, p.errorf(p.cur(), "expected an argument to `%s(`, found `%c`", name, c)
		}
		arg, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		p.skipSpace()
		switch p.peekByte() {
		case ',':
			p.advance(1)
			continue
		case ')':
			p.advance(1)
			call.Args = p.nodes.list(args)
			return call, nil
		}
		return nil, p.errorf(p.cur(), "expected `,` or `)` in the call to `%s`, found %s", name, p.found())
	}
}

// parseRHS parses the right-hand side of a comparison.
func (p *parser) parseRHS(op CmpOp) (Expr, error) {
	pos := p.cur()
	if p.eof() || p.peekByte() == ')' || p.peekByte() == ',' {
		return nil, p.errorf(pos, "expected a value after `%s`, found %s", op, p.found())
	}
	c := p.peekByte()
	isStr := c == '"' || (c == 'r' && (p.peekAt(1) == '"' || p.peekAt(1) == '#'))
	switch op {
	case CmpMatches:
		if !isStr {
			return nil, p.errorf(pos, "expected a regular expression string after `%s`, found %s", op, p.found())
		}
		return p.parseRegex()
	case CmpContains, CmpWildcard, CmpStrictWildcard:
		if !isStr {
			return nil, p.errorf(pos, "expected a string after `%s`, found %s", op, p.found())
		}
		return p.parseString()
	case CmpIn:
		switch c {
		case '{':
			return p.parseSet()
		case '$':
			p.advance(1)
			n := 0
			for isIdentChar(p.peekAt(n)) {
				n++
			}
			if n == 0 {
				return nil, p.errorf(p.cur(), "expected a list name after `$`, found %s", p.found())
			}
			name := p.src[p.off : p.off+n]
			p.advance(n)
			return &ListRef{P: pos, Name: name}, nil
		}
		hint := ""
		if lit, err := p.clone().parseLiteral(litAny); err == nil {
			hint = fmt.Sprintf(" (a set needs braces: `{%s}`)", Format(lit))
		}
		return nil, p.errorf(pos, "expected `{` or a list name `$name` after `in`, found %s%s", p.found(), hint)
	}
	if c == '{' {
		return nil, p.errorf(pos, "expected a value after `%s`, found `{` (use `in` to compare with a set)", op)
	}
	if isIdentStart(c) && !isStr && !looksLikeIPv6(p.rest()) {
		w := p.src[p.off : p.off+scanIdent(p.rest())]
		if w == "true" || w == "false" {
			p.advance(len(w))
			return &BoolLit{P: pos, Value: w == "true"}, nil
		}
		return nil, p.errorf(pos, "expected a value after `%s`, found `%s` (the right-hand side must be a literal; comparing two fields is not supported)", op, w)
	}
	if !(isStr || isDigit(c) || (c == '-' && isDigit(p.peekAt(1))) || looksLikeIPv6(p.rest())) {
		return nil, p.errorf(pos, "expected a value after `%s`, found %s", op, p.found())
	}
	return p.parseLiteral(litScalar)
}

func (p *parser) clone() *parser { c := *p; return &c }

type litContext uint8

const (
	litAny     litContext = iota // function arguments: any literal
	litScalar                    // comparison right-hand side: no sets, no ranges
	litSetElem                   // inside { }: ranges allowed
)

func (p *parser) parseLiteral(ctx litContext) (Expr, error) {
	pos := p.cur()
	s := p.rest()
	if s == "" {
		return nil, p.errorf(pos, "expected a value, found the end of the expression")
	}
	c := s[0]
	switch {
	case c == '"' || (c == 'r' && len(s) > 1 && (s[1] == '"' || s[1] == '#')):
		return p.parseString()
	case c == '{':
		if ctx != litAny {
			return nil, p.errorf(pos, "a set cannot be nested here")
		}
		return p.parseSet()
	case c == '$':
		return nil, p.errorf(pos, "a list `$name` can only follow `in`")
	case isDigit(c) || (c == '-' && len(s) > 1 && isDigit(s[1])) || looksLikeIPv6(s):
		return p.parseNumberOrIP(ctx)
	case isIdentStart(c):
		n := scanIdent(s)
		if s[:n] == "true" || s[:n] == "false" {
			p.advance(n)
			return &BoolLit{P: pos, Value: s[:n] == "true"}, nil
		}
	}
	return nil, p.errorf(pos, "expected a value, found %s", p.found())
}

// chunkLen is the length of a number/IP/CIDR/range token at the start of s.
func chunkLen(s string) int {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isHex(c) || c == ':' || c == '.' || c == '/' || c == 'x' || c == 'X':
		case c == '-' && (i == 0 || strings.HasSuffix(s[:i], "..")):
		default:
			return i
		}
		i++
	}
	return i
}

// looksLikeIPv6 reports whether s starts with an IPv6 address written with a
// leading hex letter (e.g. `fe80::1`), which would otherwise read as a name.
func looksLikeIPv6(s string) bool {
	n := chunkLen(s)
	if n == 0 || !strings.Contains(s[:n], ":") {
		return false
	}
	// A dotted name never contains ':' so any ':' in the chunk means an address.
	return n >= len(s) || !isIdentChar(s[n])
}

func (p *parser) parseNumberOrIP(ctx litContext) (Expr, error) {
	pos := p.cur()
	n := chunkLen(p.rest())
	tok := p.src[p.off : p.off+n]
	if n < len(p.rest()) && isIdentChar(p.src[p.off+n]) {
		// e.g. `10abc`: report the whole word.
		m := n
		for p.off+m < len(p.src) && isIdentChar(p.src[p.off+m]) {
			m++
		}
		return nil, p.errorf(pos, "invalid number or address `%s`", p.src[p.off:p.off+m])
	}
	if i := strings.Index(tok, ".."); i >= 0 {
		if ctx != litSetElem {
			return nil, p.errorf(pos, "a range `%s` is only allowed inside a set `{...}`", tok)
		}
		lo, hi := tok[:i], tok[i+2:]
		if isIPish(lo) || isIPish(hi) {
			a, err1 := netip.ParseAddr(lo)
			b, err2 := netip.ParseAddr(hi)
			if err1 != nil || err2 != nil {
				return nil, p.errorf(pos, "invalid IP range `%s`", tok)
			}
			if a.Is4() != b.Is4() {
				return nil, p.errorf(pos, "invalid IP range `%s`: both ends must be IPv4 or both IPv6", tok)
			}
			if b.Less(a) {
				return nil, p.errorf(pos, "invalid IP range `%s`: the start is after the end", tok)
			}
			p.advance(n)
			return &IPRange{P: pos, Lo: a, Hi: b}, nil
		}
		a, err1 := parseInt(lo)
		b, err2 := parseInt(hi)
		if err1 != nil || err2 != nil {
			return nil, p.errorf(pos, "invalid integer range `%s`", tok)
		}
		if b < a {
			return nil, p.errorf(pos, "invalid integer range `%s`: the start is after the end", tok)
		}
		p.advance(n)
		return &IntRange{P: pos, Lo: a, Hi: b}, nil
	}
	if isIPish(tok) {
		if strings.Contains(tok, "/") {
			pf, err := netip.ParsePrefix(tok)
			if err != nil {
				return nil, p.errorf(pos, "invalid CIDR `%s`", tok)
			}
			if pf.Masked() != pf {
				return nil, p.errorf(pos, "invalid CIDR `%s`: the address has bits set outside the /%d prefix (did you mean `%s`?)", tok, pf.Bits(), pf.Masked())
			}
			if ctx == litScalar {
				return nil, p.errorf(pos, "a CIDR `%s` can only be used in a set: write `in {%s}`", tok, tok)
			}
			p.advance(n)
			return &IPLit{P: pos, Prefix: pf, CIDR: true}, nil
		}
		a, err := netip.ParseAddr(tok)
		if err != nil {
			return nil, p.errorf(pos, "invalid IP address `%s`", tok)
		}
		p.advance(n)
		return &IPLit{P: pos, Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	v, err := parseInt(tok)
	if err != nil {
		return nil, p.errorf(pos, "invalid integer `%s`", tok)
	}
	p.advance(n)
	return &IntLit{P: pos, Value: v}, nil
}

func isIPish(s string) bool { return strings.ContainsAny(s, ".:/") }

// parseInt reads decimal, 0x hexadecimal and 0-prefixed octal integers, the
// forms Cloudflare's engine accepts.
func parseInt(s string) (int64, error) {
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		return strconv.ParseInt(s[2:], 16, 64)
	case len(s) > 1 && s[0] == '0':
		return strconv.ParseInt(s[1:], 8, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

func (p *parser) parseSet() (Expr, error) {
	pos := p.cur()
	p.advance(1)
	set := slabNew(&p.nodes.sets)
	*set = Set{P: pos}
	// The elements are gathered here and copied into a slab once counted.
	var scratch [8]Expr
	elems := scratch[:0]
	for {
		p.skipSpace()
		if p.eof() {
			return nil, p.errorf(p.cur(), "expected `}` to close the set opened at %d:%d, found the end of the expression", pos.Line, pos.Col)
		}
		switch p.peekByte() {
		case '}':
			p.advance(1)
			set.Elems = p.nodes.list(elems)
			return set, nil
		case ',':
			return nil, p.errorf(p.cur(), "set elements are separated by spaces, not commas")
		}
		el, err := p.parseLiteral(litSetElem)
		if err != nil {
			return nil, err
		}
		if _, ok := el.(*BoolLit); ok {
			return nil, p.errorf(el.Position(), "a set cannot contain booleans")
		}
		elems = append(elems, el)
		if !p.eof() {
			if c := p.peekByte(); c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '}' { // a tab is reported by skipSpace
				if c == ',' {
					return nil, p.errorf(p.cur(), "set elements are separated by spaces, not commas")
				}
				return nil, p.errorf(p.cur(), "expected a space or `}` after a set element, found %s", p.found())
			}
		}
	}
}

// parseString reads a quoted string (escapes \" \\ \xHH \OOO) or a raw string
// r"..." / r#"..."#.
func (p *parser) parseString() (*StringLit, error) {
	pos := p.cur()
	s := p.rest()
	if s[0] == 'r' {
		body, n, err := lexRaw(s)
		if err != nil {
			return nil, p.errorf(pos, "%s", err)
		}
		p.advance(n)
		return p.newString(pos, body, true), nil
	}
	// A string with no escape is its own text: no copy. (A loop, not
	// strings.IndexAny, which builds a set of the two bytes at each call.)
	j := 1
	for j < len(s) && s[j] != '"' && s[j] != '\\' {
		j++
	}
	if j < len(s) && s[j] == '"' {
		p.advance(j + 1)
		return p.newString(pos, s[1:j], false), nil
	}
	var b strings.Builder
	i := 1
	for {
		if i >= len(s) {
			return nil, p.errorf(pos, "string is not closed: missing `\"`")
		}
		c := s[i]
		switch c {
		case '"':
			p.advance(i + 1)
			return p.newString(pos, b.String(), false), nil
		case '\\':
			if i+1 >= len(s) {
				return nil, p.errorf(pos, "string is not closed: missing `\"`")
			}
			e := s[i+1]
			switch {
			case e == '"' || e == '\\':
				b.WriteByte(e)
				i += 2
			case e == 'x':
				if i+4 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) {
					return nil, p.escapeError(pos, i, s)
				}
				v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
				b.WriteByte(byte(v))
				i += 4
			case e >= '0' && e <= '7':
				if i+4 > len(s) || !isOct(s[i+2]) || !isOct(s[i+3]) {
					return nil, p.escapeError(pos, i, s)
				}
				v, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
				if err != nil {
					return nil, p.escapeError(pos, i, s)
				}
				b.WriteByte(byte(v))
				i += 4
			default:
				return nil, p.escapeError(pos, i, s)
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
}

func (p *parser) newString(pos Pos, value string, raw bool) *StringLit {
	s := slabNew(&p.nodes.strs)
	*s = StringLit{P: pos, Value: value, Raw: raw}
	return s
}

func isOct(c byte) bool { return c >= '0' && c <= '7' }

func (p *parser) escapeError(strPos Pos, i int, s string) error {
	// Point at the backslash.
	q := p.clone()
	q.advance(i)
	end := i + 2
	if end > len(s) {
		end = len(s)
	}
	_, size := utf8.DecodeRuneInString(s[i+1:])
	if i+1+size <= len(s) {
		end = i + 1 + size
	}
	return p.errorf(q.cur(), "invalid escape `%s` in string: only `\\\"`, `\\\\`, `\\xHH` and `\\OOO` are allowed (use a raw string r\"...\" to avoid escaping)", s[i:end])
}

// lexRaw reads r#*"...."#* at the start of s, returning the body and the
// number of bytes consumed.
func lexRaw(s string) (string, int, error) {
	i := 1
	for i < len(s) && s[i] == '#' {
		i++
	}
	hashes := i - 1
	if hashes > maxRawHashes {
		return "", 0, fmt.Errorf("raw string uses %d `#`; at most %d are allowed", hashes, maxRawHashes)
	}
	if i >= len(s) || s[i] != '"' {
		return "", 0, fmt.Errorf("expected `\"` to start the raw string")
	}
	start := i + 1
	closing := "\"" + strings.Repeat("#", hashes)
	j := strings.Index(s[start:], closing)
	if j < 0 {
		return "", 0, fmt.Errorf("raw string is not closed: missing `%s`", closing)
	}
	return s[start : start+j], start + j + len(closing), nil
}

// parseRegex reads the right-hand side of `matches`. A quoted regex keeps its
// backslash escapes for the regex engine, except `\"` outside a character
// class, which stands for `"`; inside `[...]` a `"` does not end the string.
func (p *parser) parseRegex() (Expr, error) {
	pos := p.cur()
	s := p.rest()
	var pattern string
	raw := false
	if s[0] == 'r' {
		body, n, err := lexRaw(s)
		if err != nil {
			return nil, p.errorf(pos, "%s", err)
		}
		p.advance(n)
		pattern, raw = body, true
	} else {
		// The pattern is the string's text, except that `\"` outside a
		// class stands for `"`: only then is it copied.
		var b strings.Builder
		from := 1 // b holds the pattern of s[1:from]
		inClass := false
		i := 1
		for {
			if i >= len(s) {
				return nil, p.errorf(pos, "regular expression string is not closed: missing `\"`")
			}
			c := s[i]
			if c == '\\' {
				if i+1 >= len(s) {
					return nil, p.errorf(pos, "regular expression string is not closed: missing `\"`")
				}
				if !inClass && s[i+1] == '"' {
					b.WriteString(s[from:i])
					from = i + 1
				}
				i += 2
				continue
			}
			if c == '"' && !inClass {
				break
			}
			if c == '[' && !inClass {
				inClass = true
			} else if c == ']' && inClass {
				inClass = false
			}
			i++
		}
		p.advance(i + 1)
		if from == 1 {
			pattern = s[1:i]
		} else {
			b.WriteString(s[from:i])
			pattern = b.String()
		}
	}
	lit := &RegexLit{P: pos, Pattern: pattern, Raw: raw, parsed: true}
	if what := rustOnlySyntax(pattern); what != "" {
		// Go would reject it or read it differently: do not evaluate it.
		lit.reErr = "uses Rust-only " + what
	} else {
		lit.reErr = checkRustRegex(pattern)
	}
	return lit, nil
}
