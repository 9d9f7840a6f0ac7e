package rules

import "bytes"

// readRuleset reads the API's answer straight into a Ruleset, walking the
// bytes once: the ruleset's and each rule's own keys go into their fields
// as they are met, and only action_parameters becomes a Value tree (the
// only part a Rule keeps as one). Building the whole answer as a tree first
// and then copying it into rules made two Values in five, and their
// fields, garbage at once: a 300-rule answer allocated about 1 MB, which a
// fresh process pays in page faults (docs/performance.md, "Against
// start-up").
//
// ok is false for anything it does not read exactly as the tree path of
// ParseRuleset would: invalid JSON, a whole response envelope ("result" or
// "success" at the top), a repeated "rules", and every input the decoder
// would report a problem for. ParseRuleset then takes the tree path, which
// decides and says what is wrong; TestReadRulesetMatchesTreePath and
// FuzzReadRuleset hold the two to the same answer.
func readRuleset(data []byte) (*Ruleset, bool) {
	return newRulesetReader(data).read()
}

func newRulesetReader(data []byte) *rulesetReader {
	return &rulesetReader{s: &jsonScanner{src: &source{data: data}, data: data}}
}

func (rr *rulesetReader) read() (rs *Ruleset, ok bool) {
	s := rr.s
	rs = &Ruleset{}
	s.ws()
	sawRules := false
	ok = s.members(func(key string) bool {
		var ok bool
		switch key {
		case "result", "success":
			return false
		case "rules":
			if sawRules { // the tree path reads the first and ignores the rest
				return false
			}
			sawRules = true
			rs.Rules, ok = rr.rules()
		case "id":
			rs.ID, ok = rr.scalarText(1, nil)
		case "name":
			rs.Name, ok = rr.scalarText(1, nil)
		case "description":
			rs.Description, ok = rr.scalarText(1, nil)
		case "kind":
			rs.Kind, ok = rr.scalarText(1, nil)
		case "phase":
			rs.Phase, ok = rr.scalarText(1, nil)
		case "version":
			rs.Version, ok = rr.scalarText(1, nil)
		case "last_updated":
			rs.LastUpdated, ok = rr.scalarText(1, nil)
		default:
			_, ok = s.value(1)
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	s.ws()
	return rs, s.i == len(s.data)
}

// rulesetReader is readRuleset's state: the scanner, the rules cut from
// one slab at a time, the settings last read under each name (see
// params), and the last rule's action, version and time of update (see
// repeated).
type rulesetReader struct {
	s                        *jsonScanner
	slab                     []Rule
	last                     []setting
	action, version, updated string
}

// setting is a value of action_parameters as read: its name, its text in
// the answer, and the Value made of it.
// maxLastSettings bounds rulesetReader.last, which setting searches in
// order: the settings of a cache rule or response rule are about fifteen
// names (cloudflare.md), and an answer with thousands of names (never
// Cloudflare's) must cost a bounded search per setting, not one growing
// with every name.
const maxLastSettings = 32

type setting struct {
	key string
	raw []byte
	v   *Value
}

// members reads an object whose '{' is next, calling member with the
// scanner at each key's value; member reads the value, or says false to
// give up. Whitespace and separators are taken as the scanner's value does.
func (s *jsonScanner) members(member func(key string) bool) bool {
	if s.i >= len(s.data) || s.data[s.i] != '{' {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.ws()
		key, ok := s.keyStr()
		if !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if !member(key) {
			return false
		}
		s.ws()
		if s.i >= len(s.data) {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// rules reads the ruleset's rules: a list of rule objects, or null for
// none.
func (rr *rulesetReader) rules() ([]*Rule, bool) {
	s := rr.s
	if s.lit("null") {
		return nil, true
	}
	if s.i >= len(s.data) || s.data[s.i] != '[' {
		return nil, false
	}
	s.i++
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return nil, true
	}
	var out []*Rule
	for {
		s.ws()
		r, ok := rr.rule()
		if !ok {
			return nil, false
		}
		out = append(out, r)
		s.ws()
		if s.i >= len(s.data) {
			return nil, false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// ruleDepth is how deep a rule's values are: the answer, its rules list,
// the rule, then its values (the scanner's nesting bound counts from 0).
const ruleDepth = 3

// rule reads one rule object as decoder.rule reads its tree, leniently
// (unknown keys ignored). A key of the wrong type is a problem the tree
// path reports: false.
func (rr *rulesetReader) rule() (*Rule, bool) {
	s := rr.s
	if len(rr.slab) == 0 {
		rr.slab = make([]Rule, 32)
	}
	r := &rr.slab[0]
	rr.slab = rr.slab[1:]
	*r = Rule{Action: ActionSetCacheSettings, Enabled: true}
	hasRef := false
	ok := s.members(func(key string) bool {
		var ok bool
		switch key {
		case "ref":
			hasRef = true
			r.Ref, ok = rr.str()
		case "description":
			if ok = s.lit("null"); !ok {
				r.Description, ok = rr.str()
			}
		case "expression":
			if ok = s.lit("null"); !ok {
				r.Expression, ok = rr.str()
			}
		case "action":
			r.Action, ok = rr.repeated(&rr.action)
		case "enabled":
			switch {
			case s.lit("true"):
				r.Enabled, ok = true, true
			case s.lit("false"):
				r.Enabled, ok = false, true
			}
		case "action_parameters":
			switch {
			case s.lit("null"):
				ok = true
			case s.i < len(s.data) && s.data[s.i] == '{':
				r.Params, ok = rr.params()
			}
		case "id":
			r.ID, ok = rr.scalarText(ruleDepth, nil)
		case "version":
			r.Version, ok = rr.scalarText(ruleDepth, &rr.version)
		case "last_updated":
			r.LastUpdated, ok = rr.scalarText(ruleDepth, &rr.updated)
		default:
			_, ok = s.value(ruleDepth)
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	if r.Ref == "" && r.ID != "" && !hasRef {
		r.Ref, r.RefFromID = r.ID, true
	}
	return r, true
}

// params reads action_parameters (its '{' is next) as the scanner's
// value would, except that a setting written exactly as the last one of
// its name (the same text: `"browser_ttl":{"mode":"respect_origin"}` in
// rule after rule) is that one's Value, not a new copy. Rules mostly
// repeat most of their settings: in a 300-rule answer, copies were half
// of the Values and fields read (docs/performance.md, "Against
// start-up"). So the rules of one answer share such Values: Ruleset says
// so, and nothing changes them (canonical and Clone copy).
func (rr *rulesetReader) params() (*Value, bool) {
	s := rr.s
	v := s.newValue()
	v.Kind = Object
	v.setOff(s.i)
	from := len(s.fstack)
	ok := s.members(func(key string) bool {
		val, ok := rr.setting(key)
		if !ok {
			return false
		}
		f := s.newField()
		f.Key, f.Value = key, val
		s.fstack = append(s.fstack, f)
		return true
	})
	if !ok {
		return nil, false
	}
	s.setFields(v, from)
	return v, true
}

// setting reads the value of setting key: the last Value read under that
// name when the same text is next and ends there (a number's text could
// go on: "36" then "3600"), a new one otherwise. A text that is the same
// as one read is read the same: a JSON value's extent and meaning are its
// own text's.
func (rr *rulesetReader) setting(key string) (*Value, bool) {
	s := rr.s
	var last *setting
	for i := range rr.last {
		if rr.last[i].key == key {
			last = &rr.last[i]
			break
		}
	}
	if last != nil && bytes.HasPrefix(s.data[s.i:], last.raw) && valueEnds(s.data, s.i+len(last.raw)) {
		s.i += len(last.raw)
		return last.v, true
	}
	start := s.i
	v, ok := s.value(ruleDepth + 1)
	if !ok {
		return v, ok
	}
	if last == nil {
		if len(rr.last) == maxLastSettings {
			return v, true
		}
		rr.last = append(rr.last, setting{key: key})
		last = &rr.last[len(rr.last)-1]
	}
	last.raw, last.v = s.data[start:s.i], v
	return v, true
}

// valueEnds reports whether a member's value can end before data[i]: the
// object goes on or closes there, maybe after whitespace.
func valueEnds(data []byte, i int) bool {
	if i >= len(data) {
		return false
	}
	switch data[i] {
	case ',', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// str reads a string; anything else is false.
func (rr *rulesetReader) str() (string, bool) {
	if rr.s.i >= len(rr.s.data) || rr.s.data[rr.s.i] != '"' {
		return "", false
	}
	return rr.s.str()
}

// repeated reads a string rules often repeat from the rule before (an
// action; a version and a time of the last update, which a deploy sets
// alike on the rules it writes): when the text is *last's, that string is
// it, with no copy; otherwise *last becomes the new one. Only the last
// is kept: a table of every text seen would grow with an answer whose
// rules were all updated at different times.
func (rr *rulesetReader) repeated(last *string) (string, bool) {
	s := rr.s
	if s.i < len(s.data) && s.data[s.i] == '"' {
		end := s.i + 1
		for end < len(s.data) && !jsonStringStop[s.data[end]] {
			end++
		}
		if end < len(s.data) && s.data[end] == '"' && asciiText(s.data[s.i+1:end]) {
			raw := s.data[s.i+1 : end]
			s.i = end + 1
			switch {
			case string(raw) == *last:
			case string(raw) == ActionSetCacheSettings:
				*last = ActionSetCacheSettings
			default:
				*last = string(raw)
			}
			return *last, true
		}
	}
	str, ok := rr.str()
	if ok {
		*last = str
	}
	return str, ok
}

// asciiText: every byte is ASCII, so the text is valid UTF-8 as it is
// (str would check it with utf8.Valid).
func asciiText(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// scalarText reads a read-only field's value as scalarText gives it from
// the tree: a string's or a number's text, "true" or "false", "" for
// anything else. A string is read as repeated when last is not nil.
func (rr *rulesetReader) scalarText(depth int, last *string) (string, bool) {
	s := rr.s
	if s.i < len(s.data) && s.data[s.i] == '"' {
		if last != nil {
			return rr.repeated(last)
		}
		return s.str()
	}
	v, ok := s.value(depth)
	if !ok {
		return "", false
	}
	return scalarText(v), true
}
