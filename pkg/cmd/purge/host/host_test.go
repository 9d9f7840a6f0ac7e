package host

import (
	"context"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	var got *Options
	cmd := NewCmdHost(f, func(o *Options) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "img.example.com", "--allow-other-hosts", "--dry-run", "--plan", "business"); err != nil {
		t.Fatal(err)
	}
	if got.Kind != purge.KindHost || got.Args[0] != "img.example.com" || !got.AllowOtherHosts || !got.DryRun || got.Plan != "business" {
		t.Fatalf("%+v", *got)
	}
	for _, args := range [][]string{{"a.example.com", "--url-form", "raw"}, {"a.example.com", "--variants", "auto"}, {"a.example.com", "--yes"}} {
		if err := cmdtest.Run(context.Background(), NewCmdHost(f, nil), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

// With no zone, hosts route like URLs: to the longest-suffix zone.
func TestRunRouted(t *testing.T) {
	for _, tty := range []bool{false, true} {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, func(c *sandbox.Config) {
			c.Zones = append(c.Zones, sandbox.Zone{Name: "img.example.com", Plan: limits.Enterprise})
		})
		f, st := cmdtest.NewFactory(t, sb, "", tty)
		if err := cmdtest.Run(context.Background(), NewCmdHost(f, nil), "www.example.com", "cdn.img.example.com"); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		a, _ := sb.Server.Purges("example.com")
		b, _ := sb.Server.Purges("img.example.com")
		if len(a.Hosts) != 1 || len(b.Hosts) != 1 {
			t.Errorf("tty=%v: example.com %v, img.example.com %v", tty, a.Hosts, b.Hosts)
		}
		if !strings.Contains(st.Err.String(), "Purged 2 of 2 hosts") || !strings.Contains(st.Err.String(), "  img.example.com: 1 of 1 host in 1 request(s)") {
			t.Errorf("tty=%v: stderr:\n%s", tty, st.Err.String())
		}
	}
}
