package rules

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Options configure Validate.
type Options struct {
	// Limits is the plan's row of the limits table. The zero value means
	// Enterprise from limits.Default(), the most permissive plan: the command
	// says so when the user gave no --plan.
	Limits limits.Limits
	// Checker checks expressions; nil means NewDefaultChecker().
	Checker ExpressionChecker
	// Phase is the phase of rules that did not come from a file
	// (ValidateRules); "" means PhaseRequest. Validate uses the file's.
	Phase string
}

func (o Options) limits() limits.Limits {
	if o.Limits.Plan == "" {
		return limits.Default().For(limits.Enterprise)
	}
	return o.Limits
}

// vctx collects problems for one validation run.
type vctx struct {
	file string
	src  *source
	lim  limits.Limits
	sch  *schema
	// respSchemas are the response phase's schemas built so far.
	respSchemas []actionSchema
	phase       string
	probs       Problems
}

func (c *vctx) add(sev Severity, p Pos, path keyPath, format string, args ...any) {
	c.probs = append(c.probs, Problem{File: c.file, Line: int(p.Line), Path: path.String(),
		Message: fmt.Sprintf(format, args...), Severity: sev, Code: codeFor(checkCodes, format, sev)})
}

func (c *vctx) errf(p Pos, path keyPath, format string, args ...any) {
	c.add(SeverityError, p, path, format, args...)
}

// refuse adds an error whose message is already written, with its code
// given here: a "%s" format would take the code of another check's
// message (code.go keys codes by format).
func (c *vctx) refuse(p Pos, path keyPath, code, msg string) {
	c.probs = append(c.probs, Problem{File: c.file, Line: int(p.Line), Path: path.String(), Message: msg, Severity: SeverityError, Code: code})
}

func (c *vctx) warnf(p Pos, path keyPath, format string, args ...any) {
	c.add(SeverityWarning, p, path, format, args...)
}

// Validate checks a parsed file: every rule's fields and parameters, the
// plan's gates, the expressions, and lint warnings. It returns every problem
// sorted by line; errors make the file invalid, warnings do not.
//
// A File remembers its last validation: `rules diff` and `deploy` check a
// file against the loosest plan before the zone lookup (issue 9: nothing
// is sent for an invalid file) and again against the zone's plan, and on
// an Enterprise zone the second pass asked the same question as the first
// (docs/performance.md, "Against start-up"). A parsed file's rules are not
// changed afterwards (AttachIDs sets ids, which are not validated).
func Validate(f *File, opts Options) Problems {
	lim, phase := opts.limits(), PhaseOrDefault(f.Phase)
	if v := f.validated; v != nil && v.lim == lim && v.phase == phase && v.rules == len(f.Rules) && sameChecker(v.checker, opts.Checker) {
		return append(Problems(nil), v.probs...)
	}
	c := &vctx{file: f.Name, src: f.src, lim: lim, sch: paramsSchema(), phase: phase}
	c.validateRules(f.Rules, f.RulesPos, opts.Checker)
	c.probs.Sort()
	f.validated = &validation{lim: lim, phase: phase, rules: len(f.Rules), checker: opts.Checker, probs: append(Problems(nil), c.probs...)}
	return c.probs
}

// validation is a File's last Validate: its inputs and its answer.
type validation struct {
	lim     limits.Limits
	phase   string
	rules   int
	checker ExpressionChecker
	probs   Problems
}

// sameChecker reports whether two checkers are known to give the same
// answers: equal comparable values (the commands' checker is an empty
// struct; nil is the default checker).
func sameChecker(a, b ExpressionChecker) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// ValidateRules checks rules that did not come from a file (for example the
// rules about to be written by rollback); problems carry no line.
func ValidateRules(name string, rules []*Rule, opts Options) Problems {
	c := &vctx{file: name, lim: opts.limits(), sch: paramsSchema(), phase: PhaseOrDefault(opts.Phase)}
	c.validateRules(rules, Pos{}, opts.Checker)
	return c.probs
}

// Check parses and validates in one go: the common path for `rules validate`.
// Parse problems come first; validation only runs on a file that parsed.
func Check(name string, data []byte, opts Options) (*File, Problems) {
	f, probs := Parse(name, data)
	if len(f.Rules) > 0 || !probs.HasErrors() {
		probs = append(probs, Validate(f, opts)...)
	}
	probs.Sort()
	return f, probs
}

func (c *vctx) validateRules(rules []*Rule, rulesPos Pos, checker ExpressionChecker) {
	if checker == nil {
		checker = NewDefaultChecker()
	}
	// Each phase has its own count (cloudflare.md: 10/25/50/300 Cache
	// Rules, and as many Cache Response Rules).
	if limit := c.lim.RulesPerPhase(c.phase == PhaseResponse); len(rules) > limit {
		// Reported at the first rule over the limit: that is where the file
		// has to be cut (interface.md, rules validate: LINE).
		at := rulesPos
		if first := rules[limit]; first.node != nil {
			at = first.node.Pos
		}
		c.errf(at, rootPath("rules"), "%d rules exceed the %s plan's limit of %d per zone: rules[%d] is the first one over it", len(rules), c.lim.Plan, limit, limit)
	}
	refs := make(map[string]int, len(rules))
	root := rootPath("rules")
	for i, r := range rules {
		path := root.at(i)
		refPath := path.dot("ref")
		switch {
		case r.hasKey("ref") && r.Ref == "" && r.node.Get("ref").Kind != String:
			// Parse already reported the wrong type.
		case strings.TrimSpace(r.Ref) == "":
			c.errf(r.pos("ref"), refPath, "missing ref: give every rule a unique, stable ref (it identifies the rule in diff and deploy)")
		case r.Ref != strings.TrimSpace(r.Ref):
			c.errf(r.pos("ref"), refPath, "ref %q has leading or trailing spaces", r.Ref)
		case strings.IndexFunc(r.Ref, unicode.IsControl) >= 0:
			// A NUL or other control character is invisible in a diff or a
			// terminal and truncates the ref in C-based tools downstream.
			ch := r.Ref[strings.IndexFunc(r.Ref, unicode.IsControl):]
			c.errf(r.pos("ref"), refPath, "ref %q holds the control character U+%04X: refs are printable text", r.Ref, []rune(ch)[0])
		default:
			if first, ok := refs[r.Ref]; ok {
				c.errf(r.pos("ref"), refPath, "duplicate ref %q: rules[%d]%s already uses it", r.Ref, first, lineNote(rules[first].Line()))
			} else {
				refs[r.Ref] = i
			}
		}
		if why := actionRefusal(r.Action, c.phase); why != "" {
			c.refuse(r.pos("action"), path.dot("action"), "schema/action", why)
		}
		c.expression(r, path, checker)
		if c.phase == PhaseResponse {
			c.responseParams(r, path, checker)
		} else if r.Action == ActionSetCacheSettings {
			c.params(r, path)
		}
	}
	// lint's index of expressions reuses the map of refs: each is as
	// large as the file has rules (some 13 kB for 300), and the refs are
	// not needed any more.
	clear(refs)
	c.lint(rules, refs)
}

func lineNote(line int) string {
	if line == 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d)", line)
}

func (c *vctx) expression(r *Rule, rule keyPath, checker ExpressionChecker) {
	path := rule.dot("expression")
	var node *Value
	if r.node != nil {
		node = r.node.Get("expression")
	}
	pos := r.pos("expression")
	if strings.TrimSpace(r.Expression) == "" {
		if node == nil {
			c.errf(pos, path, "missing expression: say which requests the rule matches (true matches all)")
			return
		}
		// An empty expression is an expression problem and, like the
		// others, has a column: the value's, wherever it is written (a JSON
		// value may be on the next line; a key may be quoted). A missing
		// value (`expression:`) has its position just after the colon, as
		// the readers place it.
		at := node.Pos
		if at.Line == 0 {
			at = pos
		}
		c.probs = append(c.probs, Problem{File: c.file, Line: int(at.Line), Col: int(at.Col), Path: path.String(), Code: "expr/missing",
			Message: "empty expression: say which requests the rule matches (true matches all)", Severity: SeverityError})
		return
	}
	// A text no longer in bytes than the limit is within it in characters:
	// only a longer one is counted.
	if len(r.Expression) > c.lim.ExpressionMaxLength {
		if n := utf8.RuneCountInString(r.Expression); n > c.lim.ExpressionMaxLength {
			c.errf(pos, path, "expression is %d characters long: the limit is %d", n, c.lim.ExpressionMaxLength)
		}
	}
	var eps []ExprProblem
	if pc, ok := checker.(PhaseExpressionChecker); ok {
		eps = pc.CheckPhase(r.Expression, c.lim, c.phase)
	} else {
		eps = checker.Check(r.Expression, c.lim)
	}
	c.exprProblems(r, node, path, eps)
}

// exprProblems adds what an expression checker found, at the place in the
// file each problem points to (node is the expression's string in the
// file, nil for rules that did not come from one).
func (c *vctx) exprProblems(r *Rule, node *Value, path keyPath, eps []ExprProblem) {
	for _, ep := range eps {
		sev := SeverityError
		if ep.Warning {
			sev = SeverityWarning
		}
		p := Problem{File: c.file, Path: path.String(), Message: ep.Message, Severity: sev, Code: CodeExprSyntax}
		if ep.Warning {
			p.Code = CodeExprWarning
		}
		if node != nil {
			fp := exprFilePos(r.src, node, ep.Line, ep.Col)
			p.Line, p.Col = int(fp.Line), int(fp.Col)
		}
		c.probs = append(c.probs, p)
	}
}

// params checks action_parameters: the schema, then rules the schema cannot
// express, then the plan's gates.
func (c *vctx) params(r *Rule, rule keyPath) {
	path := rule.dot("action_parameters")
	p := r.Params
	if p == nil && r.hasKey("action_parameters") && r.node.Get("action_parameters").Kind != Null {
		return // Parse already reported the wrong type.
	}
	if p == nil || len(p.Fields()) == 0 {
		c.errf(r.pos("action_parameters"), path, "no settings: give at least one (for example cache: true)")
		return
	}
	c.checkSchema(p, c.sch, path, r.pos("action_parameters"))
	c.enterpriseOnly(p, path)

	if ef := p.field("edge_ttl"); ef != nil && ef.Value.Kind == Object {
		c.edgeTTL(ef, path.dot("edge_ttl"))
	}
	if bf := p.field("browser_ttl"); bf != nil && bf.Value.Kind == Object {
		b := bf.Value
		mode, def := b.Get("mode"), b.field("default")
		if def != nil && mode != nil && mode.Kind == String && mode.Str != "override_origin" {
			c.errf(def.KeyPos, path.dot("browser_ttl.default"), "default is only allowed with mode override_origin (mode is %s)", mode.Str)
		}
		if def == nil && mode != nil && mode.Kind == String && mode.Str == "override_origin" {
			c.errf(bf.KeyPos, path.dot("browser_ttl.default"), "missing (required with mode override_origin): say how many seconds browsers may cache; the API refuses override_origin without it")
		}
	}
	if vh := p.Lookup("vary", "headers"); vh != nil && vh.Kind == Object {
		c.varyHeaders(vh, path.dot("vary.headers"))
	}
	if ck := p.Lookup("cache_key", "custom_key"); ck != nil && ck.Kind == Object {
		c.customKey(ck, path.dot("cache_key.custom_key"))
	}
	// Only edge_ttl is pointless without caching: browser_ttl still decides
	// what browsers are told (bypass is a common companion of cache: false).
	if cv := p.Get("cache"); cv != nil && cv.Kind == Bool && !cv.Bool {
		if f := p.field("edge_ttl"); f != nil {
			c.warnf(f.KeyPos, path.dot("edge_ttl"), "cache is false, so matching responses are never cached and edge_ttl has no effect")
		}
	}
}

func (c *vctx) edgeTTL(ef *Field, path keyPath) {
	e := ef.Value
	mode := e.Get("mode")
	modeStr := ""
	if mode != nil && mode.Kind == String {
		modeStr = mode.Str
	}
	if df := e.field("default"); df != nil {
		if n, ok := df.Value.Int(); ok && n >= 0 && n < int64(c.lim.MinEdgeTTLSeconds) {
			c.errf(df.KeyPos, path.dot("default"), "%d s is below the %s plan's minimum edge TTL of %s", n, c.lim.Plan, humanSeconds(int64(c.lim.MinEdgeTTLSeconds)))
		}
		if modeStr != "" && modeStr != "override_origin" {
			c.warnf(df.KeyPos, path.dot("default"), "default is ignored unless mode is override_origin (mode is %s)", modeStr)
		}
	} else if modeStr == "override_origin" {
		// The API and the Terraform provider refuse it (cloudflare.md,
		// "Newer request-phase parameters"); it used to be a warning.
		c.errf(ef.KeyPos, path.dot("default"), "missing (required with mode override_origin): say how many seconds the edge may cache; the API refuses override_origin without it")
	}
	sct := e.field("status_code_ttl")
	if sct == nil || sct.Value.Kind != Array {
		return
	}
	sctPath := path.dot("status_code_ttl")
	if !c.lim.StatusCodeTTL {
		c.errf(sct.KeyPos, sctPath, "status code TTLs need the Enterprise plan; this is checked against %s", c.lim.Plan)
	}
	type span struct {
		lo, hi int64
		i      int
	}
	var buf [8]span // a list this long or shorter allocates nothing
	spans := buf[:0]
	for i, it := range sct.Value.Items() {
		ip := sctPath.at(i)
		if it.Kind != Object {
			continue
		}
		code, rng, rngf := it.Get("status_code"), it.Get("status_code_range"), it.field("status_code_range")
		switch {
		case code != nil && rng != nil:
			c.errf(it.Pos, ip, "give status_code or status_code_range, not both")
			continue
		case code == nil && rng == nil:
			c.errf(it.Pos, ip, "missing status_code or status_code_range")
			continue
		}
		lo, hi := int64(100), int64(999)
		if code != nil {
			n, ok := code.Int()
			if !ok {
				continue
			}
			lo, hi = n, n
		} else if rng.Kind == Object {
			from, to := rng.Get("from"), rng.Get("to")
			if from == nil && to == nil {
				c.errf(rngf.KeyPos, ip.dot("status_code_range"), "give from, to or both")
				continue
			}
			if from != nil {
				n, ok := from.Int()
				if !ok {
					continue
				}
				lo = n
			}
			if to != nil {
				n, ok := to.Int()
				if !ok {
					continue
				}
				hi = n
			}
			if lo > hi {
				c.errf(rngf.KeyPos, ip.dot("status_code_range"), "from %d is greater than to %d", lo, hi)
				continue
			}
		}
		for _, s := range spans {
			if lo <= s.hi && s.lo <= hi {
				c.warnf(it.Pos, ip, "overlaps status_code_ttl[%d]: which TTL applies is unclear", s.i)
				break
			}
		}
		spans = append(spans, span{lo, hi, i})
	}
}

// Cache key headers Cloudflare refuses, and those it accepts only with
// explicit values (docs/cloudflare.md, "Cache Rules").
func forbiddenHeaders() []string {
	return []string{"connection", "content-length", "cache-control", "if-match", "if-modified-since",
		"if-none-match", "if-unmodified-since", "range", "upgrade", "cookie", "host"}
}

// maxRestrictedValues is how many values a restricted header takes under
// contains: 1 to 10 since the cache-keys page of 2025-09 (cloudflare.md; the
// settings page's "one to three" is stale).
const maxRestrictedValues = 10

func restrictedHeaders() []string {
	return []string{"accept", "accept-charset", "accept-encoding", "accept-datetime", "accept-language", "referer", "user-agent"}
}

// headerRefusal says why a header cannot be in the cache key, or "".
func headerRefusal(name string) string {
	h := strings.ToLower(strings.TrimSpace(name))
	switch {
	case h == "":
		return "empty header name"
	case h == "origin":
		return "origin cannot be listed; the cache key includes it unless exclude_origin is true"
	case h == "cookie":
		return "cookie cannot be in the cache key as a header; use custom_key.cookie"
	case h == "host":
		return "host cannot be in the cache key as a header; use custom_key.host"
	case strings.HasPrefix(h, "cf-"):
		return fmt.Sprintf("%s: cf-* headers cannot be in the cache key", name)
	case contains(forbiddenHeaders(), h):
		return fmt.Sprintf("%s cannot be in the cache key", name)
	case strings.ContainsAny(h, " \t:;,\"()/<>=?@[]\\{}"):
		return fmt.Sprintf("%q is not a valid header name", name)
	}
	return ""
}

func (c *vctx) customKey(ck *Value, path keyPath) {
	gate := func(f *Field, what string) {
		if !c.lim.CustomCacheKey {
			c.errf(f.KeyPos, path.dot(f.Key), "a custom cache key by %s needs the Enterprise plan; this is checked against %s", what, c.lim.Plan)
		}
	}
	if qf := ck.field("query_string"); qf != nil && qf.Value.Kind == Object {
		qs, qp := qf.Value, path.dot("query_string")
		inc, exc := qs.field("include"), qs.field("exclude")
		switch {
		case inc != nil && exc != nil:
			c.errf(exc.KeyPos, qp, "give include or exclude, not both")
		case inc == nil && exc == nil:
			c.errf(qf.KeyPos, qp, "give include or exclude")
		}
		for _, sel := range []*Field{inc, exc} {
			if sel == nil || sel.Value.Kind != Object {
				continue
			}
			sp := qp.dot(sel.Key)
			all, list := sel.Value.field("all"), sel.Value.field("list")
			switch {
			case all != nil && list != nil:
				c.errf(list.KeyPos, sp, "give all or list, not both")
			case all == nil && list == nil:
				c.errf(sel.KeyPos, sp, "give all: true or a list of parameters")
			case all != nil && all.Value.Kind == Bool && !all.Value.Bool:
				c.errf(all.KeyPos, sp.dot("all"), "all: false is not accepted; leave %s out instead", sel.Key)
			case list != nil && list.Value.Kind == Array:
				gate(qf, "query string parameter list")
				if len(list.Value.Items()) == 0 {
					c.errf(list.KeyPos, sp.dot("list"), "empty list: give at least one parameter name")
				}
				if len(list.Value.Items()) > 100 {
					c.errf(list.Value.Items()[100].Pos, sp.dot("list"), "%d parameters: a cache key holds at most 100", len(list.Value.Items()))
				}
				for i, it := range list.Value.Items() {
					if it.Kind == String && strings.TrimSpace(it.Str) == "" {
						lp := sp.dot("list")
						c.errf(it.Pos, lp.at(i), "empty parameter name")
					}
				}
			}
		}
	}
	if hf := ck.field("header"); hf != nil && hf.Value.Kind == Object {
		gate(hf, "header")
		h, hp := hf.Value, path.dot("header")
		for _, key := range []string{"include", "check_presence"} {
			l := h.Get(key)
			if l == nil || l.Kind != Array {
				continue
			}
			for i, it := range l.Items() {
				if it.Kind != String {
					continue
				}
				lp := hp.dot(key)
				ip := lp.at(i)
				if why := headerRefusal(it.Str); why != "" {
					c.errf(it.Pos, ip, "%s", why)
				} else if key == "include" && contains(restrictedHeaders(), strings.ToLower(it.Str)) {
					c.errf(it.Pos, ip, "%s is restricted: list 1–10 values under contains instead of including every value", strings.ToLower(it.Str))
				}
			}
		}
		if cm := h.Get("contains"); cm != nil && cm.Kind == Object {
			for _, f := range cm.Fields() {
				ip := hp.dot("contains." + f.Key)
				if why := headerRefusal(f.Key); why != "" {
					c.errf(f.KeyPos, ip, "%s", why)
					continue
				}
				if f.Value.Kind != Array {
					continue
				}
				n := len(f.Value.Items())
				restricted := contains(restrictedHeaders(), strings.ToLower(f.Key))
				switch {
				case restricted && n > maxRestrictedValues:
					c.errf(f.Value.Items()[maxRestrictedValues].Pos, ip, "%s is restricted: give 1–%d values, not %d", strings.ToLower(f.Key), maxRestrictedValues, n)
				case restricted && n < 1:
					c.errf(f.KeyPos, ip, "%s is restricted: give 1–%d values, not %d", strings.ToLower(f.Key), maxRestrictedValues, n)
				case n == 0:
					c.errf(f.KeyPos, ip, "empty list: give at least one value")
				}
				if restricted {
					c.substringValues(f, ip)
				}
				for i, it := range f.Value.Items() {
					if it.Kind == String && it.Str == "" {
						c.errf(it.Pos, ip.at(i), "empty value")
					}
				}
			}
		}
	}
	if cf := ck.field("cookie"); cf != nil && cf.Value.Kind == Object {
		gate(cf, "cookie")
		for _, key := range []string{"include", "check_presence"} {
			l := cf.Value.Get(key)
			if l == nil || l.Kind != Array {
				continue
			}
			for i, it := range l.Items() {
				if it.Kind != String {
					continue
				}
				lp := path.dot("cookie." + key)
				ip := lp.at(i)
				switch {
				case strings.TrimSpace(it.Str) == "":
					c.errf(it.Pos, ip, "empty cookie name")
				case strings.HasPrefix(strings.ToLower(it.Str), "__cf"):
					c.errf(it.Pos, ip, "%s: cookies starting __cf belong to Cloudflare and cannot be in the cache key", it.Str)
				}
			}
		}
	}
	for _, part := range []string{"host", "user"} {
		if f := ck.field(part); f != nil {
			gate(f, part)
		}
	}
}

// substringValues warns where a restricted header's values do not do what
// they look like: they match as case-sensitive substrings of the header
// (cloudflare.md, "Cache Rules", 2026-08), so a value inside another value
// also matches every request the longer one does, and a value in another
// case than browsers send (content codings, media types and charsets are
// sent in lower case) never matches.
func (c *vctx) substringValues(f *Field, path keyPath) {
	h := strings.ToLower(f.Key)
	for i, it := range f.Value.Items() {
		if it.Kind != String || it.Str == "" {
			continue
		}
		ip := path.at(i)
		for j, o := range f.Value.Items() {
			if j != i && o.Kind == String && o.Str != it.Str && strings.Contains(o.Str, it.Str) {
				c.warnf(it.Pos, ip, "%q is part of %q: %s values match as case-sensitive substrings, so every request matching [%d] also matches this one", it.Str, o.Str, h, j)
				break
			}
		}
		if (h == "accept-encoding" || h == "accept" || h == "accept-charset") && it.Str != strings.ToLower(it.Str) {
			c.warnf(it.Pos, ip, "%q has upper-case letters: %s values match as case-sensitive substrings and browsers send %s in lower case, so this never matches", it.Str, h, h)
		}
	}
}

// enterpriseOnly refuses the settings that only Enterprise zones may use
// (cloudflare.md, "Newer request-phase parameters": Proxy Read Timeout,
// caching on additional ports, Origin Cache-Control), at their key, like
// the other plan gates checked against --plan.
func (c *vctx) enterpriseOnly(p *Value, path keyPath) {
	if c.lim.Plan.AtLeast(limits.Enterprise) {
		return
	}
	for _, g := range []struct{ key, what string }{
		{"read_timeout", "a proxy read timeout"},
		{"additional_cacheable_ports", "caching on additional ports"},
		{"origin_cache_control", "origin Cache-Control"},
	} {
		if f := p.field(g.key); f != nil {
			c.errf(f.KeyPos, path.dot(g.key), "%s needs the Enterprise plan; this is checked against %s", g.what, c.lim.Plan)
		}
	}
}

// varyHeaders checks the header map of vary against the rules of
// cloudflare-docs cache/how-to/cache-rules/settings.mdx ("Vary", commit
// 09c441806a50ed4d7cd8f35f9c91234ba431f419): names lower-case, of letters,
// digits, `_` and `-`, at most 128 characters, not `cf-`/`cf_` nor a
// hop-by-hop or cache-control header; media_types only for accept,
// languages only for accept-language; their values non-empty printable
// ASCII. The counts are in the schema.
func (c *vctx) varyHeaders(vh *Value, path keyPath) {
	for _, f := range vh.Fields() {
		hp := path.dot(f.Key)
		name := f.Key
		switch {
		case name == "":
			c.errf(f.KeyPos, hp, "empty header name")
		case name != strings.ToLower(name):
			c.errf(f.KeyPos, hp, "header names under vary must be lower-case: write %s", strings.ToLower(name))
		case strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		}) >= 0:
			c.errf(f.KeyPos, hp, "%q is not a valid header name here: letters, digits, _ and - only", name)
		case len(name) > 128:
			c.errf(f.KeyPos, hp, "header name is %d characters long: at most 128", len(name))
		case strings.HasPrefix(name, "cf-") || strings.HasPrefix(name, "cf_"):
			c.errf(f.KeyPos, hp, "%s: cf- and cf_ headers cannot be varied on", name)
		case contains(forbiddenHeaders(), name):
			c.errf(f.KeyPos, hp, "%s cannot be varied on", name)
		}
		if f.Value.Kind != Object {
			continue
		}
		for _, sub := range []struct{ key, header string }{{"media_types", "accept"}, {"languages", "accept-language"}} {
			lf := f.Value.field(sub.key)
			if lf == nil {
				continue
			}
			if name != sub.header {
				c.errf(lf.KeyPos, hp.dot(sub.key), "%s only applies to the %s header", sub.key, sub.header)
			}
			if lf.Value.Kind != Array {
				continue
			}
			for i, it := range lf.Value.Items() {
				if it.Kind == String && (it.Str == "" || strings.IndexFunc(it.Str, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0) {
					lp := hp.dot(sub.key)
					c.errf(it.Pos, lp.at(i), "%q: values must be non-empty printable ASCII", it.Str)
				}
			}
		}
	}
}

// humanSeconds writes a duration in the largest unit that divides it.
func humanSeconds(s int64) string {
	for _, u := range []struct {
		n    int64
		name string
	}{{31536000, "y"}, {86400, "d"}, {3600, "h"}, {60, "m"}} {
		if s >= u.n && s%u.n == 0 {
			return fmt.Sprintf("%d%s", s/u.n, u.name)
		}
	}
	return fmt.Sprintf("%ds", s)
}
