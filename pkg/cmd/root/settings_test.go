package root

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
)

// issue 9 #10: a bad or wrong-typed setting is exit 2 before any request,
// and the message names where the value came from: flag, environment
// variable, or config file and key. Only a flag gets the usage hint.
func TestBadSettingsNameTheirOrigin(t *testing.T) {
	cfgFile := func(body string) string {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zoneList := cfgFile("zone: [1, 2]\n")
	outList := cfgFile("output: [a]\n")
	tokList := cfgFile("profiles:\n  default:\n    api_token: [T]\n")
	outBad := cfgFile("profiles:\n  default:\n    output: x\n")
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
		hint bool
	}{
		{"config zone list", nil, []string{"purge", "url", "https://example.com/a", "-z", "example.com", "--config", zoneList}, "error: config file " + zoneList + ": zone: want a string, got a list", false},
		{"config output list", nil, []string{"zones", "list", "--config", outList}, "error: config file " + outList + ": output: want a string, got a list", false},
		{"config token list", nil, []string{"auth", "verify", "--config", tokList}, "error: config file " + tokList + ": profiles.default.api_token: want a string, got a list", false},
		{"config output value", nil, []string{"zones", "list", "--config", outBad}, `error: ` + outBad + `: profiles.default.output "x": want one of text, json`, false},
		{"env output", map[string]string{"CFCACHE_OUTPUT": "x"}, []string{"zones", "list"}, `error: CFCACHE_OUTPUT "x": want one of text, json`, false},
		{"env output, no config command", map[string]string{"CFCACHE_OUTPUT": "x"}, []string{"version"}, `error: CFCACHE_OUTPUT "x": want one of text, json`, false},
		{"flag output", nil, []string{"zones", "list", "-o", "x"}, `error: --output "x": want one of text, json`, true},
		{"flag color", nil, []string{"zones", "list", "--color", "pink"}, `error: --color "pink": want one of auto, always, never`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sb := cmdtest.NewSandbox(t, limits.Free, nil)
			f, st := cmdtest.NewFactory(t, sb, "", false)
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": t.TempDir()}
			if !strings.Contains(c.name, "token") {
				env["CLOUDFLARE_API_TOKEN"] = cmdtest.Token
			}
			for k, v := range c.env {
				env[k] = v
			}
			f.Env = config.MapEnv(env)
			code := Run(context.Background(), f, append(c.args, "--api-url", sb.BaseURL()))
			errOut := st.Err.String()
			if code != cmdutil.ExitUsage || !strings.HasPrefix(errOut, c.want+"\n") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errOut, c.want)
			}
			if got := strings.Contains(errOut, "--help' for usage"); got != c.hint {
				t.Errorf("usage hint %v, want %v", got, c.hint)
			}
			if sb.Server.Stats().Total != 0 {
				t.Errorf("%d requests sent", sb.Server.Stats().Total)
			}
		})
	}
}

// issue 9 #14: -v with -q is one line naming both flags as typed, not
// cobra's "if any flags in the group [quiet verbose] ..." message.
func TestQuietAndVerboseTogether(t *testing.T) {
	f, st := cmdtest.NewFactory(t, nil, "", false)
	code := Run(context.Background(), f, []string{"zones", "list", "-v", "-q"})
	want := "error: -q/--quiet and -v/--verbose cannot be used together: give one of them\nRun 'cfcache zones list --help' for usage.\n"
	if code != cmdutil.ExitUsage || st.Err.String() != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, st.Err.String(), want)
	}
}
