package explain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// jsonRule is one rule in `-o json`: the contract's ref, matched and reason,
// plus its position and status (matched, not_matched, disabled, invalid).
type jsonRule struct {
	Position    int    `json:"position"`
	Ref         string `json:"ref"`
	Matched     bool   `json:"matched"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Description string `json:"description,omitempty"`
}

type jsonRequest struct {
	URL        string            `json:"url"`
	Method     string            `json:"method"`
	Headers    []cachekey.Header `json:"headers"`
	Cookies    []cachekey.Header `json:"cookies"`
	IP         string            `json:"ip,omitempty"`
	Country    string            `json:"country,omitempty"`
	DeviceType string            `json:"device_type,omitempty"`
}

type jsonOutput struct {
	// Every JSON document that concerns a zone names it (issue 13 §3);
	// both are empty when the rules came from a FILE.
	ZoneID       string            `json:"zone_id"`
	ZoneName     string            `json:"zone_name"`
	Source       string            `json:"source"`
	Request      jsonRequest       `json:"request"`
	Rules        []jsonRule        `json:"rules"`
	Settings     *rules.Value      `json:"settings"`
	SetBy        map[string]string `json:"set_by"`
	CacheKey     cachekey.Key      `json:"cache_key"`
	PurgeCommand string            `json:"purge_command"`
	Purge        cachekey.Purge    `json:"purge"`
	// Response is there only when there are response rules (file or live).
	Response *jsonResponse `json:"response,omitempty"`
}

// jsonResponse is the contract's "response" (interface.md, rules explain):
// rules, cache_control, cache_tags, stripped and set_by, plus where they
// came from, the response they were evaluated against and the overrides of
// Cache Rules.
type jsonResponse struct {
	Source                 string              `json:"source"`
	Status                 int                 `json:"status"`
	Headers                []cachekey.Header   `json:"headers"`
	Rules                  []jsonRule          `json:"rules"`
	CacheControl           string              `json:"cache_control"`
	CacheControlDownstream string              `json:"cache_control_downstream"`
	CacheTags              []string            `json:"cache_tags"`
	CacheTagsAtEdge        []string            `json:"cache_tags_computed_at_edge"`
	Stripped               []string            `json:"stripped"`
	SetBy                  map[string]string   `json:"set_by"`
	Overrides              []cachekey.Override `json:"overrides"`
}

func jsonRules(rs []cachekey.RuleResult) []jsonRule {
	out := make([]jsonRule, len(rs))
	for i, rr := range rs {
		out[i] = jsonRule{Position: i + 1, Ref: rr.Ref, Matched: rr.Matched(), Status: string(rr.Status), Reason: rr.Reason, Description: rr.Description}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonResult(opts *ExplainOptions, x explained) jsonOutput {
	res, source, command := x.res, x.source, x.command
	r := opts.Request
	jr := jsonRequest{URL: r.URL, Method: r.Method, Headers: []cachekey.Header{}, Cookies: []cachekey.Header{},
		Country: r.Country, DeviceType: r.DeviceType}
	for _, h := range r.Headers {
		jr.Headers = append(jr.Headers, cachekey.Header{Name: h.Name, Value: h.Value})
	}
	for _, c := range r.Cookies {
		jr.Cookies = append(jr.Cookies, cachekey.Header{Name: c.Name, Value: c.Value})
	}
	if r.IP.IsValid() {
		jr.IP = r.IP.String()
	}
	out := jsonOutput{ZoneID: x.zone.ID, ZoneName: x.zone.Name, Source: source, Request: jr, Rules: jsonRules(res.Rules), Settings: res.Effective.Settings,
		SetBy: res.Effective.SetBy, CacheKey: res.Key, PurgeCommand: command, Purge: res.Purge}
	if r := x.resp; r != nil {
		jresp := &jsonResponse{Source: x.respSource, Status: opts.Response.Code, Headers: []cachekey.Header{}, Rules: jsonRules(r.Rules),
			CacheControl: r.CacheControl, CacheControlDownstream: r.Downstream, CacheTags: nonNil(r.CacheTags),
			CacheTagsAtEdge: nonNil(r.TagsAtEdge), Stripped: nonNil(r.Stripped), SetBy: r.SetBy, Overrides: r.Overrides}
		for _, h := range opts.Response.Headers {
			jresp.Headers = append(jresp.Headers, cachekey.Header{Name: h.Name, Value: h.Value})
		}
		if jresp.Overrides == nil {
			jresp.Overrides = []cachekey.Override{}
		}
		out.Response = jresp
	}
	return out
}

// render prints the explanation for people. Every line carries its meaning
// in words or symbols (✓ ✗ – !), so colour is only decoration.
func render(ios *iostreams.IOStreams, req expr.Request, response expr.Response, x explained) error {
	res, source, command := x.res, x.source, x.command
	t := ios.Theme()
	var b strings.Builder
	// The rule lines are most of the text (a 300-rule file prints about
	// 43 kB): room for them up front spares the builder's doublings.
	size := 2048 + rulesSize(res.Rules)
	if x.resp != nil {
		size += rulesSize(x.resp.Rules)
	}
	b.Grow(size)
	head := func(s string) { b.WriteString(shared.Paint(t, t.Bold, s) + "\n") }

	head(fmt.Sprintf("%s %s, against %s", req.Method, req.URL, source))
	b.WriteString("\n")
	head("Rules, in order (every matching rule applies; later rules win):")
	renderRules(&b, t, res.Rules)

	b.WriteString("\n")
	head("Effective settings (setting = value  ← rule that set it):")
	if len(res.Effective.Paths) == 0 {
		b.WriteString("  (none: no rule matched, Cloudflare's defaults apply)\n")
	}
	w := 0
	for _, p := range res.Effective.Paths {
		w = max(w, len(p))
	}
	for _, p := range res.Effective.Paths {
		fmt.Fprintf(&b, "  %-*s = %s  %s\n", w, p, settingJSON(lookupPath(res.Effective.Settings, p)), shared.Paint(t, t.Muted, "← "+res.Effective.SetBy[p]))
	}

	switch {
	case x.resp != nil:
		b.WriteString("\n")
		renderResponse(&b, t, response, x.resp, x.respSource)
	case x.respSource != "":
		b.WriteString("\n")
		head("Response rules: none (" + x.respSource + ")")
	}

	b.WriteString("\n")
	head("Cache key:")
	k := res.Key
	cached := shared.Paint(t, t.Success, "✓ cached")
	if !k.Cached {
		cached = shared.Paint(t, t.Warning, "✗ not cached")
	}
	row := func(label, value string) { fmt.Fprintf(&b, "  %-15s %s\n", label, value) }
	row("cacheability", cached+": "+k.Reason)
	row("url", k.URL)
	row("query string", describeQuery(k, res.Effective.SetBy))
	if k.HostResolved {
		row("host", k.Host+" (resolved host, "+by(res.Effective.SetBy, cachekey.PathHost)+")")
	}
	for _, h := range k.Headers {
		row("header", describePart(h))
	}
	for _, c := range k.Cookies {
		row("cookie", describePart(c))
	}
	if k.Device != nil {
		row("device type", describeFeature(k.Device))
	}
	if k.Country != nil {
		row("country", describeFeature(k.Country))
	}
	if k.Lang != nil {
		row("language", describeFeature(k.Lang))
	}
	if k.DeceptionArmor {
		row("deception armor", "on: stored only when the Content-Type matches the path's extension ("+by(res.Effective.SetBy, cachekey.PathDeceptionArmor)+")")
	}
	for _, n := range k.Notes {
		row("note", n)
	}

	b.WriteString("\n")
	head("Purge exactly this variant:")
	b.WriteString("  " + command + "\n")
	for _, n := range res.Purge.Notes {
		b.WriteString("  " + shared.Paint(t, t.Warning, "note:") + " " + n + "\n")
	}
	_, err := io.WriteString(ios.Out, b.String())
	return err
}

// renderRules lists rules in order: ✓ matched, ✗ not matched with the
// reason, – disabled, ! not evaluated.
func renderRules(b *strings.Builder, t *iostreams.Theme, rs []cachekey.RuleResult) {
	if len(rs) == 0 {
		b.WriteString("  (no rules)\n")
	}
	w := 0
	for _, rr := range rs {
		w = max(w, len(rr.Ref))
	}
	for _, rr := range rs {
		switch rr.Status {
		case cachekey.Matched:
			ruleLine(b, t, t.Success, "✓ ", rr.Ref, w, "  matched", "", false)
		case cachekey.NotMatched:
			ruleLine(b, t, t.Muted, "✗ ", rr.Ref, w, "  not matched", rr.Reason, true)
		case cachekey.Disabled:
			ruleLine(b, t, t.Muted, "– ", rr.Ref, w, "  disabled", "", false)
		default:
			ruleLine(b, t, t.Warning, "! ", rr.Ref, w, "  not evaluated", rr.Reason, true)
		}
	}
}

// ruleLine writes "  <mark><ref padded to w><status>[: reason]", the first
// part painted with style. Without colour the parts go straight into b:
// this runs once per rule, so no fmt and no concatenation (docs/performance.md).
func ruleLine(b *strings.Builder, t *iostreams.Theme, style lipgloss.Style, mark, ref string, w int, status, reason string, withReason bool) {
	// As fmt's %-*s did: pad to w characters (runes); w counts bytes.
	pad := max(w-utf8.RuneCountInString(ref), 0)
	b.WriteString("  ")
	if t.Colored {
		b.WriteString(shared.Paint(t, style, mark+ref+strings.Repeat(" ", pad)+status))
	} else {
		b.WriteString(mark)
		b.WriteString(ref)
		for range pad {
			b.WriteByte(' ')
		}
		b.WriteString(status)
	}
	if withReason {
		b.WriteString(": ")
		b.WriteString(reason)
	}
	b.WriteByte('\n')
}

// rulesSize is about what renderRules writes for rs.
func rulesSize(rs []cachekey.RuleResult) int {
	n := 0
	for _, rr := range rs {
		n += 2*len(rr.Ref) + len(rr.Reason) + 24
	}
	return n
}

// renderResponse shows the response phase: its rules, then what they made
// of the origin's response, each result with the rule that set it, then
// the Cache Rules settings they override.
func renderResponse(b *strings.Builder, t *iostreams.Theme, response expr.Response, r *cachekey.ResponseResult, source string) {
	head := func(s string) { b.WriteString(shared.Paint(t, t.Bold, s) + "\n") }
	head(fmt.Sprintf("Response rules, in order, for a %d response, against %s (later rules win):", response.Code, source))
	renderRules(b, t, r.Rules)

	b.WriteString("\n")
	head("Response (result  ← rule that set it; the rest is the origin's):")
	row := func(label, value string) { fmt.Fprintf(b, "  %-15s %s\n", label, value) }
	// attribution groups the results under prefix by rule: "set by A: x,
	// y; removed by B: z", the verb from what the rule did (r.Removed), not
	// from what is left: an edge-only removal leaves the origin's directive
	// downstream and is still a removal.
	attribution := func(prefix, setVerb, offVerb string) string {
		type group struct{ verb, ref string }
		var order []group
		items := map[group][]string{}
		for _, p := range r.Paths {
			name, ok := strings.CutPrefix(p, prefix)
			if !ok {
				continue
			}
			g := group{setVerb, r.SetBy[p]}
			if r.Removed[p] {
				g.verb = offVerb
			}
			if _, seen := items[g]; !seen {
				order = append(order, g)
			}
			items[g] = append(items[g], name)
		}
		var parts []string
		for _, g := range order {
			parts = append(parts, g.verb+" by "+g.ref+": "+strings.Join(items[g], ", "))
		}
		if len(parts) == 0 {
			return ""
		}
		return "\n" + fmt.Sprintf("  %-15s %s", "", shared.Paint(t, t.Muted, "← "+strings.Join(parts, "; ")))
	}
	cc := r.CacheControl
	if cc == "" {
		cc = "(none)"
	}
	if r.Downstream == r.CacheControl {
		row("cache-control", cc+attribution("cache_control.", "set", "removed"))
	} else {
		down := r.Downstream
		if down == "" {
			down = "(none)"
		}
		row("cache-control", cc+" at the edge")
		row("", down+" downstream (cloudflare_only directives are not sent on)"+attribution("cache_control.", "set", "removed"))
	}
	tags := strings.Join(r.CacheTags, ", ")
	if tags == "" {
		tags = "(none)"
	}
	row("cache tags", tags+attribution("cache_tags.", "added", "removed"))
	for _, ref := range r.TagsAtEdge {
		row("", shared.Paint(t, t.Warning, "note:")+" the tags of "+ref+" are computed at the edge from an expression this command cannot evaluate")
	}
	stripped := strings.Join(r.Stripped, ", ")
	if stripped == "" {
		stripped = "(none)"
	}
	row("stripped", stripped+attribution("stripped.", "set", "turned off"))
	for _, o := range r.Overrides {
		who := o.ResponseRef
		if o.RequestRef != "" {
			who += " over " + o.RequestRef
		}
		row("overrides", shared.Paint(t, t.Warning, "! "+o.Setting)+" ("+who+"): "+o.Reason)
	}
}

func by(setBy map[string]string, path string) string {
	if ref := setBy[path]; ref != "" {
		return "set by " + ref
	}
	return "default"
}

func describeQuery(k cachekey.Key, setBy map[string]string) string {
	var s string
	switch k.QueryMode {
	case cachekey.QueryAll:
		s = "all parameters"
	case cachekey.QueryNone:
		s = "ignored (none in the key)"
	case cachekey.QueryInclude:
		s = "only " + strings.Join(k.QueryList, ", ")
	case cachekey.QueryExclude:
		s = "all but " + strings.Join(k.QueryList, ", ")
	}
	if k.QueryMode != cachekey.QueryAll {
		s += " (" + by(setBy, cachekey.PathQueryString) + ")"
	}
	if k.QuerySorted {
		s += ", sorted (" + by(setBy, cachekey.PathSortQuery) + ")"
	}
	if k.Query != "" {
		s += ": " + k.Query
	}
	return s
}

func describePart(p cachekey.Part) string {
	var s string
	switch p.Kind {
	case cachekey.KindValue:
		s = p.Name + " value: "
		if p.Present {
			s += fmt.Sprintf("%q", p.Value)
		} else {
			s += "not sent"
		}
	case cachekey.KindPresence:
		s = p.Name + " presence: "
		if p.Present {
			s += "sent"
		} else {
			s += "not sent"
		}
	case cachekey.KindContains:
		s = p.Name + " contains " + strings.Join(p.Listed, "/") + ": "
		switch {
		case !p.Present:
			s += "not sent"
		case len(p.Matched) == 0:
			s += fmt.Sprintf("none (%q)", p.Value)
		default:
			s += fmt.Sprintf("%s (%q)", strings.Join(p.Matched, ", "), p.Value)
		}
	case cachekey.KindDefault:
		return fmt.Sprintf("%s: %q (Cloudflare's default key holds it when sent)", p.Name, p.Value)
	}
	return s + " (set by " + p.SetBy + ")"
}

func describeFeature(f *cachekey.Feature) string {
	v := f.Value
	if v == "" {
		v = "none"
	}
	switch f.Source {
	case "flag":
		v += " (from the flag"
	case "user-agent":
		v += " (from the User-Agent"
	case "accept-language":
		v += " (first language of Accept-Language"
	case "assumed":
		v += " (assumed"
	}
	return v + ", set by " + f.SetBy + ")"
}

// settingJSON is json.Marshal(v) without encoding/json's reflection and
// its second pass over the bytes: v's own compact JSON, then the HTML
// escaping json.Marshal applies (<, >, & and U+2028/U+2029 as \u escapes),
// so the text is byte for byte what it was (docs/performance.md).
func settingJSON(v *rules.Value) []byte {
	data, _ := v.MarshalJSON() // never fails
	if !bytes.ContainsAny(data, "<>&\u2028\u2029") {
		return data
	}
	var esc bytes.Buffer
	json.HTMLEscape(&esc, data)
	return esc.Bytes()
}

// lookupPath follows a setting path such as cache_key.custom_key.header.
func lookupPath(v *rules.Value, path string) *rules.Value {
	return v.Lookup(strings.Split(path, ".")...)
}
