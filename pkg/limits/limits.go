// Package limits holds Cloudflare's per-plan limits that validation, batching
// and pacing use. The numbers come from docs/cloudflare.md (Cloudflare's
// "Purge cache — Availability and limits" page, updated 2026-07-29, and the API
// rate-limit page). Cloudflare has changed them before and sources disagree, so
// they live in one overridable table and never as constants in logic.
package limits

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Plan is a zone plan as reported by GET /zones/{id} in result.plan.legacy_id.
type Plan string

const (
	Free       Plan = "free"
	Pro        Plan = "pro"
	Business   Plan = "business"
	Enterprise Plan = "enterprise"
)

// Plans lists the plans in ascending order.
var Plans = []Plan{Free, Pro, Business, Enterprise}

// ParsePlan accepts a plan name in any case.
func ParsePlan(s string) (Plan, error) {
	p := Plan(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Plans {
		if p == known {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown plan %q: want one of free, pro, business, enterprise", s)
}

// AtLeast reports whether p is the same as or above other.
func (p Plan) AtLeast(other Plan) bool { return p.rank() >= other.rank() }

func (p Plan) rank() int {
	for i, known := range Plans {
		if p == known {
			return i
		}
	}
	return -1
}

// Limits is one plan's row. JSON names are the keys accepted under `limits:`
// in the config file and printed by `cfcache limits -o json`.
type Limits struct {
	Plan Plan `json:"plan"`

	// Single-file (URL) purge: a token bucket counted in URLs.
	URLPurgeRate   float64 `json:"url_purge_rate"`   // URLs refilled per second
	URLPurgeBurst  int     `json:"url_purge_burst"`  // bucket size in URLs (undocumented: one second of refill)
	URLsPerRequest int     `json:"urls_per_request"` // files per purge_cache call

	// Flex purge (tag, host, prefix) and purge everything: a bucket counted in requests.
	FlexPurgeRate       float64 `json:"flex_purge_rate"`        // requests refilled per second
	FlexPurgeBurst      int     `json:"flex_purge_burst"`       // bucket size in requests
	FlexItemsPerRequest int     `json:"flex_items_per_request"` // tags/hosts/prefixes per call

	// Whole-API limit per user or token: exceeding it blocks every call for 5 minutes.
	APIRequestsPerWindow int `json:"api_requests_per_window"`
	APIWindowSeconds     int `json:"api_window_seconds"`

	TagMaxLength        int `json:"tag_max_length"`
	PrefixMaxSeparators int `json:"prefix_max_separators"`

	// Cache Rules.
	RulesPerZone        int  `json:"rules_per_zone"`
	MinEdgeTTLSeconds   int  `json:"min_edge_ttl_seconds"`
	RegexAllowed        bool `json:"regex_allowed"`
	CustomCacheKey      bool `json:"custom_cache_key"` // query_string lists, header, cookie, host, user parts
	StatusCodeTTL       bool `json:"status_code_ttl"`
	ExpressionMaxLength int  `json:"expression_max_length"`

	// Cache Response Rules: their own count per zone, the same numbers
	// per plan as Cache Rules' (cloudflare.md, "Cache Response Rules": 10 /
	// 25 / 50 / 300), kept apart so `limits` shows it and a config file
	// can set one without the other.
	ResponseRulesPerZone int `json:"response_rules_per_zone"`
}

// RulesPerPhase is the number of rules a zone may have in a phase: Cache
// Response Rules (response true) or Cache Rules.
func (l Limits) RulesPerPhase(response bool) int {
	if response {
		return l.ResponseRulesPerZone
	}
	return l.RulesPerZone
}

// APIWindow is the whole-API rate-limit window as a duration.
func (l Limits) APIWindow() time.Duration { return time.Duration(l.APIWindowSeconds) * time.Second }

// Table maps each plan to its limits.
type Table map[Plan]Limits

// Default returns a fresh copy of the documented table.
func Default() Table {
	common := Limits{
		APIRequestsPerWindow: 1200,
		APIWindowSeconds:     300,
		TagMaxLength:         1024,
		PrefixMaxSeparators:  31,
		FlexItemsPerRequest:  100,
		ExpressionMaxLength:  4096,
	}
	row := func(p Plan, f func(*Limits)) Limits {
		l := common
		l.Plan = p
		f(&l)
		return l
	}
	return Table{
		Free: row(Free, func(l *Limits) {
			l.URLPurgeRate, l.URLPurgeBurst, l.URLsPerRequest = 800, 800, 100
			l.FlexPurgeRate, l.FlexPurgeBurst = 5.0/60, 25
			l.RulesPerZone, l.ResponseRulesPerZone, l.MinEdgeTTLSeconds = 10, 10, 7200
		}),
		Pro: row(Pro, func(l *Limits) {
			l.URLPurgeRate, l.URLPurgeBurst, l.URLsPerRequest = 1500, 1500, 100
			l.FlexPurgeRate, l.FlexPurgeBurst = 5, 25
			l.RulesPerZone, l.ResponseRulesPerZone, l.MinEdgeTTLSeconds = 25, 25, 3600
		}),
		Business: row(Business, func(l *Limits) {
			l.URLPurgeRate, l.URLPurgeBurst, l.URLsPerRequest = 1500, 1500, 100
			l.FlexPurgeRate, l.FlexPurgeBurst = 10, 50
			l.RulesPerZone, l.ResponseRulesPerZone, l.MinEdgeTTLSeconds = 50, 50, 1
			l.RegexAllowed = true
		}),
		Enterprise: row(Enterprise, func(l *Limits) {
			l.URLPurgeRate, l.URLPurgeBurst, l.URLsPerRequest = 3000, 3000, 500
			l.FlexPurgeRate, l.FlexPurgeBurst = 50, 500
			l.RulesPerZone, l.ResponseRulesPerZone, l.MinEdgeTTLSeconds = 300, 300, 1
			l.RegexAllowed, l.CustomCacheKey, l.StatusCodeTTL = true, true, true
		}),
	}
}

// For returns the limits of plan p; an unknown plan gets Free's, the most conservative.
func (t Table) For(p Plan) Limits {
	if l, ok := t[p]; ok {
		return l
	}
	return t[Free]
}

// Loosest is the most permissive value of every item and Cache Rules limit
// across the table's plans, under the top plan's name. An item or a rules
// file that breaks a limit of this row breaks it on every plan, so commands
// refuse it before they look the zone (and its plan) up. Each field is taken
// on its own because a config file's overrides need not keep the plans in
// order.
func (t Table) Loosest() Limits {
	l := t.For(Plans[len(Plans)-1])
	for _, p := range Plans {
		r := t.For(p)
		l.RulesPerZone = max(l.RulesPerZone, r.RulesPerZone)
		l.ResponseRulesPerZone = max(l.ResponseRulesPerZone, r.ResponseRulesPerZone)
		l.ExpressionMaxLength = max(l.ExpressionMaxLength, r.ExpressionMaxLength)
		l.MinEdgeTTLSeconds = min(l.MinEdgeTTLSeconds, r.MinEdgeTTLSeconds)
		l.RegexAllowed = l.RegexAllowed || r.RegexAllowed
		l.CustomCacheKey = l.CustomCacheKey || r.CustomCacheKey
		l.StatusCodeTTL = l.StatusCodeTTL || r.StatusCodeTTL
		l.TagMaxLength = max(l.TagMaxLength, r.TagMaxLength)
		l.PrefixMaxSeparators = max(l.PrefixMaxSeparators, r.PrefixMaxSeparators)
	}
	return l
}

// WithOverrides returns a copy of t where each plan's fields are replaced by
// the values in overrides (plan name → field name → value), as read from the
// config file's `limits:` section. Unknown plans, unknown fields and values
// that make no sense are errors, so a typo cannot silently keep the default.
func (t Table) WithOverrides(overrides map[string]map[string]any) (Table, error) {
	out := make(Table, len(t))
	for p, l := range t {
		out[p] = l
	}
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p, err := ParsePlan(name)
		if err != nil {
			return nil, fmt.Errorf("limits: %w", err)
		}
		// A YAML .nan or .inf is no limit, and JSON cannot carry it either.
		for k, v := range overrides[name] {
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return nil, fmt.Errorf("limits.%s.%s: want a finite number, got %v", name, k, f)
			}
		}
		raw, err := json.Marshal(overrides[name])
		if err != nil {
			return nil, fmt.Errorf("limits.%s: %w", name, err)
		}
		l := out[p]
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field != "" {
				return nil, fmt.Errorf("limits.%s.%s: want %s, got %s", name, typeErr.Field, jsonKindName(typeErr.Type.Kind()), jsonValueName(typeErr.Value))
			}
			return nil, fmt.Errorf("limits.%s: %s", name, strings.TrimPrefix(err.Error(), "json: "))
		}
		l.Plan = p
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("limits.%s: %w", name, err)
		}
		out[p] = l
	}
	return out, nil
}

// jsonKindName names the type a limit wants, for messages.
func jsonKindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return "a " + k.String()
}

// jsonValueName turns encoding/json's description of a value ("string",
// "number 1.5", "array") into words for messages.
func jsonValueName(v string) string {
	switch v {
	case "string", "bool", "object":
		return "a " + v
	case "array":
		return "a list"
	}
	return "the " + v
}

func (l Limits) check() error {
	switch {
	case l.URLPurgeRate <= 0 || l.FlexPurgeRate <= 0:
		return fmt.Errorf("purge rates must be positive")
	case l.URLPurgeBurst < 1 || l.FlexPurgeBurst < 1:
		return fmt.Errorf("bucket sizes must be at least 1")
	case l.URLsPerRequest < 1 || l.FlexItemsPerRequest < 1:
		return fmt.Errorf("items per request must be at least 1")
	case l.URLPurgeBurst < l.URLsPerRequest:
		return fmt.Errorf("url_purge_burst (%d) must be at least urls_per_request (%d)", l.URLPurgeBurst, l.URLsPerRequest)
	case l.APIRequestsPerWindow < 1 || l.APIWindowSeconds < 1:
		return fmt.Errorf("api_requests_per_window and api_window_seconds must be positive")
	case l.TagMaxLength < 1 || l.PrefixMaxSeparators < 1 || l.RulesPerZone < 1 || l.ResponseRulesPerZone < 1 || l.ExpressionMaxLength < 1:
		return fmt.Errorf("length and count limits must be positive")
	case l.MinEdgeTTLSeconds < 0:
		return fmt.Errorf("min_edge_ttl_seconds must not be negative")
	}
	return nil
}

// Overridden lists, per plan, the JSON keys (as accepted under `limits:`)
// whose value in t differs from base: what a config file changed when t is
// the loaded table and base is Default(). A key set to its documented value
// is not listed, since the value shown is then Cloudflare's own. Every plan
// of Plans has an entry, empty when nothing changed.
func (t Table) Overridden(base Table) map[Plan][]string {
	out := make(map[Plan][]string, len(Plans))
	typ := reflect.TypeOf(Limits{})
	for _, p := range Plans {
		got, want := reflect.ValueOf(t.For(p)), reflect.ValueOf(base.For(p))
		keys := []string{}
		for i := 0; i < typ.NumField(); i++ {
			key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if key == "" || key == "-" || key == "plan" {
				continue
			}
			if !reflect.DeepEqual(got.Field(i).Interface(), want.Field(i).Interface()) {
				keys = append(keys, key)
			}
		}
		out[p] = keys
	}
	return out
}
