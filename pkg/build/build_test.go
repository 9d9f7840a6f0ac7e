package build

import (
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestInfoFallsBackToBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		},
	}
	v, c, d := info("dev", "", "", bi)
	if v != "dev" || c != "0123456789abcdef0123456789abcdef01234567" || d != "2026-12-01T10:00:00Z" {
		t.Errorf("go build: got %q %q %q", v, c, d)
	}
	// go install ...@v1.2.3 records the module version.
	bi.Main.Version = "v1.2.3"
	if v, _, _ := info("dev", "", "", bi); v != "v1.2.3" {
		t.Errorf("go install: version %q", v)
	}
	// -ldflags -X wins over what the toolchain recorded.
	v, c, d = info("v2.0.0", "abc1234", "2026-11-30T09:00:00Z", bi)
	if v != "v2.0.0" || c != "abc1234" || d != "2026-11-30T09:00:00Z" {
		t.Errorf("ldflags: got %q %q %q", v, c, d)
	}
	if v, c, d := info("dev", "", "", nil); v != "dev" || c != "" || d != "" {
		t.Errorf("no build info: got %q %q %q", v, c, d)
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct{ v, c, d, want string }{
		{"v1.2.3", "0123456789abcdef0123", "2026-12-01T10:00:00Z", "cfcache version v1.2.3 (commit 0123456789ab of 2026-12-01T10:00:00Z)"},
		{"abc1234", "abc1234", "2026-12-01T10:00:00Z", "cfcache version abc1234 (commit abc1234 of 2026-12-01T10:00:00Z)"},
		{"dev", "abc1234", "", "cfcache version dev (commit abc1234)"},
		{"dev", "", "", "cfcache version dev"},
	} {
		if got := summary(tc.v, tc.c, tc.d); got != tc.want {
			t.Errorf("summary(%q, %q, %q) = %q, want %q", tc.v, tc.c, tc.d, got, tc.want)
		}
	}
}

// TestMakeBuildStampsCommitAndDate checks the Makefile's link flags without
// building: `make -n build` must set Version, Commit (git's short hash) and
// Date (the commit's date in UTC, ISO 8601, so two builds of one commit are
// identical).
func TestMakeBuildStampsCommitAndDate(t *testing.T) {
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout:", err)
	}
	cmd := exec.Command("make", "-n", "-C", "../..", "build")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	const pkg = "github.com/cfcache/cfcache/pkg/build."
	s := string(out)
	if !strings.Contains(s, "-X "+pkg+"Version=") {
		t.Errorf("no Version in:\n%s", s)
	}
	if want := "-X " + pkg + "Commit=" + strings.TrimSpace(string(head)); !strings.Contains(s, want) {
		t.Errorf("want %q in:\n%s", want, s)
	}
	if !regexp.MustCompile(`-X ` + regexp.QuoteMeta(pkg) + `Date=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b`).MatchString(s) {
		t.Errorf("no UTC ISO 8601 Date in:\n%s", s)
	}
}
