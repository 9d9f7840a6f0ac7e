package url

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const copyZoneID = "0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d"

// twoCopies serves example.com twice: in the default account and, as
// copyZoneID, in otherAccount, listed first and with copyStatus. It counts
// the purges each copy receives, and fails every purge while fail is set.
func twoCopies(t *testing.T, copyStatus string, fail *atomic.Bool) (sb *cmdtest.Sandbox, toCopy, toDefault *atomic.Int32) {
	cfg := cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) {
		c.Zones = append([]sandbox.Zone{{ID: copyZoneID, Name: "example.com", AccountID: otherAccount, AccountName: "Other", Status: copyStatus}}, c.Zones...)
	}).Config
	toCopy, toDefault = &atomic.Int32{}, &atomic.Int32{}
	sb = cmdtest.StartSandbox(t, cfg, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/zones/"+copyZoneID+"/purge_cache"):
				toCopy.Add(1)
			case strings.HasSuffix(r.URL.Path, "/zones/"+sandbox.DefaultZoneID+"/purge_cache"):
				toDefault.Add(1)
			}
			if fail != nil && fail.Load() && strings.HasSuffix(r.URL.Path, "/purge_cache") {
				http.Error(w, `{"success":false,"errors":[{"code":10000,"message":"boom"}]}`, http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	return sb, toCopy, toDefault
}

// --zone NAME picks the same zone routing does: the active one of a name
// listed in two accounts, whatever the listing order (before, the first
// listed won: here the pending copy, which Cloudflare serves to no one).
func TestZoneFlagPrefersActiveZone(t *testing.T) {
	sb, toCopy, toDefault := twoCopies(t, "pending", nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	if err := runURL(t, f, "https://example.com/a"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if toCopy.Load() != 0 || toDefault.Load() != 1 {
		t.Fatalf("purges: pending copy %d, active zone %d; want 0, 1", toCopy.Load(), toDefault.Load())
	}
}

// --zone NAME of two active zones is refused before anything is sent,
// naming both; --account-id chooses one.
func TestZoneFlagAmbiguousNameRefused(t *testing.T) {
	sb, toCopy, toDefault := twoCopies(t, "active", nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	err := runURL(t, f, "https://example.com/a")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "listed in 2 accounts") ||
		!strings.Contains(err.Error(), copyZoneID) || !strings.Contains(err.Error(), sandbox.DefaultZoneID) {
		t.Fatalf("got %v (exit %d)\n%s", err, cmdutil.ExitCode(err), st.Err.String())
	}
	if toCopy.Load()+toDefault.Load() != 0 {
		t.Fatal("purged")
	}
	f, st = cmdtest.NewFactory(t, sb, "example.com", false)
	f.Settings.AccountID = otherAccount
	if err := runURL(t, f, "https://example.com/a"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if toCopy.Load() != 1 || toDefault.Load() != 0 {
		t.Fatalf("purges with --account-id: copy %d, default %d; want 1, 0", toCopy.Load(), toDefault.Load())
	}
}

// A zone name listed in two accounts routes to the active zone whatever
// the listing order (before, the first listed won: here the pending copy).
func TestRoutePrefersActiveZone(t *testing.T) {
	sb, toCopy, toDefault := twoCopies(t, "pending", nil)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, "https://example.com/a"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if toCopy.Load() != 0 || toDefault.Load() != 1 {
		t.Fatalf("purges: pending copy %d, active zone %d; want 0, 1", toCopy.Load(), toDefault.Load())
	}
}

// Two active zones of one name are ambiguous: exit 2 naming both accounts
// and --account-id, nothing sent; with --account-id the run goes through,
// and its failed file's re-run command keeps --account-id (without it the
// re-run would be refused as ambiguous).
func TestRouteAmbiguousNameRefused(t *testing.T) {
	var fail atomic.Bool
	sb, toCopy, toDefault := twoCopies(t, "active", &fail)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	err := runURL(t, f, "https://example.com/a", "https://other.example.com/b")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "2 of 2 items are in a zone listed in several accounts") {
		t.Fatalf("got %v (exit %d)\n%s", err, cmdutil.ExitCode(err), st.Err.String())
	}
	for _, want := range []string{"arg:1: https://example.com/a: host example.com is in zone example.com, which is listed in 2 accounts: " + otherAccount + " (Other)", sandbox.DefaultAccountID, "give --account-id to choose one"} {
		if !strings.Contains(st.Err.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, st.Err.String())
		}
	}
	if toCopy.Load()+toDefault.Load() != 0 {
		t.Fatal("purged")
	}

	fail.Store(true)
	failed := filepath.Join(t.TempDir(), "failed.txt")
	f, st = cmdtest.NewFactory(t, sb, "", false)
	f.Settings.AccountID = otherAccount
	err = runURL(t, f, "https://example.com/a", "--failed-file", failed, "--max-retries", "0")
	if cmdutil.ExitCode(err) != 1 || toCopy.Load() != 1 || toDefault.Load() != 0 {
		t.Fatalf("exit %d (%v), purges %d/%d\n%s", cmdutil.ExitCode(err), err, toCopy.Load(), toDefault.Load(), st.Err.String())
	}
	b, _ := os.ReadFile(failed)
	want := "cfcache purge url --account-id " + otherAccount + " -f"
	if !strings.Contains(string(b), want) || !strings.Contains(st.Err.String(), want) {
		t.Errorf("the re-run command lacks --account-id:\nfile:\n%s\nstderr:\n%s", b, st.Err.String())
	}
}
