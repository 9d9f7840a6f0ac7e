package url

import (
	"context"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *Options
	cmd := NewCmdURL(f, func(o *Options) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd,
		"https://example.com/a", "-f", "urls.txt", "-f", "-", "--device", "mobile,tablet", "--country", "ES",
		"--country", "US", "--lang", "en-US", "-H", "Origin: https://example.com", "--url-form", "raw",
		"--dry-run", "--plan", "pro", "--failed-file", "failed.txt", "--max-items", "10", "--concurrency", "2",
		"--max-retries", "1", "--allow-other-hosts", "--list")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != purge.KindURL || got.Zone != "example.com" || !eq(got.Args, []string{"https://example.com/a"}) ||
		!eq(got.Files, []string{"urls.txt", "-"}) || !eq(got.Devices, []string{"mobile", "tablet"}) ||
		!eq(got.Countries, []string{"ES", "US"}) || !eq(got.Langs, []string{"en-US"}) ||
		!eq(got.Headers, []string{"Origin: https://example.com"}) || got.URLForm != "raw" || !got.DryRun ||
		got.Plan != "pro" || got.FailedFile != "failed.txt" || got.MaxItems != 10 || got.Concurrency != 2 ||
		got.MaxRetries != 1 || !got.AllowOtherHosts || !got.List {
		t.Fatalf("options: %+v", *got)
	}
}

func TestBadFlagValuesAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"https://example.com/", "--plan", "gold"},
		{"https://example.com/", "--concurrency", "0"},
		{"https://example.com/", "--url-form", "weird"},
		{"--nope"},
	} {
		f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
		if err := cmdtest.Run(context.Background(), NewCmdURL(f, nil), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: want exit 2, got %v", args, err)
		}
	}
}

func eq(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
