package shared

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// newCmd is a minimal item verb over the steps, as the real verbs build it
// (purge everything has its own run, tested in its package).
func newCmd(f *cmdutil.Factory, kind purge.Kind) *cobra.Command {
	return newCmdOpts(f, kind, func(j *Job) {
		j.Engine = func(c *purge.RunConfig) { c.BackoffBase, c.BackoffMax = time.Millisecond, 5*time.Millisecond }
	})
}

// testOptions are a verb's options with every item flag.
type testOptions struct {
	Common
	Items
	URLOptions
	URLForm string
}

// newCmdOpts is the purge command with set applied to its job.
func newCmdOpts(f *cmdutil.Factory, kind purge.Kind, set func(*Job)) *cobra.Command {
	o := &testOptions{Common: NewCommon(f, kind), Items: NewItems(), URLOptions: NewURLOptions(f)}
	cmd := &cobra.Command{Use: string(kind), RunE: func(cmd *cobra.Command, args []string) error {
		o.Finish(f, cmd)
		o.Args = args
		j := NewJob(&o.Common, &o.Items, &o.URLOptions, o.URLForm)
		set(j)
		return runSteps(j)
	}}
	AddCommonFlags(cmd, &o.Common)
	AddItemFlags(cmd, &o.Items, true)
	if kind == purge.KindURL || kind == purge.KindPrefix {
		AddURLFormFlag(cmd, &o.URLForm)
	}
	if kind == purge.KindURL {
		AddURLFlags(cmd, &o.URLOptions)
	}
	return cmd
}

// runSteps is a verb's run: the steps in order.
func runSteps(j *Job) error { return j.Run() }

func urls(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "https://example.com/p/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	return out
}

func TestProgressIsLiveOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		sb := cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) { c.Latency = 150 * time.Millisecond })
		f, st := cmdtest.NewFactory(t, sb, "example.com", tty)
		args := append(urls(300), "--concurrency", "1")
		if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), args...); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		errOut := st.Err.String()
		if tty != strings.Contains(errOut, "\r\x1b[K") {
			t.Errorf("tty=%v: live redraw present=%v:\n%q", tty, !tty, errOut)
		}
		if !tty && strings.Contains(errOut, "\x1b[") {
			t.Errorf("escape codes off a terminal: %q", errOut)
		}
		if !strings.Contains(errOut, "Purged 300 of 300 URLs") {
			t.Errorf("tty=%v: summary missing: %q", tty, errOut)
		}
	}
}

func TestQuietPrintsNothingOnSuccess(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	f.IOStreams.SetQuiet(true)
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "a", "a", "b"); err != nil {
		t.Fatal(err)
	}
	if st.Err.Len() != 0 || st.Out.Len() != 0 {
		t.Fatalf("quiet run printed: %q %q", st.Out.String(), st.Err.String())
	}
}

func TestOutcomeExitCodes(t *testing.T) {
	cases := []struct {
		name string
		edit func(*sandbox.Config)
		args []string
		zone string
		want int
	}{
		{"all purged", nil, []string{"t1", "t2"}, "example.com", 0},
		{"auth", func(c *sandbox.Config) { c.Tokens[0].Permissions = []sandbox.Permission{sandbox.PermCacheRulesRead} }, []string{"t1"}, "example.com", 4},
		{"none purged", func(c *sandbox.Config) { c.FailRate = 1 }, []string{"t1", "--max-retries", "1", "--plan", "free"}, sandbox.DefaultZoneID, 1},
		{"invalid", nil, []string{"has space"}, "example.com", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := cmdtest.NewSandbox(t, limits.Enterprise, c.edit)
			f, st := cmdtest.NewFactory(t, sb, c.zone, false)
			err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), c.args...)
			if got := cmdutil.ExitCode(err); got != c.want {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, c.want, st.Err.String())
			}
			if c.want == 2 && sb.Requests(sandbox.EndpointPurge) != 0 {
				t.Fatal("a request was sent for invalid input")
			}
		})
	}
}
