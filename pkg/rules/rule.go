// Package rules is the Cache Rules engine under `cfcache rules`: the file
// model (YAML or JSON in the API's own rule shape, with a position for every
// node), conversion to and from the Rulesets API, export, offline
// validation with plan gates and lint warnings, and diffing. It does no I/O:
// callers hand in bytes and get bytes, problems and diffs back.
package rules

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// ActionSetCacheSettings is the only action valid in PhaseRequest.
const ActionSetCacheSettings = "set_cache_settings"

// Format is a file format.
type Format string

const (
	YAML Format = "yaml"
	JSON Format = "json"
)

// ParseFormat accepts "yaml", "yml" or "json" in any case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yaml", "yml":
		return YAML, nil
	case "json":
		return JSON, nil
	}
	return "", fmt.Errorf("unknown format %q: want yaml or json", s)
}

// DetectFormat decides by the file name's extension, then by content: a
// document starting with { or [ is JSON.
func DetectFormat(name string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return JSON
	case ".yaml", ".yml":
		return YAML
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return JSON
	}
	return YAML
}

// Rule is one cache rule in the API's shape. Action and Enabled hold their
// defaults when the source left them out.
type Rule struct {
	Ref         string
	Description string
	Expression  string
	Action      string
	Enabled     bool
	// Params is action_parameters as an ordered tree; nil when absent.
	Params *Value

	// Read-only fields the API returns; never exported or compared.
	ID          string
	Version     string
	LastUpdated string
	// RefFromID is set when the API rule had no ref and Ref holds its id.
	RefFromID bool

	node *Value  // the rule's mapping in its file, nil otherwise
	src  *source // that file, for expression positions
}

// Line is where the rule starts in its file, 0 when it did not come from one.
func (r *Rule) Line() int {
	if r.node == nil {
		return 0
	}
	return int(r.node.Pos.Line)
}

// pos returns the position of a top-level field's key (or the rule's own
// position when the field is absent): problems are reported at the line of
// the key at fault, which is not the value's when the value is a block
// (docs/interface.md, rules validate: LINE).
func (r *Rule) pos(key string) Pos {
	if r.node == nil {
		return Pos{}
	}
	if f := r.node.field(key); f != nil {
		return f.KeyPos
	}
	return r.node.Pos
}

// hasKey reports whether the rule's source mapping has key.
func (r *Rule) hasKey(key string) bool { return r.node != nil && r.node.field(key) != nil }

// normParams treats an absent action_parameters like an empty one so that a
// rule from a file and the same rule from the API compare equal.
func normParams(v *Value) *Value {
	if v == nil || (v.Kind == Object && len(v.Fields()) == 0) {
		return &Value{Kind: Object}
	}
	return v
}

// File is a parsed rules file.
type File struct {
	Name   string
	Format Format
	Rules  []*Rule
	// Phase is the file's phase, PhaseRequest or PhaseResponse: its
	// top-level `phase:` (request|response or the full name), PhaseRequest
	// when it has none. PhasePos is where that value is, zero without one.
	Phase    string
	PhasePos Pos
	// RulesPos is where the rules list starts (for file-level problems).
	RulesPos Pos
	src      *source
	// validated is the last Validate's inputs and answer (see Validate).
	validated *validation
}

// Ruleset-level keys accepted (and ignored) at the top of a file, so the
// `result` of a ruleset GET pastes in as it is.
func rulesetReadOnlyKeys() []string {
	return []string{"id", "name", "description", "kind", "phase", "version", "last_updated", "source"}
}

// Rule keys: the writable ones in export order, then the read-only ones the
// API adds.
func ruleKeys() []string {
	return []string{"ref", "description", "expression", "action", "action_parameters", "enabled"}
}

// Parse reads a rules file. It reports every structural problem it finds
// (syntax, unknown keys, wrong types) and returns the rules it could read;
// semantic checks are Validate's job. The name is only used in problems and
// to pick the format by extension.
func Parse(name string, data []byte) (*File, Problems) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	f := &File{Name: name, Format: DetectFormat(name, data), Phase: PhaseRequest}
	if f.Format == JSON {
		f.src = newSource(data) // every value's position comes from the index
	} else {
		f.src = scanSource(data) // the fast reader needs no index (yamlfast.go)
	}
	var root *Value
	var err error
	d := &decoder{file: name, src: f.src}
	if f.Format == JSON {
		root, err = parseJSON(f.src)
	} else {
		root, d.noDups, err = parseYAML(f.src)
	}
	if err != nil {
		se, ok := err.(*syntaxError)
		if !ok {
			se = &syntaxError{Pos: Pos{Line: 1}, Msg: err.Error()}
		}
		line := se.Pos.Line
		if line < 1 {
			line = 1
		}
		d.add(Pos{Line: line}, "", "%s", se.Msg)
		return f, d.probs
	}
	f.Rules, f.RulesPos = d.decodeFile(root)
	if d.phase != "" {
		f.Phase, f.PhasePos = d.phase, d.phasePos
	}
	return f, d.probs
}

// decoder turns a Value tree into rules, collecting problems.
type decoder struct {
	file    string
	src     *source
	lenient bool // API input: ignore keys we do not know instead of failing
	// noDups: the reader saw no mapping repeat a key, so dupKeys need not
	// walk the tree again.
	noDups bool
	// slab holds the file's rules, one allocation for all of them.
	slab  []Rule
	probs Problems
	// phase is the file's `phase:` as a full phase name, "" when absent.
	phase    string
	phasePos Pos
}

func (d *decoder) add(p Pos, path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: int(p.Line), Path: path,
		Message: fmt.Sprintf(format, args...), Severity: SeverityError, Code: codeFor(decodeCodes, format, SeverityError)})
}

func (d *decoder) decodeFile(root *Value) ([]*Rule, Pos) {
	if root == nil || root.Kind == Null {
		d.add(Pos{Line: 1}, "", "the file is empty: want a mapping with a rules list")
		return nil, Pos{}
	}
	if root.Kind != Object {
		d.add(root.Pos, "", "want a mapping with a rules list, got a %s", root.Kind)
		return nil, Pos{}
	}
	if !d.noDups {
		d.dupKeys(root, "")
	}
	// A whole API response ({"result": {...}, "success": true, ...}) pastes in too.
	if res := root.Get("result"); res != nil && res.Kind == Object && root.Get("success") != nil {
		root = res
	}
	var rules *Value
	var rulesPos Pos
	for _, fl := range root.Fields() {
		switch {
		case fl.Key == "rules":
			rules, rulesPos = fl.Value, fl.KeyPos
		case fl.Key == "phase":
			// The key's line, like every problem (interface.md: LINE is the
			// line of the key at fault).
			if fl.Value.Kind != String {
				d.add(fl.KeyPos, "phase", "want request or response, got %s", describe(fl.Value))
			} else if ph, err := ParsePhase(fl.Value.Str); err != nil {
				d.add(fl.KeyPos, "phase", "%q is not a phase: want request or response (Cache Rules or Cache Response Rules)%s",
					fl.Value.Str, suggest(fl.Value.Str, []string{"request", "response"}))
			} else {
				d.phase, d.phasePos = ph, fl.KeyPos
			}
		case contains(rulesetReadOnlyKeys(), fl.Key):
		default:
			d.add(fl.KeyPos, fl.Key, "unknown field%s", suggest(fl.Key, []string{"rules"}))
		}
	}
	if rules == nil {
		d.add(root.Pos, "rules", "missing rules: want a list of rules")
		return nil, root.Pos
	}
	if rules.Kind == Null {
		// `rules:` with no value is what an empty template variable leaves
		// behind; reading it as "no rules" made deploy delete every rule of
		// the zone (issue 9). Emptying a zone takes an explicit `rules: []`.
		d.add(rulesPos, "rules", "no value: give a list of rules (an explicit `rules: []` means none, and deploy needs --allow-empty for it)")
		return nil, rulesPos
	}
	if rules.Kind != Array {
		d.add(rulesPos, "rules", "want a list of rules, got a %s", rules.Kind)
		return nil, rulesPos
	}
	out := make([]*Rule, 0, len(rules.Items()))
	d.slab = make([]Rule, len(rules.Items()))
	for i, it := range rules.Items() {
		if r := d.rule(it, i); r != nil {
			out = append(out, r)
		}
	}
	return out, rulesPos
}

// dupKeys reports keys given twice in one mapping: neither yaml.v3 (when
// decoding into a Node) nor encoding/json's tokenizer refuses them, and a
// silently ignored duplicate is exactly the kind of edit a review misses.
func (d *decoder) dupKeys(v *Value, path string) {
	// Building every key's path up front cost 15% of validating a 300-rule
	// file; files with a duplicate are rare, so look first, name after.
	if !hasDupKeys(v) {
		return
	}
	switch v.Kind {
	case Object:
		seen := make(map[string]Pos, len(v.Fields()))
		for _, f := range v.Fields() {
			p := joinPath(path, f.Key)
			if first, ok := seen[f.Key]; ok {
				d.add(f.KeyPos, p, "duplicate key (first given on line %d)", first.Line)
			} else {
				seen[f.Key] = f.KeyPos
			}
			d.dupKeys(f.Value, p)
		}
	case Array:
		for i, it := range v.Items() {
			d.dupKeys(it, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// hasDupKeys reports whether any mapping in v repeats a key, without
// allocating for the small mappings rules are made of.
func hasDupKeys(v *Value) bool {
	switch v.Kind {
	case Object:
		for i, f := range v.Fields() {
			for _, g := range v.Fields()[:i] {
				if f.Key == g.Key {
					return true
				}
			}
			if hasDupKeys(f.Value) {
				return true
			}
		}
	case Array:
		for _, it := range v.Items() {
			if hasDupKeys(it) {
				return true
			}
		}
	}
	return false
}

// rule reads rules[i]. Its path is only named in a problem, so it is
// only built for one, not formatted for each of the 300 rules of a valid
// file.
func (d *decoder) rule(v *Value, i int) *Rule {
	path := func(key string) string {
		if key == "" {
			return fmt.Sprintf("rules[%d]", i)
		}
		return fmt.Sprintf("rules[%d].%s", i, key)
	}
	if v.Kind != Object {
		d.add(v.Pos, path(""), "want a rule (a mapping), got a %s", v.Kind)
		return nil
	}
	var r *Rule
	if len(d.slab) > 0 {
		r, d.slab = &d.slab[0], d.slab[1:]
	} else {
		r = new(Rule)
	}
	*r = Rule{Action: ActionSetCacheSettings, Enabled: true, node: v, src: d.src}
	str := func(f *Field) string {
		if f.Value.Kind != String {
			d.add(f.KeyPos, path(f.Key), "want a string, got a %s", f.Value.Kind)
			return ""
		}
		return f.Value.Str
	}
	for _, f := range v.Fields() {
		switch f.Key {
		case "ref":
			r.Ref = str(f)
		case "description":
			if f.Value.Kind != Null {
				r.Description = str(f)
			}
		case "expression":
			// `expression:` with no value is an empty expression, which
			// Validate reports (with its column); not a type error too.
			if f.Value.Kind != Null {
				r.Expression = str(f)
			}
		case "action":
			r.Action = str(f)
		case "enabled":
			if f.Value.Kind != Bool {
				d.add(f.KeyPos, path(f.Key), "want true or false, got a %s", f.Value.Kind)
			} else {
				r.Enabled = f.Value.Bool
			}
		case "action_parameters":
			switch f.Value.Kind {
			case Object:
				r.Params = f.Value
			case Null:
			default:
				d.add(f.KeyPos, path(f.Key), "want a mapping of settings, got a %s", f.Value.Kind)
			}
		case "id":
			r.ID = scalarText(f.Value)
		case "version":
			r.Version = scalarText(f.Value)
		case "last_updated":
			r.LastUpdated = scalarText(f.Value)
		case "categories":
		default:
			if !d.lenient {
				d.add(f.KeyPos, path(f.Key), "unknown field%s", suggest(f.Key, ruleKeys()))
			}
		}
	}
	if r.Ref == "" && r.ID != "" && v.field("ref") == nil {
		r.Ref, r.RefFromID = r.ID, true
	}
	return r
}

// scalarText is a read-only field's value as text, whatever its type.
func scalarText(v *Value) string {
	switch v.Kind {
	case String, Number:
		return v.Str
	case Bool:
		return fmt.Sprint(v.Bool)
	}
	return ""
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
