package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const copyAccount = "abababababababababababababababab"

// zonesClient serves example.com twice: copyStatus's zone in copyAccount
// listed first, then the default zone (active) unless defaultStatus says
// otherwise.
func zonesClient(t *testing.T, copyStatus, defaultStatus string) (*Client, string) {
	t.Helper()
	c, srv := zonesClientWith(t, func(cfg *sandbox.Config) {
		cfg.Zones[0].Status = defaultStatus
		cfg.Zones = append([]sandbox.Zone{{Name: "example.com", AccountID: copyAccount, AccountName: "Other", Status: copyStatus}}, cfg.Zones...)
	}, nil)
	return c, srv.Zones()[0].ID
}

func zonesClientWith(t *testing.T, mutate func(*sandbox.Config), opts func(*Options)) (*Client, *sandbox.Server) {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	mutate(&cfg)
	srv := sandbox.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	o := Options{BaseURL: ts.URL + sandbox.BasePath, Credentials: config.Credentials{Token: config.NewSecret(cfg.Tokens[0].Value)}, HTTPClient: ts.Client()}
	if opts != nil {
		opts(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

// A name listed in two accounts resolves to its active zone, whatever the
// listing order, as purge routing does (before, the first listed won: a
// pending copy that Cloudflare serves to no one).
func TestResolveZonePrefersActiveZone(t *testing.T) {
	for _, order := range []struct{ copy, def string }{{"pending", ""}, {"moved", "pending"}} {
		c, copyID := zonesClient(t, order.copy, order.def)
		z, err := c.ResolveZone(context.Background(), "Example.com.", "")
		if err != nil {
			t.Fatal(err)
		}
		if z.ID != sandbox.DefaultZoneID {
			t.Errorf("copy %s, default %q: got zone %s (%s), want the default zone %s; copy is %s", order.copy, order.def, z.ID, z.Status, sandbox.DefaultZoneID, copyID)
		}
	}
	// The account id chooses, even a pending zone; an account holding no
	// zone of that name does not make the name unknown.
	c, copyID := zonesClient(t, "pending", "")
	for account, want := range map[string]string{copyAccount: copyID, strings.Repeat("cd", 16): sandbox.DefaultZoneID} {
		z, err := c.ResolveZone(context.Background(), "example.com", account)
		if err != nil || z.ID != want {
			t.Errorf("account %s: %+v, %v; want %s", account, z, err, want)
		}
	}
}

// Two zones of one name with the same status are refused, naming both
// zones and their accounts and how to choose; --account-id chooses.
func TestResolveZoneAmbiguousName(t *testing.T) {
	c, copyID := zonesClient(t, "active", "")
	_, err := c.ResolveZone(context.Background(), "example.com", "")
	var amb *ZoneAmbiguousError
	if !errors.As(err, &amb) || len(amb.Zones) != 2 {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{copyID, copyAccount, "Other", sandbox.DefaultZoneID, sandbox.DefaultAccountID, "--account-id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for account, want := range map[string]string{copyAccount: copyID, sandbox.DefaultAccountID: sandbox.DefaultZoneID} {
		z, err := c.ResolveZone(context.Background(), "example.com", account)
		if err != nil || z.ID != want {
			t.Errorf("in account %s: %+v, %v; want %s", account, z, err, want)
		}
	}
	// An account holding no zone of that name chooses nothing: still ambiguous.
	if _, err := c.ResolveZone(context.Background(), "example.com", strings.Repeat("cd", 16)); !errors.As(err, &amb) {
		t.Errorf("unrelated account: %v", err)
	}
}

// Every page of a lookup by name is read: the active zone listed after 55
// pending copies (three pages of the sandbox's default 20, two of 50) is
// still the zone, and an account on a later page still chooses.
func TestResolveZoneReadsEveryPage(t *testing.T) {
	var lastAccount string
	c, _ := zonesClientWith(t, func(cfg *sandbox.Config) {
		var copies []sandbox.Zone
		for i := range 55 {
			lastAccount = fmt.Sprintf("%032x", i+1)
			copies = append(copies, sandbox.Zone{Name: "example.com", AccountID: lastAccount, Status: "pending"})
		}
		cfg.Zones = append(copies, cfg.Zones...)
	}, nil)
	z, err := c.ResolveZone(context.Background(), "example.com", "")
	if err != nil || z.ID != sandbox.DefaultZoneID {
		t.Fatalf("got %+v, %v; want the active zone %s", z, err, sandbox.DefaultZoneID)
	}
	z, err = c.ResolveZone(context.Background(), "example.com", lastAccount)
	if err != nil || z.AccountID != lastAccount {
		t.Fatalf("in the last account: got %+v, %v", z, err)
	}
}

// An account id that chooses a less-served zone than another of its name
// (here a pending copy over the active zone) is said, naming the other.
func TestResolveZoneSaysWhenTheAccountChoosesALesserZone(t *testing.T) {
	var notices []string
	c, srv := zonesClientWith(t, func(cfg *sandbox.Config) {
		cfg.Zones = append([]sandbox.Zone{{Name: "example.com", AccountID: copyAccount, Status: "pending"}}, cfg.Zones...)
	}, func(o *Options) { o.OnNotice = func(m string) { notices = append(notices, m) } })
	copyID := srv.Zones()[0].ID
	z, err := c.ResolveZone(context.Background(), "example.com", copyAccount)
	if err != nil || z.ID != copyID {
		t.Fatalf("got %+v, %v; want the copy %s", z, err, copyID)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "pending in account "+copyAccount) || !strings.Contains(notices[0], sandbox.DefaultZoneID+" (active") {
		t.Fatalf("notices %q", notices)
	}
	notices = nil
	if _, err := c.ResolveZone(context.Background(), "example.com", sandbox.DefaultAccountID); err != nil || len(notices) != 0 {
		t.Fatalf("the active zone's account: %v, notices %q", err, notices)
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		strings.Repeat("ab", 16): true, strings.Repeat("AB", 16): true, strings.Repeat("0", 32): true,
		strings.Repeat("a", 31): false, strings.Repeat("a", 33): false, strings.Repeat("g", 32): false, "": false, "acme": false,
	} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
}
