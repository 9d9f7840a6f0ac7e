// Package zonecheck decides, from a zone's APO setting, SSL mode, plan and
// Cache Rules, how purges and preloads must be done for it, and what in that
// configuration trips people up (issue 14, `cfcache zones check`). It does no
// I/O: the command fetches, this package judges.
package zonecheck

import (
	"fmt"
	"strings"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// SettingsPermission names the token permission that reads zone settings, so
// a warning can say exactly what to add.
const SettingsPermission = "Zone › Zone Settings › Read"

// Input is what the command read. APO and SSL are nil / empty when the token
// could not read them (SettingsUnreadable then says so).
type Input struct {
	APO                *cachekey.APO
	SSL                string
	SettingsUnreadable bool
	Plan               limits.Plan
	Limits             limits.Limits
	Rules              []*rules.Rule
}

// APO is the APO part of the report.
type APO struct {
	Enabled           bool     `json:"enabled"`
	CacheByDeviceType bool     `json:"cache_by_device_type"`
	Hostnames         []string `json:"hostnames"`
}

// RuleKey is one enabled Cache Rule that varies the cache key.
type RuleKey struct {
	Ref         string `json:"ref"`
	Description string `json:"description"`
	// By lists what the key varies by: "device", "country", "language",
	// "header NAME", "cookie NAME", "query string ...".
	By []string `json:"by"`
	// PlanLacks lists the custom-key parts the rule uses that the zone's
	// plan does not offer (a zone moved to a lower plan keeps its rules).
	PlanLacks []string `json:"plan_lacks,omitempty"`

	device, query, cookie bool
}

// Warning is one finding to act on.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnSettingsPermission = "settings_permission"
	WarnDevicePreload      = "device_copies"
	WarnAPOQuery           = "apo_query_string"
	WarnAPOCookie          = "apo_cookie"
	WarnFlexibleSSL        = "flexible_ssl"
	WarnPlanLacks          = "plan_lacks_custom_key"
)

// Report is the result of Check.
type Report struct {
	APO             *APO      `json:"apo"` // nil: not readable
	SSL             *string   `json:"ssl"` // nil: not readable
	RulesVaryingKey []RuleKey `json:"rules_varying_key"`
	Warnings        []Warning `json:"warnings"`
}

// Check analyses the zone's configuration.
func Check(in Input) Report {
	rep := Report{RulesVaryingKey: []RuleKey{}, Warnings: []Warning{}}
	warn := func(code, format string, args ...any) {
		rep.Warnings = append(rep.Warnings, Warning{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if in.SettingsUnreadable {
		warn(WarnSettingsPermission, "the token cannot read the zone's settings: APO and SSL were not checked; give it %s", SettingsPermission)
	}
	if in.APO != nil {
		hosts := append([]string{}, in.APO.Hostnames...)
		rep.APO = &APO{Enabled: in.APO.Enabled, CacheByDeviceType: in.APO.CacheByDeviceType, Hostnames: hosts}
	}
	if in.SSL != "" {
		s := in.SSL
		rep.SSL = &s
	}
	for i, r := range in.Rules {
		if !r.Enabled {
			continue // a disabled rule varies nothing
		}
		if rk, ok := analyseRule(i, r, in.Limits); ok {
			rep.RulesVaryingKey = append(rep.RulesVaryingKey, rk)
		}
	}

	apoOn := in.APO != nil && in.APO.Enabled
	apoDevice := apoOn && in.APO.CacheByDeviceType
	var deviceRules []string
	for _, rk := range rep.RulesVaryingKey {
		if rk.device {
			deviceRules = append(deviceRules, rk.Ref)
		}
	}
	if apoDevice || len(deviceRules) > 0 {
		var why []string
		if apoDevice {
			why = append(why, "APO caches HTML by device type on "+apoHosts(in.APO.Hostnames))
		}
		if len(deviceRules) > 0 {
			why = append(why, "Cache Rule "+strings.Join(deviceRules, ", ")+" keys by device type")
		}
		warn(WarnDevicePreload, "%s: each page has a mobile, a tablet and a desktop copy; preloads must warm all three (cfcache warm --device desktop,mobile,tablet) and purges need --variants auto or --device all",
			strings.Join(why, "; "))
	}
	if apoOn {
		for _, rk := range rep.RulesVaryingKey {
			if rk.query {
				warn(WarnAPOQuery, "Cache Rule %s varies the key on the query string while APO is on: APO does not cache HTML URLs with unknown query strings, so such pages it matches are served from the origin", rk.Ref)
			}
			if rk.cookie {
				warn(WarnAPOCookie, "Cache Rule %s varies the key on cookies while APO is on: APO cannot vary HTML on cookies, so its cached pages ignore them", rk.Ref)
			}
		}
	}
	if strings.EqualFold(in.SSL, "flexible") {
		warn(WarnFlexibleSSL, "SSL is Flexible: Cloudflare reaches the origin over http and cache keys use the http scheme; purge the http:// URLs too")
	}
	for _, rk := range rep.RulesVaryingKey {
		if len(rk.PlanLacks) > 0 {
			warn(WarnPlanLacks, "Cache Rule %s uses a custom cache key by %s, which the %s plan does not offer (Enterprise only): Cloudflare refuses to deploy it again as is",
				rk.Ref, strings.Join(rk.PlanLacks, ", "), in.Plan)
		}
	}
	return rep
}

func apoHosts(h []string) string {
	if len(h) == 0 {
		return "every host of the zone"
	}
	return strings.Join(h, ", ")
}

// analyseRule lists what one rule puts in the cache key beyond the URL.
func analyseRule(i int, r *rules.Rule, lim limits.Limits) (RuleKey, bool) {
	rk := RuleKey{Ref: cachekey.Ref(i, r), Description: r.Description, By: []string{}}
	lacks := func(part string) {
		if !lim.CustomCacheKey {
			rk.PlanLacks = append(rk.PlanLacks, part)
		}
	}
	for _, st := range r.Settings() {
		v := st.Value
		switch st.Path {
		case cachekey.PathByDeviceType:
			if v.IsTrue() {
				rk.By, rk.device = append(rk.By, "device"), true
			}
		case cachekey.PathUser:
			used := false
			if v.Get("device_type").IsTrue() {
				rk.By, rk.device, used = append(rk.By, "device"), true, true
			}
			if v.Get("geo").IsTrue() {
				rk.By, used = append(rk.By, "country"), true
			}
			if v.Get("lang").IsTrue() {
				rk.By, used = append(rk.By, "language"), true
			}
			if used {
				lacks("user")
			}
		case cachekey.PathHeader:
			names := append(strList(v.Get("include")), strList(v.Get("check_presence"))...)
			if m := v.Get("contains"); m != nil && m.Kind == rules.Object {
				for _, f := range m.Fields() {
					names = append(names, f.Key)
				}
			}
			for _, n := range names {
				rk.By = append(rk.By, "header "+strings.ToLower(n))
			}
			if len(names) > 0 {
				lacks("header")
			}
		case cachekey.PathCookie:
			names := append(strList(v.Get("include")), strList(v.Get("check_presence"))...)
			for _, n := range names {
				rk.By = append(rk.By, "cookie "+n)
			}
			if len(names) > 0 {
				rk.cookie = true
				lacks("cookie")
			}
		case cachekey.PathQueryString:
			if by, list := queryBy(v); by != "" {
				rk.By, rk.query = append(rk.By, by), true
				if list {
					lacks("query string parameter list")
				}
			}
		}
	}
	return rk, len(rk.By) > 0
}

// queryBy describes a query_string part: include all (the key holds every
// parameter), include or exclude a list. exclude all removes the query
// string from the key, which varies nothing.
func queryBy(v *rules.Value) (by string, list bool) {
	if inc := v.Get("include"); inc != nil {
		if l := strList(inc.Get("list")); len(l) > 0 {
			return "query string (" + strings.Join(l, ", ") + ")", true
		}
		if inc.Get("all").IsTrue() {
			return "query string (all parameters)", false
		}
	}
	if exc := v.Get("exclude"); exc != nil {
		if l := strList(exc.Get("list")); len(l) > 0 {
			return "query string (all but " + strings.Join(l, ", ") + ")", true
		}
	}
	return "", false
}

func strList(v *rules.Value) []string {
	if v == nil || v.Kind != rules.Array {
		return nil
	}
	var out []string
	for _, it := range v.Items() {
		if it.Kind == rules.String {
			out = append(out, it.Str)
		}
	}
	return out
}
