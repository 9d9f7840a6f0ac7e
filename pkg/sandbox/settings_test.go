package sandbox

import (
	"strings"
	"testing"
)

func TestSettingsAPOAndSSL(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Zones[0].APO = &APO{Enabled: true, CacheByDeviceType: true, Hostnames: []string{"Blog.Example.com."}}
		c.Zones[0].SSL = "Flexible"
	})
	r := e.call("GET", "/zones/"+DefaultZoneID+"/settings/automatic_platform_optimization", testToken, nil)
	var apo struct {
		ID    string   `json:"id"`
		Value apoValue `json:"value"`
	}
	r.result(t, &apo)
	if r.Status != 200 || apo.ID != "automatic_platform_optimization" || !apo.Value.Enabled || !apo.Value.CacheByDeviceType ||
		len(apo.Value.Hostnames) != 1 || apo.Value.Hostnames[0] != "blog.example.com" {
		t.Fatalf("apo: %d %s", r.Status, r.Body)
	}
	r = e.call("GET", "/zones/"+DefaultZoneID+"/settings/ssl", testToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Env.Result), `"value":"flexible"`) {
		t.Fatalf("ssl: %d %s", r.Status, r.Body)
	}
	if r := e.call("GET", "/zones/"+DefaultZoneID+"/settings/automatic_platform_optimization", "", nil); r.Status == 200 {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := e.call("POST", "/zones/"+DefaultZoneID+"/settings/ssl", testToken, "{}"); r.Status != 405 {
		t.Fatalf("POST ssl: %d %s", r.Status, r.Body)
	}
	if got := e.srv.Stats().Requests[EndpointAPOSetting][200]; got != 1 {
		t.Fatalf("apo setting requests counted %d", got)
	}
}

// A token without Zone Settings Read is refused; APO off answers enabled false.
func TestSettingsPermissionAndDefaults(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Tokens[0].Permissions = []Permission{PermCachePurge} })
	if r := e.call("GET", "/zones/"+DefaultZoneID+"/settings/ssl", testToken, nil); r.Status != 403 {
		t.Fatalf("no permission: %d %s", r.Status, r.Body)
	}
	e = newEnv(t, nil)
	r := e.call("GET", "/zones/"+DefaultZoneID+"/settings/automatic_platform_optimization", testToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Env.Result), `"enabled":false`) || !strings.Contains(string(r.Env.Result), `"hostnames":[]`) {
		t.Fatalf("apo off: %s", r.Body)
	}
}

func TestSettingsValidation(t *testing.T) {
	for name, z := range map[string]Zone{
		"ssl":           {Name: "example.com", SSL: "loose"},
		"apo hostname":  {Name: "example.com", APO: &APO{Enabled: true, Hostnames: []string{"other.org"}}},
		"apo malformed": {Name: "example.com", APO: &APO{Enabled: true, Hostnames: []string{"https://example.com"}}},
	} {
		cfg := DefaultConfig()
		cfg.Zones = []Zone{z}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
