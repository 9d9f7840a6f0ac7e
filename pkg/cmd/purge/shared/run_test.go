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

// newCmd is a minimal verb over Run, as the real verbs build it.
func newCmd(f *cmdutil.Factory, kind purge.Kind) *cobra.Command {
	opts := NewOptions(f, kind)
	cmd := &cobra.Command{Use: string(kind), RunE: func(cmd *cobra.Command, args []string) error {
		opts.Finish(f, cmd, args)
		opts.Engine = func(c *purge.RunConfig) { c.BackoffBase, c.BackoffMax = time.Millisecond, 5*time.Millisecond }
		return Run(opts)
	}}
	AddCommonFlags(cmd, opts, kind != purge.KindEverything)
	return cmd
}

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

func TestDecliningPurgeEverythingIsExit1(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, "example.com", true)
	st.In.WriteString("exmaple.com\n")
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindEverything))
	if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("got %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Fatal("purged after a wrong confirmation")
	}
	f, st = cmdtest.NewFactory(t, sb, "example.com", true)
	st.In.WriteString("example.com\n")
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindEverything)); err != nil {
		t.Fatal(err)
	}
	if sb.Requests(sandbox.EndpointPurge) != 1 {
		t.Fatal("the confirmed purge was not sent")
	}
}
