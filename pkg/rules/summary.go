package rules

import (
	"fmt"
	"strings"
)

// SettingsSummary describes a rule's settings in one short line for
// `rules list`, such as "cache · edge 1d (override) · browser respect · key: device".
func (r *Rule) SettingsSummary() string {
	p := r.Params
	if p == nil || p.Kind != Object {
		return "(no settings)"
	}
	if s, ok := responseSummary(r.Action, p); ok {
		return s
	}
	var parts []string
	for _, f := range canonical(p, paramsSchema()).Fields() {
		v := f.Value
		switch f.Key {
		case "cache":
			if v.IsTrue() {
				parts = append(parts, "cache")
			} else {
				parts = append(parts, "bypass cache")
			}
		case "edge_ttl":
			s := "edge " + ttlSummary(v)
			if n := len(v.Get("status_code_ttl").itemsOrNil()); n > 0 {
				s += fmt.Sprintf(" +%d status TTLs", n)
			}
			parts = append(parts, s)
		case "browser_ttl":
			parts = append(parts, "browser "+ttlSummary(v))
		case "cache_key":
			if k := keySummary(v); k != "" {
				parts = append(parts, "key: "+k)
			}
		case "serve_stale":
			if v.Get("disable_stale_while_updating").IsTrue() {
				parts = append(parts, "no stale while updating")
			}
		case "cache_reserve":
			if v.Get("eligible").IsTrue() {
				parts = append(parts, "cache reserve")
			} else {
				parts = append(parts, "no cache reserve")
			}
		case "read_timeout":
			parts = append(parts, "read timeout "+v.display()+"s")
		default:
			if v.Kind != Bool || v.Bool {
				parts = append(parts, strings.ReplaceAll(f.Key, "_", " "))
			}
		}
	}
	if len(parts) == 0 {
		return "(no settings)"
	}
	return strings.Join(parts, " · ")
}

func (v *Value) itemsOrNil() []*Value {
	if v == nil || v.Kind != Array {
		return nil
	}
	return v.Items()
}

func ttlSummary(v *Value) string {
	mode := v.Get("mode")
	if mode == nil || mode.Kind != String {
		return "?"
	}
	switch mode.Str {
	case "override_origin":
		if n, ok := v.Get("default").Int(); ok {
			return humanSeconds(n) + " (override)"
		}
		return "override"
	case "respect_origin":
		return "respect"
	case "bypass_by_default":
		return "bypass by default"
	}
	return mode.Str
}

func keySummary(v *Value) string {
	var ks []string
	if v.Get("cache_by_device_type").IsTrue() {
		ks = append(ks, "device")
	}
	if v.Get("ignore_query_strings_order").IsTrue() {
		ks = append(ks, "sorted query")
	}
	if v.Get("cache_deception_armor").IsTrue() {
		ks = append(ks, "deception armor")
	}
	if ck := v.Get("custom_key"); ck != nil && ck.Kind == Object {
		for _, f := range ck.Fields() {
			name := f.Key
			if f.Key == "query_string" {
				name = "query"
				if f.Value.Lookup("exclude", "all").IsTrue() {
					name = "no query"
				}
			}
			ks = append(ks, name)
		}
	}
	return strings.Join(ks, ", ")
}
