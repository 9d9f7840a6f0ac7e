package url

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A dry run over several zones estimates the whole run: zones of one
// account run one after another and every request counts in the token's
// 1,200 / 5 min, so 3 × 30,000 URLs (3,000 requests of 30, the cap the
// issue measured on the free plan, set here in the limits) take at least two full windows, not one zone's 36.5 s; text (one
// total line) and JSON agree (review of issue 10, #5). The second case has
// the zones in two accounts: side by side, but still in one token window.
func TestDryRunEstimatesTheWholeRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accounts []string
		atLeast  time.Duration
	}{
		{"one account", []string{"", "", ""}, 2 * 5 * time.Minute},
		{"two accounts", []string{"", otherAccount, otherAccount}, 2 * 5 * time.Minute},
	} {
		sb := cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) {
			c.Zones = append(c.Zones, sandbox.Zone{Name: "b.example", AccountID: tc.accounts[1]}, sandbox.Zone{Name: "c.example", AccountID: tc.accounts[2]})
		})
		var list strings.Builder
		for _, host := range []string{"example.com", "b.example", "c.example"} {
			for i := range 30_000 {
				fmt.Fprintf(&list, "https://%s/p/%d\n", host, i)
			}
		}
		path := filepath.Join(t.TempDir(), "urls.txt")
		if err := os.WriteFile(path, []byte(list.String()), 0o600); err != nil {
			t.Fatal(err)
		}

		capped := func(f *cmdutil.Factory) {
			f.Settings.Limits = limits.Default()
			l := f.Settings.Limits[limits.Free]
			l.URLsPerRequest = 30
			f.Settings.Limits[limits.Free] = l
		}
		f, st := cmdtest.NewFactory(t, sb, "", false)
		capped(f)
		f.Settings.Output = "json"
		if err := runURL(t, f, "-f", path, "--dry-run"); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, st.Err.String())
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		est := time.Duration(r.EstimatedMS) * time.Millisecond
		if r.Requests != 3000 || est < tc.atLeast {
			t.Fatalf("%s: JSON requests %d, estimated %s; want 3000, at least %s", tc.name, r.Requests, est, tc.atLeast)
		}

		f, st = cmdtest.NewFactory(t, sb, "", false)
		capped(f)
		if err := runURL(t, f, "-f", path, "--dry-run"); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", tc.name, st.Err.String())
		want := fmt.Sprintf("  total: 3000 request(s), estimated %s (", shared.RoundDuration(est))
		if !strings.Contains(st.Err.String(), want) || strings.Count(st.Err.String(), "1000 request(s) of up to 30") != 3 {
			t.Errorf("%s: text does not agree with the JSON (%q):\n%s", tc.name, want, st.Err.String())
		}
	}
}
