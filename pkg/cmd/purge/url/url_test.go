package url

import (
	"context"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/purge/shared"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *shared.PurgeOptions
	cmd := NewCmdURL(f, func(o *shared.PurgeOptions) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd,
		"https://example.com/a", "-f", "urls.txt", "-f", "-", "--device", "mobile,tablet", "--country", "ES",
		"--country", "US", "--lang", "en-US", "-H", "Origin: https://example.com", "--url-form", "raw",
		"--dry-run", "--plan", "pro", "--failed-file", "failed.txt", "--max-items", "10", "--concurrency", "2",
		"--max-retries", "1", "--yes", "--allow-other-hosts")
	if err != nil {
		t.Fatal(err)
	}
	want := shared.PurgeOptions{Kind: purge.KindURL, Zone: "example.com", Args: []string{"https://example.com/a"},
		Files: []string{"urls.txt", "-"}, Devices: []string{"mobile", "tablet"}, Countries: []string{"ES", "US"},
		Langs: []string{"en-US"}, Headers: []string{"Origin: https://example.com"}, URLForm: "raw", DryRun: true,
		Plan: "pro", FailedFile: "failed.txt", MaxItems: 10, Concurrency: 2, MaxRetries: 1, Yes: true, AllowOtherHosts: true}
	if got.Kind != want.Kind || got.Zone != want.Zone || !eq(got.Args, want.Args) || !eq(got.Files, want.Files) ||
		!eq(got.Devices, want.Devices) || !eq(got.Countries, want.Countries) || !eq(got.Langs, want.Langs) ||
		!eq(got.Headers, want.Headers) || got.URLForm != want.URLForm || got.DryRun != want.DryRun ||
		got.Plan != want.Plan || got.FailedFile != want.FailedFile || got.MaxItems != want.MaxItems ||
		got.Concurrency != want.Concurrency || got.MaxRetries != want.MaxRetries || got.Yes != want.Yes ||
		got.AllowOtherHosts != want.AllowOtherHosts {
		t.Fatalf("options:\n got %+v\nwant %+v", *got, want)
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
