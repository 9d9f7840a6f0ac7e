package zonecheck

import (
	"slices"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cachekey"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

func parseRules(t *testing.T, rulesJSON string) []*rules.Rule {
	t.Helper()
	rs, err := rules.ParseRuleset([]byte(`{"id":"x","phase":"http_request_cache_settings","rules":[` + rulesJSON + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	return rs.Rules
}

const (
	ruleDevice = `{"ref":"dev","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache":true,"cache_key":{"cache_by_device_type":true}}}`
	ruleUser = `{"ref":"geo","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache_key":{"custom_key":{"user":{"geo":true,"lang":true}}}}}`
	ruleCookieQuery = `{"ref":"sess","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache_key":{"custom_key":{"cookie":{"include":["wp_lang"]},"query_string":{"include":{"list":["page","s"]}},"header":{"include":["X-Variant"]}}}}}`
	ruleQueryAll = `{"ref":"qa","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache_key":{"custom_key":{"query_string":{"include":{"all":true}}}}}}`
	ruleQueryNone = `{"ref":"qn","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache_key":{"custom_key":{"query_string":{"exclude":{"all":true}}}}}}`
	ruleTTL = `{"ref":"ttl","expression":"true","action":"set_cache_settings","enabled":true,
		"action_parameters":{"cache":true,"edge_ttl":{"mode":"override_origin","default":3600}}}`
	ruleDisabled = `{"ref":"off","expression":"true","action":"set_cache_settings","enabled":false,
		"action_parameters":{"cache_key":{"cache_by_device_type":true}}}`
)

func codes(r Report) []string {
	var out []string
	for _, w := range r.Warnings {
		out = append(out, w.Code)
	}
	return out
}

func TestCheck(t *testing.T) {
	ent := limits.Default().For(limits.Enterprise)
	pro := limits.Default().For(limits.Pro)
	apoDevice := &cachekey.APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"example.com", "www.example.com"}}
	apoOn := &cachekey.APO{Enabled: true}
	tests := []struct {
		name      string
		in        Input
		rulesJSON string
		wantCodes []string
		wantBy    map[string][]string
		wantLacks map[string][]string
		wantMsg   string
	}{
		{name: "plain zone", in: Input{APO: &cachekey.APO{}, SSL: "full", Plan: limits.Free, Limits: limits.Default().For(limits.Free)},
			rulesJSON: ruleTTL, wantCodes: nil, wantBy: map[string][]string{}},
		{name: "APO by device", in: Input{APO: apoDevice, SSL: "strict", Plan: limits.Pro, Limits: pro},
			wantCodes: []string{WarnDevicePreload}, wantMsg: "cfcache warm --device desktop,mobile,tablet"},
		{name: "APO without device types and no rules", in: Input{APO: apoOn, SSL: "full", Plan: limits.Pro, Limits: pro}},
		{name: "device rule without APO", in: Input{APO: &cachekey.APO{}, SSL: "full", Plan: limits.Pro, Limits: pro},
			rulesJSON: ruleDevice + "," + ruleDisabled, wantCodes: []string{WarnDevicePreload},
			wantBy: map[string][]string{"dev": {"device"}}, wantMsg: "Cache Rule dev keys by device type"},
		{name: "APO with cookie and query rules", in: Input{APO: apoOn, SSL: "full", Plan: limits.Enterprise, Limits: ent},
			rulesJSON: ruleCookieQuery + "," + ruleQueryAll + "," + ruleQueryNone,
			wantCodes: []string{WarnAPOQuery, WarnAPOCookie, WarnAPOQuery},
			wantBy: map[string][]string{"sess": {"cookie wp_lang", "query string (page, s)", "header x-variant"},
				"qa": {"query string (all parameters)"}}},
		{name: "cookie rule without APO is no APO warning", in: Input{APO: &cachekey.APO{}, SSL: "full", Plan: limits.Enterprise, Limits: ent},
			rulesJSON: ruleCookieQuery, wantBy: map[string][]string{"sess": {"cookie wp_lang", "query string (page, s)", "header x-variant"}}},
		{name: "plan lacks custom key", in: Input{APO: &cachekey.APO{}, SSL: "full", Plan: limits.Pro, Limits: pro},
			rulesJSON: ruleCookieQuery + "," + ruleUser + "," + ruleQueryAll,
			wantCodes: []string{WarnPlanLacks, WarnPlanLacks},
			wantBy: map[string][]string{"sess": {"cookie wp_lang", "query string (page, s)", "header x-variant"}, "geo": {"country", "language"},
				"qa": {"query string (all parameters)"}},
			wantLacks: map[string][]string{"sess": {"cookie", "query string parameter list", "header"}, "geo": {"user"}}},
		{name: "flexible SSL", in: Input{APO: &cachekey.APO{}, SSL: "flexible", Plan: limits.Free, Limits: limits.Default().For(limits.Free)},
			wantCodes: []string{WarnFlexibleSSL}, wantMsg: "http://"},
		{name: "settings unreadable", in: Input{SettingsUnreadable: true, Plan: limits.Free, Limits: limits.Default().For(limits.Free)},
			wantCodes: []string{WarnSettingsPermission}, wantMsg: SettingsPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.rulesJSON != "" {
				in.Rules = parseRules(t, tt.rulesJSON)
			}
			rep := Check(in)
			if got := codes(rep); !slices.Equal(got, tt.wantCodes) {
				t.Errorf("warnings %v, want %v: %+v", got, tt.wantCodes, rep.Warnings)
			}
			if tt.wantMsg != "" && !slices.ContainsFunc(rep.Warnings, func(w Warning) bool { return strings.Contains(w.Message, tt.wantMsg) }) {
				t.Errorf("no warning mentions %q: %+v", tt.wantMsg, rep.Warnings)
			}
			if tt.wantBy != nil {
				if len(rep.RulesVaryingKey) != len(tt.wantBy) {
					t.Errorf("rules varying key %+v, want %v", rep.RulesVaryingKey, tt.wantBy)
				}
				for _, rk := range rep.RulesVaryingKey {
					if !slices.Equal(rk.By, tt.wantBy[rk.Ref]) {
						t.Errorf("rule %s by %q, want %q", rk.Ref, rk.By, tt.wantBy[rk.Ref])
					}
					if !slices.Equal(rk.PlanLacks, tt.wantLacks[rk.Ref]) {
						t.Errorf("rule %s plan lacks %q, want %q", rk.Ref, rk.PlanLacks, tt.wantLacks[rk.Ref])
					}
				}
			}
			if (rep.APO == nil) != (in.APO == nil) || (rep.SSL == nil) != (in.SSL == "") {
				t.Errorf("apo %v ssl %v from input %+v", rep.APO, rep.SSL, in)
			}
		})
	}
}
