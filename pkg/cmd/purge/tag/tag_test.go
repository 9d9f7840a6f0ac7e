package tag

import (
	"context"
	"encoding/json"
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
	cmd := NewCmdTag(f, func(o *Options) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "a", "b", "-f", "-", "--dry-run", "--failed-file", "f.txt",
		"--max-retries", "0", "--max-wait", "1m", "--environment", "staging")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != purge.KindTag || strings.Join(got.Args, ",") != "a,b" || got.Files[0] != "-" || !got.DryRun ||
		got.FailedFile != "f.txt" || got.MaxRetries != 0 || got.MaxWait.String() != "1m0s" || got.Environment != "staging" {
		t.Fatalf("%+v", *got)
	}
}

func TestRefusals(t *testing.T) {
	for _, args := range [][]string{
		{"a", "--url-form", "raw"}, // tags have no URL form
		{"a", "--yes"},
		{"a", "--concurrency", "0"},
	} {
		f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
		if err := cmdtest.Run(context.Background(), NewCmdTag(f, nil), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

// Tags are not routed: with no zone it is exit 2 and nothing is asked of
// the API.
func TestNeedsExactlyOneZone(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	f, _ := cmdtest.NewFactory(t, sb, "", false)
	err := cmdtest.Run(context.Background(), NewCmdTag(f, nil), "a")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "purge tag needs exactly one zone") {
		t.Fatalf("got %v", err)
	}
	if n := sb.Server.Stats().Total; n != 0 {
		t.Fatalf("%d request(s)", n)
	}
}

func TestRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", tty)
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), NewCmdTag(f, nil), "product-1", "Product-1", "product-2"); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind != "tag" || r.Items != 2 || r.DuplicatesDropped != 1 || r.Purged != 2 || r.ZoneID != sandbox.DefaultZoneID ||
			len(r.Zones) != 1 || r.Zones[0].AccountID != sandbox.DefaultAccountID || r.Zones[0].Requests != 1 {
			t.Errorf("tty=%v: %+v", tty, r)
		}
		if !strings.Contains(st.Err.String(), "Purged 2 of 2 tags in 1 request(s)") {
			t.Errorf("tty=%v: stderr:\n%s", tty, st.Err.String())
		}
	}
}
