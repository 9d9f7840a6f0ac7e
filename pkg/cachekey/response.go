package cachekey

import (
	"fmt"
	"strings"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Cache Response Rules (phase http_response_cache_settings) run on the
// origin's response. What this file relies on, from docs/
// cloudflare.md "Cache Response Rules" (cloudflare-docs cache/how-to/
// cache-response-rules/{index,settings}.mdx):
//
//   - every matching rule applies, in order, and among response rules the
//     last match wins per setting;
//   - set_cache_settings strips ETag, Set-Cookie and Last-Modified;
//     set_cache_tags adds, removes or sets the tags (values or an
//     expression); set_cache_control sets or removes Cache-Control
//     directives, a directive with cloudflare_only applying at Cloudflare's
//     edge only, not sent downstream;
//   - any match turns on origin Cache-Control behaviour; on conflict with
//     Cache Rules the response rule wins; the Cache-Control the rules make
//     overrides CDN-Cache-Control.

// ResponseStack is a zone's Cache Response Rules prepared for evaluation:
// each expression (and each set_cache_tags expression) parsed once.
type ResponseStack struct {
	rules []compiledResponse
}

type compiledResponse struct {
	rule     *rules.Rule
	ref      string
	expr     expr.Expr
	parseErr error
	tagExpr  expr.Expr // set_cache_tags' expression, nil when none or unparsable
	// tagErr is why set_cache_tags' expression does not parse: such a rule
	// is invalid (Cloudflare refuses it), not one whose tags the edge
	// computes (review of issue 12, finding 1).
	tagErr error
}

// CompileResponse prepares response-phase rules (in the zone's order). Like
// Compile it never fails: a rule that does not parse is reported as invalid.
func CompileResponse(rs []*rules.Rule) *ResponseStack {
	s := &ResponseStack{rules: make([]compiledResponse, len(rs))}
	for i, r := range rs {
		c := compiledResponse{rule: r, ref: Ref(i, r)}
		c.expr, c.parseErr = expr.Parse(r.Expression)
		if r.Action == rules.ActionSetCacheTags {
			if ex := r.Params.Get("expression"); ex != nil && ex.Kind == rules.String {
				c.tagExpr, c.tagErr = expr.Parse(ex.Str)
			}
		}
		s.rules[i] = c
	}
	return s
}

// Override says where a response rule decided something a Cache Rule had
// set too: the response rule wins (cloudflare.md, "Cache Response Rules").
type Override struct {
	// Setting is the Cache Rules setting overridden ("edge_ttl",
	// "browser_ttl", "origin_cache_control", "strip_etags", ...) or the
	// origin header ("CDN-Cache-Control").
	Setting     string `json:"setting"`
	RequestRef  string `json:"request_ref,omitempty"`
	ResponseRef string `json:"response_ref"`
	Reason      string `json:"reason"`
}

// ResponseResult is the response run through the response rules.
type ResponseResult struct {
	Rules []RuleResult
	// CacheControl is the Cache-Control Cloudflare's edge caches by;
	// Downstream the one it sends on (without the cloudflare_only
	// directives). "" when there is none.
	CacheControl, Downstream string
	// CacheTags are the response's tags: the origin's Cache-Tag header, then
	// every matching set_cache_tags in order. TagsAtEdge lists the refs whose
	// tag expression is computed at the edge (not evaluated here), so the
	// tags may be incomplete.
	CacheTags  []string
	TagsAtEdge []string
	// Stripped are the headers removed before caching (ETag, Set-Cookie,
	// Last-Modified), by a response rule or a Cache Rule.
	Stripped []string
	// SetBy maps "cache_control.DIRECTIVE", "cache_tags.TAG" (and
	// "cache_tags" for the last rule that changed the list) and
	// "stripped.HEADER" to the ref that set or removed it (a directive or
	// tag no longer in the result was removed; a header not in Stripped
	// was turned off). The origin's own directives and tags have no entry.
	SetBy map[string]string
	// Removed marks the keys of SetBy whose last change was a removal (a
	// remove operation, a strip switch turned off), so a label says
	// "removed by" from what the rule did, not from what is left: an
	// edge-only removal leaves the origin's directive downstream.
	Removed map[string]bool
	// Paths lists the keys of SetBy in the order they were first set.
	Paths     []string
	Overrides []Override
}

// strips maps the strip switches to the headers they remove.
var strips = [...]struct{ setting, header string }{
	{"strip_etags", "ETag"}, {"strip_set_cookie", "Set-Cookie"}, {"strip_last_modified", "Last-Modified"},
}

// Evaluate runs the response rules against req and the origin's resp.
// request is the Cache Rules outcome for the same request (Effective of
// Stack.Evaluate), so the settings a response rule overrides can be named.
func (s *ResponseStack) Evaluate(req expr.Request, resp expr.Response, request Effective) (*ResponseResult, error) {
	reqEnv, err := expr.NewEnv(req)
	if err != nil {
		return nil, err
	}
	env := reqEnv.WithResponse(resp)
	res := &ResponseResult{Rules: make([]RuleResult, len(s.rules)), SetBy: map[string]string{}, Removed: map[string]bool{}}
	setBy := func(path, ref string, removed bool) {
		if _, seen := res.SetBy[path]; !seen {
			res.Paths = append(res.Paths, path)
		}
		res.SetBy[path] = ref
		if removed {
			res.Removed[path] = true
		} else {
			delete(res.Removed, path)
		}
	}
	edge := parseCacheControl(responseHeader(resp, "cache-control"))
	down := append([]ccPart(nil), edge...)
	tags := splitTags(resp)
	downBy := map[string]string{} // directives set or removed downstream too
	strip := map[string]bool{}
	stripBy := map[string]string{}
	firstMatch := ""
	why := newReasons(len(s.rules))
	for i := range s.rules {
		c := &s.rules[i]
		rr := RuleResult{Index: i, Ref: c.ref, Description: c.rule.Description}
		switch {
		case !c.rule.Enabled:
			rr.Status, rr.Reason = Disabled, "disabled"
		case c.parseErr != nil:
			rr.Status, rr.Reason = Invalid, "the expression does not parse: "+c.parseErr.Error()
		case c.tagErr != nil:
			rr.Status, rr.Reason = Invalid, "the tag expression does not parse: "+c.tagErr.Error()
		default:
			if why.eval(env, c.expr) {
				rr.Status = Matched
			} else {
				rr.Status = NotMatched
			}
		}
		why.mark(i)
		res.Rules[i] = rr
		if !rr.Matched() {
			continue
		}
		if firstMatch == "" {
			firstMatch = c.ref
		}
		p := c.rule.Params
		switch c.rule.Action {
		case rules.ActionSetCacheControl:
			for _, f := range p.Fields() {
				name, d := f.Key, f.Value
				remove := d.Get("operation") != nil && d.Get("operation").Str == "remove"
				part := ccPart{name: name}
				if v := d.Get("value"); v != nil {
					part.value = v.Str
				}
				if q := d.Get("qualifiers"); q != nil && len(q.Items()) > 0 {
					names := make([]string, len(q.Items()))
					for j, it := range q.Items() {
						names[j] = it.Str
					}
					part.value = `"` + strings.Join(names, ", ") + `"`
				}
				edge = applyCC(edge, part, remove)
				if !d.Get("cloudflare_only").IsTrue() {
					down = applyCC(down, part, remove)
					downBy[name] = c.ref
				}
				setBy("cache_control."+name, c.ref, remove)
			}
		case rules.ActionSetCacheTags:
			var vals []string
			known := true
			if ex := p.Get("expression"); ex != nil {
				if c.tagExpr != nil {
					vals, known = env.Strings(c.tagExpr)
				} else {
					known = false
				}
			} else {
				for _, it := range p.Get("values").Items() {
					vals = append(vals, it.Str)
				}
			}
			if !known {
				res.TagsAtEdge = append(res.TagsAtEdge, c.ref)
				setBy("cache_tags", c.ref, false)
				continue
			}
			switch op := p.Get("operation"); {
			case op != nil && op.Str == "set":
				tags = nil
				fallthrough
			case op != nil && op.Str == "add":
				for _, t := range vals {
					if !containsStr(tags, t) {
						tags = append(tags, t)
					}
					setBy("cache_tags."+t, c.ref, false)
				}
			case op != nil && op.Str == "remove":
				for _, t := range vals {
					if containsStr(tags, t) {
						tags = removeStr(tags, t)
						setBy("cache_tags."+t, c.ref, true)
					}
				}
			}
			setBy("cache_tags", c.ref, false)
		case rules.ActionSetCacheSettings:
			for _, st := range strips {
				if v := p.Get(st.setting); v != nil && v.Kind == rules.Bool {
					strip[st.header], stripBy[st.header] = v.Bool, c.ref
					setBy("stripped."+st.header, c.ref, !v.Bool)
					if ref := request.SetBy[st.setting]; ref != "" {
						res.Overrides = append(res.Overrides, Override{Setting: st.setting, RequestRef: ref, ResponseRef: c.ref,
							Reason: fmt.Sprintf("%s %v here wins over the Cache Rule's %s", st.setting, v.Bool, st.setting)})
					}
				}
			}
		}
	}
	why.resolve(res.Rules)
	// A Cache Rule's strip switch holds where no response rule set one.
	for _, st := range strips {
		if _, set := strip[st.header]; !set && request.Settings != nil && request.Settings.Get(st.setting).IsTrue() {
			strip[st.header] = true
			setBy("stripped."+st.header, request.SetBy[st.setting], false)
		}
	}
	for _, st := range strips {
		if strip[st.header] {
			res.Stripped = append(res.Stripped, st.header)
		}
	}
	res.CacheControl, res.Downstream = formatCC(edge), formatCC(down)
	res.CacheTags = tags
	if firstMatch != "" {
		res.Overrides = append(res.Overrides, overrides(request, res, resp, firstMatch, downBy)...)
	}
	return res, nil
}

// overrides names the Cache Rules settings a matching response rule wins
// over (cloudflare.md, "Cache Response Rules").
func overrides(request Effective, res *ResponseResult, resp expr.Response, firstMatch string, downBy map[string]string) []Override {
	var out []Override
	get := func(path string) *rules.Value {
		if request.Settings == nil {
			return nil
		}
		return request.Settings.Lookup(strings.Split(path, ".")...)
	}
	if v := get("origin_cache_control"); v != nil && v.Kind == rules.Bool && !v.Bool {
		out = append(out, Override{Setting: "origin_cache_control", RequestRef: request.SetBy["origin_cache_control"], ResponseRef: firstMatch,
			Reason: "a matching response rule turns origin Cache-Control behaviour on, so origin_cache_control false does not apply"})
	}
	// The directive that decides the edge TTL, set by a response rule.
	decider := func(by func(string) string, names ...string) (string, string) {
		for _, n := range names {
			if ref := by(n); ref != "" {
				return n, ref
			}
		}
		return "", ""
	}
	// ttl describes a Cache Rules TTL setting: "override_origin 7200 s".
	ttl := func(path string) string {
		s := get(path + ".mode").Str
		if n, ok := get(path + ".default").Int(); ok {
			s += fmt.Sprintf(" %d s", n)
		}
		return s
	}
	if mode := get("edge_ttl.mode"); mode != nil && mode.Str != "respect_origin" {
		if d, ref := decider(func(n string) string { return res.SetBy["cache_control."+n] }, "s-maxage", "no-store", "private", "no-cache", "max-age"); ref != "" {
			out = append(out, Override{Setting: "edge_ttl", RequestRef: request.SetBy["edge_ttl"], ResponseRef: ref,
				Reason: fmt.Sprintf("the edge TTL follows Cache-Control %q (%s set by %s), not edge_ttl %s", res.CacheControl, d, ref, ttl("edge_ttl"))})
		}
	}
	if mode := get("browser_ttl.mode"); mode != nil && mode.Str != "respect_origin" {
		// Only directives sent downstream reach browsers.
		if d, ref := decider(func(n string) string { return downBy[n] }, "max-age", "no-store", "no-cache", "private"); ref != "" {
			out = append(out, Override{Setting: "browser_ttl", RequestRef: request.SetBy["browser_ttl"], ResponseRef: ref,
				Reason: fmt.Sprintf("browsers get Cache-Control %q (%s set by %s), not browser_ttl %s", res.Downstream, d, ref, ttl("browser_ttl"))})
		}
	}
	if cdn, d := responseHeader(resp, "cdn-cache-control"), firstCC(res); cdn != "" && d != "" {
		out = append(out, Override{Setting: "CDN-Cache-Control", ResponseRef: res.SetBy["cache_control."+d],
			Reason: fmt.Sprintf("the origin's CDN-Cache-Control %q is overridden by the Cache-Control the response rules made", cdn)})
	}
	return out
}

// firstCC is the first directive a response rule set or removed, "".
func firstCC(res *ResponseResult) string {
	for _, p := range res.Paths {
		if d, ok := strings.CutPrefix(p, "cache_control."); ok {
			return d
		}
	}
	return ""
}

// responseHeader joins the values of the response header name (any case).
func responseHeader(resp expr.Response, name string) string {
	var vals []string
	for _, h := range resp.Headers {
		if strings.EqualFold(h.Name, name) {
			vals = append(vals, h.Value)
		}
	}
	return strings.Join(vals, ", ")
}

// splitTags reads the origin's Cache-Tag header: comma-separated tags
// (cache/how-to/purge-cache/purge-by-tags), in order, without repeats.
func splitTags(resp expr.Response) []string {
	var tags []string
	for _, t := range strings.Split(responseHeader(resp, "cache-tag"), ",") {
		if t = strings.TrimSpace(t); t != "" && !containsStr(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// ccPart is one Cache-Control directive: its name and its value as written
// ("300", `"Set-Cookie"`), "" for a flag.
type ccPart struct{ name, value string }

// parseCacheControl splits a Cache-Control value into directives (RFC 9111
// §5.2: comma-separated, a value a token or a quoted string).
func parseCacheControl(s string) []ccPart {
	var out []ccPart
	var cur strings.Builder
	inQuote := false
	flush := func() {
		d := strings.TrimSpace(cur.String())
		cur.Reset()
		if d == "" {
			return
		}
		name, value, _ := strings.Cut(d, "=")
		out = append(out, ccPart{name: strings.ToLower(strings.TrimSpace(name)), value: strings.TrimSpace(value)})
	}
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == ',' && !inQuote:
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// applyCC sets (in place, or appended) or removes one directive.
func applyCC(cc []ccPart, p ccPart, remove bool) []ccPart {
	out := make([]ccPart, 0, len(cc)+1)
	done := false
	for _, d := range cc {
		if d.name != p.name {
			out = append(out, d)
			continue
		}
		if !remove && !done {
			out = append(out, p)
			done = true
		}
	}
	if !remove && !done {
		out = append(out, p)
	}
	return out
}

func formatCC(cc []ccPart) string {
	parts := make([]string, len(cc))
	for i, d := range cc {
		parts[i] = d.name
		if d.value != "" {
			parts[i] += "=" + d.value
		}
	}
	return strings.Join(parts, ", ")
}

// Cache tags are case-insensitive (cloudflare.md, "Cache Response Rules";
// cache/how-to/purge-cache/purge-by-tags): adding "Blog" to "blog" adds
// nothing and removing "blog" removes "Blog".
func containsStr(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func removeStr(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if !strings.EqualFold(x, s) {
			out = append(out, x)
		}
	}
	return out
}
