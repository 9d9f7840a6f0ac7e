package root

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdtest"
)

// issue 13 #7: `cfcache --version -o json` prints the JSON `cfcache version
// -o json` prints, not the text line, and still needs no config file.
func TestVersionFlagHonoursOutputJSON(t *testing.T) {
	oldV, oldC, oldD := build.Version, build.Commit, build.Date
	build.Version, build.Commit, build.Date = "v1.2.3", "0123456789abcdef", "2026-12-01T10:00:00Z"
	t.Cleanup(func() { build.Version, build.Commit, build.Date = oldV, oldC, oldD })

	run := func(env map[string]string, args ...string) string {
		t.Helper()
		f, st := cmdtest.NewFactory(t, nil, "", false)
		if env != nil {
			base := f.Env
			f.Env = func(k string) (string, bool) {
				if v, ok := env[k]; ok {
					return v, true
				}
				return base(k)
			}
		}
		if code := Run(context.Background(), f, args); code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, st.Err.String())
		}
		return st.Out.String()
	}
	want := run(nil, "version", "-o", "json")
	var doc map[string]string
	if err := json.Unmarshal([]byte(want), &doc); err != nil || doc["version"] != "v1.2.3" {
		t.Fatalf("version -o json: %v\n%s", err, want)
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"--version", "-o", "json"}},
		{nil, []string{"-o", "json", "--version", "--config", "/nonexistent/cfcache.yaml"}},
		{map[string]string{"CFCACHE_OUTPUT": "json"}, []string{"--version"}},
	} {
		if got := run(c.env, c.args...); got != want {
			t.Errorf("%v: %q, want %q", c.args, got, want)
		}
	}
}
