package shared

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// withEnv layers extra variables over a test Factory's environment.
func withEnv(f *cmdutil.Factory, extra map[string]string) {
	base := f.Env
	f.Env = func(k string) (string, bool) {
		if v, ok := extra[k]; ok {
			return v, true
		}
		return base(k)
	}
}

// The job summary is appended (what earlier steps wrote stays) in Actions:
// a row per zone with items, purged, failed, requests and duration
// (interface.md "In CI").
func TestJobSummaryInActions(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withEnv(f, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), urls(3)...); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"earlier step\n### cfcache purge url\n",
		"✅ Purged 3 of 3 URLs.",
		"| Zone | Items | Purged | Failed | Requests | Duration |",
		"| example.com | 3 | 3 | 0 | 1 | ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b[") || strings.Contains(got, cmdtest.Token) {
		t.Errorf("summary holds escape codes or the token:\n%s", got)
	}
	if strings.Contains(st.Out.String()+st.Err.String(), "summary") {
		t.Errorf("the summary leaked into the output: %q %q", st.Out.String(), st.Err.String())
	}
}

// Outside Actions nothing is written, even with GITHUB_STEP_SUMMARY set
// (a variable left over in a shell must not grow a file).
func TestJobSummaryNeverOutsideActions(t *testing.T) {
	for _, actions := range []string{"", "false", "1"} {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		summary := filepath.Join(t.TempDir(), "summary.md")
		env := map[string]string{"GITHUB_STEP_SUMMARY": summary}
		if actions != "" {
			env["GITHUB_ACTIONS"] = actions
		}
		withEnv(f, env)
		if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "a"); err != nil {
			t.Fatalf("%v\n%s", err, st.Err.String())
		}
		if _, err := os.Stat(summary); !os.IsNotExist(err) {
			t.Errorf("GITHUB_ACTIONS=%q: summary file written (stat: %v)", actions, err)
		}
	}
}

// A run with failures names them and the command that re-runs the failed
// file.
func TestJobSummaryFailedFile(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) { c.FailRate = 1 })
	f, st := cmdtest.NewFactory(t, sb, sandbox.DefaultZoneID, false) // by id with --plan: no lookup to fail
	dir := t.TempDir()
	summary, failed := filepath.Join(dir, "summary.md"), filepath.Join(dir, "failed tags.txt")
	withEnv(f, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "t1", "t2", "--max-retries", "0", "--plan", "enterprise", "--failed-file", failed)
	if cmdutil.ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", cmdutil.ExitCode(err), err, st.Err.String())
	}
	b, _ := os.ReadFile(summary)
	got := string(b)
	for _, want := range []string{
		"❌ Purged 0 of 2 tags; 2 not purged.",
		"| " + sandbox.DefaultZoneID + " | 2 | 0 | 2 | ",
		"cfcache purge tag -f '" + failed + "'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s\nerr %v, stderr:\n%s", want, got, err, st.Err.String())
		}
	}
}

// issue 13 #10: stderr's re-run hint quotes the failed file as the job
// summary does, and a summary that cannot be written gets the one warning
// ghactions words for every command.
func TestRerunHintQuotesAndSummaryWarning(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) { c.FailRate = 1 })
	f, st := cmdtest.NewFactory(t, sb, sandbox.DefaultZoneID, false)
	dir := t.TempDir()
	failed := filepath.Join(dir, "my failed.txt")
	// A directory: no file can be opened there, whoever runs the test.
	withEnv(f, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": dir})
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "t1", "--max-retries", "0", "--plan", "enterprise", "--failed-file", failed)
	if cmdutil.ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", cmdutil.ExitCode(err), err, st.Err.String())
	}
	errOut := st.Err.String()
	for _, want := range []string{
		"re-run them with: cfcache purge tag -f '" + failed + "'\n",
		"warning: cannot write the job summary to GITHUB_STEP_SUMMARY " + dir + ": is a directory\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestRenderSummaryKeepsCellsInTheirColumns(t *testing.T) {
	got := RenderSummary(Summary{Kind: "url", Done: "Invalidated", Noun: "URLs", Items: 1, Purged: 1,
		Zones: []SummaryZone{{Zone: "a|b", Items: 1, Purged: 1, Requests: 1, DurationMS: 1500}}})
	if !strings.Contains(got, "| a\\|b | 1 | 1 | 0 | 1 | 1.5s |") || !strings.Contains(got, "| Zone | Items | Invalidated |") {
		t.Errorf("got:\n%s", got)
	}
}

// A dry run's summary says what would be sent, and that nothing was.
func TestJobSummaryDryRun(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	summary := filepath.Join(t.TempDir(), "summary.md")
	withEnv(f, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), append(urls(40), "--dry-run")...); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{"### cfcache purge url (dry run)", "Would purge 40 URLs; nothing was sent.", "| Zone | Items | Requests | Estimated time |", "| example.com | 40 | 1 | "} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if n := sb.Requests(sandbox.EndpointPurge); n != 0 {
		t.Errorf("a dry run sent %d purges", n)
	}
}

// A list spanning zones gives a row per zone (interface.md "In CI": per
// zone), in the order of the JSON's "zones".
func TestJobSummaryPerZone(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) {
		c.Zones = append(c.Zones, sandbox.Zone{Name: "shop.example.com", Plan: limits.Enterprise})
	})
	f, st := cmdtest.NewFactory(t, sb, "", false) // no zone: items are routed
	summary := filepath.Join(t.TempDir(), "summary.md")
	withEnv(f, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
	args := []string{"https://example.com/a", "https://shop.example.com/b", "https://shop.example.com/c"}
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), args...); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	b, _ := os.ReadFile(summary)
	got := string(b)
	i, j := strings.Index(got, "| example.com | 1 | 1 | 0 | 1 | "), strings.Index(got, "| shop.example.com | 2 | 2 | 0 | 1 | ")
	if i < 0 || j < i || !strings.Contains(got, "Purged 3 of 3 URLs") {
		t.Errorf("summary:\n%s", got)
	}
}
