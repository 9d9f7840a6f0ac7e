package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
)

// Actions of each phase (docs/cloudflare.md, "Cache Rules" and
// "Cache Response Rules").
const (
	setCacheTags    = "set_cache_tags"
	setCacheControl = "set_cache_control"
)

func phaseActions(phase string) []string {
	if phase == ResponseCachePhase {
		return []string{setCacheSettings, setCacheTags, setCacheControl}
	}
	return []string{setCacheSettings}
}

// Cache-Control directives set_cache_control takes, by shape: seconds
// directives take {operation: set, value} or {operation: remove}; the
// qualifier ones take optional qualifiers; the rest are set or removed.
var (
	ccSeconds    = []string{"max-age", "s-maxage", "stale-if-error", "stale-while-revalidate"}
	ccQualifiers = []string{"private", "no-cache"}
	ccFlags      = []string{"no-store", "no-transform", "must-revalidate", "proxy-revalidate", "must-understand", "public", "immutable"}
)

// validateResponseParams refuses what the response phase's API refuses:
// request-phase settings in set_cache_settings, a set_cache_tags without an
// operation or with both or neither of values and expression, tags that are
// not tags, a tag expression that does not parse or compute tags, unknown
// Cache-Control directives and malformed ones. Each error points at the
// field (source.pointer), as the Rulesets API does.
func validateResponseParams(action string, raw json.RawMessage, lim limits.Limits, plan limits.Plan, ptr string) []APIError {
	if raw == nil {
		return []APIError{apiErrAt(codeRulesetInvalid, ptr, "action_parameters is required for %s", action)}
	}
	var p map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &p) != nil {
		return []APIError{apiErrAt(codeRulesetInvalid, ptr, "action_parameters must be an object")}
	}
	var errs []APIError
	bad := func(at, format string, args ...any) {
		errs = append(errs, apiErrAt(codeRulesetInvalid, ptr+at, format, args...))
	}
	switch action {
	case setCacheSettings:
		for _, k := range slices.Sorted(maps.Keys(p)) {
			if !slices.Contains([]string{"strip_etags", "strip_set_cookie", "strip_last_modified"}, k) {
				bad("/"+k, "%s is not allowed in phase %s; only strip_etags, strip_set_cookie and strip_last_modified are", k, ResponseCachePhase)
				continue
			}
			var b bool
			if json.Unmarshal(p[k], &b) != nil {
				bad("/"+k, "%s must be of type bool", k)
			}
		}
		if len(p) == 0 {
			bad("", "action_parameters must set at least one setting")
		}
	case setCacheTags:
		var op string
		if json.Unmarshal(p["operation"], &op) != nil || !slices.Contains([]string{"add", "remove", "set"}, op) {
			bad("/operation", "operation must be one of add, remove, set")
		}
		_, hasVals := p["values"]
		_, hasExpr := p["expression"]
		if hasVals == hasExpr {
			bad("", "exactly one of values and expression is required")
		}
		if hasVals {
			var vals []string
			if json.Unmarshal(p["values"], &vals) != nil || len(vals) == 0 {
				bad("/values", "values must be a non-empty list of strings")
			}
			for i, v := range vals {
				if why := tagRefusal(v); why != "" {
					bad(fmt.Sprintf("/values/%d", i), "invalid cache tag %q: %s", v, why)
				}
			}
		}
		if hasExpr {
			var src string
			if json.Unmarshal(p["expression"], &src) != nil || strings.TrimSpace(src) == "" {
				bad("/expression", "expression must be a non-empty string")
			} else if why := tagExpressionRefusal(src, lim, plan); why != "" {
				bad("/expression", "invalid tag expression: %s", why)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p)) {
			if !slices.Contains([]string{"operation", "values", "expression"}, k) {
				bad("/"+k, "unknown field %s", k)
			}
		}
	case setCacheControl:
		if len(p) == 0 {
			bad("", "action_parameters must set at least one directive")
		}
		for _, k := range slices.Sorted(maps.Keys(p)) {
			var d struct {
				Operation      string   `json:"operation"`
				Value          *int64   `json:"value"`
				Qualifiers     []string `json:"qualifiers"`
				CloudflareOnly *bool    `json:"cloudflare_only"`
			}
			if err := json.Unmarshal(p[k], &d); err != nil {
				bad("/"+k, "%s must be an object with an operation", k)
				continue
			}
			switch {
			case slices.Contains(ccSeconds, k):
				if d.Operation == "set" && d.Value == nil {
					bad("/"+k+"/value", "value is required with operation set")
				}
				if d.Value != nil && *d.Value < 0 {
					bad("/"+k+"/value", "value must be 0 or more seconds")
				}
			case slices.Contains(ccQualifiers, k), slices.Contains(ccFlags, k):
				if d.Value != nil {
					bad("/"+k+"/value", "%s takes no value", k)
				}
			default:
				bad("/"+k, "unknown Cache-Control directive %s", k)
				continue
			}
			if d.Operation != "set" && d.Operation != "remove" {
				bad("/"+k+"/operation", "operation must be set or remove")
			}
			if len(d.Qualifiers) > 0 && !slices.Contains(ccQualifiers, k) {
				bad("/"+k+"/qualifiers", "%s takes no qualifiers", k)
			}
		}
	default:
		bad("", "%s", fmt.Sprintf("unknown action %s", action))
	}
	return errs
}

// tagRefusal says why the API refuses a cache tag, or "": tags are 1 to
// 1,024 characters of printable ASCII without spaces (cloudflare.md,
// "Purge"; purge's validTag), and a comma would split the Cache-Tag header.
func tagRefusal(tag string) string {
	if why := validTag(tag, 1024); why != "" {
		return why
	}
	if strings.Contains(tag, ",") {
		return "a comma separates tags"
	}
	return ""
}

// tagExpressionRefusal says why the API refuses set_cache_tags'
// expression, or "": it must parse (a tab is not whitespace), use the
// phase's fields and functions, respect the plan's regex gate and compute a
// String or an Array of Strings (cloudflare-docs
// cache/how-to/cache-response-rules/settings.mdx). The Rules-language
// checker of pkg/expr stands in for Cloudflare's; its warnings do not
// refuse.
func tagExpressionRefusal(src string, lim limits.Limits, plan limits.Plan) string {
	l := lim
	l.ExpressionMaxLength = 0
	if n := len(src); lim.ExpressionMaxLength > 0 && n > lim.ExpressionMaxLength {
		return fmt.Sprintf("%d characters, longer than the limit of %d", n, lim.ExpressionMaxLength)
	}
	for _, p := range expr.CheckExpressionWith(src, expr.Options{Plan: plan, Limits: l, ResponsePhase: true, Value: true}) {
		if !p.Warning {
			return fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Message)
		}
	}
	return ""
}
