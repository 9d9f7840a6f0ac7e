package rules

import (
	"fmt"
	"sort"
)

// schemaKind is the type a parameter must have.
type schemaKind int

const (
	sBool schemaKind = iota
	sInt
	sString
	sObject
	sList // list of elem
	sMap  // object with free keys, values of elem
)

// schema describes set_cache_settings parameters. It is both the validator's
// type table and the export order, so the two cannot drift apart.
type schema struct {
	kind   schemaKind
	fields []sfield // sObject, in export order
	elem   *schema  // sList and sMap
	enum   []string // sString
	min    *int64   // sInt
	max    *int64
	unit   string // shown in range errors ("seconds")
	hint   string // added to type errors
	// maxLen bounds the items of an sList or the keys of an sMap (0: none).
	maxLen int
	// what names one item in a count error ("media types").
	what string
}

type sfield struct {
	name     string
	s        *schema
	required bool
}

func (s *schema) field(name string) *sfield {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i]
		}
	}
	return nil
}

func (s *schema) names() []string {
	out := make([]string, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.name
	}
	return out
}

func i64(n int64) *int64 { return &n }

// paramsSchema returns the set_cache_settings parameter schema: the SDK v7.9
// SetCacheSettingsRuleActionParameters plus vary and origin_range_requests
// (docs/cloudflare.md, "Cache Rules": newer request-phase parameters,
// 2026-07-02 and 2026-09-02). It
// is built per call rather than kept in a package variable so that nothing
// shared can be mutated; building it costs a few microseconds.
func paramsSchema() *schema {
	boolean := &schema{kind: sBool}
	str := &schema{kind: sString}
	strList := &schema{kind: sList, elem: str}
	obj := func(fields ...sfield) *schema { return &schema{kind: sObject, fields: fields} }
	f := func(name string, s *schema) sfield { return sfield{name: name, s: s} }
	req := func(name string, s *schema) sfield { return sfield{name: name, s: s, required: true} }
	rng := func(lo, hi int64, unit string) *schema {
		s := &schema{kind: sInt, min: i64(lo), unit: unit}
		if hi >= 0 {
			s.max = i64(hi)
		}
		return s
	}
	enum := func(vals ...string) *schema { return &schema{kind: sString, enum: vals} }
	statusCode := rng(100, 999, "")
	qsel := obj(f("all", boolean), f("list", strList))
	qsel.hint = " (want {list: [...]} or {all: true})"
	varyAction := enum("normalize", "passthrough", "bypass")
	return obj(
		f("cache", boolean),
		f("edge_ttl", obj(
			req("mode", enum("respect_origin", "bypass_by_default", "override_origin")),
			f("default", rng(0, -1, "seconds")),
			f("status_code_ttl", &schema{kind: sList, elem: obj(
				f("status_code", statusCode),
				f("status_code_range", obj(f("from", statusCode), f("to", statusCode))),
				req("value", &schema{kind: sInt, min: i64(-1), unit: "seconds; 0 = no-cache, -1 = no-store"}),
			)}),
		)),
		f("browser_ttl", obj(
			req("mode", enum("respect_origin", "override_origin", "bypass_by_default", "bypass")),
			f("default", rng(0, -1, "seconds")),
		)),
		f("serve_stale", obj(f("disable_stale_while_updating", boolean))),
		f("respect_strong_etags", boolean),
		f("origin_error_page_passthru", boolean),
		f("cache_key", obj(
			f("cache_by_device_type", boolean),
			f("cache_deception_armor", boolean),
			f("ignore_query_strings_order", boolean),
			f("custom_key", obj(
				f("query_string", obj(f("include", qsel), f("exclude", qsel))),
				f("header", obj(
					f("include", strList),
					f("check_presence", strList),
					f("contains", &schema{kind: sMap, elem: strList}),
					f("exclude_origin", boolean),
				)),
				f("cookie", obj(f("include", strList), f("check_presence", strList))),
				f("host", obj(f("resolved", boolean))),
				f("user", obj(f("device_type", boolean), f("geo", boolean), f("lang", boolean))),
			)),
		)),
		f("cache_reserve", obj(req("eligible", boolean), f("minimum_file_size", rng(0, -1, "bytes")))),
		f("origin_cache_control", boolean),
		f("additional_cacheable_ports", &schema{kind: sList, elem: rng(1, 65535, "")}),
		f("read_timeout", rng(100, 6000, "seconds")),
		f("strip_etags", boolean),
		f("strip_last_modified", boolean),
		f("strip_set_cookie", boolean),
		f("shared_dictionary", obj(req("match_pattern", str))),
		// vary: at most 50 headers, 10 media types and 20 languages each
		// (cloudflare.md, "Newer request-phase parameters"); all plans.
		f("vary", obj(
			// "If the vary object is present, default is required. An
			// empty vary object is invalid." (cloudflare-docs
			// cache/how-to/cache-rules/settings.mdx, "Vary")
			req("default", obj(req("action", varyAction))),
			f("headers", &schema{kind: sMap, maxLen: 50, what: "headers", elem: obj(
				req("action", varyAction),
				f("media_types", &schema{kind: sList, elem: str, maxLen: 10, what: "media types"}),
				f("languages", &schema{kind: sList, elem: str, maxLen: 20, what: "languages"}),
			)}),
		)),
		f("origin_range_requests", obj(req("mode", enum("on", "off", "default")))),
	)
}

// canonical returns a copy of v with keys in schema order (unknown keys after
// them, sorted; free-form maps sorted), which is the order export and the API
// body use so that files diff cleanly in git.
func canonical(v *Value, s *schema) *Value {
	if v == nil {
		return nil
	}
	c := &Value{Kind: v.Kind, Bool: v.Bool, Num: v.Num, Str: v.Str}
	switch v.Kind {
	case Array:
		var elem *schema
		if s != nil && s.kind == sList {
			elem = s.elem
		}
		for _, it := range v.Items() {
			c.AddItem(canonical(it, elem))
		}
	case Object:
		done := make(map[string]bool, len(v.Fields()))
		if s != nil && s.kind == sObject {
			for _, sf := range s.fields {
				if fv := v.Get(sf.name); fv != nil {
					c.AddField(&Field{Key: sf.name, Value: canonical(fv, sf.s)})
					done[sf.name] = true
				}
			}
		}
		var rest []string
		for _, f := range v.Fields() {
			if !done[f.Key] {
				rest = append(rest, f.Key)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			var elem *schema
			if s != nil && s.kind == sMap {
				elem = s.elem
			}
			c.AddField(&Field{Key: k, Value: canonical(v.Get(k), elem)})
		}
	}
	return c
}

// checkSchema reports type, enum, range, count, unknown-key and
// required-key problems for v against s. at is where the key holding v is
// written (a list item's own position): LINE is the line of the key at
// fault, and a block value starts on the line after its key
// (docs/interface.md, rules validate). A missing key is reported at
// the key of the object that lacks it.
func (c *vctx) checkSchema(v *Value, s *schema, path keyPath, at Pos) {
	if at.Line == 0 {
		at = v.Pos
	}
	switch s.kind {
	case sBool:
		if v.Kind != Bool {
			c.errf(at, path, "want true or false, got %s", describe(v))
		}
	case sString:
		if v.Kind != String {
			c.errf(at, path, "want a string, got %s", describe(v))
			return
		}
		if len(s.enum) > 0 && !contains(s.enum, v.Str) {
			c.errf(at, path, "%q is not one of %s%s", v.Str, quoteList(s.enum), suggest(v.Str, s.enum))
		}
	case sInt:
		n, ok := v.Int()
		if !ok {
			c.errf(at, path, "want a whole number%s, got %s", unitNote(s.unit), describe(v))
			return
		}
		if (s.min != nil && n < *s.min) || (s.max != nil && n > *s.max) {
			switch {
			case s.max == nil:
				c.errf(at, path, "%d is out of range: want at least %d%s", n, *s.min, unitNote(s.unit))
			default:
				c.errf(at, path, "%d is out of range: want %d–%d%s", n, *s.min, *s.max, unitNote(s.unit))
			}
		}
	case sList:
		if v.Kind != Array {
			c.errf(at, path, "want a list, got %s%s", describe(v), s.hint)
			return
		}
		if s.maxLen > 0 && len(v.Items()) > s.maxLen {
			c.errf(v.Items()[s.maxLen].Pos, path, "%d %s: at most %d are allowed", len(v.Items()), s.what, s.maxLen)
		}
		for i, it := range v.Items() {
			c.checkSchema(it, s.elem, path.at(i), it.Pos)
		}
	case sMap:
		if v.Kind != Object {
			c.errf(at, path, "want a mapping, got %s%s", describe(v), s.hint)
			return
		}
		if s.maxLen > 0 && len(v.Fields()) > s.maxLen {
			c.errf(v.Fields()[s.maxLen].KeyPos, path, "%d %s: at most %d are allowed", len(v.Fields()), s.what, s.maxLen)
		}
		for _, f := range v.Fields() {
			c.checkSchema(f.Value, s.elem, path.dot(f.Key), f.KeyPos)
		}
	case sObject:
		if v.Kind != Object {
			c.errf(at, path, "want a mapping, got %s%s", describe(v), s.hint)
			return
		}
		for _, f := range v.Fields() {
			sf := s.field(f.Key)
			if sf == nil {
				c.errf(f.KeyPos, path.dot(f.Key), "unknown setting%s", suggest(f.Key, s.names()))
				continue
			}
			c.checkSchema(f.Value, sf.s, path.dot(f.Key), f.KeyPos)
		}
		for _, sf := range s.fields {
			if sf.required && v.Get(sf.name) == nil {
				c.errf(at, path.dot(sf.name), "missing (required)%s", enumNote(sf.s))
			}
		}
	}
}

func unitNote(unit string) string {
	if unit == "" {
		return ""
	}
	return " (" + unit + ")"
}

func enumNote(s *schema) string {
	if len(s.enum) == 0 {
		return ""
	}
	return ": one of " + quoteList(s.enum)
}

func quoteList(vals []string) string {
	out := ""
	for i, v := range vals {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// describe names a wrong value in an error: its type and, for scalars, the
// value itself, so `"3600"` (a string) is told apart from 3600.
func describe(v *Value) string {
	switch v.Kind {
	case Null:
		return "nothing (null)"
	case Array, Object:
		return "a " + v.Kind.String()
	case String:
		return fmt.Sprintf("the string %q", v.Str)
	}
	return fmt.Sprintf("the %s %s", v.Kind, v.display())
}
