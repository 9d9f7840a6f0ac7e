package everything

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *Options
	cmd := NewCmdEverything(f, func(o *Options) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "--yes", "--invalidate", "--environment", "staging", "--plan", "free", "--dry-run"); err != nil {
		t.Fatal(err)
	}
	if got.Kind != purge.KindEverything || !got.Yes || !got.Invalidate || got.Environment != "staging" || got.Plan != "free" || !got.DryRun {
		t.Fatalf("%+v", *got)
	}
}

// A flag is offered only where it does something: purge everything has no
// items, so none of the item flags parse.
func TestItemFlagsDoNotParse(t *testing.T) {
	for _, args := range [][]string{
		{"--failed-file", "f.txt"}, {"--max-items", "1"}, {"--concurrency", "2"}, {"-f", "x"},
		{"--list"}, {"--url-form", "raw"}, {"--device", "mobile"}, {"example.com"},
	} {
		f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
		if err := cmdtest.Run(context.Background(), NewCmdEverything(f, func(*Options) error { return nil }), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

func TestRefusals(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	for _, c := range []struct {
		zone string
		args []string
		want string
	}{
		{"example.com", nil, "--yes required"},
		{"example.com", []string{"--invalidate", "--environment", "production"}, "purge everything --invalidate marks the whole cache of example.com stale (environment production)"},
		{"", []string{"--yes"}, "purge everything needs exactly one zone"},
	} {
		f, _ := cmdtest.NewFactory(t, sb, c.zone, false)
		err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil), c.args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want exit 2 with %q", c.args, err, c.want)
		}
	}
	if n := sb.Server.Stats().Total; n != 0 {
		t.Fatalf("%d request(s) sent", n)
	}
}

func TestRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		sb := cmdtest.NewSandbox(t, limits.Free, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", tty)
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil), "--yes"); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind != "everything" || r.Purged != 1 || r.Requests != 1 || len(r.Zones) != 1 || r.Zones[0].ZoneName != "example.com" {
			t.Errorf("tty=%v: %+v", tty, r)
		}
		if !strings.Contains(st.Err.String(), "Purged everything in example.com") {
			t.Errorf("tty=%v: stderr:\n%s", tty, st.Err.String())
		}
		if rec, _ := sb.Server.Purges("example.com"); rec.Everything != 1 {
			t.Errorf("tty=%v: %+v", tty, rec)
		}
	}
}

func TestDecliningIsExit1(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", true)
	st.In.WriteString("exmaple.com\n")
	err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil))
	if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("got %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Fatal("purged after a wrong confirmation")
	}
	f, st = cmdtest.NewFactory(t, sb, "example.com", true)
	st.In.WriteString("example.com\n")
	if err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil)); err != nil {
		t.Fatal(err)
	}
	if sb.Requests(sandbox.EndpointPurge) != 1 {
		t.Fatal("the confirmed purge was not sent")
	}
}

func TestDryRunOffline(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "", false)
	if err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil), "--dry-run", "--plan", "free"); err != nil {
		t.Fatal(err)
	}
	// What would be done is about the run: stderr, stdout empty (issue 13).
	if !strings.Contains(st.Err.String(), "Dry run: would purge everything\nNothing was sent.") || st.Out.Len() != 0 || sb.Server.Stats().Total != 0 {
		t.Errorf("stdout %q, stderr %q, %d requests", st.Out.String(), st.Err.String(), sb.Server.Stats().Total)
	}
}

// In a GitHub Actions job, purge everything appends its job summary too
// (interface.md "In CI").
func TestJobSummary(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	summary := filepath.Join(t.TempDir(), "summary.md")
	base := f.Env
	f.Env = func(k string) (string, bool) {
		switch k {
		case "GITHUB_ACTIONS":
			return "true", true
		case "GITHUB_STEP_SUMMARY":
			return summary, true
		}
		return base(k)
	}
	if err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil), "--yes"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, "### cfcache purge everything") || !strings.Contains(got, "✅ Purged everything.") || !strings.Contains(got, "| example.com | — | everything | 0 | 1 | ") {
		t.Errorf("summary:\n%s", got)
	}
}

// The 429s a purge everything met are in its JSON as in every verb's
// (shared.MapResult): it used to copy the figures by hand and say
// rate_limited: 0 whatever the answers.
func TestRateLimitedInJSON(t *testing.T) {
	// The sandbox's bucket holds one purge everything and refills in half
	// a second: the second run is answered 429 once, then goes through. An
	// enterprise zone, so the client, which believes the documented 50 a
	// second, waits the Retry-After only.
	table := limits.Default()
	l := table[limits.Enterprise]
	l.FlexPurgeRate, l.FlexPurgeBurst = 2, 1
	table[limits.Enterprise] = l
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) { c.Limits = table })
	for run := range 2 {
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), NewCmdEverything(f, nil), "--yes"); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, st.Err.String())
		}
		if run == 0 {
			continue
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.RateLimited < 1 || r.Purged != 1 {
			t.Errorf("rate_limited %d, purged %d; want ≥ 1 and 1\n%s", r.RateLimited, r.Purged, st.Out.String())
		}
	}
	if n := sb.Server.Stats().Throttled.PurgeBucket; n != 1 {
		t.Errorf("the sandbox answered %d 429(s), want 1", n)
	}
}
