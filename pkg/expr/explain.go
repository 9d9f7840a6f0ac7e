package expr

import (
	"sort"
	"strconv"
	"strings"
)

// maxShown bounds how many array elements an explanation prints.
const maxShown = 8

// explain finds why e evaluated to false: it descends through `and`, `not`
// and parentheses to the first false operand and describes the values the
// request had there.
func (env *Env) explain(e Expr) Explanation {
	switch x := e.(type) {
	case *Paren:
		return env.explain(x.X)
	case *Binary:
		switch x.Op {
		case OpAnd:
			if !env.truth(env.eval(x.X)) {
				return env.explain(x.X)
			}
			return env.explain(x.Y)
		case OpOr:
			return Explanation{Expr: Format(x), Detail: joinDetails(env.explainDetail(x.X), env.explainDetail(x.Y)), Pos: x.Position()}
		case OpXor:
			d := "both sides were false"
			if env.truth(env.eval(x.X)) {
				d = "both sides were true"
			}
			return Explanation{Expr: Format(x), Detail: joinDetails(d, env.describeBool(x.X), env.describeBool(x.Y)), Pos: x.Position()}
		}
	case *Not:
		d := "`" + Format(x.X) + "` was true"
		if inner := env.describeBool(x.X); inner != "" {
			d += ": " + inner
		}
		return Explanation{Expr: Format(x), Detail: d, Pos: x.P}
	}
	return Explanation{Expr: Format(e), Detail: env.describeBool(e), Pos: e.Position()}
}

// EvalTo evaluates e like Eval and, when it is false, writes what
// Eval's Explanation.String() would be into b. `rules explain` writes every
// rule's reason into one buffer this way: Eval costs three strings per rule
// that does not match (the formatted sub-expression, the values, the two
// joined), this one at most the values, and for a comparison or a call on
// a string field none (docs/performance.md, "Against start-up").
//
// It also evaluates each operand of `and` once, where Eval evaluates the
// false one again to explain it: an `and` is true only when both operands
// are (eval), and explain explains the first operand that is not true,
// which is the one EvalTo stops at.
func (env *Env) EvalTo(b *strings.Builder, e Expr) bool {
	switch x := e.(type) {
	case *Paren:
		return env.EvalTo(b, x.X)
	case *Binary:
		if x.Op == OpAnd {
			return env.EvalTo(b, x.X) && env.EvalTo(b, x.Y)
		}
	}
	if env.truth(env.eval(e)) {
		return true
	}
	env.explainTo(b, e)
	return false
}

// explainDetail is explain(e).Detail without formatting the
// sub-expression explain names: an `or` shows only its operands' details.
func (env *Env) explainDetail(e Expr) string {
	switch x := e.(type) {
	case *Paren:
		return env.explainDetail(x.X)
	case *Binary:
		switch x.Op {
		case OpAnd:
			if !env.truth(env.eval(x.X)) {
				return env.explainDetail(x.X)
			}
			return env.explainDetail(x.Y)
		case OpOr:
			return joinDetails(env.explainDetail(x.X), env.explainDetail(x.Y))
		case OpXor:
			return env.explain(e).Detail
		}
	case *Not:
		return env.explain(e).Detail
	}
	return env.describeBool(e)
}

// explainTo writes explain(e).String() into b for an e that is neither a
// parenthesis nor an `and` (EvalTo descends through those).
func (env *Env) explainTo(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case *Binary:
		switch x.Op {
		case OpOr:
			// explain's Explanation, written in place.
			b.WriteByte('`')
			writeExpr(b, x)
			b.WriteString("` was false")
			if d := joinDetails(env.explainDetail(x.X), env.explainDetail(x.Y)); d != "" {
				b.WriteString(": ")
				b.WriteString(d)
			}
			return
		case OpXor:
			b.WriteString(env.explain(e).String())
			return
		}
	case *Not:
		b.WriteString(env.explain(e).String())
		return
	}
	// explain's last case: Format(e) and describeBool(e), written in place.
	b.WriteByte('`')
	writeExpr(b, e)
	b.WriteString("` was false")
	if c, ok := e.(*Compare); ok {
		if _, isList := c.Y.(*ListRef); !isList && !describesNothing(c.X) {
			// describeBool of a comparison is describe(c.X), never empty
			// here and never passed through joinDetails.
			b.WriteString(": ")
			env.describeTo(b, c.X)
			return
		}
	}
	if c, ok := e.(*Call); ok {
		if f, v, ok := env.callOnStringField(c); ok {
			b.WriteString(": ")
			b.WriteString(f.Name) // describe(f), written in place
			b.WriteString(" is ")
			writeQuoted(b, v)
			return
		}
	}
	if d := env.describeBool(e); d != "" {
		b.WriteString(": ")
		b.WriteString(d)
	}
}

// callOnStringField finds whether describeBool(c) is describe of its one
// argument that reads a field, that argument a known field with a string
// value: a call such as starts_with(http.request.uri.path, "/a/"). It
// returns the field and its value. With no ';' in the value joinDetails
// leaves that description as it is.
func (env *Env) callOnStringField(c *Call) (*Field, string, bool) {
	if c.Name == "any" || c.Name == "all" {
		return nil, "", false
	}
	var field *Field
	for _, a := range c.Args {
		if f, ok := describedExpr(a).(*Field); ok {
			if field != nil {
				return nil, "", false
			}
			field = f
		} else if hasField(a) {
			return nil, "", false
		}
	}
	if field == nil {
		return nil, "", false
	}
	if !fields().known(field.Name) {
		return nil, "", false
	}
	v := env.eval(field)
	if v.k != vString || v.unknown || strings.Contains(v.s, ";") {
		return nil, "", false
	}
	return field, v.s, true
}

func joinDetails(ds ...string) string {
	if len(ds) == 1 && !strings.Contains(ds[0], "; ") {
		return ds[0] // what the loop below makes of it, without its allocations
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range ds {
		for _, part := range strings.Split(d, "; ") {
			if part != "" && !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return strings.Join(out, "; ")
}

// describeBool describes the request values a boolean sub-expression looked
// at, e.g. `http.host is "www.example.com"`.
func (env *Env) describeBool(e Expr) string {
	switch x := e.(type) {
	case *Paren:
		return env.describeBool(x.X)
	case *Compare:
		d := env.describe(x.X)
		if l, ok := x.Y.(*ListRef); ok {
			if _, have := env.lists[l.Name]; !have {
				d = joinDetails(d, "list $"+l.Name+" was not provided, so nothing is in it")
			}
		}
		return d
	case *Field, *Index:
		return env.describe(x)
	case *Not:
		return env.describeBool(x.X)
	case *Binary:
		return joinDetails(env.describeBool(x.X), env.describeBool(x.Y))
	case *BoolLit:
		return ""
	case *Call:
		switch x.Name {
		case "any", "all":
			if len(x.Args) == 1 {
				d := env.describeBool(x.Args[0])
				if x.Name == "any" {
					return joinDetails("no element matched", d)
				}
				return joinDetails("not every element matched", d)
			}
		default:
			var scratch [4]string
			ds := scratch[:0]
			for _, a := range x.Args {
				if hasField(a) {
					ds = append(ds, env.describe(a))
				}
			}
			return joinDetails(ds...)
		}
	}
	return ""
}

func hasField(e Expr) bool {
	found := false
	Walk(e, func(n Expr) bool {
		if _, ok := n.(*Field); ok {
			found = true
		}
		return !found
	})
	return found
}

// describe renders "<expr> is <value>". A trailing [*] is dropped so the
// whole array is shown.
func (env *Env) describe(e Expr) string {
	if describesNothing(e) {
		return ""
	}
	e = describedExpr(e)
	v := env.eval(e)
	// Report the outermost missing part: for X["k"][0] with no key "k",
	// describe X["k"] rather than the element.
	for v.k == vMissing && !v.unknown {
		ix, ok := e.(*Index)
		if !ok {
			break
		}
		inner := env.eval(ix.X)
		if inner.k != vMissing || inner.unknown {
			break
		}
		e, v = ix.X, inner
	}
	text := Format(e)
	if f, ok := e.(*Field); ok {
		if !fields().known(f.Name) {
			return f.Name + " is not a known field"
		}
	}
	switch {
	case v.unknown:
		if f, ok := e.(*Field); ok {
			if v.k == vBool {
				return f.Name + " is not known offline (assumed false)"
			}
			return f.Name + " is not known offline (treated as missing)"
		}
		return text + " is missing (" + rootField(e) + " is not known offline)"
	case v.k == vMissing:
		if ix, ok := e.(*Index); ok {
			if _, isKey := ix.Key.(*StringLit); isKey {
				return text + " is missing (no such key)"
			}
			return text + " is missing (no such element)"
		}
		return text + " is missing"
	}
	if v.k == vString {
		// render(v) is quote(v.s); written in place, one allocation.
		var b strings.Builder
		b.Grow(len(text) + len(" is ") + len(v.s) + 2)
		b.WriteString(text)
		b.WriteString(" is ")
		writeQuoted(&b, v.s)
		return b.String()
	}
	return text + " is " + render(v)
}

// describesNothing reports whether describe(e) is "": a call with
// arguments that reads no field.
func describesNothing(e Expr) bool {
	c, ok := describedExpr(e).(*Call)
	return ok && len(c.Args) > 0 && !hasField(c)
}

// describedExpr is the expression describe shows: without parentheses, and
// without a trailing [*], so the whole array is shown.
func describedExpr(e Expr) Expr {
	e = stripParen(e)
	if ix, ok := e.(*Index); ok && ix.Star {
		e = ix.X
	}
	return e
}

// describeTo writes describe(e) into b. Its common case, a field with a
// string value, is written in place; the rest as describe builds it.
func (env *Env) describeTo(b *strings.Builder, e Expr) {
	if f, ok := describedExpr(e).(*Field); ok {
		if fields().known(f.Name) {
			if v := env.eval(f); v.k == vString && !v.unknown {
				b.WriteString(f.Name)
				b.WriteString(" is ")
				writeQuoted(b, v.s)
				return
			}
		}
	}
	b.WriteString(env.describe(e))
}

func render(v value) string {
	switch v.k {
	case vBool:
		return strconv.FormatBool(v.b)
	case vInt:
		return strconv.FormatInt(v.i, 10)
	case vString:
		return quote(v.s)
	case vIP:
		return v.ip.String()
	case vArray:
		var b strings.Builder
		b.WriteByte('[')
		for i, el := range v.arr {
			if i == maxShown {
				b.WriteString(", ... " + strconv.Itoa(len(v.arr)-maxShown) + " more")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(render(el))
		}
		b.WriteByte(']')
		return b.String()
	case vMap:
		keys := make([]string, 0, len(v.m))
		for k := range v.m {
			keys = append(keys, k)
		}
		sortStrings(keys)
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range keys {
			if i == maxShown {
				b.WriteString(", ... " + strconv.Itoa(len(keys)-maxShown) + " more")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k) + ": " + render(v.m[k]))
		}
		b.WriteByte('}')
		return b.String()
	}
	return "missing"
}

func sortStrings(s []string) { sort.Strings(s) }
