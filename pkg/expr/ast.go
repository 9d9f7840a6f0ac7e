package expr

import (
	"net/netip"
	"regexp"
	"sync"
)

// Pos is a position inside an expression. Offset is a byte offset; Line and
// Col are 1-based, Col counting characters (runes) within the line.
type Pos struct {
	Offset int32
	Line   int32
	Col    int32
}

// Expr is a node of the syntax tree.
type Expr interface {
	Position() Pos
	exprNode()
}

// LogicOp is a logical operator joining two expressions.
type LogicOp uint8

// Logical operators in increasing binding strength: or < xor < and.
const (
	OpOr LogicOp = iota + 1
	OpXor
	OpAnd
)

func (o LogicOp) String() string {
	switch o {
	case OpOr:
		return "or"
	case OpXor:
		return "xor"
	case OpAnd:
		return "and"
	}
	return "?"
}

// precedence: higher binds tighter. `not` (unary) binds tighter than all.
func (o LogicOp) precedence() int { return int(o) }

// CmpOp is a comparison operator.
type CmpOp uint8

// Comparison operators. Each has an English and (for most) a C-like spelling;
// the formatter always writes the English one.
const (
	CmpEq CmpOp = iota + 1
	CmpNe
	CmpLt
	CmpLe
	CmpGt
	CmpGe
	CmpContains
	CmpWildcard
	CmpStrictWildcard
	CmpMatches
	CmpIn
)

func (o CmpOp) String() string {
	switch o {
	case CmpEq:
		return "eq"
	case CmpNe:
		return "ne"
	case CmpLt:
		return "lt"
	case CmpLe:
		return "le"
	case CmpGt:
		return "gt"
	case CmpGe:
		return "ge"
	case CmpContains:
		return "contains"
	case CmpWildcard:
		return "wildcard"
	case CmpStrictWildcard:
		return "strict wildcard"
	case CmpMatches:
		return "matches"
	case CmpIn:
		return "in"
	}
	return "?"
}

// Binary is `X and Y`, `X xor Y` or `X or Y`.
//
// The nodes' fields are ordered so that they pack without padding: a
// process keeps every rule's tree (docs/performance.md, "Against start-up").
type Binary struct {
	X, Y  Expr
	OpPos Pos
	Op    LogicOp
}

// Not is `not X` / `!X`.
type Not struct {
	P Pos
	X Expr
}

// Paren is a parenthesised expression, kept so that formatting preserves the
// author's grouping.
type Paren struct {
	P Pos
	X Expr
}

// Compare is `X op Y`: X is a field, index or function call; Y a literal,
// set, regex or list reference.
type Compare struct {
	X     Expr
	Y     Expr
	OpPos Pos
	Op    CmpOp

	// wc is the parsed wildcard pattern for wildcard/strict wildcard; nil
	// when the pattern is invalid (the checker reports why). It is derived
	// from Y at parse time and never changed afterwards.
	wc *wildcardPattern
}

// Field is a field reference such as `http.request.uri.path` or `ssl`.
type Field struct {
	P    Pos
	Name string
}

// Index is `X[Key]` or `X[*]` (Key nil, Star true).
type Index struct {
	X      Expr
	Key    Expr // *StringLit or *IntLit; nil for [*]
	Star   bool
	Lbrack Pos
}

// Call is a function call `name(args...)`.
type Call struct {
	P    Pos
	Name string
	Args []Expr
}

// StringLit is a quoted or raw string literal. Value holds the decoded bytes.
type StringLit struct {
	Value string
	P     Pos
	Raw   bool // written as r"..." / r#"..."#
}

// RegexLit is the right-hand side of `matches`. Pattern is the regular
// expression as Cloudflare's engine sees it (after string unescaping).
type RegexLit struct {
	P       Pos
	Pattern string
	Raw     bool

	// reErr says why Go's regexp cannot use the pattern, "" when it can.
	// Parse sets it (and parsed) from the pattern's syntax alone:
	// regexp/syntax finds every error regexp.Compile reports, for a
	// fraction of the cost, and validating a file need not compile its
	// patterns (docs/performance.md, "Against start-up").
	reErr  string
	parsed bool
	// re is the compiled Go translation of the pattern, built on the first
	// evaluation (compiled); nil when it cannot be.
	reOnce sync.Once
	re     *regexp.Regexp
}

// compiled returns the pattern compiled with Go's regexp, or nil when Go
// cannot compile it or it uses Rust-only syntax (regex.go). It is compiled
// once, on first use; safe for concurrent use.
func (r *RegexLit) compiled() *regexp.Regexp {
	r.reOnce.Do(func() {
		if r.reErr == "" && rustOnlySyntax(r.Pattern) == "" {
			r.re, _ = compileRustRegex(r.Pattern)
		}
	})
	return r.re
}

// invalid says why Go's regexp cannot compile the pattern, "" when it can.
func (r *RegexLit) invalid() string {
	if r.parsed {
		return r.reErr
	}
	// A literal built by hand, not by Parse: checking the syntax gives the
	// same message as compiling (TestCheckRustRegexMatchesCompile).
	return checkRustRegex(r.Pattern)
}

// IntLit is an integer literal.
type IntLit struct {
	P     Pos
	Value int64
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	P     Pos
	Value bool
}

// IPLit is an IP address or, when CIDR is true, a network in CIDR notation.
type IPLit struct {
	P      Pos
	Prefix netip.Prefix // for a plain address, a full-length prefix
	CIDR   bool
}

// IPRange is `a..b` inside a set.
type IPRange struct {
	P      Pos
	Lo, Hi netip.Addr
}

// IntRange is `a..b` inside a set.
type IntRange struct {
	P      Pos
	Lo, Hi int64
}

// Set is an inline list `{a b c}`.
type Set struct {
	P     Pos
	Elems []Expr
}

// ListRef is a named list `$name`.
type ListRef struct {
	P    Pos
	Name string
}

func (e *Binary) Position() Pos    { return e.X.Position() }
func (e *Not) Position() Pos       { return e.P }
func (e *Paren) Position() Pos     { return e.P }
func (e *Compare) Position() Pos   { return e.X.Position() }
func (e *Field) Position() Pos     { return e.P }
func (e *Index) Position() Pos     { return e.X.Position() }
func (e *Call) Position() Pos      { return e.P }
func (e *StringLit) Position() Pos { return e.P }
func (e *RegexLit) Position() Pos  { return e.P }
func (e *IntLit) Position() Pos    { return e.P }
func (e *BoolLit) Position() Pos   { return e.P }
func (e *IPLit) Position() Pos     { return e.P }
func (e *IPRange) Position() Pos   { return e.P }
func (e *IntRange) Position() Pos  { return e.P }
func (e *Set) Position() Pos       { return e.P }
func (e *ListRef) Position() Pos   { return e.P }

func (*Binary) exprNode()    {}
func (*Not) exprNode()       {}
func (*Paren) exprNode()     {}
func (*Compare) exprNode()   {}
func (*Field) exprNode()     {}
func (*Index) exprNode()     {}
func (*Call) exprNode()      {}
func (*StringLit) exprNode() {}
func (*RegexLit) exprNode()  {}
func (*IntLit) exprNode()    {}
func (*BoolLit) exprNode()   {}
func (*IPLit) exprNode()     {}
func (*IPRange) exprNode()   {}
func (*IntRange) exprNode()  {}
func (*Set) exprNode()       {}
func (*ListRef) exprNode()   {}

// Equal reports whether two trees are the same expression, ignoring
// positions and the spelling of operators (`eq` vs `==`).
func Equal(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case *Binary:
		y, ok := b.(*Binary)
		return ok && x.Op == y.Op && Equal(x.X, y.X) && Equal(x.Y, y.Y)
	case *Not:
		y, ok := b.(*Not)
		return ok && Equal(x.X, y.X)
	case *Paren:
		y, ok := b.(*Paren)
		return ok && Equal(x.X, y.X)
	case *Compare:
		y, ok := b.(*Compare)
		return ok && x.Op == y.Op && Equal(x.X, y.X) && Equal(x.Y, y.Y)
	case *Field:
		y, ok := b.(*Field)
		return ok && x.Name == y.Name
	case *Index:
		y, ok := b.(*Index)
		return ok && x.Star == y.Star && Equal(x.X, y.X) && Equal(x.Key, y.Key)
	case *Call:
		y, ok := b.(*Call)
		if !ok || x.Name != y.Name || len(x.Args) != len(y.Args) {
			return false
		}
		for i := range x.Args {
			if !Equal(x.Args[i], y.Args[i]) {
				return false
			}
		}
		return true
	case *StringLit:
		y, ok := b.(*StringLit)
		return ok && x.Value == y.Value && x.Raw == y.Raw
	case *RegexLit:
		y, ok := b.(*RegexLit)
		return ok && x.Pattern == y.Pattern && x.Raw == y.Raw
	case *IntLit:
		y, ok := b.(*IntLit)
		return ok && x.Value == y.Value
	case *BoolLit:
		y, ok := b.(*BoolLit)
		return ok && x.Value == y.Value
	case *IPLit:
		y, ok := b.(*IPLit)
		return ok && x.Prefix == y.Prefix && x.CIDR == y.CIDR
	case *IPRange:
		y, ok := b.(*IPRange)
		return ok && x.Lo == y.Lo && x.Hi == y.Hi
	case *IntRange:
		y, ok := b.(*IntRange)
		return ok && x.Lo == y.Lo && x.Hi == y.Hi
	case *Set:
		y, ok := b.(*Set)
		if !ok || len(x.Elems) != len(y.Elems) {
			return false
		}
		for i := range x.Elems {
			if !Equal(x.Elems[i], y.Elems[i]) {
				return false
			}
		}
		return true
	case *ListRef:
		y, ok := b.(*ListRef)
		return ok && x.Name == y.Name
	}
	return false
}

// Walk calls fn for e and every node below it, depth first, parents before
// children. It stops descending into a node when fn returns false.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *Binary:
		Walk(x.X, fn)
		Walk(x.Y, fn)
	case *Not:
		Walk(x.X, fn)
	case *Paren:
		Walk(x.X, fn)
	case *Compare:
		Walk(x.X, fn)
		Walk(x.Y, fn)
	case *Index:
		Walk(x.X, fn)
		if x.Key != nil {
			Walk(x.Key, fn)
		}
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Set:
		for _, el := range x.Elems {
			Walk(el, fn)
		}
	}
}
