package limits

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultMatchesDocumentedTable(t *testing.T) {
	tbl := Default()
	cases := []struct {
		plan             Plan
		urlRate          float64
		urlsPerReq       int
		flexRate         float64
		flexBurst, rules int
		minTTL           int
		regex, customKey bool
	}{
		{Free, 800, 100, 5.0 / 60, 25, 10, 7200, false, false},
		{Pro, 1500, 100, 5, 25, 25, 3600, false, false},
		{Business, 1500, 100, 10, 50, 50, 1, true, false},
		{Enterprise, 3000, 500, 50, 500, 300, 1, true, true},
	}
	for _, c := range cases {
		l := tbl.For(c.plan)
		if l.URLPurgeRate != c.urlRate || l.URLsPerRequest != c.urlsPerReq || l.FlexPurgeRate != c.flexRate ||
			l.FlexPurgeBurst != c.flexBurst || l.RulesPerZone != c.rules || l.ResponseRulesPerZone != c.rules || l.MinEdgeTTLSeconds != c.minTTL ||
			l.RegexAllowed != c.regex || l.CustomCacheKey != c.customKey {
			t.Errorf("%s: got %+v", c.plan, l)
		}
		// Cache Response Rules: the same counts, their own key
		// (cloudflare.md, "Cache Response Rules").
		if l.RulesPerPhase(true) != c.rules || l.RulesPerPhase(false) != c.rules {
			t.Errorf("%s: rules per phase %d/%d, want %d", c.plan, l.RulesPerPhase(false), l.RulesPerPhase(true), c.rules)
		}
		if l.FlexItemsPerRequest != 100 || l.TagMaxLength != 1024 || l.APIRequestsPerWindow != 1200 {
			t.Errorf("%s: common limits wrong: %+v", c.plan, l)
		}
	}
}

func TestOverrides(t *testing.T) {
	tbl, err := Default().WithOverrides(map[string]map[string]any{"free": {"urls_per_request": 30, "tag_max_length": 120}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tbl.For(Free); got.URLsPerRequest != 30 || got.TagMaxLength != 120 || got.URLPurgeRate != 800 {
		t.Errorf("override not applied: %+v", got)
	}
	if Default().For(Free).URLsPerRequest != 100 {
		t.Error("override leaked into the default table")
	}
	bad := []struct {
		in   map[string]map[string]any
		want string
	}{
		{map[string]map[string]any{"gold": {"urls_per_request": 1}}, `unknown plan "gold"`},
		{map[string]map[string]any{"pro": {"url_per_request": 1}}, `unknown field "url_per_request"`},
		{map[string]map[string]any{"pro": {"urls_per_request": "many"}}, "limits.pro.urls_per_request: want an integer, got a string"},
		{map[string]map[string]any{"pro": {"urls_per_request": 1.5}}, "limits.pro.urls_per_request: want an integer, got the number 1.5"},
		{map[string]map[string]any{"pro": {"urls_per_request": 0}}, "at least 1"},
		// A YAML .nan or .inf (config file) printed "json: unsupported value: NaN".
		{map[string]map[string]any{"free": {"url_purge_rate": math.NaN()}}, "limits.free.url_purge_rate: want a finite number, got NaN"},
		{map[string]map[string]any{"free": {"url_purge_rate": math.Inf(1)}}, "limits.free.url_purge_rate: want a finite number, got +Inf"},
	}
	for _, b := range bad {
		_, err := Default().WithOverrides(b.in)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: got %v, want %q", b.in, err, b.want)
		}
	}
}

func TestParsePlanAndOrder(t *testing.T) {
	p, err := ParsePlan(" Business ")
	if err != nil || p != Business {
		t.Fatalf("got %q %v", p, err)
	}
	if _, err := ParsePlan("gold"); err == nil {
		t.Fatal("gold accepted")
	}
	if !Enterprise.AtLeast(Business) || Pro.AtLeast(Business) || !Free.AtLeast(Free) {
		t.Fatal("plan order wrong")
	}
}

// Loosest takes each limit on its own across plans, so a config file's
// overrides that put the plans out of order still give the row no item or
// rules file can break on one plan and pass on another.
func TestLoosest(t *testing.T) {
	tbl, err := Default().WithOverrides(map[string]map[string]any{
		"free":       {"tag_max_length": 2000, "prefix_max_separators": 40},
		"enterprise": {"rules_per_zone": 250},
	})
	if err != nil {
		t.Fatal(err)
	}
	l := tbl.Loosest()
	if l.TagMaxLength != 2000 || l.PrefixMaxSeparators != 40 {
		t.Errorf("item caps %d/%d, want the free plan's overrides 2000/40", l.TagMaxLength, l.PrefixMaxSeparators)
	}
	if want := tbl.For(Business).RulesPerZone; l.RulesPerZone != max(want, 250) {
		t.Errorf("rules per zone %d, want the largest of any plan", l.RulesPerZone)
	}
	if l.MinEdgeTTLSeconds != tbl.For(Enterprise).MinEdgeTTLSeconds || !l.RegexAllowed {
		t.Errorf("not the loosest TTL/regex: %+v", l)
	}
}

func TestOverridden(t *testing.T) {
	tbl, err := Default().WithOverrides(map[string]map[string]any{
		"free":       {"urls_per_request": 30, "flex_purge_rate": 0.5},
		"enterprise": {"urls_per_request": 500}, // the documented value: not an override
	})
	if err != nil {
		t.Fatal(err)
	}
	got := tbl.Overridden(Default())
	if strings.Join(got[Free], ",") != "urls_per_request,flex_purge_rate" { // the table's order
		t.Errorf("free: %v", got[Free])
	}
	for _, p := range []Plan{Pro, Business, Enterprise} {
		if got[p] == nil || len(got[p]) != 0 {
			t.Errorf("%s: want an empty list, got %#v", p, got[p])
		}
	}
}
