package prefix

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
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *Options
	cmd := NewCmdPrefix(f, func(o *Options) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "example.com/a/", "-f", "p.txt", "--url-form", "ENCODED", "--dry-run", "--list",
		"--plan", "Pro", "--failed-file", "failed.txt", "--max-items", "3", "--concurrency", "2", "--invalidate")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != purge.KindPrefix || got.Args[0] != "example.com/a/" || got.Files[0] != "p.txt" || got.URLForm != "encoded" ||
		!got.DryRun || !got.List || got.Plan != "pro" || got.FailedFile != "failed.txt" || got.MaxItems != 3 ||
		got.Concurrency != 2 || !got.Invalidate || got.Zone != "example.com" {
		t.Fatalf("%+v", *got)
	}
	// Defaults.
	cmd = NewCmdPrefix(f, func(o *Options) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "example.com/a/"); err != nil {
		t.Fatal(err)
	}
	if got.URLForm != "both" || got.Concurrency != purge.DefaultConcurrency || got.MaxRetries != purge.DefaultMaxRetries || got.Plan != "" {
		t.Fatalf("defaults: %+v", *got)
	}
}

func TestRefusals(t *testing.T) {
	for _, args := range [][]string{
		{"example.com/a/", "--url-form", "weird"},
		{"example.com/a/", "--plan", "gold"},
		{"example.com/a/", "--device", "mobile"}, // a purge url flag only
		{"example.com/a/", "--yes"},              // only purge everything asks
		{"example.com/a/", "--list"},             // without --dry-run
		{},                                       // no items
	} {
		f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
		if err := cmdtest.Run(context.Background(), NewCmdPrefix(f, nil), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

func TestRun(t *testing.T) {
	for _, tty := range []bool{false, true} {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
		f, st := cmdtest.NewFactory(t, sb, "", tty)
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), NewCmdPrefix(f, nil), "https://example.com/blog/", "www.example.com/x/"); err != nil {
			t.Fatalf("tty=%v: %v\n%s", tty, err, st.Err.String())
		}
		var r shared.Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind != "prefix" || r.Purged != 2 || r.ZoneName != "example.com" || len(r.Zones) != 1 || r.Zones[0].Items != 2 {
			t.Errorf("tty=%v: %+v", tty, r)
		}
		if !strings.Contains(st.Err.String(), "Purged 2 of 2 prefixes") {
			t.Errorf("tty=%v: stderr:\n%s", tty, st.Err.String())
		}
		if rec, _ := sb.Server.Purges("example.com"); len(rec.Prefixes) != 2 {
			t.Errorf("tty=%v: purged %v", tty, rec.Prefixes)
		}
		if !tty && strings.Contains(st.Err.String(), "\x1b[") {
			t.Errorf("escape codes off a terminal: %q", st.Err.String())
		}
	}
}

// TestWholeHostHint: a prefix with no path is a whole host. It is valid and
// purged as given, with a note (not an error) suggesting `purge host`.
func TestWholeHostHint(t *testing.T) {
	for _, arg := range []string{"example.com", "https://example.com/"} {
		for _, tty := range []bool{false, true} {
			sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
			f, st := cmdtest.NewFactory(t, sb, "", tty)
			if err := cmdtest.Run(context.Background(), NewCmdPrefix(f, nil), arg, "www.example.com/x/"); err != nil {
				t.Fatalf("%s tty=%v: %v\n%s", arg, tty, err, st.Err.String())
			}
			errOut := st.Err.String()
			if strings.Count(errOut, "cfcache purge host example.com") != 1 || strings.Contains(errOut, "purge host www.example.com") {
				t.Errorf("%s tty=%v: want one hint, for the whole host only:\n%s", arg, tty, errOut)
			}
			if rec, _ := sb.Server.Purges("example.com"); len(rec.Prefixes) != 2 {
				t.Errorf("%s tty=%v: purged %v", arg, tty, rec.Prefixes)
			}
		}
	}
}
