package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

func withEnvironments(c *Config) {
	c.Zones[0].Environments = []Environment{{Name: "production", Ref: "prod1"}, {Name: "staging"}}
}

// invalidate_cache and the environments' endpoints validate like
// purge_cache, and each lands in its own record: a test can tell an
// invalidation from a purge, and one environment from another.
func TestInvalidateAndEnvironmentsRecordApart(t *testing.T) {
	e := newEnv(t, withEnvironments)
	staging := e.srv.Zones()[0].Environments[1].Ref
	if staging == "" {
		t.Fatal("no ref derived for staging")
	}
	base := "/zones/" + DefaultZoneID
	paths := map[string]Scope{
		base + "/purge_cache":                                   {},
		base + "/invalidate_cache":                              {Invalidate: true},
		base + "/environments/prod1/purge_cache":                {Environment: "prod1"},
		base + "/environments/" + staging + "/invalidate_cache": {Environment: staging, Invalidate: true},
	}
	for path := range paths {
		if res := e.call(http.MethodPost, path, testToken, `{"tags":["t1"]}`); res.Status != 200 {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		if res := e.call(http.MethodPost, path, testToken, `{"urls":["x"]}`); res.Status != 400 || res.code() != codeMissingSelector {
			t.Fatalf("%s: bad body got %d %s", path, res.Status, res.Body)
		}
	}
	for path, sc := range paths {
		rec, _ := e.srv.Record(DefaultZoneID, sc)
		if rec.Tags["t1"] != 1 || rec.Total() != 1 {
			t.Errorf("%s: record %+v", path, rec)
		}
	}
	if res := e.call(http.MethodPost, base+"/environments/nope/purge_cache", testToken, `{"tags":["t1"]}`); res.Status != 404 || res.code() != codeNoEnvironment {
		t.Fatalf("unknown environment: %d %s", res.Status, res.Body)
	}
	var list struct {
		Environments []struct{ Name, Ref string }
	}
	res := e.call(http.MethodGet, base+"/environments", testToken, nil)
	res.result(t, &list)
	if len(list.Environments) != 2 || list.Environments[0].Ref != "prod1" || list.Environments[1].Name != "staging" {
		t.Fatalf("list: %s", res.Body)
	}
}

// Invalidations and purges, of the zone or an environment, drain one
// per-account bucket: a soft purge is no way around the rate limit.
func TestInvalidateSharesThePurgeBucket(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		withEnvironments(c)
		withLimits(func(l *limits.Limits) { l.FlexPurgeBurst, l.FlexPurgeRate = 2, 0.001 })(c)
	})
	base := "/zones/" + DefaultZoneID
	for i, path := range []string{base + "/invalidate_cache", base + "/environments/prod1/purge_cache", base + "/purge_cache"} {
		res := e.call(http.MethodPost, path, testToken, `{"hosts":["example.com"]}`)
		want := 200
		if i == 2 {
			want = 429
		}
		if res.Status != want {
			t.Fatalf("%s: %d, want %d: %s", path, res.Status, want, res.Body)
		}
	}
}

func TestEnvironmentConfigRefused(t *testing.T) {
	for _, envs := range [][]Environment{
		{{Name: ""}},
		{{Name: "a/b"}},
		{{Name: "prod"}, {Name: "PROD"}},
		{{Name: "a", Ref: "x"}, {Name: "b", Ref: "x"}},
	} {
		cfg := DefaultConfig()
		cfg.Zones[0].Environments = envs
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "environment") {
			t.Errorf("%+v: %v", envs, err)
		}
	}
}
