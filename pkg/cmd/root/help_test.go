package root

import (
	"context"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// issue 13 §3: `cfcache --version` works and prints the first line of
// `cfcache version`, without reading the config file.
func TestVersionFlagMatchesVersionCommand(t *testing.T) {
	oldV, oldC, oldD := build.Version, build.Commit, build.Date
	build.Version, build.Commit, build.Date = "v1.2.3", "0123456789abcdef", "2026-12-01T10:00:00Z"
	t.Cleanup(func() { build.Version, build.Commit, build.Date = oldV, oldC, oldD })

	run := func(args ...string) string {
		t.Helper()
		f, st := cmdtest.NewFactory(t, nil, "", false)
		if code := Run(context.Background(), f, args); code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, st.Err.String())
		}
		return st.Out.String()
	}
	const want = "cfcache version v1.2.3 (commit 0123456789ab of 2026-12-01T10:00:00Z)\n"
	if got := run("version"); got != want {
		t.Errorf("version: %q, want %q", got, want)
	}
	if got := run("--version"); got != want {
		t.Errorf("--version: %q, want %q", got, want)
	}
	if got := run("--version", "--config", "/nonexistent/cfcache.yaml"); got != want {
		t.Errorf("--version with a missing config file: %q", got)
	}
}

// issue 13 §3: the exit-code table is in `cfcache --help`, every code of
// cmdutil.ExitCodes, and only in the root's help.
func TestRootHelpListsExitCodes(t *testing.T) {
	help := func(args ...string) string {
		t.Helper()
		f, st := cmdtest.NewFactory(t, nil, "", false)
		if code := Run(context.Background(), f, args); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		return st.Out.String()
	}
	out := help("--help")
	_, table, ok := strings.Cut(out, "\nExit codes:\n")
	if !ok {
		t.Fatalf("no \"Exit codes:\" section in cfcache --help:\n%s", out)
	}
	if table != cmdutil.ExitCodesText("  ") {
		t.Errorf("exit codes in --help:\n%s\nwant:\n%s", table, cmdutil.ExitCodesText("  "))
	}
	if strings.Contains(help("purge", "--help"), "Exit codes:") {
		t.Error("cfcache purge --help repeats the exit-code table")
	}
}
