package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// responseSchema returns the action_parameters schema of action in the
// response phase (http_response_cache_settings), or nil for an action the
// phase does not have. Facts: docs/cloudflare.md, "Cache Response
// Rules" (cloudflare-docs cache/how-to/cache-response-rules/settings.mdx).
// Like paramsSchema it is built per call so nothing shared can be mutated.
func responseSchema(action string) *schema {
	boolean := &schema{kind: sBool}
	str := &schema{kind: sString}
	strList := &schema{kind: sList, elem: str}
	obj := func(fields ...sfield) *schema { return &schema{kind: sObject, fields: fields} }
	f := func(name string, s *schema) sfield { return sfield{name: name, s: s} }
	req := func(name string, s *schema) sfield { return sfield{name: name, s: s, required: true} }
	enum := func(vals ...string) *schema { return &schema{kind: sString, enum: vals} }
	switch action {
	case ActionSetCacheSettings:
		// Only the three strip switches: the request phase's other settings
		// (cache, edge_ttl, cache_key, ...) are refused in this phase.
		return obj(f("strip_etags", boolean), f("strip_set_cookie", boolean), f("strip_last_modified", boolean))
	case ActionSetCacheTags:
		return obj(req("operation", enum("add", "remove", "set")), f("values", strList), f("expression", str))
	case ActionSetCacheControl:
		op := enum("set", "remove")
		fields := make([]sfield, 0, len(cacheControlDirectives()))
		for _, d := range cacheControlDirectives() {
			var s *schema
			switch d.shape {
			case ccSeconds:
				s = obj(req("operation", op), f("value", &schema{kind: sInt, min: i64(0), unit: "seconds"}), f("cloudflare_only", boolean))
			case ccQualifiers:
				s = obj(req("operation", op), f("qualifiers", strList), f("cloudflare_only", boolean))
			default:
				s = obj(req("operation", op), f("cloudflare_only", boolean))
			}
			fields = append(fields, f(d.name, s))
		}
		return obj(fields...)
	}
	return nil
}

// responseSchema is responseSchema(action), built once per validation:
// set_cache_control's has a schema per directive, and building it again for
// every rule was most of what checking a 300-rule response file allocated
// (docs/performance.md, "Against start-up").
func (c *vctx) responseSchema(action string) *schema {
	for _, s := range c.respSchemas {
		if s.action == action {
			return s.sch
		}
	}
	s := responseSchema(action)
	if s != nil {
		c.respSchemas = append(c.respSchemas, actionSchema{action, s})
	}
	return s
}

type actionSchema struct {
	action string
	sch    *schema
}

// schemaFor is the parameter schema of a rule's action: the response
// phase's own actions have theirs; set_cache_settings uses the request
// phase's (a superset of the response phase's three switches) for key order.
func schemaFor(action string, requestSchema *schema) *schema {
	if action != ActionSetCacheSettings {
		if s := responseSchema(action); s != nil {
			return s
		}
	}
	return requestSchema
}

type ccShape int

const (
	ccFlag       ccShape = iota // set or removed
	ccSeconds                   // {operation: set, value: seconds} or {operation: remove}
	ccQualifiers                // set with optional header-name qualifiers, or removed
)

type ccDirective struct {
	name  string
	shape ccShape
}

// cacheControlDirectives are the directives set_cache_control takes, in the
// order export writes them (cloudflare.md, "Cache Response Rules").
func cacheControlDirectives() []ccDirective {
	return []ccDirective{
		{"max-age", ccSeconds}, {"s-maxage", ccSeconds}, {"stale-if-error", ccSeconds},
		{"stale-while-revalidate", ccSeconds},
		{"private", ccQualifiers}, {"no-cache", ccQualifiers},
		{"no-store", ccFlag}, {"no-transform", ccFlag}, {"must-revalidate", ccFlag},
		{"proxy-revalidate", ccFlag}, {"must-understand", ccFlag}, {"public", ccFlag}, {"immutable", ccFlag},
	}
}

// responseParams checks a response-phase rule's action_parameters: the
// action's schema, then what a schema cannot say (exactly one of values or
// expression; a value only with operation set).
func (c *vctx) responseParams(r *Rule, rule keyPath, checker ExpressionChecker) {
	path := rule.dot("action_parameters")
	sch := c.responseSchema(r.Action)
	if sch == nil {
		return // the action itself was reported
	}
	p := r.Params
	if p == nil && r.hasKey("action_parameters") && r.node.Get("action_parameters").Kind != Null {
		return // Parse already reported the wrong type.
	}
	if p == nil || len(p.Fields()) == 0 {
		c.errf(r.pos("action_parameters"), path, "no settings: %s needs %s", r.Action, responseExample(r.Action))
		return
	}
	c.checkSchema(p, sch, path, r.pos("action_parameters"))
	switch r.Action {
	case ActionSetCacheTags:
		vals, ex := p.field("values"), p.field("expression")
		switch {
		case vals != nil && ex != nil:
			c.errf(ex.KeyPos, path.dot("expression"), "give values or expression, not both")
		case vals == nil && ex == nil:
			c.errf(r.pos("action_parameters"), path.dot("values"), "missing: give values (a list of tags) or expression")
		case vals != nil && vals.Value.Kind == Array:
			if len(vals.Value.Items()) == 0 {
				c.errf(vals.KeyPos, path.dot("values"), "empty list: give at least one cache tag")
			}
			c.tagValues(vals.Value.Items(), path.dot("values"))
		case ex != nil && ex.Value.Kind == String && strings.TrimSpace(ex.Value.Str) == "":
			c.errf(ex.KeyPos, path.dot("expression"), "empty expression: say how the tags are computed")
		case ex != nil && ex.Value.Kind == String:
			c.tagExpression(r, ex.Value, path.dot("expression"), checker)
		}
	case ActionSetCacheControl:
		for _, d := range cacheControlDirectives() {
			fl := p.field(d.name)
			if fl == nil || fl.Value.Kind != Object {
				continue
			}
			dp := path.dot(d.name)
			op := fl.Value.Get("operation")
			set := op != nil && op.Kind == String && op.Str == "set"
			remove := op != nil && op.Kind == String && op.Str == "remove"
			switch d.shape {
			case ccSeconds:
				val := fl.Value.field("value")
				if set && val == nil {
					c.errf(fl.KeyPos, dp.dot("value"), "missing: operation set needs a value in seconds")
				}
				if remove && val != nil {
					c.errf(val.KeyPos, dp.dot("value"), "a value is only allowed with operation set (operation is remove)")
				}
			case ccQualifiers:
				if q := fl.Value.field("qualifiers"); q != nil && remove {
					c.errf(q.KeyPos, dp.dot("qualifiers"), "qualifiers are only allowed with operation set (operation is remove)")
				} else if q != nil && q.Value.Kind == Array {
					for i, it := range q.Value.Items() {
						if it.Kind == String && headerNameInvalid(it.Str) {
							qp := dp.dot("qualifiers")
							c.errf(it.Pos, qp.at(i), "%q is not a header name", it.Str)
						}
					}
				}
			}
		}
	}
}

// tagValues checks set_cache_tags' values as cloudflare.md ("Purge") says
// tags are: 1 to TagMaxLength characters of printable ASCII without spaces
// (the limits table's, 1,024 by default, which purge checks tags against
// too), and case-insensitive. A comma separates tags in the Cache-Tag header, so a
// value holding one becomes two tags that purge by the whole value never
// reaches; tags equal but for case are one tag, so the second is a mistake.
func (c *vctx) tagValues(items []*Value, path keyPath) {
	seen := make(map[string]int, len(items))
	for i, it := range items {
		if it.Kind != String {
			continue
		}
		ip := path.at(i)
		tag := it.Str
		bad := strings.IndexFunc(tag, func(r rune) bool { return r <= ' ' || r > '~' })
		switch {
		case strings.TrimSpace(tag) == "":
			c.errf(it.Pos, ip, "empty cache tag")
			continue
		case bad >= 0:
			ch, _ := utf8.DecodeRuneInString(tag[bad:])
			c.errf(it.Pos, ip, "cache tag %q holds %s: tags are printable ASCII without spaces", tag, describeRune(ch))
		case strings.Contains(tag, ","):
			c.errf(it.Pos, ip, "cache tag %q holds a comma, which separates tags in the Cache-Tag header: give each tag as its own value", tag)
		case len(tag) > c.lim.TagMaxLength:
			c.errf(it.Pos, ip, "cache tag is %d characters long: at most %d", len(tag), c.lim.TagMaxLength)
		}
		key := strings.ToLower(tag)
		if j, ok := seen[key]; ok {
			if items[j].Str == tag {
				c.warnf(it.Pos, ip, "duplicate cache tag %q: values[%d] already gives it", tag, j)
			} else {
				c.warnf(it.Pos, ip, "cache tag %q differs from values[%d] %q only in case: tags are case-insensitive, so it is the same tag", tag, j, items[j].Str)
			}
			continue
		}
		seen[key] = i
	}
}

func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "a space"
	case r == '\t':
		return "a tab"
	case r > '~' && r != utf8.RuneError:
		return fmt.Sprintf("the non-ASCII character %q", r)
	}
	return fmt.Sprintf("the character U+%04X", r)
}

// tagExpression checks set_cache_tags' expression like a rule's: the
// length limit, then the checker in the rule's phase as a value expression
// (syntax, fields, tabs, plan gates such as regex_replace's, and a String or
// Array of Strings as result), each problem at its place in the file.
func (c *vctx) tagExpression(r *Rule, node *Value, path keyPath, checker ExpressionChecker) {
	if c.lim.ExpressionMaxLength > 0 && len(node.Str) > c.lim.ExpressionMaxLength {
		if n := utf8.RuneCountInString(node.Str); n > c.lim.ExpressionMaxLength {
			c.errf(node.Pos, path, "expression is %d characters long: the limit is %d", n, c.lim.ExpressionMaxLength)
		}
	}
	vc, ok := checker.(ValueExpressionChecker)
	if !ok {
		// A checker that only knows conditions would refuse every valid
		// tag expression for not being one.
		return
	}
	c.exprProblems(r, node, path, vc.CheckValue(node.Str, c.lim, c.phase))
}

func headerNameInvalid(s string) bool {
	return strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t:;,\"()/<>=?@[]\\{}")
}

func responseExample(action string) string {
	switch action {
	case ActionSetCacheTags:
		return "an operation (add, remove or set) and values or expression"
	case ActionSetCacheControl:
		return "at least one directive (for example max-age: {operation: set, value: 3600})"
	}
	return "at least one of strip_etags, strip_set_cookie, strip_last_modified"
}

// actionRefusal says why action is not valid in phase, or "".
func actionRefusal(action, phase string) string {
	if contains(phaseActions(phase), action) {
		return ""
	}
	other := PhaseRequest
	if phase == PhaseRequest {
		other = PhaseResponse
	}
	if contains(phaseActions(other), action) {
		return fmt.Sprintf("action %q belongs to %s (%s), not %s: put the rule in a file with `phase: %s`",
			action, PhaseTitle(other), other, PhaseTitle(phase), PhaseShort(other))
	}
	return fmt.Sprintf("action %q is not valid in phase %s: want %s%s", action, phase,
		quoteList(phaseActions(phase)), suggest(action, phaseActions(phase)))
}

// responseSummary is SettingsSummary for the response phase's own actions:
// "tags add: blog, news", "cache-control: s-maxage=300 (edge only) ·
// must-revalidate · -private". ok is false for other actions.
func responseSummary(action string, p *Value) (string, bool) {
	switch action {
	case ActionSetCacheTags:
		op := "?"
		if v := p.Get("operation"); v != nil && v.Kind == String {
			op = v.Str
		}
		if ex := p.Get("expression"); ex != nil && ex.Kind == String {
			return "tags " + op + ": " + ex.Str, true
		}
		var tags []string
		for _, it := range p.Get("values").itemsOrNil() {
			tags = append(tags, scalarText(it))
		}
		return "tags " + op + ": " + strings.Join(tags, ", "), true
	case ActionSetCacheControl:
		var parts []string
		for _, f := range canonical(p, responseSchema(ActionSetCacheControl)).Fields() {
			d := f.Value
			s := f.Key
			if op := d.Get("operation"); op != nil && op.Kind == String && op.Str == "remove" {
				s = "-" + s
			} else if v := d.Get("value"); v != nil {
				s += "=" + v.display()
			}
			if q := d.Get("qualifiers").itemsOrNil(); len(q) > 0 {
				var names []string
				for _, it := range q {
					names = append(names, scalarText(it))
				}
				s += `="` + strings.Join(names, ", ") + `"`
			}
			if d.Get("cloudflare_only").IsTrue() {
				s += " (edge only)"
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return "(no settings)", true
		}
		return "cache-control: " + strings.Join(parts, " · "), true
	}
	return "", false
}
