package expr

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Problem is an error or warning found in an expression. Line and Col are
// 1-based within the expression.
type Problem struct {
	Line    int
	Col     int
	Message string
	Warning bool
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%d:%d: %s: %s", p.Line, p.Col, kind, p.Message)
}

// Options configure Check.
type Options struct {
	// Plan is the zone's plan; it gates `matches`, lists and plan-limited
	// fields. Empty means "do not check plan gates".
	Plan limits.Plan
	// Limits, when set (its Plan is not empty), replaces the default
	// per-plan row (regex allowed, expression length). A value, not a
	// pointer: the rules commands check every expression with their own
	// copy of a row, and a pointer to it would put that copy on the heap
	// once per expression (docs/performance.md, "Against start-up").
	Limits limits.Limits
	// ResponsePhase checks a Cache Response Rules expression: the response
	// fields (FieldInfo.ResponseOnly) are usable besides the request fields.
	ResponsePhase bool
	// Value checks a value expression instead of a condition: set_cache_tags'
	// `expression` must produce a String or an Array of Strings (cloudflare-docs
	// cache/how-to/cache-response-rules/settings.mdx: "An expression that
	// evaluates to an array of cache tags").
	Value bool
	// Once parses the expression for this check alone, past Parse's
	// memory: the caller will not parse it again (`rules validate` checks
	// each rule's expression once and evaluates none), so remembering its
	// tree would only cost a map entry and two hashes of the text, and
	// keeping its nodes some 500 bytes (docs/performance.md, "Against
	// start-up"). The nodes are used again for the next expression.
	Once bool
}

// responsePhaseFunctions are the functions Cache Response Rules allow
// beyond those of Cache Rules (cloudflare-docs
// cache/how-to/cache-response-rules/settings.mdx, "Functions").
var responsePhaseFunctions = map[string]bool{
	"decode_base64": true, "regex_replace": true, "remove_query_args": true, "split": true,
	"to_string": true, "wildcard_replace": true,
}

func (o Options) limits() limits.Limits {
	if o.Limits.Plan != "" {
		return o.Limits
	}
	if o.Plan == "" {
		return defaultLimits.For(limits.Enterprise)
	}
	return defaultLimits.For(o.Plan)
}

// defaultLimits is the documented per-plan table, built once and only read.
var defaultLimits = limits.Default()

// CheckExpression parses and checks a cache-rule expression for a zone on
// plan. It is the adapter the rules validator calls; an empty result means the
// expression is valid.
func CheckExpression(src string, plan limits.Plan) []Problem {
	return CheckExpressionWith(src, Options{Plan: plan})
}

// CheckExpressionWith is CheckExpression with explicit options.
func CheckExpressionWith(src string, opts Options) []Problem {
	var probs []Problem
	lim := opts.limits()
	// A zero maximum turns the check off (the rules commands report the
	// length themselves): the characters are then not counted at all.
	if lim.ExpressionMaxLength > 0 {
		if n := utf8.RuneCountInString(src); n > lim.ExpressionMaxLength {
			probs = append(probs, Problem{Line: 1, Col: 1, Message: fmt.Sprintf("expression is %d characters long; Cloudflare allows at most %d", n, lim.ExpressionMaxLength)})
		}
	}
	var e Expr
	var err error
	if opts.Once {
		// The tree is this call's alone and nothing of it outlives the
		// call (a problem's message is formatted; names and strings in a
		// tree are the source's): once it is checked, its nodes go back to
		// the slabs for the next expression, and then the slabs to the
		// pool (deferred calls run last first).
		nodes := slabPool.Get().(*nodeSlabs)
		defer slabPool.Put(nodes)
		mark := *nodes
		defer nodes.rewind(mark)
		e, err = parseWith(src, nodes)
	} else {
		e, err = Parse(src)
	}
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return append(probs, Problem{Line: int(se.Pos.Line), Col: int(se.Pos.Col), Message: se.Msg})
		}
		return append(probs, Problem{Line: 1, Col: 1, Message: err.Error()})
	}
	return append(probs, Check(e, opts)...)
}

// Check type-checks a parsed expression for the cache-rules phase and looks
// for constructs that are valid but never do what the author meant.
func Check(e Expr, opts Options) []Problem {
	c := &checker{opts: opts, lim: opts.limits()}
	t := c.expr(e)
	if t.ok() && opts.Value {
		if t.each || !(t.t.isStringy() || t.t.Kind == KindArray && t.t.elem().isStringy()) {
			c.errorf(e.Position(), "a tag expression must produce a String or an Array of Strings, but `%s` is %s", Format(stripParen(e)), describeTyped(t))
		}
	} else if t.ok() {
		switch {
		case t.each || (t.t.Kind == KindArray && t.t.elem().Kind == KindBool):
			c.errorf(e.Position(), "`%s` produces one boolean per array element; wrap it in any(...) or all(...)", Format(stripParen(e)))
		case t.t.Kind != KindBool:
			c.errorf(e.Position(), "the expression must be a condition, but `%s` is a value of type %s", Format(e), t.t)
		}
	}
	sort.SliceStable(c.probs, func(i, j int) bool {
		a, b := c.probs[i], c.probs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.probs
}

// HasErrors reports whether any problem is an error (not a warning).
func HasErrors(probs []Problem) bool {
	for _, p := range probs {
		if !p.Warning {
			return true
		}
	}
	return false
}

type checker struct {
	opts  Options
	lim   limits.Limits
	probs []Problem
}

// typed is the static type of a sub-expression. each is set when the value is
// one element of an array unpacked with [*]. literal marks literal operands.
type typed struct {
	t       Type
	each    bool
	literal bool
}

func (t typed) ok() bool { return t.t.Kind != KindInvalid }

var bad = typed{}

func (c *checker) errorf(pos Pos, format string, args ...any) {
	c.probs = append(c.probs, Problem{Line: int(pos.Line), Col: int(pos.Col), Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(pos Pos, format string, args ...any) {
	c.probs = append(c.probs, Problem{Line: int(pos.Line), Col: int(pos.Col), Message: fmt.Sprintf(format, args...), Warning: true})
}

// planName is the plan a gate names: the zone's, else the limits row's.
func (c *checker) planName() limits.Plan {
	if c.opts.Plan != "" {
		return c.opts.Plan
	}
	return c.lim.Plan
}

func (c *checker) planBelow(p limits.Plan) bool {
	return c.opts.Plan != "" && p != "" && !c.opts.Plan.AtLeast(p)
}

func stripParen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

func isBoolish(t typed) bool {
	return t.t.Kind == KindBool || (t.t.Kind == KindArray && t.t.elem().Kind == KindBool)
}

func (c *checker) expr(e Expr) typed {
	switch x := e.(type) {
	case *Paren:
		return c.expr(x.X)
	case *Binary:
		a, b := c.expr(x.X), c.expr(x.Y)
		ok := true
		for _, side := range []struct {
			t typed
			e Expr
		}{{a, x.X}, {b, x.Y}} {
			if side.t.ok() && !isBoolish(side.t) && !side.t.each {
				c.notCondition(side.e, side.t)
				ok = false
			}
		}
		if !ok || !a.ok() || !b.ok() {
			return bad
		}
		aArr := a.t.Kind == KindArray || a.each
		bArr := b.t.Kind == KindArray || b.each
		if aArr != bArr {
			c.errorf(x.OpPos, "`%s` mixes a single condition with one per array element; put the array part inside any(...) or all(...)", x.Op)
			return bad
		}
		if aArr {
			return typed{t: ArrayOf(TBool)}
		}
		return typed{t: TBool}
	case *Not:
		a := c.expr(x.X)
		if !a.ok() {
			return bad
		}
		if !isBoolish(a) {
			c.notCondition(x.X, a)
			return bad
		}
		return typed{t: a.t}
	case *BoolLit:
		return typed{t: TBool, literal: true}
	case *Field:
		return c.field(x)
	case *Index:
		return c.index(x)
	case *Call:
		return c.call(x)
	case *Compare:
		return c.compare(x)
	case *StringLit:
		return typed{t: TString, literal: true}
	case *IntLit:
		return typed{t: TInt, literal: true}
	case *IPLit:
		if x.CIDR {
			c.errorf(x.P, "a CIDR can only be used in a set after `in`")
			return bad
		}
		return typed{t: TIP, literal: true}
	case *Set:
		c.errorf(x.P, "a set `{...}` can only be used after `in`")
		return bad
	case *RegexLit, *IPRange, *IntRange, *ListRef:
		c.errorf(e.Position(), "`%s` cannot be used here", Format(e))
		return bad
	}
	return bad
}

func (c *checker) notCondition(e Expr, t typed) {
	e = stripParen(e)
	switch t.t.Kind {
	case KindString, KindBytes:
		c.errorf(e.Position(), "`%s` is a %s, not a condition: compare it, e.g. `%s eq \"...\"`", Format(e), t.t, Format(e))
	default:
		c.errorf(e.Position(), "`%s` is a value of type %s, not a condition", Format(e), t.t)
	}
}

func (c *checker) field(x *Field) typed {
	f, ok := fields().lookup(x.Name)
	if !ok {
		msg := fmt.Sprintf("unknown field `%s`", x.Name)
		if s := suggest(x.Name, fieldNames(), func(n string) bool { f, _ := fields().lookup(n); return f.InCacheRules }); s != "" {
			msg += fmt.Sprintf(", did you mean `%s`?", s)
		}
		if _, isFn := functions[x.Name]; isFn {
			msg = fmt.Sprintf("`%s` is a function: call it as %s(...)", x.Name, x.Name)
		}
		c.errorf(x.P, "%s", msg)
		return bad
	}
	if !f.InCacheRules && !(c.opts.ResponsePhase && f.ResponseOnly) {
		c.errorf(x.P, "field `%s` cannot be used in cache rules: %s", x.Name, f.NotInCacheRules)
		return bad
	}
	if f.DeprecatedFor != "" {
		c.warnf(x.P, "field `%s` is deprecated; use `%s`", x.Name, f.DeprecatedFor)
	}
	if c.planBelow(f.MinPlan) {
		c.errorf(x.P, "field `%s` requires a %s plan (%s); this zone is on %s", x.Name, f.MinPlan, f.PlanLabel, c.opts.Plan)
	}
	return typed{t: f.Type}
}

// mapFieldHint names map fields whose keys authors tend to write wrongly.
func rootField(e Expr) string {
	for {
		switch x := e.(type) {
		case *Field:
			return x.Name
		case *Index:
			e = x.X
		case *Paren:
			e = x.X
		default:
			return ""
		}
	}
}

func (c *checker) index(x *Index) typed {
	base := c.expr(x.X)
	if !base.ok() {
		return bad
	}
	t := base.t
	switch t.Kind {
	case KindMap:
		if !x.Star {
			key, ok := x.Key.(*StringLit)
			if !ok {
				c.errorf(x.Lbrack, "`%s` is a map: index it with a string key such as [\"name\"]", Format(x.X))
				return bad
			}
			c.mapKeyTraps(x, key)
		}
	case KindArray:
		if !x.Star {
			if _, ok := x.Key.(*IntLit); !ok {
				c.errorf(x.Lbrack, "`%s` is an array: index it with a number such as [0], or [*] for every element", Format(x.X))
				return bad
			}
		}
	default:
		c.errorf(x.Lbrack, "`%s` is a %s and cannot be indexed", Format(x.X), t)
		return bad
	}
	return typed{t: t.elem(), each: base.each || x.Star}
}

func (c *checker) mapKeyTraps(x *Index, key *StringLit) {
	switch rootField(x.X) {
	case "http.request.cookies":
		if strings.Contains(key.Value, "*") {
			prefix := strings.SplitN(key.Value, "*", 2)[0]
			c.warnf(key.P, "`*` is not a wildcard in a map key: this matches only a cookie literally named %s; to match by prefix use `http.cookie contains \"%s\"`", quote(key.Value), prefix)
		}
	case "http.request.headers":
		if strings.Contains(key.Value, "*") {
			c.warnf(key.P, "`*` is not a wildcard in a map key: this matches only a header literally named %s", quote(key.Value))
		}
		if l := asciiLower(key.Value); l != key.Value {
			c.warnf(key.P, "header names in http.request.headers are lower-case: %s never matches; use %s", quote(key.Value), quote(l))
		}
	case "http.request.uri.args":
		if strings.Contains(key.Value, "*") {
			c.warnf(key.P, "`*` is not a wildcard in a map key: this matches only a query argument literally named %s", quote(key.Value))
		}
	}
}

func quote(s string) string {
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

func (c *checker) call(x *Call) typed {
	f, ok := functions[x.Name]
	if !ok {
		msg := fmt.Sprintf("unknown function `%s`", x.Name)
		if s := suggest(x.Name, functionNames, nil); s != "" {
			msg += fmt.Sprintf(", did you mean `%s`?", s)
		}
		c.errorf(x.P, "%s", msg)
		for _, a := range x.Args {
			c.expr(a)
		}
		return bad
	}
	// Most calls have one to three arguments: their types stay on the stack.
	var scratch [4]typed
	args := scratch[:0]
	for _, a := range x.Args {
		args = append(args, c.expr(a))
	}
	if !f.InCacheRules && !(c.opts.ResponsePhase && responsePhaseFunctions[x.Name]) {
		c.errorf(x.P, "function `%s()` cannot be used in cache rules: it is only available in %s", x.Name, f.OnlyIn)
		return bad
	}
	if x.Name == "regex_replace" && !c.lim.RegexAllowed {
		// A regular expression like `matches`: the same plan gate
		// (cloudflare.md, "Rules language"; limits.RegexAllowed).
		c.errorf(x.P, "function `regex_replace()` uses a regular expression, which requires a Business or Enterprise plan; this zone is on %s", c.planName())
	}
	if c.planBelow(f.MinPlan) {
		c.errorf(x.P, "function `%s()` requires a %s plan; this zone is on %s", x.Name, f.MinPlan, c.opts.Plan)
	}
	if len(x.Args) < f.MinArgs || (f.MaxArgs >= 0 && len(x.Args) > f.MaxArgs) {
		c.errorf(x.P, "wrong number of arguments to `%s`: got %d, want %s", x.Name, len(x.Args), arity(f))
		return bad
	}
	for _, a := range args {
		if !a.ok() {
			return bad
		}
	}
	for i := 1; i < len(args); i++ {
		if args[i].each {
			c.errorf(x.Args[i].Position(), "`[*]` can only be used in the first argument of a function call")
			return bad
		}
	}
	each := len(args) > 0 && args[0].each
	res := c.callType(x, args)
	if !res.ok() {
		return bad
	}
	if each && x.Name != "any" && x.Name != "all" {
		// f(x[*]) maps f over the elements and returns an array.
		return typed{t: ArrayOf(res.t)}
	}
	return res
}

func arity(f FuncInfo) string {
	switch {
	case f.MaxArgs < 0:
		return fmt.Sprintf("at least %d", f.MinArgs)
	case f.MinArgs == f.MaxArgs:
		return fmt.Sprintf("%d", f.MinArgs)
	}
	return fmt.Sprintf("%d to %d", f.MinArgs, f.MaxArgs)
}

// want reports an argument type error. kinds lists acceptable kinds.
func (c *checker) want(x *Call, i int, got typed, desc string, kinds ...Kind) bool {
	for _, k := range kinds {
		if got.t.Kind == k || (k == KindString && got.t.Kind == KindBytes) || (k == KindBytes && got.t.Kind == KindString) {
			return true
		}
	}
	c.errorf(x.Args[i].Position(), "argument %d of `%s` must be %s, but `%s` is %s", i+1, x.Name, desc, Format(x.Args[i]), got.t)
	return false
}

func (c *checker) notLiteral(x *Call, i int, got typed) bool {
	if got.literal {
		c.errorf(x.Args[i].Position(), "argument %d of `%s` must be a field or function result, not a literal", i+1, x.Name)
		return false
	}
	return true
}

func (c *checker) mustLiteral(x *Call, i int, got typed) bool {
	if !got.literal {
		c.errorf(x.Args[i].Position(), "argument %d of `%s` must be a literal", i+1, x.Name)
		return false
	}
	return true
}

func (c *checker) callType(x *Call, a []typed) typed {
	str := func(i int) bool { return c.want(x, i, a[i], "a String", KindString) }
	integer := func(i int) bool { return c.want(x, i, a[i], "an Integer", KindInt) }
	switch x.Name {
	case "any", "all":
		if a[0].each || !(a[0].t.Kind == KindArray && a[0].t.elem().Kind == KindBool) {
			c.errorf(x.Args[0].Position(), "`%s()` needs one boolean per array element, such as %s(%s[*] eq ...); `%s` is %s", x.Name, x.Name, "field", Format(x.Args[0]), describeTyped(a[0]))
			return bad
		}
		return typed{t: TBool}
	case "lower", "upper":
		if !str(0) {
			return bad
		}
		return typed{t: TString}
	case "len":
		if !c.want(x, 0, a[0], "a String, Bytes or an Array", KindString, KindArray) {
			return bad
		}
		return typed{t: TInt}
	case "starts_with", "ends_with":
		if !str(0) || !str(1) || !c.notLiteral(x, 0, a[0]) {
			return bad
		}
		return typed{t: TBool}
	case "concat":
		arr := a[0].t.Kind == KindArray
		for i := range a {
			if arr {
				if !c.want(x, i, a[i], "an Array (like the first argument)", KindArray) {
					return bad
				}
				if !a[i].t.Equal(a[0].t) {
					c.errorf(x.Args[i].Position(), "argument %d of `concat` is %s, but the first is %s", i+1, a[i].t, a[0].t)
					return bad
				}
			} else if !c.want(x, i, a[i], "a String, Bytes or Integer", KindString, KindInt) {
				return bad
			}
		}
		if arr {
			return typed{t: a[0].t}
		}
		return typed{t: TString}
	case "url_decode":
		if !str(0) || !c.notLiteral(x, 0, a[0]) {
			return bad
		}
		if len(a) == 2 {
			if !str(1) || !c.mustLiteral(x, 1, a[1]) {
				return bad
			}
			if s, ok := x.Args[1].(*StringLit); ok && strings.Trim(s.Value, "ru") != "" {
				c.errorf(s.P, "url_decode options may only contain `r` (recursive) and `u` (Unicode)")
				return bad
			}
		}
		return typed{t: TString}
	case "substring":
		if !str(0) || !integer(1) || (len(a) == 3 && !integer(2)) {
			return bad
		}
		return typed{t: TString}
	case "has_key":
		if !c.want(x, 0, a[0], "a Map", KindMap) || !str(1) {
			return bad
		}
		return typed{t: TBool}
	case "has_value":
		if !c.want(x, 0, a[0], "a Map or an Array", KindMap, KindArray) {
			return bad
		}
		el := a[0].t.elem()
		if el.Kind == KindArray || el.Kind == KindMap {
			c.errorf(x.Args[0].Position(), "has_value needs a collection of primitive values, but `%s` holds %s", Format(x.Args[0]), el)
			return bad
		}
		if !a[1].t.Equal(el) {
			c.errorf(x.Args[1].Position(), "argument 2 of `has_value` must be %s to match `%s`, but it is %s", el, Format(x.Args[0]), a[1].t)
			return bad
		}
		return typed{t: TBool}
	case "lookup_json_string", "lookup_json_integer":
		if !str(0) {
			return bad
		}
		for i := 1; i < len(a); i++ {
			if !c.want(x, i, a[i], "a String or an Integer", KindString, KindInt) {
				return bad
			}
		}
		if x.Name == "lookup_json_integer" {
			return typed{t: TInt}
		}
		return typed{t: TString}
	case "split":
		if !str(0) || !str(1) || !integer(2) {
			return bad
		}
		return typed{t: ArrayOf(TString)}
	case "remove_bytes":
		if !str(0) || !str(1) {
			return bad
		}
		return typed{t: TBytes}
	case "is_timed_hmac_valid_v0":
		if !str(0) || !c.mustLiteral(x, 0, a[0]) || !str(1) || !integer(2) || !c.mustLiteral(x, 2, a[2]) || !integer(3) {
			return bad
		}
		if len(a) > 4 && (!integer(4) || !c.mustLiteral(x, 4, a[4])) {
			return bad
		}
		if len(a) > 5 && (!str(5) || !c.mustLiteral(x, 5, a[5])) {
			return bad
		}
		return typed{t: TBool}
	}
	// Functions not available in cache rules were rejected before; the rest
	// are typed loosely so the message stays about availability.
	return typed{t: TString}
}

func describeTyped(t typed) string {
	if t.each {
		return "one " + t.t.String() + " per element (use it inside a comparison)"
	}
	return t.t.String()
}

func (c *checker) compare(x *Compare) typed {
	lhs := c.expr(x.X)
	if !lhs.ok() {
		c.checkRHSAlone(x)
		return bad
	}
	lt := lhs.t
	res := typed{t: TBool}
	if lhs.each {
		res = typed{t: ArrayOf(TBool)}
	}
	switch lt.Kind {
	case KindBool:
		lhsText := Format(x.X)
		c.errorf(x.OpPos, "`%s` is a boolean: use it on its own (`%s` or `not %s`) instead of with `%s`", lhsText, lhsText, lhsText, x.Op)
		return bad
	case KindArray, KindMap:
		lhsText := Format(x.X)
		c.errorf(x.OpPos, "`%s` is %s and cannot be compared with `%s`: compare one element (`%s[0]`) or every element with any(%s[*] %s ...)", lhsText, lt, x.Op, lhsText, lhsText, x.Op)
		return bad
	}
	switch x.Op {
	case CmpEq, CmpNe, CmpLt, CmpLe, CmpGt, CmpGe:
		if !c.rhsScalar(x, lt) {
			return bad
		}
		if lt.Kind == KindIP && x.Op != CmpEq && x.Op != CmpNe {
			c.warnf(x.OpPos, "Cloudflare documents `%s` as unsupported for IP addresses; use `in {a..b}` or a CIDR", x.Op)
		}
	case CmpContains:
		if !c.wantStringLHS(x, lt) || !c.rhsString(x) {
			return bad
		}
	case CmpWildcard, CmpStrictWildcard:
		if !c.wantStringLHS(x, lt) || !c.rhsString(x) {
			return bad
		}
		s := x.Y.(*StringLit)
		if _, err := parseWildcard(s.Value); err != nil {
			c.errorf(s.P, "%s", err)
			return bad
		}
		c.wildcardTraps(x, s)
	case CmpMatches:
		if !c.wantStringLHS(x, lt) {
			return bad
		}
		if !c.lim.RegexAllowed {
			c.errorf(x.OpPos, "`matches` (regular expressions) requires a Business or Enterprise plan; this zone is on %s", c.planName())
		}
		re, ok := x.Y.(*RegexLit)
		if !ok {
			c.errorf(x.Y.Position(), "`matches` needs a regular expression string")
			return bad
		}
		if what := rustOnlySyntax(re.Pattern); what != "" {
			// Go may reject these, or (for class set operations) accept them
			// with another meaning; either way offline results are unreliable.
			c.warnf(re.P, "regular expression uses Rust-only %s and could not be checked offline", what)
		} else if msg := re.invalid(); msg != "" {
			c.errorf(re.P, "invalid regular expression: %s", msg)
			return bad
		}
	case CmpIn:
		if !c.rhsIn(x, lt) {
			return bad
		}
	}
	c.caseTraps(x)
	return res
}

// checkRHSAlone still validates the right-hand side when the left failed.
func (c *checker) checkRHSAlone(x *Compare) {
	if x.Op == CmpWildcard || x.Op == CmpStrictWildcard {
		if s, ok := x.Y.(*StringLit); ok {
			if _, err := parseWildcard(s.Value); err != nil {
				c.errorf(s.P, "%s", err)
			}
		}
	}
	if re, ok := x.Y.(*RegexLit); ok && rustOnlySyntax(re.Pattern) == "" {
		if msg := re.invalid(); msg != "" {
			c.errorf(re.P, "invalid regular expression: %s", msg)
		}
	}
}

func (c *checker) wantStringLHS(x *Compare, lt Type) bool {
	if !lt.isStringy() {
		c.errorf(x.OpPos, "`%s` only works on strings, but `%s` is %s", x.Op, Format(x.X), lt)
		return false
	}
	return true
}

func (c *checker) rhsString(x *Compare) bool {
	if _, ok := x.Y.(*StringLit); !ok {
		c.errorf(x.Y.Position(), "`%s` needs a string on the right, found `%s`", x.Op, Format(x.Y))
		return false
	}
	return true
}

func (c *checker) rhsScalar(x *Compare, lt Type) bool {
	switch y := x.Y.(type) {
	case *StringLit:
		if lt.isStringy() {
			return true
		}
	case *IntLit:
		if lt.Kind == KindInt {
			return true
		}
	case *IPLit:
		if lt.Kind == KindIP && !y.CIDR {
			return true
		}
	case *BoolLit:
		c.errorf(x.Y.Position(), "`%s` is %s and cannot be compared with a boolean", Format(x.X), lt)
		return false
	}
	c.errorf(x.Y.Position(), "cannot compare `%s` (%s) with %s `%s`", Format(x.X), lt, literalKindArticle(x.Y), Format(x.Y))
	return false
}

func literalKindArticle(e Expr) string {
	k := literalKind(e)
	switch k[0] {
	case 'a', 'e', 'i', 'o', 'u', 'I':
		return "an " + k
	}
	return "a " + k
}

var listNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

func (c *checker) rhsIn(x *Compare, lt Type) bool {
	switch y := x.Y.(type) {
	case *ListRef:
		if !listNameRE.MatchString(y.Name) {
			c.errorf(y.P, "list name `%s` may only contain lower-case letters, digits and `_`", y.Name)
			return false
		}
		if c.planBelow(limits.Enterprise) {
			c.errorf(y.P, "`in $%s` (is in list) in cache rules requires an Enterprise plan; this zone is on %s", y.Name, c.opts.Plan)
		}
		return true
	case *Set:
		if len(y.Elems) == 0 {
			c.errorf(y.P, "empty set: `in {}` never matches")
			return false
		}
		ok := true
		for _, el := range y.Elems {
			var fits bool
			switch v := el.(type) {
			case *StringLit:
				fits = lt.isStringy()
			case *IntLit, *IntRange:
				fits = lt.Kind == KindInt
			case *IPLit, *IPRange:
				fits = lt.Kind == KindIP
				_ = v
			}
			if !fits {
				c.errorf(el.Position(), "set element `%s` is %s, but `%s` is %s", Format(el), literalKindArticle(el), Format(x.X), lt)
				ok = false
			}
		}
		return ok
	}
	c.errorf(x.Y.Position(), "`in` needs a set `{...}` or a list `$name`")
	return false
}

// caseTraps warns about literals that can never equal a field Cloudflare
// normalises (lower-case extension, upper-case method).
func (c *checker) caseTraps(x *Compare) {
	root := rootField(x.X)
	if _, isField := stripParen(x.X).(*Field); !isField {
		return
	}
	var lits []*StringLit
	switch y := x.Y.(type) {
	case *StringLit:
		lits = []*StringLit{y}
	case *Set:
		for _, el := range y.Elems {
			if s, ok := el.(*StringLit); ok {
				lits = append(lits, s)
			}
		}
	}
	if x.Op == CmpWildcard {
		// case-insensitive: case never matters
		return
	}
	for _, s := range lits {
		switch root {
		case "http.request.uri.path.extension", "raw.http.request.uri.path.extension":
			if root == "raw.http.request.uri.path.extension" {
				continue
			}
			if l := asciiLower(s.Value); l != s.Value {
				c.warnf(s.P, "%s is lower-cased by Cloudflare, so %s never matches; write %s", root, quote(s.Value), quote(l))
			} else if strings.HasPrefix(s.Value, ".") {
				c.warnf(s.P, "%s has no leading dot, so %s never matches; write %s", root, quote(s.Value), quote(strings.TrimPrefix(s.Value, ".")))
			}
		case "http.request.method":
			if u := asciiUpper(s.Value); u != s.Value {
				c.warnf(s.P, "http.request.method is upper-case, so %s never matches; write %s", quote(s.Value), quote(u))
			}
		}
	}
}

func (c *checker) wildcardTraps(x *Compare, s *StringLit) {
	switch rootField(x.X) {
	case "http.request.full_uri", "raw.http.request.full_uri":
		if strings.HasPrefix(s.Value, "/") {
			c.warnf(s.P, "http.request.full_uri starts with the scheme and host (https://...), so %s never matches; use http.request.uri.path or start the pattern with `*`", quote(s.Value))
		}
	case "http.request.uri", "http.request.uri.path":
		if strings.HasPrefix(s.Value, "http://") || strings.HasPrefix(s.Value, "https://") {
			c.warnf(s.P, "%s has no scheme or host, so %s never matches; use http.request.full_uri", rootField(x.X), quote(s.Value))
		}
	}
}
