package cachekey

import (
	"fmt"
	"strings"
	"sync"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Stack is a zone's rules prepared for evaluation: every expression parsed
// once, so that explaining many requests, or finding the variants of many
// URLs, costs one parse per rule in total.
type Stack struct {
	rules []compiled
	// apo is the zone's APO setting (WithAPO); nil when not known.
	apo *APO
}

type compiled struct {
	rule     *rules.Rule
	ref      string
	expr     expr.Expr // nil when the expression did not parse
	parseErr error
	// settings are rule.Settings(), listed on first use (ruleSettings):
	// explaining a request stacks only the rules that match it, and
	// listing every rule's settings up front was most of what Compile
	// allocated (docs/performance.md, "Against start-up").
	settingsOnce sync.Once
	settings     []rules.Setting
	// reads is what the expression reads (requestParts), found on first
	// use (ruleReads) for the same reason: explain needs it only for the
	// matching rules that shape the key, and walking every expression up
	// front was most of what Compile did besides allocating this slice,
	// which the lazy pointer keeps smaller (docs/performance.md).
	readsOnce sync.Once
	reads     *ruleReads
}

// ruleReads is what a rule's expression reads besides the URL.
type ruleReads struct {
	// urlOnly is true when the expression reads nothing but the URL, so a
	// URL alone decides whether the rule matches.
	urlOnly bool
	// parts lists the request parts other than the URL the expression
	// reads ("header user-agent", "method", "cookie", "country"...).
	parts   []string
	headers []string // request headers the expression reads, lower-case
}

// Compile prepares rules (in the zone's order). It never fails: a rule whose
// expression does not parse is kept and reported by every evaluation, since
// the live rules of a zone are what they are.
func Compile(rs []*rules.Rule) *Stack {
	s := &Stack{rules: make([]compiled, len(rs))}
	for i, r := range rs {
		c := &s.rules[i]
		c.rule, c.ref = r, Ref(i, r)
		c.expr, c.parseErr = expr.Parse(r.Expression)
	}
	return s
}

// ruleReads returns what the rule's expression reads, finding it the
// first time (safe for concurrent use, as Variants is). An expression that
// does not parse reads nothing known, and is not URL-only.
func (c *compiled) ruleReads() *ruleReads {
	c.readsOnce.Do(func() {
		r := &ruleReads{}
		if c.parseErr == nil {
			r.parts, r.headers = requestParts(c.expr)
			r.urlOnly = len(r.parts) == 0
		}
		c.reads = r
	})
	return c.reads
}

// ruleSettings returns the rule's settings, listing them the first time
// (safe for concurrent use, as Variants is).
func (c *compiled) ruleSettings() []rules.Setting {
	c.settingsOnce.Do(func() { c.settings = c.rule.Settings() })
	return c.settings
}

// Ref names a rule in output: its ref, or rules[i] (0-based, as validation
// problems name it) when it has none.
func Ref(i int, r *rules.Rule) string {
	if r.Ref != "" {
		return r.Ref
	}
	return fmt.Sprintf("rules[%d]", i)
}

// Status is what happened to one rule for a request.
type Status string

const (
	Matched    Status = "matched"
	NotMatched Status = "not_matched"
	Disabled   Status = "disabled"
	// Invalid: the expression does not parse, so the rule cannot be
	// evaluated offline; it is counted as not matching.
	Invalid Status = "invalid"
)

// RuleResult is one rule's outcome for a request.
type RuleResult struct {
	Index       int    // position in the ruleset, 0-based
	Ref         string // see Ref
	Description string
	Status      Status
	// Reason says why the rule did not match: the first sub-expression that
	// was false and the request's values there, "disabled", or the parse
	// error. Empty when it matched.
	Reason string
}

// Matched reports whether the rule applied.
func (r RuleResult) Matched() bool { return r.Status == Matched }

// Effective is the result of stacking the matching rules' settings.
type Effective struct {
	// Settings is action_parameters as Cloudflare applies them: every
	// matching rule's settings merged, the later rule winning per setting.
	Settings *rules.Value
	// SetBy maps each setting path (as rules.Setting names it, e.g.
	// "edge_ttl", "cache_key.custom_key.header") to the ref of the rule
	// whose value won.
	SetBy map[string]string
	// Paths lists the keys of SetBy in the order they were first set.
	Paths []string
}

// Evaluation is a request run through the stack.
type Evaluation struct {
	Rules     []RuleResult
	Effective Effective
}

// Evaluate runs every rule in order against the request and stacks the
// settings of those that match. The error is for a request that cannot be
// evaluated at all (a URL that is not absolute http or https).
func (s *Stack) Evaluate(req expr.Request) (*Evaluation, error) {
	env, err := expr.NewEnv(req)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Rules: make([]RuleResult, len(s.rules))}
	var matched []int
	why := newReasons(len(s.rules))
	for i := range s.rules {
		c := &s.rules[i]
		res := RuleResult{Index: i, Ref: c.ref, Description: c.rule.Description}
		switch {
		case !c.rule.Enabled:
			res.Status, res.Reason = Disabled, "disabled"
		case c.parseErr != nil:
			res.Status, res.Reason = Invalid, "the expression does not parse: "+c.parseErr.Error()
		default:
			if why.eval(env, c.expr) {
				res.Status = Matched
				matched = append(matched, i)
			} else {
				res.Status = NotMatched
			}
		}
		why.mark(i)
		ev.Rules[i] = res
	}
	why.resolve(ev.Rules)
	ev.Effective = s.stack(matched)
	return ev, nil
}

// reasons holds the reasons of the rules that did not match, written into
// one buffer and sliced from it: one allocation for them all rather than
// three per rule (the formatted sub-expression, the values, the two
// joined), which with a 300-rule file were most of what evaluating
// allocated (docs/performance.md, "Against start-up").
type reasons struct {
	b    strings.Builder
	ends []int // ends[i]: where rule i's reason ends in b
}

// reasonSize is about the length of a reason (a comparison and the
// request's value there), for sizing the buffer.
const reasonSize = 128

func newReasons(n int) *reasons {
	r := &reasons{ends: make([]int, n)}
	r.b.Grow(reasonSize * n)
	return r
}

// eval evaluates e, writing the reason when it is false.
func (r *reasons) eval(env *expr.Env, e expr.Expr) bool { return env.EvalTo(&r.b, e) }

// mark ends rule i's reason (empty when eval was not called or matched).
func (r *reasons) mark(i int) { r.ends[i] = r.b.Len() }

// resolve sets the Reason of every NotMatched rule in rs.
func (r *reasons) resolve(rs []RuleResult) {
	all, start := r.b.String(), 0
	for i, end := range r.ends {
		if rs[i].Status == NotMatched {
			rs[i].Reason = all[start:end]
		}
		start = end
	}
}

// stack merges the settings of the rules at idx, in order.
func (s *Stack) stack(idx []int) Effective {
	eff := Effective{Settings: rules.NewObject(), SetBy: map[string]string{}}
	for _, i := range idx {
		c := &s.rules[i]
		for _, st := range c.ruleSettings() {
			setPath(eff.Settings, st.Path, st.Value.Clone())
			if _, seen := eff.SetBy[st.Path]; !seen {
				eff.Paths = append(eff.Paths, st.Path)
			}
			eff.SetBy[st.Path] = c.ref
		}
	}
	return eff
}

// setPath sets a dotted path inside an object, creating the objects on the
// way (a non-object in the way is replaced: the later rule's shape wins).
func setPath(root *rules.Value, path string, v *rules.Value) {
	keys := strings.Split(path, ".")
	cur := root
	for _, k := range keys[:len(keys)-1] {
		next := cur.Get(k)
		if next == nil || next.Kind != rules.Object {
			next = rules.NewObject()
			cur.Set(k, next)
		}
		cur = next
	}
	cur.Set(keys[len(keys)-1], v)
}

// isURLField reports whether a URL alone determines a field (the host from
// the URL, the scheme for ssl). Everything else a rule can read — headers,
// cookies, method, client address and geolocation, bot signals — is not in a
// URL.
func isURLField(name string) bool {
	name = strings.TrimPrefix(name, "raw.")
	switch name {
	case "http.host", "ssl", "cf.edge.server_port",
		"http.request.full_uri", "http.request.uri", "http.request.uri.path",
		"http.request.uri.path.extension", "http.request.uri.query",
		"http.request.uri.args", "http.request.uri.args.names", "http.request.uri.args.values":
		return true
	}
	return false
}

// headerField names the request header a field reads, "" for none.
func headerField(name string) string {
	switch name {
	case "http.user_agent":
		return "user-agent"
	case "http.referer":
		return "referer"
	case "http.x_forwarded_for":
		return "x-forwarded-for"
	case "http.cookie", "http.request.cookies":
		return "cookie"
	}
	return ""
}

// requestParts lists what an expression reads besides the URL, and the
// request headers among them. http.host is counted as URL-only although a
// Host header can override it: purge and warm requests carry the URL's host.
func requestParts(e expr.Expr) (reads, headers []string) {
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			reads = append(reads, s)
		}
	}
	addHeader := func(h string) {
		if !seen["header "+h] {
			headers = append(headers, h)
		}
		add("header " + h)
	}
	expr.Walk(e, func(n expr.Expr) bool {
		switch x := n.(type) {
		case *expr.Compare:
			// `any(http.request.headers.names[*] == "x-app")` (the field
			// table's own example) reads the header it names: a purge
			// entry must carry it for the rule to match it too.
			if names := namedHeaders(x); names != nil {
				for _, h := range names {
					addHeader(h)
				}
				return false
			}
		case *expr.Index:
			if f, ok := x.X.(*expr.Field); ok && f.Name == "http.request.headers" {
				if k, ok := x.Key.(*expr.StringLit); ok {
					addHeader(strings.ToLower(k.Value))
					return false
				}
			}
		case *expr.Field:
			switch {
			case isURLField(x.Name):
			case headerField(x.Name) != "":
				addHeader(headerField(x.Name))
			case strings.HasPrefix(x.Name, "http.request.headers"):
				add("headers")
			case x.Name == "http.request.method":
				add("method")
			case strings.HasPrefix(x.Name, "ip.src"), strings.HasPrefix(x.Name, "ip.geoip"):
				add("client address or location (" + x.Name + ")")
			default:
				add(x.Name)
			}
		case *expr.ListRef:
			// A list's contents are not in the rules; `in $list` on a URL
			// field is still decided by whatever the list holds.
			add("list $" + x.Name)
		}
		return true
	})
	return reads, headers
}

// namedHeaders returns the header names a comparison on
// http.request.headers.names looks for (lower-case, as a header map's keys
// are), or nil when it is not one: `names[*] == "a"`, `names[*] in {"a"
// "b"}`, and the same through lower()/upper() of the unpacked names. With
// wildcard, contains or matches the names are not literal: nil.
func namedHeaders(c *expr.Compare) []string {
	x := c.X
	for {
		switch v := x.(type) {
		case *expr.Paren:
			x = v.X
			continue
		case *expr.Index:
			if v.Star || v.Key != nil {
				x = v.X
				continue
			}
		case *expr.Call:
			if (v.Name == "lower" || v.Name == "upper") && len(v.Args) == 1 {
				x = v.Args[0]
				continue
			}
		}
		break
	}
	if f, ok := x.(*expr.Field); !ok || strings.TrimPrefix(f.Name, "raw.") != "http.request.headers.names" {
		return nil
	}
	var lits []expr.Expr
	switch c.Op {
	case expr.CmpEq:
		lits = []expr.Expr{c.Y}
	case expr.CmpIn:
		set, ok := c.Y.(*expr.Set)
		if !ok {
			return nil
		}
		lits = set.Elems
	default:
		return nil
	}
	var out []string
	for _, l := range lits {
		s, ok := l.(*expr.StringLit)
		if !ok {
			return nil
		}
		out = append(out, strings.ToLower(s.Value))
	}
	return out
}
