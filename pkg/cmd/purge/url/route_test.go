package url

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

const (
	otherAccount = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	otherZoneID  = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"
)

// threeZones serves example.com and its delegated subzone shop.example.com
// in the default account, and other.org in a second account.
func threeZones(t *testing.T) *cmdtest.Sandbox {
	return cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) {
		c.Zones = append(c.Zones,
			sandbox.Zone{Name: "shop.example.com", Plan: limits.Pro},
			sandbox.Zone{ID: otherZoneID, Name: "other.org", AccountID: otherAccount, AccountName: "Other"})
	})
}

func runURL(t *testing.T, f *cmdutil.Factory, args ...string) error {
	t.Helper()
	cmd := NewCmdURL(f, func(o *Options) error {
		o.Engine = func(c *purge.RunConfig) { c.BackoffBase, c.BackoffMax = time.Millisecond, 5*time.Millisecond }
		return urlRun(o)
	})
	return cmdtest.Run(context.Background(), cmd, args...)
}

var spread = []string{
	"https://example.com/a", "https://www.example.com/b",
	"https://shop.example.com/c", "https://CDN.shop.example.com/d",
	"https://other.org/e",
}

// With no zone, one command purges a list spanning three zones in two
// accounts; the subzone wins over its parent; one summary, per-zone figures.
func TestRouteAcrossZonesAndAccounts(t *testing.T) {
	for _, tty := range []bool{false, true} {
		sb := threeZones(t)
		f, st := cmdtest.NewFactory(t, sb, "", tty)
		f.Settings.Output = "json"
		if err := runURL(t, f, spread...); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		for zone, want := range map[string]int{"example.com": 2, "shop.example.com": 2, "other.org": 1} {
			rec, _ := sb.Server.Purges(zone)
			if len(rec.Files) != want {
				t.Errorf("tty=%v: %s got %v, want %d URLs", tty, zone, rec.Files, want)
			}
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatalf("%v\n%s", err, st.Out.String())
		}
		if r.ZoneID != "" || r.ZoneName != "" || r.Items != 5 || r.Purged != 5 || r.Failed != 0 || r.Requests != 3 || len(r.Zones) != 3 {
			t.Fatalf("tty=%v: report %+v", tty, r)
		}
		want := []shared.ZoneReport{
			{ZoneName: "example.com", AccountID: sandbox.DefaultAccountID, Items: 2, Purged: 2, Requests: 1},
			{ZoneName: "other.org", AccountID: otherAccount, Items: 1, Purged: 1, Requests: 1},
			{ZoneName: "shop.example.com", AccountID: sandbox.DefaultAccountID, Items: 2, Purged: 2, Requests: 1},
		}
		for i, w := range want {
			got := r.Zones[i]
			got.ZoneID = ""
			if got != w {
				t.Errorf("tty=%v: zones[%d] = %+v, want %+v", tty, i, got, w)
			}
		}
		if !strings.Contains(st.Err.String(), "  shop.example.com: 2 of 2 URLs in 1 request(s)") {
			t.Errorf("tty=%v: no per-zone line:\n%s", tty, st.Err.String())
		}
		if !tty && strings.Contains(st.Err.String(), "\x1b[") {
			t.Errorf("escape codes off a terminal:\n%q", st.Err.String())
		}
	}
}

// An item whose host is in no listed zone is invalid: exit 2, every such
// item named as SOURCE:LINE: ITEM: REASON, and no purge request at all
// (only the zone list was read).
func TestUnknownHostSendsNothing(t *testing.T) {
	sb := threeZones(t)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	err := runURL(t, f, append(spread, "https://nowhere.net/x", "https://notexample.com/y")...)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "2 of 7 items are in no zone") {
		t.Fatalf("got %v (exit %d)\n%s", err, cmdutil.ExitCode(err), st.Err.String())
	}
	for _, want := range []string{"arg:6: https://nowhere.net/x: host nowhere.net is in none of the zones", "arg:7: https://notexample.com/y: host notexample.com"} {
		if !strings.Contains(st.Err.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, st.Err.String())
		}
	}
	if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
		t.Fatalf("%d purge request(s) sent", n)
	}
}

// --account-id narrows the zones listed: a host of another account's zone
// is then unknown.
func TestAccountIDNarrowsRouting(t *testing.T) {
	sb := threeZones(t)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	f.Settings.AccountID = otherAccount
	err := runURL(t, f, "https://other.org/e", "https://example.com/a")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(st.Err.String(), "arg:2: https://example.com/a: host example.com is in none of the zones these credentials list in account "+otherAccount) {
		t.Fatalf("got %v\n%s", err, st.Err.String())
	}
	if sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Fatal("purged")
	}
	f, st = cmdtest.NewFactory(t, sb, "", false)
	f.Settings.AccountID = otherAccount
	if err := runURL(t, f, "https://other.org/e"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
}

// A routed dry run lists the zones (one request) and estimates per zone;
// with --plan and no zone it stays offline and says it estimates as one
// account.
func TestDryRunRoutedAndOffline(t *testing.T) {
	sb := threeZones(t)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, append(spread, "--dry-run")...); err != nil {
		t.Fatal(err)
	}
	// The plan is about the run: stderr; stdout holds data only (issue 13).
	out := st.Err.String()
	if st.Out.Len() != 0 {
		t.Errorf("stdout: %q", st.Out.String())
	}
	for _, want := range []string{"Dry run: would purge 5 URLs in 3 zones", "  shop.example.com (account " + sandbox.DefaultAccountID + "): 2 URLs, 1 request(s)", "at the pro plan's limits"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if sb.Requests(sandbox.EndpointPurge) != 0 || sb.Requests(sandbox.EndpointZones) != 1 {
		t.Errorf("requests: %v", sb.Server.Stats().Requests)
	}

	sb = threeZones(t)
	f, st = cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, append(spread, "--dry-run", "--plan", "free")...); err != nil {
		t.Fatal(err)
	}
	if n := sb.Server.Stats().Total; n != 0 {
		t.Errorf("offline dry run sent %d request(s)", n)
	}
	if !strings.Contains(st.Err.String(), "the estimate is for one account") {
		t.Errorf("stderr:\n%s", st.Err.String())
	}
}

// --dry-run --list prints every entry that would be sent, variants
// expanded, in the failed-file format: fed back with -f it lists the same.
func TestDryRunListRoundTrips(t *testing.T) {
	sb := threeZones(t)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, "https://example.com/a", "https://other.org/a?b=1", "https://shop.example.com/ñ", "--device", "mobile,desktop", "--dry-run", "--list"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	list := st.Out.String()
	if n := strings.Count(list, `"url"`); n != 6 {
		t.Fatalf("%d entries listed, want 6 (3 URLs × 2 devices):\n%s", n, list)
	}
	for _, want := range []string{"# zone example.com\n", "# zone other.org\n", "# zone shop.example.com\n"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	if !strings.Contains(st.Err.String(), "Dry run: would purge 3 URLs (6 entries with variants) in 3 zones") {
		t.Errorf("the plan is not on stderr:\n%s", st.Err.String())
	}
	path := filepath.Join(t.TempDir(), "entries.txt")
	if err := os.WriteFile(path, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	f, st = cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, "-f", path, "--dry-run", "--list"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if st.Out.String() != list {
		t.Errorf("read back, the list changed:\n%s\nwas\n%s", st.Out.String(), list)
	}
	if sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Error("a dry run purged")
	}
}

func TestListNeedsDryRun(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	err := cmdtest.Run(context.Background(), NewCmdURL(f, nil), "https://example.com/", "--list")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--dry-run") {
		t.Fatalf("got %v", err)
	}
	// stdout is one JSON object with -o json: not both.
	f.Settings.Output = "json"
	err = cmdtest.Run(context.Background(), NewCmdURL(f, nil), "https://example.com/", "--list", "--dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "-o json") {
		t.Fatalf("got %v", err)
	}
}

// One failed file for every zone: it names no zone, so it is re-run
// without -z and routed again; one exit code (3: some purged).
func TestRoutedFailedFileRerunsWithoutZone(t *testing.T) {
	base := threeZones(t)
	var down atomic.Bool
	down.Store(true)
	sb := cmdtest.StartSandbox(t, base.Config, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() && strings.Contains(r.URL.Path, "/zones/"+otherZoneID+"/purge_cache") {
				http.Error(w, `{"success":false,"errors":[{"code":10000,"message":"boom"}]}`, http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	failed := filepath.Join(t.TempDir(), "failed.txt")
	f, st := cmdtest.NewFactory(t, sb, "", false)
	err := runURL(t, f, append(spread, "--failed-file", failed, "--max-retries", "0")...)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want 3\n%s", cmdutil.ExitCode(err), err, st.Err.String())
	}
	b, _ := os.ReadFile(failed)
	if !strings.Contains(string(b), "https://other.org/e\n") || strings.Contains(string(b), "example.com/") ||
		!strings.Contains(string(b), "retry with: cfcache purge url -f FILE") {
		t.Fatalf("failed file:\n%s", b)
	}
	down.Store(false)
	f, st = cmdtest.NewFactory(t, sb, "", false)
	if err := runURL(t, f, "-f", failed); err != nil {
		t.Fatalf("re-run: %v\n%s", err, st.Err.String())
	}
	if rec, _ := sb.Server.Purges("other.org"); len(rec.Files) != 1 {
		t.Errorf("other.org after the re-run: %v", rec.Files)
	}
}
