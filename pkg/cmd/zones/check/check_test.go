package check

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const zoneID = "023e105f4ecef8ad9ca31a8372d0c353"

// seedRules deploys a device rule and a cookie + query string rule.
func seedRules(t *testing.T, f *cmdutil.Factory) {
	t.Helper()
	c, err := f.Client()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"rules":[
	 {"ref":"mobile","expression":"http.request.uri.path wildcard \"/*\"","action":"set_cache_settings","enabled":true,
	  "action_parameters":{"cache":true,"cache_key":{"cache_by_device_type":true}}},
	 {"ref":"sessions","expression":"true","action":"set_cache_settings","enabled":true,
	  "action_parameters":{"cache":true,"cache_key":{"custom_key":{"cookie":{"include":["wp_lang"]},"query_string":{"include":{"list":["lang"]}}}}}},
	 {"ref":"ttl","expression":"true","action":"set_cache_settings","enabled":true,
	  "action_parameters":{"cache":true,"edge_ttl":{"mode":"override_origin","default":3600}}}]}`
	if _, err := c.PutEntrypoint(context.Background(), zoneID, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestArgs(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	if err := cmdtest.Run(context.Background(), NewCmdCheck(f, nil), "extra"); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("extra argument: want exit 2, got %v", err)
	}
}

func TestCheckAgainstSandbox(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) {
		c.Zones[0].APO = &sandbox.APO{Enabled: true, CacheByDeviceType: true}
		c.Zones[0].SSL = "flexible"
	})
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	seedRules(t, f)
	if err := cmdtest.Run(context.Background(), NewCmdCheck(f, nil)); err != nil {
		t.Fatal(err)
	}
	out := st.Out.String()
	for _, want := range []string{
		"APO:         on; cache by device type on; hostnames example.com, www.example.com\n",
		"SSL:         flexible\n",
		"Cache key:   2 of 3 rule(s) vary it\n",
		"  mobile    device\n",
		"  sessions  cookie wp_lang, query string (lang)\n",
		"4 warning(s):",
		"cfcache warm --device desktop,mobile,tablet",
		"Cache Rule sessions varies the key on the query string while APO is on",
		"Cache Rule sessions varies the key on cookies while APO is on",
		"purge the http:// URLs too",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour in piped output:\n%s", out)
	}

	f, st = cmdtest.NewFactory(t, sb, "example.com", false)
	f.Settings.Output = "json"
	if err := cmdtest.Run(context.Background(), NewCmdCheck(f, nil)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ZoneID   string `json:"zone_id"`
		ZoneName string `json:"zone_name"`
		Plan     string `json:"plan"`
		APO      struct {
			Enabled           bool     `json:"enabled"`
			CacheByDeviceType bool     `json:"cache_by_device_type"`
			Hostnames         []string `json:"hostnames"`
		} `json:"apo"`
		SSL             string `json:"ssl"`
		RulesVaryingKey []struct {
			Ref string   `json:"ref"`
			By  []string `json:"by"`
		} `json:"rules_varying_key"`
		Warnings []struct{ Code, Message string } `json:"warnings"`
	}
	if err := json.Unmarshal(st.Out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, st.Out.String())
	}
	if doc.ZoneID != zoneID || doc.ZoneName != "example.com" || doc.Plan != "enterprise" || !doc.APO.CacheByDeviceType ||
		len(doc.APO.Hostnames) != 2 || doc.SSL != "flexible" || len(doc.RulesVaryingKey) != 2 || len(doc.Warnings) != 4 {
		t.Fatalf("json: %+v\n%s", doc, st.Out.String())
	}
	if got := doc.Warnings[0].Code; got != "device_copies" {
		t.Errorf("first warning %q", got)
	}
}

func TestPlainZoneAndNoRuleset(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	if err := cmdtest.Run(context.Background(), NewCmdCheck(f, nil)); err != nil {
		t.Fatal(err)
	}
	out := st.Out.String()
	for _, want := range []string{"APO:         off\n", "SSL:         full\n", "Cache key:   no Cache Rule varies it (0 rule(s))\n", "No warnings.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestTokenWithoutSettingsPermissionWarns(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Pro, func(c *sandbox.Config) {
		c.Zones[0].APO = &sandbox.APO{Enabled: true, CacheByDeviceType: true}
		c.Tokens[0].Permissions = []sandbox.Permission{sandbox.PermCachePurge, sandbox.PermCacheRulesRead}
	})
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	if err := cmdtest.Run(context.Background(), NewCmdCheck(f, nil)); err != nil {
		t.Fatalf("want exit 0, got %v", err)
	}
	out := st.Out.String()
	for _, want := range []string{"APO:         unknown", "SSL:         unknown", "Zone › Zone Settings › Read"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if n := sb.Requests(sandbox.EndpointSSLSetting); n != 0 {
		t.Errorf("SSL read %d times after APO was refused", n)
	}
}
