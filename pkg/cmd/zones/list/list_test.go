package list

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	called := false
	cmd := NewCmdList(f, func(o *ListOptions) error { called = true; return nil })
	if err := cmdtest.Run(context.Background(), cmd); err != nil || !called {
		t.Fatalf("run: %v, called %v", err, called)
	}
	if err := cmdtest.Run(context.Background(), NewCmdList(f, nil), "extra"); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("extra argument: want exit 2, got %v", err)
	}
}

func TestListAgainstSandbox(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Business, nil)
	for _, tty := range []bool{true, false} {
		f, st := cmdtest.NewFactory(t, sb, "", tty)
		if err := cmdtest.Run(context.Background(), NewCmdList(f, nil)); err != nil {
			t.Fatal(err)
		}
		out := st.Out.String()
		if strings.Contains(out, "\x1b[") {
			t.Errorf("tty=%v: colour in output", tty)
		}
		if tty && !strings.Contains(out, "ID") {
			t.Errorf("tty output lacks header:\n%s", out)
		}
		if !tty && !strings.HasPrefix(out, "023e105f4ecef8ad9ca31a8372d0c353\texample.com\tbusiness\tactive\t") {
			t.Errorf("piped output:\n%s", out)
		}
	}
	f, st := cmdtest.NewFactory(t, sb, "", false)
	f.Settings.Output = "json"
	if err := cmdtest.Run(context.Background(), NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Zones []struct {
			ID, Name, Plan string
			ZoneID         string `json:"zone_id"`
			ZoneName       string `json:"zone_name"`
		}
	}
	if err := json.Unmarshal(st.Out.Bytes(), &doc); err != nil || len(doc.Zones) != 1 || doc.Zones[0].Plan != "business" {
		t.Fatalf("json: %v %+v\n%s", err, doc, st.Out.String())
	}
	// issue 13 #4: the zone_id/zone_name every command names a zone by,
	// beside id/name.
	if z := doc.Zones[0]; z.ZoneID != z.ID || z.ZoneName != z.Name || z.ZoneID != "023e105f4ecef8ad9ca31a8372d0c353" || z.ZoneName != "example.com" {
		t.Errorf("entry %+v", z)
	}
}

func TestAuthFailureIsExit4AndTokenNeverShown(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	f.Env = func(k string) (string, bool) {
		if k == "CLOUDFLARE_API_TOKEN" {
			return "wrong-token-value-abcdefghijklmnop", true
		}
		return "", false
	}
	f.Verbose = true
	err := cmdtest.Run(context.Background(), NewCmdList(f, nil))
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Fatalf("want exit 4, got %v", err)
	}
	all := st.Out.String() + st.Err.String() + err.Error()
	if strings.Contains(all, "wrong-token-value") {
		t.Fatalf("token leaked: %s", all)
	}
	if !strings.Contains(st.Err.String(), "GET /client/v4/zones") {
		t.Fatalf("verbose log missing:\n%s", st.Err.String())
	}
}

// --account-id narrows the list to that account's zones, as `cfcache zones`
// says; it was ignored and every account's zones were listed.
func TestAccountIDNarrows(t *testing.T) {
	other := sandbox.AccountID("shops")
	sb := cmdtest.NewSandbox(t, limits.Business, func(c *sandbox.Config) {
		c.Zones = append(c.Zones, sandbox.Zone{Name: "shop.example", Plan: limits.Pro, AccountID: other, AccountName: "Shops"})
	})
	for _, tc := range []struct{ account, want string }{
		{"", "example.com,shop.example"},
		{sandbox.DefaultAccountID, "example.com"},
		{other, "shop.example"},
	} {
		f, st := cmdtest.NewFactory(t, sb, "", false)
		f.Settings.AccountID = tc.account
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), NewCmdList(f, nil)); err != nil {
			t.Fatal(err)
		}
		var doc struct{ Zones []struct{ Name string } }
		if err := json.Unmarshal(st.Out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, z := range doc.Zones {
			names = append(names, z.Name)
		}
		slices.Sort(names)
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("--account-id %q: zones %s, want %s", tc.account, got, tc.want)
		}
	}
}
