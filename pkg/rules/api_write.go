package rules

import (
	"bytes"
	"sort"
)

// writeAPI writes the rule as apiValue builds it and writeJSON writes that,
// compactly, without building the value: its action_parameters are written
// in canonical's order straight from the parsed tree. PutBody wrote the
// whole ruleset through apiValue and canonical, a copy of every rule and
// of each of its settings' objects (with a map each), about 1.2 MB and
// 20,000 allocations for 300 rules before a byte was sent
// (docs/performance.md, "Against start-up"). TestPutBodyIsRulesDoc holds
// the two to the same bytes.
func (r *Rule) writeAPI(b *bytes.Buffer, withID bool, sch *schema) {
	b.WriteByte('{')
	if withID && r.ID != "" {
		b.WriteString(`"id":`)
		writeJSONString(b, r.ID)
		b.WriteByte(',')
	}
	b.WriteString(`"ref":`)
	writeJSONString(b, r.Ref)
	if r.Description != "" {
		b.WriteString(`,"description":`)
		writeJSONString(b, r.Description)
	}
	b.WriteString(`,"expression":`)
	writeJSONString(b, r.Expression)
	b.WriteString(`,"action":`)
	writeJSONString(b, r.Action)
	if p := normParams(r.Params); len(p.Fields()) > 0 {
		b.WriteString(`,"action_parameters":`)
		writeCanonical(b, p, sch)
	}
	if r.Enabled {
		b.WriteString(`,"enabled":true}`)
	} else {
		b.WriteString(`,"enabled":false}`)
	}
}

// writeCanonical writes canonical(v, s) compactly without making it: an
// object's keys in the schema's order, then the others sorted (a key
// given twice written once, with its first value; one the schema does not
// know, as often as it is given), lists in order.
func writeCanonical(b *bytes.Buffer, v *Value, s *schema) {
	switch v.Kind {
	case Array:
		var elem *schema
		if s != nil && s.kind == sList {
			elem = s.elem
		}
		if len(v.Items()) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, it := range v.Items() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, it, elem)
		}
		b.WriteByte(']')
	case Object:
		if len(v.Fields()) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		n := 0
		field := func(key string, val *Value, s *schema) {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			writeJSONString(b, key)
			b.WriteByte(':')
			writeCanonical(b, val, s)
		}
		known := s != nil && s.kind == sObject
		if known {
			for _, sf := range s.fields {
				if fv := v.Get(sf.name); fv != nil {
					field(sf.name, fv, sf.s)
				}
			}
		}
		var rest []string
		for _, f := range v.Fields() {
			if !known || s.field(f.Key) == nil {
				rest = append(rest, f.Key)
			}
		}
		sort.Strings(rest)
		var elem *schema
		if s != nil && s.kind == sMap {
			elem = s.elem
		}
		for _, k := range rest {
			field(k, v.Get(k), elem)
		}
		b.WriteByte('}')
	default:
		v.writeJSON(b, "", "")
	}
}
