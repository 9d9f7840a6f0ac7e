package root

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
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

// issue 13 §3: a flag with a fixed set of values completes them in every
// command that has it (`cfcache __complete CMD --flag ""`), from the list
// that also checks it.
func TestFixedValueFlagsComplete(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"purge", "url", "--plan"}, "free pro business enterprise"},
		{[]string{"purge", "everything", "--plan"}, "free pro business enterprise"},
		{[]string{"rules", "validate", "--plan"}, "free pro business enterprise"},
		{[]string{"rules", "explain", "--plan"}, "free pro business enterprise"},
		{[]string{"limits", "--plan"}, "free pro business enterprise"},
		{[]string{"sandbox", "--plan"}, "free pro business enterprise"},
		{[]string{"rules", "list", "--phase"}, "request response"},
		{[]string{"rules", "export", "--phase"}, "request response"},
		{[]string{"rules", "rollback", "--phase"}, "request response"},
		{[]string{"purge", "url", "--url-form"}, "raw encoded both"},
		{[]string{"purge", "prefix", "--url-form"}, "raw encoded both"},
		{[]string{"purge", "changed", "--url-form"}, "raw encoded both"},
		{[]string{"purge", "url", "--device"}, "mobile desktop tablet all"},
		{[]string{"purge", "url", "--device", "mobile,"}, "mobile,desktop mobile,tablet mobile,all"},
		{[]string{"purge", "changed", "--device"}, "mobile desktop tablet all"},
		{[]string{"warm", "--device"}, "mobile desktop tablet all"},
		{[]string{"warm", "--device", "desktop,m"}, "desktop,mobile desktop,tablet desktop,all"},
		{[]string{"rules", "explain", "--device"}, "mobile desktop tablet"},
		{[]string{"purge", "url", "--variants"}, "auto"},
		{[]string{"version", "--output"}, "text json"},
		{[]string{"purge", "tag", "-o"}, "text json"},
		{[]string{"rules", "validate", "--output"}, "text json sarif"},
		{[]string{"zones", "list", "--color"}, "auto always never"},
		{[]string{"rules", "export", "--format"}, "yaml json yml"},
		{[]string{"sandbox", "--apo"}, "off on device"},
		{[]string{"sandbox", "--ssl"}, "off flexible full strict"},
	} {
		args := append([]string{"__complete"}, c.args...)
		if !strings.HasSuffix(c.args[len(c.args)-1], ",") && !strings.Contains(c.args[len(c.args)-1], ",") {
			args = append(args, "")
		}
		got, directive := complete(t, nil, args)
		if got != c.want || directive != ":4" {
			t.Errorf("cfcache %s: got %q %s, want %q :4", strings.Join(args, " "), got, directive, c.want)
		}
	}
}

// complete runs `cfcache __complete ...` and returns the candidates
// (space-separated) and the directive line.
func complete(t *testing.T, f *cmdutil.Factory, args []string) (string, string) {
	t.Helper()
	var st cmdtest.Streams
	if f == nil {
		f, st = cmdtest.NewFactory(t, nil, "", false)
		f.Env = config.MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir()})
	}
	_ = st
	out := &strings.Builder{}
	f.IOStreams.Out = out
	Run(context.Background(), f, args)
	lines := strings.Fields(out.String())
	if len(lines) == 0 {
		t.Fatalf("cfcache %s: no directive", strings.Join(args, " "))
	}
	return strings.Join(lines[:len(lines)-1], " "), lines[len(lines)-1]
}

// --zone completes the zone names the credentials list, through the
// Factory's client, and nothing at all (not even file names) when the API
// cannot answer.
func TestZoneCompletion(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	newF := func(apiURL string) *cmdutil.Factory {
		f, _ := cmdtest.NewFactory(t, nil, "", false)
		f.Env = config.MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "CLOUDFLARE_API_TOKEN": cmdtest.Token, "CLOUDFLARE_BASE_URL": apiURL})
		return f
	}
	got, dir := complete(t, newF(sb.BaseURL()), []string{"__complete", "purge", "url", "--zone", ""})
	if got != "example.com" || dir != ":4" {
		t.Errorf("sandbox: got %q %s, want \"example.com\" :4", got, dir)
	}
	if sb.Server.Stats().Total == 0 {
		t.Errorf("no request reached the sandbox")
	}
	// A name held in two accounts is offered once.
	two := cmdtest.NewSandbox(t, limits.Free, func(c *sandbox.Config) {
		c.Zones = append(c.Zones, sandbox.Zone{Name: "example.com", AccountID: strings.Repeat("ab", 16), Status: "pending"})
	})
	if got, _ := complete(t, newF(two.BaseURL()), []string{"__complete", "purge", "url", "--zone", "ex"}); got != "example.com" {
		t.Errorf("one name in two accounts: got %q, want it once", got)
	}
	got, dir = complete(t, newF(sb.BaseURL()), []string{"__complete", "rules", "list", "-z", "nomatch"})
	if got != "" || dir != ":4" {
		t.Errorf("no zone with the prefix: got %q %s", got, dir)
	}

	// Unreachable: a port nothing listens on.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/client/v4"
	dead.Close()
	// Hanging: answers nothing until the caller gives up.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	for name, u := range map[string]string{"unreachable": deadURL, "hanging": hang.URL + "/client/v4"} {
		f := newF(u)
		errOut := &strings.Builder{}
		f.IOStreams.ErrOut = errOut
		got, dir := complete(t, f, []string{"__complete", "purge", "url", "--zone", ""})
		if got != "" || dir != ":4" || strings.Contains(errOut.String(), "error") {
			t.Errorf("%s API: got %q %s, stderr %q; want nothing and :4", name, got, dir, errOut.String())
		}
	}
}

// A broken config file must not break completion: the fixed values still
// complete, --zone completes nothing, and nothing is printed as an error.
func TestCompletionSurvivesBadConfig(t *testing.T) {
	bad := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(bad, []byte("zone: [1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "purge", "url", "--plan", ""}, "free pro business enterprise"},
		{[]string{"__complete", "purge", "url", "--zone", ""}, ""},
	} {
		f, st := cmdtest.NewFactory(t, nil, "", false)
		f.Env = config.MapEnv(map[string]string{"CFCACHE_CONFIG": bad, "CLOUDFLARE_API_TOKEN": cmdtest.Token})
		got, dir := complete(t, f, c.args)
		if got != c.want || dir != ":4" || strings.Contains(st.Err.String(), "error") {
			t.Errorf("%v: got %q %s, stderr %q", c.args, got, dir, st.Err.String())
		}
	}
}

// issue 13 §3: every JSON document that concerns a zone names it, with
// zone_id and zone_name (interface.md, "In CI"), so a pipeline that keeps
// the JSON knows which zone it was about. rules explain lacked them.
func TestZoneJSONNamesTheZone(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1 := write("v1.yaml", "rules:\n  - ref: a\n    expression: http.request.uri.path eq \"/a\"\n    action_parameters: {cache: true}\n")
	v2 := write("v2.yaml", "rules:\n  - ref: b\n    expression: http.request.uri.path eq \"/b\"\n    action_parameters: {cache: false}\n")
	url := "https://example.com/a"
	state := t.TempDir()
	for _, args := range [][]string{
		{"purge", "url", url},
		{"purge", "prefix", "example.com/a"},
		{"purge", "tag", "t1"},
		{"purge", "host", "example.com"},
		{"purge", "everything", "--yes"},
		{"purge", "url", url, "--dry-run"},
		{"purge", "changed", dir, "--base-url", "https://example.com/", "--manifest", dir + "/m.json", "--all"},
		{"rules", "deploy", v1, "--yes", "--backup-dir", dir},
		{"rules", "deploy", v2, "--yes", "--backup-dir", dir},
		{"rules", "diff", v1},
		{"rules", "list"},
		{"rules", "export", "--file", dir + "/out.yaml"},
		{"rules", "rollback", "--to-version", "1", "--yes", "--backup-dir", dir},
		{"rules", "explain", "--url", url},
		{"zones", "check"},
	} {
		f, st := cmdtest.NewFactory(t, sb, "", false)
		f.Env = config.MapEnv(map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": state, "CLOUDFLARE_API_TOKEN": cmdtest.Token})
		full := append(append([]string{}, args...), "-z", "example.com", "-o", "json", "--api-url", sb.BaseURL())
		if code := Run(context.Background(), f, full); code != 0 {
			t.Errorf("cfcache %s: exit %d\n%s", strings.Join(args, " "), code, st.Err.String())
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(st.Out.Bytes(), &doc); err != nil {
			t.Errorf("cfcache %s: %v\n%s", strings.Join(args, " "), err, st.Out.String())
			continue
		}
		if doc["zone_name"] != "example.com" || doc["zone_id"] != sandbox.DefaultZoneID {
			t.Errorf("cfcache %s -o json: zone_id %v, zone_name %v; want %s, example.com", strings.Join(args, " "), doc["zone_id"], doc["zone_name"], sandbox.DefaultZoneID)
		}
	}
}
