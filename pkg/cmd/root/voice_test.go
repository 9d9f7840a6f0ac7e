package root

import (
	"context"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
)

// issue 13 §3 "one voice": the same mistake reads the same on every command
// that has the flag (a bad --device had three wordings). Each case lists
// every command with the flag; all must print the one line want (after
// "error: " when it is the only problem), exit 2, and send nothing.
func TestSameMistakeSameWords(t *testing.T) {
	const url = "https://example.com/a"
	z := []string{"-z", "example.com"}
	with := func(args ...string) []string { return append(args, z...) }
	// purge changed must refuse before it records a first manifest: kept
	// out of the source tree should it not.
	site := t.TempDir()
	changed := func(args ...string) []string {
		return with(append([]string{"purge", "changed", site, "--base-url", url, "--manifest", site + "/m.json"}, args...)...)
	}
	for _, c := range []struct {
		mistake string
		want    string
		runs    [][]string
	}{
		{"bad --device list", `--device "phone": not a device type: want mobile, desktop, tablet or all`, [][]string{
			with("purge", "url", url, "--device", "phone"),
			changed("--device", "phone"),
			{"warm", url, "--device", "phone"},
		}},
		{"bad --device", `--device "phone": not a device type: want mobile, desktop or tablet`, [][]string{
			with("rules", "explain", "--url", url, "--device", "phone"),
		}},
		{"bad --plan", `--plan "gold": want one of free, pro, business, enterprise`, [][]string{
			with("purge", "url", url, "--plan", "gold"),
			with("purge", "prefix", "example.com/a", "--plan", "gold"),
			with("purge", "tag", "t", "--plan", "gold"),
			with("purge", "host", "example.com", "--plan", "gold"),
			with("purge", "everything", "--plan", "gold"),
			changed("--plan", "gold"),
			{"rules", "validate", "rules.yaml", "--plan", "gold"},
			with("rules", "explain", "--url", url, "--plan", "gold"),
			{"limits", "--plan", "gold"},
			{"sandbox", "--plan", "gold"},
		}},
		{"bad --country", `--country "ZZZ": not an ISO 3166-1 alpha-2 country code (or T1 for Tor, XX for unknown)`, [][]string{
			with("purge", "url", url, "--country", "ZZZ"),
			with("rules", "explain", "--url", url, "--country", "ZZZ"),
		}},
		{"-H without a colon", `-H "X-Foo": want 'Name: value'`, [][]string{
			with("purge", "url", url, "-H", "X-Foo"),
			with("rules", "explain", "--url", url, "-H", "X-Foo"),
		}},
		{"bad --output", `--output "yaml": want one of text, json`, [][]string{
			{"version", "-o", "yaml"}, {"zones", "list", "-o", "yaml"}, with("purge", "url", url, "-o", "yaml"), {"limits", "-o", "yaml"},
		}},
		{"bad --color", `--color "pink": want one of auto, always, never`, [][]string{
			{"version", "--color", "pink"}, {"zones", "list", "--color", "pink"}, {"rules", "list", "--color", "pink"},
		}},
		{"bad --phase", `--phase "edge": want one of request, response`, [][]string{
			with("rules", "list", "--phase", "edge"), with("rules", "export", "--phase", "edge"), with("rules", "rollback", "--to-version", "1", "--phase", "edge"),
		}},
		{"bad --url-form", `--url-form "utf8": want one of raw, encoded, both`, [][]string{
			with("purge", "url", url, "--url-form", "utf8"), with("purge", "prefix", "example.com/a", "--url-form", "utf8"),
		}},
		{"bad duration", `--max-wait "soon": not a duration (e.g. 30s, 5m, 1h30m)`, [][]string{
			with("purge", "url", url, "--max-wait", "soon"), with("purge", "everything", "--max-wait", "soon"),
		}},
		{"negative duration", `--latency "-5s": must not be negative`, [][]string{{"sandbox", "--latency", "-5s"}}},
		{"zero timeout", `--timeout "0s": must be more than 0`, [][]string{{"warm", url, "--timeout", "0s"}, {"wp", "related", url, "--timeout", "0s"}}},
		{"count not a number", `--concurrency "many": not a whole number`, [][]string{
			with("purge", "url", url, "--concurrency", "many"), {"warm", url, "--concurrency", "many"}, {"wp", "related", url, "--concurrency", "many"},
		}},
		{"count too small", `--concurrency "0": must be at least 1`, [][]string{
			with("purge", "url", url, "--concurrency", "0"), with("purge", "tag", "t", "--concurrency", "0"), {"warm", url, "--concurrency", "0"}, {"wp", "related", url, "--concurrency", "0"},
		}},
		{"negative count", `--max-items "-1": must not be negative`, [][]string{
			with("purge", "url", url, "--max-items", "-1"), with("purge", "host", "example.com", "--max-items", "-1"),
		}},
		{"negative rate", `--rate "-1": must not be negative`, [][]string{{"warm", url, "--rate", "-1"}}},
		{"bad --apo/--ssl", `--ssl "half": want one of off, flexible, full, strict`, [][]string{{"sandbox", "--ssl", "half"}}},
		{"bad --format", `--format "toml": want one of yaml, json, yml`, [][]string{with("rules", "export", "--format", "toml")}},
	} {
		t.Run(c.mistake, func(t *testing.T) {
			for _, args := range c.runs {
				sb := cmdtest.NewSandbox(t, limits.Free, nil)
				f, st := cmdtest.NewFactory(t, sb, "", false)
				f.Env = config.MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": t.TempDir(), "CLOUDFLARE_API_TOKEN": cmdtest.Token})
				code := Run(context.Background(), f, append(args, "--api-url", sb.BaseURL()))
				lines := strings.Split(st.Err.String(), "\n")
				found := false
				for _, l := range lines {
					if l == c.want || l == "error: "+c.want {
						found = true
					}
				}
				if code != cmdutil.ExitUsage || !found {
					t.Errorf("cfcache %s: exit %d, stderr:\n%s\nwant exit 2 and the line %q", strings.Join(args, " "), code, st.Err.String(), c.want)
				}
				if n := sb.Server.Stats().Total; n != 0 {
					t.Errorf("cfcache %s: %d requests sent", strings.Join(args, " "), n)
				}
			}
		})
	}
}
