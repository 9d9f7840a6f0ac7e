package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Rule is one rule of the cache-settings entrypoint ruleset, in the shape
// the Rulesets API returns. ActionParameters is kept as raw JSON so fields
// the SDK does not know (e.g. vary) survive a round trip.
type Rule struct {
	ID               string          `json:"id"`
	Version          string          `json:"version"`
	Action           string          `json:"action"`
	ActionParameters json.RawMessage `json:"action_parameters,omitempty"`
	Expression       string          `json:"expression"`
	Description      string          `json:"description"`
	LastUpdated      time.Time       `json:"last_updated"`
	Ref              string          `json:"ref"`
	Enabled          bool            `json:"enabled"`
}

// RulesetInfo describes one version of a zone's entrypoint ruleset, as the
// versions list shows it.
type RulesetInfo struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Kind        string    `json:"kind"`
	Phase       string    `json:"phase"`
	Version     string    `json:"version"`
	LastUpdated time.Time `json:"last_updated"`
}

// Ruleset is one version of a zone's entrypoint ruleset with its rules.
type Ruleset struct {
	RulesetInfo
	Rules []Rule `json:"rules"`
}

func (rs *Ruleset) clone() Ruleset {
	out := *rs
	out.Rules = make([]Rule, len(rs.Rules))
	for i, r := range rs.Rules {
		r.ActionParameters = bytes.Clone(r.ActionParameters)
		out.Rules[i] = r
	}
	return out
}

const maxRulesetBody = 4 << 20

const setCacheSettings = "set_cache_settings"

// ruleInput is a rule as a client sends it: pointers tell "absent" from empty.
type ruleInput struct {
	ID               string          `json:"id"`
	Ref              string          `json:"ref"`
	Expression       *string         `json:"expression"`
	Action           *string         `json:"action"`
	ActionParameters json.RawMessage `json:"action_parameters"`
	Description      string          `json:"description"`
	Enabled          *bool           `json:"enabled"`
}

type rulesetInput struct {
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Kind        *string            `json:"kind"`
	Phase       *string            `json:"phase"`
	Rules       *[]json.RawMessage `json:"rules"`
}

// versionsOf is the zone's list of versions of phase's entrypoint.
// Callers hold s.mu.
func (z *zoneState) versionsOf(phase string) *[]*Ruleset {
	if phase == ResponseCachePhase {
		return &z.respVersions
	}
	return &z.versions
}

func (s *Server) currentRuleset(z *zoneState, phase string) *Ruleset {
	vs := *z.versionsOf(phase)
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

func noRuleset(phase string) APIError {
	return apiErr(codeNoRuleset, "could not find entrypoint ruleset in the %s phase", phase)
}

// versionsFor returns the zone's ruleset versions, oldest first, or answers
// itself (404 10003 when there is no entrypoint yet) and returns nil.
// Stored versions are never modified, so they are encoded outside the lock.
func (s *Server) versionsFor(w http.ResponseWriter, r *http.Request, c *caller, phase string) []*Ruleset {
	z := s.zoneFor(w, r, c, PermCacheRulesRead)
	if z == nil {
		return nil
	}
	s.mu.Lock()
	versions := *z.versionsOf(phase)
	s.mu.Unlock()
	if len(versions) == 0 {
		writeErrors(w, http.StatusNotFound, noRuleset(phase))
		return nil
	}
	return versions
}

func (s *Server) handleGetEntrypoint(w http.ResponseWriter, r *http.Request, c *caller, phase string) {
	if versions := s.versionsFor(w, r, c, phase); versions != nil {
		s.writeRuleset(w, versions[len(versions)-1])
	}
}

// writeRuleset answers with a stored version of a ruleset. Versions never
// change once stored, so each one's answer is encoded once and then sent
// as it is: encoding 300 rules was 0.7 ms of a 0.9 ms GET, on the path of
// every `rules diff` and `deploy` against the sandbox (docs/performance.md,
// "Against start-up").
func (s *Server) writeRuleset(w http.ResponseWriter, rs *Ruleset) {
	s.answerMu.Lock()
	b := s.answers[rs]
	s.answerMu.Unlock()
	if b == nil {
		var ok bool
		if b, ok = encodeEnvelope(envelope{Success: true, Result: rs}); !ok {
			writeBody(w, http.StatusInternalServerError, b)
			return
		}
		s.answerMu.Lock()
		s.answers[rs] = b
		s.answerMu.Unlock()
	}
	writeBody(w, http.StatusOK, b)
}

func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request, c *caller, phase string) {
	versions := s.versionsFor(w, r, c, phase)
	if versions == nil {
		return
	}
	out := make([]RulesetInfo, len(versions))
	for i, v := range versions {
		out[i] = v.RulesetInfo
	}
	writeOK(w, out)
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request, c *caller, phase string) {
	versions := s.versionsFor(w, r, c, phase)
	if versions == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 || n > len(versions) {
		// Chosen: the code of a missing entrypoint, with the version named.
		writeErrors(w, http.StatusNotFound, apiErr(codeNoRuleset, "could not find version %q of the entrypoint ruleset", r.PathValue("version")))
		return
	}
	s.writeRuleset(w, versions[n-1])
}

// PUT creates the entrypoint or replaces ALL its rules; rules left out are
// deleted. With ?dry_run=true it validates only and answers result null,
// as the API reference says of dry runs.
func (s *Server) handlePutEntrypoint(w http.ResponseWriter, r *http.Request, c *caller, phase string) {
	z := s.zoneFor(w, r, c, PermCacheRulesEdit)
	if z == nil {
		return
	}
	body, ok := readBody(w, r, maxRulesetBody)
	if !ok {
		return
	}
	in, rules, errs := parseRulesetBody(body, phase)
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	dryRun, _ := strconv.ParseBool(r.URL.Query().Get("dry_run"))
	s.mu.Lock()
	rs, errs := s.applyRules(z, phase, in.Name, in.Description, rules, !dryRun)
	s.mu.Unlock()
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	if dryRun {
		writeOK(w, nil)
		return
	}
	writeOK(w, rs)
}

func parseRulesetBody(body []byte, phase string) (rulesetInput, []ruleInput, []APIError) {
	var in rulesetInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, nil, []APIError{typeError(err, "", msgMalformedJSON)}
	}
	var errs []APIError
	if in.Kind != nil && *in.Kind != "zone" {
		errs = append(errs, apiErrAt(codeRulesetInvalid, "/kind", "kind must be \"zone\" for a zone entrypoint ruleset"))
	}
	if in.Phase != nil && *in.Phase != phase {
		errs = append(errs, apiErrAt(codeRulesetInvalid, "/phase", "phase must be %q at this endpoint", phase))
	}
	if in.Rules == nil {
		// An absent list would otherwise read as "delete every rule".
		errs = append(errs, apiErrAt(codeRulesetInvalid, "/rules", "rules is required; send [] to remove all rules"))
		return in, nil, errs
	}
	rules := make([]ruleInput, len(*in.Rules))
	for i, raw := range *in.Rules {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&rules[i]); err != nil {
			errs = append(errs, typeError(err, "/rules/"+strconv.Itoa(i), "rule must be an object"))
		}
	}
	return in, rules, errs
}

// typeError turns a JSON decoding error into an API error pointing at the
// offending field when the decoder names one.
func typeError(err error, base, fallback string) APIError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		ptr := base + "/" + strings.ReplaceAll(te.Field, ".", "/")
		return apiErrAt(codeRulesetInvalid, ptr, "%s must be of type %s", te.Field, te.Type)
	}
	if base != "" {
		return apiErrAt(codeRulesetInvalid, base, "%s", fallback)
	}
	return apiErr(codeMalformedJSON, "%s", fallback)
}

// applyRules validates rules against the zone's plan and, when commit is
// set, stores them as the next version. Rules keep their id when the client
// sends that id or a ref an existing rule has; a rule's own version moves
// only when it changes. Callers hold s.mu.
func (s *Server) applyRules(z *zoneState, phase string, name, description *string, rules []ruleInput, commit bool) (*Ruleset, []APIError) {
	lim := s.cfg.Limits.For(z.Plan)
	cur := s.currentRuleset(z, phase)
	var errs []APIError
	if limit := lim.RulesPerPhase(phase == ResponseCachePhase); len(rules) > limit {
		errs = append(errs, apiErrAt(codeRulesetInvalid, "/rules",
			"too many rules: %d exceeds the limit of %d rules in phase %s on the %s plan",
			len(rules), limit, phase, z.Plan))
	}
	byID, byRef := map[string]*Rule{}, map[string]*Rule{}
	if cur != nil {
		for i := range cur.Rules {
			byID[cur.Rules[i].ID] = &cur.Rules[i]
			byRef[cur.Rules[i].Ref] = &cur.Rules[i]
		}
	}
	now := s.now().UTC()
	nextVersion := 1
	if cur != nil {
		nextVersion, _ = strconv.Atoi(cur.Version)
		nextVersion++
	}
	out := make([]Rule, 0, len(rules))
	usedPrev, seenRef, seenID := map[string]bool{}, map[string]int{}, map[string]int{}
	for i, in := range rules {
		ptr := "/rules/" + strconv.Itoa(i)
		errs = append(errs, validateRule(in, phase, lim, z.Plan, ptr)...)
		var prev *Rule
		switch {
		case in.ID != "":
			prev = byID[in.ID]
			if prev == nil {
				errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/id", "rule id %q is not in this ruleset; leave id out to create a rule", in.ID))
			}
		case in.Ref != "":
			prev = byRef[in.Ref]
		}
		if prev != nil && usedPrev[prev.ID] {
			if j, dup := seenID[prev.ID]; dup && in.ID != "" {
				errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/id", "duplicate rule id %q (also rules/%d)", in.ID, j))
			}
			prev = nil
		}
		rule := Rule{Action: deref(in.Action), Expression: deref(in.Expression), Description: in.Description,
			ActionParameters: compactJSON(in.ActionParameters), Enabled: in.Enabled == nil || *in.Enabled}
		if prev != nil {
			usedPrev[prev.ID] = true
			seenID[prev.ID] = i
			rule.ID, rule.Ref = prev.ID, prev.Ref
			if in.Ref != "" {
				rule.Ref = in.Ref
			}
			rule.Version, rule.LastUpdated = prev.Version, prev.LastUpdated
			if !sameRule(*prev, rule) {
				v, _ := strconv.Atoi(prev.Version)
				rule.Version, rule.LastUpdated = strconv.Itoa(v+1), now
			}
		} else {
			rule.ID = s.newID()
			rule.Ref = in.Ref
			if rule.Ref == "" {
				rule.Ref = rule.ID
			}
			rule.Version, rule.LastUpdated = "1", now
		}
		if j, dup := seenRef[rule.Ref]; dup {
			errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/ref", "duplicate rule ref %q (also rules/%d)", rule.Ref, j))
		}
		seenRef[rule.Ref] = i
		out = append(out, rule)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	rs := &Ruleset{RulesetInfo: RulesetInfo{
		Name: "default", Kind: "zone", Phase: phase,
		Version: strconv.Itoa(nextVersion), LastUpdated: now,
	}, Rules: out}
	if cur != nil {
		rs.ID, rs.Name, rs.Description = cur.ID, cur.Name, cur.Description
	} else {
		rs.ID = s.newID()
	}
	if name != nil && *name != "" {
		rs.Name = *name
	}
	if description != nil {
		rs.Description = *description
	}
	if commit {
		vs := z.versionsOf(phase)
		*vs = append(*vs, rs)
	}
	return rs, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return bytes.Clone(raw)
	}
	return b.Bytes()
}

func sameRule(a, b Rule) bool {
	return a.Action == b.Action && a.Expression == b.Expression && a.Description == b.Description &&
		a.Enabled == b.Enabled && a.Ref == b.Ref && bytes.Equal(a.ActionParameters, b.ActionParameters)
}

func validateRule(in ruleInput, phase string, lim limits.Limits, plan limits.Plan, ptr string) []APIError {
	var errs []APIError
	actionOK := false
	switch {
	case in.Action == nil || *in.Action == "":
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/action", "action is required"))
	case !slices.Contains(phaseActions(phase), *in.Action):
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/action",
			"action %q is not allowed in phase %s; use one of %s", *in.Action, phase, strings.Join(phaseActions(phase), ", ")))
	default:
		actionOK = true
	}
	expr := deref(in.Expression)
	switch {
	case strings.TrimSpace(expr) == "":
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/expression", "expression is required"))
	case len(expr) > lim.ExpressionMaxLength && lim.ExpressionMaxLength > 0:
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/expression",
			"expression is %d characters, longer than the limit of %d", len(expr), lim.ExpressionMaxLength))
	case !lim.RegexAllowed && usesRegex(expr):
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/expression",
			"the matches operator (regular expressions) is not available on the %s plan", plan))
	}
	switch p := compactJSON(in.ActionParameters); {
	case phase == ResponseCachePhase && actionOK:
		errs = append(errs, validateResponseParams(*in.Action, p, lim, plan, ptr+"/action_parameters")...)
	case p != nil && phase != ResponseCachePhase:
		errs = append(errs, validateCacheParams(p, lim, plan, ptr+"/action_parameters")...)
	}
	return errs
}

type ttlParams struct {
	Mode          string            `json:"mode"`
	Default       *float64          `json:"default"`
	StatusCodeTTL []json.RawMessage `json:"status_code_ttl"`
}

type cacheParams struct {
	EdgeTTL    *ttlParams `json:"edge_ttl"`
	BrowserTTL *ttlParams `json:"browser_ttl"`
	CacheKey   *struct {
		CustomKey map[string]json.RawMessage `json:"custom_key"`
	} `json:"cache_key"`
}

// validateCacheParams enforces the plan gates of set_cache_settings that
// can be read from the structure alone; everything else is stored as sent.
func validateCacheParams(raw json.RawMessage, lim limits.Limits, plan limits.Plan, ptr string) []APIError {
	if raw[0] != '{' {
		return []APIError{apiErrAt(codeRulesetInvalid, ptr, "action_parameters must be an object")}
	}
	var p cacheParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return []APIError{typeError(err, ptr, "action_parameters is not valid")}
	}
	var errs []APIError
	if e := p.EdgeTTL; e != nil {
		if e.Mode == "override_origin" && e.Default != nil && *e.Default < float64(lim.MinEdgeTTLSeconds) {
			errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/edge_ttl/default",
				"edge TTL %v s is below the minimum of %d s on the %s plan", *e.Default, lim.MinEdgeTTLSeconds, plan))
		}
		if len(e.StatusCodeTTL) > 0 && !lim.StatusCodeTTL {
			errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/edge_ttl/status_code_ttl",
				"status code TTLs are not available on the %s plan", plan))
		}
	}
	if b := p.BrowserTTL; b != nil && b.Default != nil && b.Mode != "override_origin" {
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/browser_ttl/default",
			"browser_ttl.default is only allowed with mode override_origin"))
	}
	if p.CacheKey != nil && !lim.CustomCacheKey {
		for _, part := range []string{"header", "cookie", "host", "user", "query_string"} {
			v, ok := p.CacheKey.CustomKey[part]
			if !ok || !nonEmptyObject(v) || part == "query_string" && !hasQueryList(v) {
				continue
			}
			errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+"/cache_key/custom_key/"+part,
				"custom cache key %s is only available on the Enterprise plan, not %s", part, plan))
		}
	}
	return errs
}

func nonEmptyObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && len(m) > 0
}

// hasQueryList: including or excluding a list of query parameters is
// Enterprise-only; all-or-nothing is not.
func hasQueryList(raw json.RawMessage) bool {
	var q map[string]struct {
		List []string `json:"list"`
	}
	if json.Unmarshal(raw, &q) != nil {
		return false
	}
	return len(q["include"].List) > 0 || len(q["exclude"].List) > 0
}

// usesRegex reports whether expr uses the matches operator (or ~) outside
// string literals, including raw strings r"..." and r#"..."#.
func usesRegex(expr string) bool {
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"':
			i = skipQuoted(expr, i+1)
		case c == 'r' && (i == 0 || !isWordByte(expr[i-1])) && i+1 < len(expr) && (expr[i+1] == '"' || expr[i+1] == '#'):
			j := i + 1
			for j < len(expr) && expr[j] == '#' {
				j++
			}
			if j >= len(expr) || expr[j] != '"' {
				i++
				continue
			}
			closing := "\"" + strings.Repeat("#", j-i-1)
			end := strings.Index(expr[j+1:], closing)
			if end < 0 {
				return false
			}
			i = j + 1 + end + len(closing)
		case c == '~':
			return true
		case isWordByte(c):
			j := i
			for j < len(expr) && isWordByte(expr[j]) {
				j++
			}
			if expr[i:j] == "matches" {
				return true
			}
			i = j
		default:
			i++
		}
	}
	return false
}

func skipQuoted(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
	return i
}

func isWordByte(c byte) bool { return isAlnum(c) || c == '_' || c == '.' }

// CacheRules returns a copy of the zone's current cache-settings entrypoint
// ruleset, and false when the zone has none yet (or does not exist).
func (s *Server) CacheRules(zone string) (Ruleset, bool) {
	return s.PhaseRules(zone, CacheSettingsPhase)
}

// PhaseRules is CacheRules for the entrypoint of phase (CacheSettingsPhase
// or ResponseCachePhase).
func (s *Server) PhaseRules(zone, phase string) (Ruleset, bool) {
	z := s.zone(zone)
	if z == nil {
		return Ruleset{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.currentRuleset(z, phase)
	if cur == nil {
		return Ruleset{}, false
	}
	return cur.clone(), true
}

// EditCacheRules changes the zone's cache rules out of band, as a colleague
// editing in the dashboard would: edit gets the current rules (none when
// there is no ruleset yet) and returns the wanted ones. Rules keep their ids
// by ID or Ref as with PUT, Enabled is taken as given, and the result is a
// new version validated like a PUT.
func (s *Server) EditCacheRules(zone string, edit func([]Rule) []Rule) (Ruleset, error) {
	return s.EditPhaseRules(zone, CacheSettingsPhase, edit)
}

// EditPhaseRules is EditCacheRules for the entrypoint of phase.
func (s *Server) EditPhaseRules(zone, phase string, edit func([]Rule) []Rule) (Ruleset, error) {
	z := s.zone(zone)
	if z == nil {
		return Ruleset{}, fmt.Errorf("sandbox: no zone %q", zone)
	}
	var current []Rule
	if rs, ok := s.PhaseRules(zone, phase); ok {
		current = rs.Rules
	}
	wanted := edit(current)
	inputs := make([]ruleInput, len(wanted))
	for i, r := range wanted {
		r := r
		inputs[i] = ruleInput{ID: r.ID, Ref: r.Ref, Expression: &r.Expression, Action: &r.Action,
			ActionParameters: r.ActionParameters, Description: r.Description, Enabled: &r.Enabled}
	}
	s.mu.Lock()
	rs, errs := s.applyRules(z, phase, nil, nil, inputs, true)
	s.mu.Unlock()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
			if e.Source != nil {
				msgs[i] = e.Source.Pointer + ": " + e.Message
			}
		}
		return Ruleset{}, fmt.Errorf("sandbox: %s", strings.Join(msgs, "; "))
	}
	return rs.clone(), nil
}
