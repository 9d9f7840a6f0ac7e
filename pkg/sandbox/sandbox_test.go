package sandbox

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.APIKey, c.APIEmail = "legacy-key", "ops@example.com"
		c.Tokens = append(c.Tokens,
			Token{Value: "disabled-token", Status: StatusDisabled},
			Token{Value: "expiring-token", ExpiresOn: newClock().Now().Add(-time.Second)},
			Token{Value: "future-token", NotBefore: newClock().Now().Add(time.Hour)},
		)
	})
	cases := []struct {
		name    string
		headers map[string]string
		status  int
		code    int
	}{
		{"no credentials", nil, 403, codeAuth},
		{"unknown token", map[string]string{"Authorization": "Bearer nope"}, 403, codeAuth},
		{"user token", map[string]string{"Authorization": "Bearer " + testToken}, 200, 0},
		{"account token", map[string]string{"Authorization": "Bearer " + testAcctToken}, 200, 0},
		{"legacy key", map[string]string{"X-Auth-Email": "ops@example.com", "X-Auth-Key": "legacy-key"}, 200, 0},
		{"legacy key wrong email", map[string]string{"X-Auth-Email": "x@example.com", "X-Auth-Key": "legacy-key"}, 403, codeAuth},
		{"disabled token", map[string]string{"Authorization": "Bearer disabled-token"}, 403, codeAuth},
		{"expired token", map[string]string{"Authorization": "Bearer expiring-token"}, 403, codeAuth},
		{"not yet valid token", map[string]string{"Authorization": "Bearer future-token"}, 403, codeAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.callWith(http.MethodGet, "/zones", nil, func(h http.Header) {
				for k, v := range tc.headers {
					h.Set(k, v)
				}
			})
			if res.Status != tc.status || res.code() != tc.code {
				t.Fatalf("got %d code %d, want %d code %d: %s", res.Status, res.code(), tc.status, tc.code, res.Body)
			}
			if res.Header.Get("Ratelimit") == "" || res.Header.Get("Ratelimit-Policy") == "" {
				t.Errorf("rate-limit headers missing: %v", res.Header)
			}
		})
	}
}

func TestTokenVerify(t *testing.T) {
	clock := newClock()
	expiry := clock.Now().Add(-time.Minute)
	e := newEnv(t, func(c *Config) {
		c.Tokens = append(c.Tokens,
			Token{Value: "disabled-token", Status: StatusDisabled},
			Token{Value: "old-token", ExpiresOn: expiry},
		)
	})
	acct := "/accounts/" + DefaultAccountID + "/tokens/verify"
	cases := []struct {
		name, path, token string
		status, code      int
		tokenStatus       string
	}{
		{"user token at user endpoint", "/user/tokens/verify", testToken, 200, 0, StatusActive},
		{"account token at user endpoint", "/user/tokens/verify", testAcctToken, 401, codeInvalidToken, ""},
		{"unknown token at user endpoint", "/user/tokens/verify", "nope", 401, codeInvalidToken, ""},
		{"account token at its account", acct, testAcctToken, 200, 0, StatusActive},
		{"account token at another account", "/accounts/ffffffffffffffffffffffffffffffff/tokens/verify", testAcctToken, 401, codeInvalidToken, ""},
		{"user token at account endpoint", acct, testToken, 401, codeInvalidToken, ""},
		{"disabled token reports disabled", "/user/tokens/verify", "disabled-token", 200, 0, StatusDisabled},
		{"expired token reports expired", "/user/tokens/verify", "old-token", 200, 0, StatusExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call(http.MethodGet, tc.path, tc.token, nil)
			if res.Status != tc.status || res.code() != tc.code {
				t.Fatalf("got %d code %d, want %d code %d: %s", res.Status, res.code(), tc.status, tc.code, res.Body)
			}
			if tc.status != 200 {
				if res.Env.Errors[0].Message != msgInvalidToken {
					t.Errorf("message %q", res.Env.Errors[0].Message)
				}
				return
			}
			var v verifyResult
			res.result(t, &v)
			if v.Status != tc.tokenStatus || !isHexID(v.ID) {
				t.Errorf("result %+v, want status %s", v, tc.tokenStatus)
			}
			if tc.tokenStatus == StatusActive && (len(res.Env.Messages) != 1 || res.Env.Messages[0].Message != msgTokenValid) {
				t.Errorf("messages %+v", res.Env.Messages)
			}
			if tc.token == "old-token" && (v.ExpiresOn == nil || *v.ExpiresOn != expiry.Format(time.RFC3339)) {
				t.Errorf("expires_on %v", v.ExpiresOn)
			}
		})
	}
}

func TestZones(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		for _, n := range []string{"a.test", "b.test", "c.test", "d.test", "e.test", "f.test"} {
			c.Zones = append(c.Zones, Zone{Name: n, Plan: limits.Pro})
		}
		c.Zones = append(c.Zones, Zone{Name: "other.test", Plan: limits.Enterprise, AccountID: strings.Repeat("ab", 16)})
	})
	t.Run("name filter is exact", func(t *testing.T) {
		res := e.call(http.MethodGet, "/zones?name=example.com", testToken, nil)
		var zs []zoneJSON
		res.result(t, &zs)
		if len(zs) != 1 || zs[0].ID != DefaultZoneID || zs[0].Plan.LegacyID != "free" || zs[0].Account.ID != DefaultAccountID {
			t.Fatalf("got %+v", zs)
		}
		res = e.call(http.MethodGet, "/zones?name=ample.com", testToken, nil)
		if res.Env.ResultInfo == nil || res.Env.ResultInfo.TotalCount != 0 || string(res.Env.Result) != "[]" {
			t.Fatalf("partial name matched: %s", res.Body)
		}
	})
	t.Run("pages", func(t *testing.T) {
		cases := []struct{ page, count, total, pages int }{{1, 5, 8, 2}, {2, 3, 8, 2}, {3, 0, 8, 2}}
		for _, tc := range cases {
			res := e.call(http.MethodGet, "/zones?per_page=5&page="+strconv.Itoa(tc.page), testToken, nil)
			ri := res.Env.ResultInfo
			if ri == nil || ri.Count != tc.count || ri.TotalCount != tc.total || ri.TotalPages != tc.pages || ri.Page != tc.page {
				t.Errorf("page %d: result_info %+v", tc.page, ri)
			}
		}
	})
	t.Run("get by id", func(t *testing.T) {
		var z zoneJSON
		e.call(http.MethodGet, "/zones/"+DefaultZoneID, testToken, nil).result(t, &z)
		if z.Name != "example.com" || z.Status != "active" || z.Plan.LegacyID != "free" {
			t.Fatalf("got %+v", z)
		}
	})
	t.Run("unknown and malformed ids", func(t *testing.T) {
		for _, id := range []string{strings.Repeat("0", 32), "example.com"} {
			res := e.call(http.MethodGet, "/zones/"+id, testToken, nil)
			if res.Status != 404 || res.code() != codeBadObjectID || !strings.Contains(res.Env.Errors[0].Message, "perhaps your object identifier is invalid") {
				t.Errorf("%s: got %d %s", id, res.Status, res.Body)
			}
		}
	})
	t.Run("account token sees its account only", func(t *testing.T) {
		res := e.call(http.MethodGet, "/zones?per_page=50", testAcctToken, nil)
		if res.Env.ResultInfo.TotalCount != 7 {
			t.Errorf("total %d, want 7", res.Env.ResultInfo.TotalCount)
		}
		other := e.srv.zone("other.test").ID
		if res := e.call(http.MethodGet, "/zones/"+other, testAcctToken, nil); res.Status != 404 {
			t.Errorf("foreign zone: %d", res.Status)
		}
		if res := e.call(http.MethodGet, "/zones/"+other, testToken, nil); res.Status != 200 {
			t.Errorf("user token, foreign account: %d", res.Status)
		}
	})
}

// One domain added to several accounts is listed once per account, each
// zone with its status, as Cloudflare lists it; the status filter applies.
func TestZonesOfOneNameInSeveralAccounts(t *testing.T) {
	other := strings.Repeat("ab", 16)
	e := newEnv(t, func(c *Config) {
		c.Zones = append(c.Zones, Zone{Name: "Example.com.", AccountID: other, Status: "Pending"})
	})
	var zs []zoneJSON
	e.call(http.MethodGet, "/zones?name=example.com", testToken, nil).result(t, &zs)
	if len(zs) != 2 || zs[0].ID != DefaultZoneID || zs[0].Status != "active" ||
		zs[1].Account.ID != other || zs[1].Status != "pending" || zs[1].ID == DefaultZoneID || zs[1].Name != "example.com" {
		t.Fatalf("got %+v", zs)
	}
	if want := derivedID("zone", "example.com@"+other); zs[1].ID != want {
		t.Errorf("copy id %s, want %s (derived from name and account)", zs[1].ID, want)
	}
	zs = nil
	e.call(http.MethodGet, "/zones?name=example.com&status=pending", testToken, nil).result(t, &zs)
	if len(zs) != 1 || zs[0].Account.ID != other {
		t.Fatalf("status=pending: got %+v", zs)
	}
	zs = nil
	e.call(http.MethodGet, "/zones?name=example.com&account.id="+other, testToken, nil).result(t, &zs)
	if len(zs) != 1 || zs[0].Status != "pending" {
		t.Fatalf("account.id: got %+v", zs)
	}
	if e.srv.zone("example.com").ID != DefaultZoneID {
		t.Error("introspection by name should find the active zone")
	}
	// Listed first, a pending copy is still not the zone a name finds.
	e = newEnv(t, func(c *Config) {
		c.Zones = append([]Zone{{Name: "example.com", AccountID: other, Status: "pending"}}, c.Zones...)
	})
	if z := e.srv.zone("example.com"); z.ID != DefaultZoneID {
		t.Errorf("introspection by name found %s (%s), want the active zone %s", z.ID, z.Status, DefaultZoneID)
	}
}

func TestRoutes(t *testing.T) {
	e := newEnv(t, nil)
	if res := e.call(http.MethodGet, "/nowhere", testToken, nil); res.Status != 404 || res.code() != codeNoRoute {
		t.Errorf("unknown route: %d %s", res.Status, res.Body)
	}
	if res := e.call(http.MethodDelete, "/zones/"+DefaultZoneID+"/purge_cache", testToken, nil); res.Status != 405 {
		t.Errorf("wrong method: %d %s", res.Status, res.Body)
	}
	st := e.srv.Stats()
	if st.Count(EndpointUnknownRoute, 404) != 1 || st.Total != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestPermissions(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Tokens = append(c.Tokens, Token{Value: "purge-only", Permissions: []Permission{PermCachePurge}},
			Token{Value: "rules-only", Permissions: []Permission{PermCacheRulesEdit}})
	})
	entry := "/zones/" + DefaultZoneID + "/rulesets/phases/" + CacheSettingsPhase + "/entrypoint"
	purge := "/zones/" + DefaultZoneID + "/purge_cache"
	body := map[string]any{"purge_everything": true}
	if res := e.call(http.MethodPut, entry, "purge-only", map[string]any{"rules": []any{}}); res.Status != 403 || res.code() != codeAuth {
		t.Errorf("purge-only token edited rules: %d", res.Status)
	}
	if res := e.call(http.MethodPost, purge, "purge-only", body); res.Status != 200 {
		t.Errorf("purge-only token could not purge: %d", res.Status)
	}
	if res := e.call(http.MethodPost, purge, "rules-only", body); res.Status != 403 {
		t.Errorf("rules-only token purged: %d", res.Status)
	}
	if res := e.call(http.MethodGet, entry, "rules-only", nil); res.Status != 404 || res.code() != codeNoRuleset {
		t.Errorf("edit should imply read: %d %s", res.Status, res.Body)
	}
}

func TestLogNeverShowsCredentials(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, func(c *Config) {
		c.Log = &buf
		c.APIKey, c.APIEmail = "legacy-secret-key", "ops@example.com"
	})
	e.purge(map[string]any{"files": []string{"https://example.com/a"}})
	e.call(http.MethodGet, "/zones?name=example.com", "bad-secret-token", nil)
	e.callWith(http.MethodGet, "/zones", nil, func(h http.Header) {
		h.Set("X-Auth-Email", "ops@example.com")
		h.Set("X-Auth-Key", "legacy-secret-key")
	})
	log := buf.String()
	for _, secret := range []string{testToken, "bad-secret-token", "legacy-secret-key", "ops@example.com"} {
		if strings.Contains(log, secret) {
			t.Errorf("log shows %q:\n%s", secret, log)
		}
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "POST /client/v4/zones/"+DefaultZoneID+"/purge_cache 200 ") ||
		!strings.Contains(lines[1], "GET /client/v4/zones 403 ") {
		t.Errorf("log lines:\n%s", log)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"default is valid", func(*Config) {}, ""},
		{"no zones", func(c *Config) { c.Zones = nil }, "no zones"},
		{"bad zone id", func(c *Config) { c.Zones[0].ID = "xyz" }, "32 hex"},
		{"duplicate zone", func(c *Config) { c.Zones = append(c.Zones, Zone{Name: "example.com"}) }, "twice"},
		{"duplicate zone in one account", func(c *Config) {
			c.Zones = append(c.Zones, Zone{Name: "example.com", AccountID: DefaultAccountID, Status: "pending"})
		}, "twice"},
		{"one name in two accounts", func(c *Config) {
			c.Zones = append(c.Zones, Zone{Name: "example.com", AccountID: strings.Repeat("ab", 16), Status: "pending"})
		}, ""},
		{"bad zone status", func(c *Config) { c.Zones[0].Status = "paused" }, "not active, pending"},
		{"bad account id", func(c *Config) { c.Zones[0].AccountID = "acme" }, "account id"},
		{"one account in two cases", func(c *Config) {
			c.Zones[0].AccountID = strings.Repeat("ab", 16)
			c.Zones = append(c.Zones, Zone{Name: "example.com", AccountID: strings.Repeat("AB", 16), Status: "pending"})
		}, "twice"},
		{"bad plan", func(c *Config) { c.Zones[0].Plan = "gold" }, "unknown plan"},
		{"empty token", func(c *Config) { c.Tokens[0].Value = "" }, "no value"},
		{"bad status", func(c *Config) { c.Tokens[0].Status = "paused" }, "status"},
		{"rates over one", func(c *Config) { c.FailRate, c.ResetRate = 0.6, 0.6 }, "more than 1"},
		{"negative rate", func(c *Config) { c.Throttle429Rate = -0.1 }, "within"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mutate(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	a, b := DefaultConfig(), DefaultConfig()
	if a.Tokens[0].Value == b.Tokens[0].Value || len(a.Tokens[0].Value) != 40 {
		t.Errorf("tokens not random: %q %q", a.Tokens[0].Value, b.Tokens[0].Value)
	}
	if !strings.HasPrefix(a.Tokens[1].Value, AccountTokenPrefix) {
		t.Errorf("second token is not account-owned: %q", a.Tokens[1].Value)
	}
	s := New(a)
	if z := s.Zones(); len(z) != 1 || z[0].ID != DefaultZoneID || z[0].Plan != limits.Free {
		t.Errorf("zones %+v", z)
	}
}
