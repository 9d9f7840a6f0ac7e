package rules

import (
	"bytes"
	"fmt"
)

// Ruleset is the entrypoint ruleset as the API returns it. Its rules'
// action_parameters may share Values where the answer repeats a setting
// word for word (see readRuleset): read them, and Clone one to change it.
type Ruleset struct {
	ID          string
	Name        string
	Description string
	Kind        string
	Phase       string
	Version     string
	LastUpdated string
	Rules       []*Rule
}

// ParseRuleset reads the `result` of GET .../phases/http_request_cache_settings/entrypoint
// (or of .../versions/{v}); a whole response envelope is accepted too. Rule
// keys this package does not know are ignored rather than refused, because
// the API may add read-only fields at any time; unknown settings inside
// action_parameters are kept. A rule without a ref gets its id as ref
// (RefFromID), which is also what export writes.
//
// An answer as the API gives it is read in one pass (readRuleset); the
// rest, an envelope or anything wrong, is read as a tree first, which says
// what is wrong.
func ParseRuleset(data []byte) (*Ruleset, error) {
	if rs, ok := readRuleset(data); ok {
		return rs, nil
	}
	return parseRulesetTree(data)
}

// parseRulesetTree is ParseRuleset through a Value tree of the whole
// answer, read by the decoder that reads rules files.
func parseRulesetTree(data []byte) (*Ruleset, error) {
	root, err := parseJSONValue(data)
	if err != nil {
		return nil, fmt.Errorf("reading ruleset: %w", err)
	}
	if root.Kind != Object {
		return nil, fmt.Errorf("reading ruleset: want a JSON object, got a %s", root.Kind)
	}
	if res := root.Get("result"); res != nil && res.Kind == Object && root.Get("success") != nil {
		root = res
	}
	rs := &Ruleset{}
	for _, f := range root.Fields() {
		s := scalarText(f.Value)
		switch f.Key {
		case "id":
			rs.ID = s
		case "name":
			rs.Name = s
		case "description":
			rs.Description = s
		case "kind":
			rs.Kind = s
		case "phase":
			rs.Phase = s
		case "version":
			rs.Version = s
		case "last_updated":
			rs.LastUpdated = s
		}
	}
	d := &decoder{file: "ruleset", lenient: true}
	if rules := root.Get("rules"); rules != nil && rules.Kind != Null {
		if rules.Kind != Array {
			return nil, fmt.Errorf("reading ruleset: rules is a %s, not a list", rules.Kind)
		}
		for i, it := range rules.Items() {
			if r := d.rule(it, i); r != nil {
				r.node, r.src = nil, nil // positions in an API response mean nothing to the user
				rs.Rules = append(rs.Rules, r)
			}
		}
	}
	if len(d.probs) > 0 {
		return nil, fmt.Errorf("reading ruleset: %s", d.probs[0].Path+": "+d.probs[0].Message)
	}
	return rs, nil
}

// apiValue is the rule as the API takes it: ref always, id only when known
// (so a PUT updates that rule in place), never version or last_updated.
func (r *Rule) apiValue(withID bool, sch *schema) *Value {
	v := NewObject()
	if withID && r.ID != "" {
		v.Set("id", NewString(r.ID))
	}
	v.Set("ref", NewString(r.Ref))
	if r.Description != "" {
		v.Set("description", NewString(r.Description))
	}
	v.Set("expression", NewString(r.Expression))
	v.Set("action", NewString(r.Action))
	if p := normParams(r.Params); len(p.Fields()) > 0 {
		v.Set("action_parameters", canonical(p, sch))
	}
	v.Set("enabled", NewBool(r.Enabled))
	return v
}

// putBodyReserve bounds PutBody's estimate of the body: 300 typical rules
// are about 150 kB.
const putBodyReserve = 1 << 20

// PutBody returns the body of PUT .../phases/http_request_cache_settings/entrypoint:
// {"rules": [...]} with every rule's ref, so Cloudflare keeps rule ids stable.
// Rules carrying an ID (see AttachIDs) send it too. It is rulesDoc's JSON,
// written rule by rule (writeAPI).
func PutBody(rules []*Rule) []byte {
	var b bytes.Buffer
	b.WriteString(`{"rules":[`)
	sch := paramsSchema()
	for i, r := range rules {
		if i == 1 {
			// Rules are much alike: room for the others at the first's
			// size, rather than the buffer doubling its way there. Only
			// up to putBodyReserve: nothing bounds one rule's description,
			// and a first rule of megabytes must not reserve it 300 times.
			if n := b.Len() * (len(rules) - 1); n <= putBodyReserve {
				b.Grow(n)
			}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		r.writeAPI(&b, true, schemaFor(r.Action, sch))
	}
	b.WriteString("]}")
	return b.Bytes()
}

// rulesDoc is {"rules": [...]} in API shape, the PUT body and the export.
func rulesDoc(rules []*Rule, withID bool) *Value {
	list := &Value{Kind: Array}
	sch := paramsSchema()
	for _, r := range rules {
		list.AddItem(r.apiValue(withID, schemaFor(r.Action, sch)))
	}
	doc := NewObject()
	doc.Set("rules", list)
	return doc
}

// AttachIDs copies each remote rule's id onto the local rule with the same
// ref, so a PUT updates existing rules instead of replacing them. It returns
// the number of rules matched.
func AttachIDs(local, remote []*Rule) int {
	ids := make(map[string]string, len(remote))
	for _, r := range remote {
		if r.ID != "" {
			ids[r.Ref] = r.ID
		}
	}
	n := 0
	for _, r := range local {
		if id, ok := ids[r.Ref]; ok {
			r.ID = id
			n++
		}
	}
	return n
}
