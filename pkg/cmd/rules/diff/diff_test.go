package diff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// The zone's rules: four rules, the last disabled.
const remote = `[
  {"ref": "static", "description": "Static assets", "expression": "starts_with(http.request.uri.path, \"/assets/\")",
   "action_parameters": {"cache": true, "edge_ttl": {"mode": "override_origin", "default": 86400}}, "enabled": true},
  {"ref": "api", "description": "Never cache the API", "expression": "starts_with(http.request.uri.path, \"/api/\")",
   "action_parameters": {"cache": false}, "enabled": true},
  {"ref": "old-promo", "expression": "http.request.uri.path eq \"/promo\"",
   "action_parameters": {"cache": true}, "enabled": true},
  {"ref": "html", "expression": "http.request.uri.path.extension eq \"\"",
   "action_parameters": {"cache": true, "cache_key": {"cache_by_device_type": true}}, "enabled": false}
]`

// The file: static changed, html moved to the top and enabled, old-promo
// removed, images added.
const file = `rules:
  - ref: html
    expression: http.request.uri.path.extension eq ""
    action_parameters:
      cache: true
      cache_key: {cache_by_device_type: true}
  - ref: static
    description: Static assets
    expression: starts_with(http.request.uri.path, "/assets/")
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 604800}
      browser_ttl: {mode: respect_origin}
  - ref: api
    description: Never cache the API
    expression: starts_with(http.request.uri.path, "/api/")
    action_parameters: {cache: false}
  - ref: images
    description: Images for a week
    expression: http.request.uri.path.extension in {"jpg" "png"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 604800}
`

func runDiff(t *testing.T, e *rulestest.Env, tty, json bool, args ...string) (*rulestest.IO, error) {
	t.Helper()
	f, io := e.Factory(tty, json)
	return io, rulestest.Run(NewCmdDiff(f, nil), args...)
}

func TestDiffFlags(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	for _, c := range []struct {
		args     []string
		file     string
		exitCode bool
		code     int
	}{
		{args: []string{"r.yaml"}, file: "r.yaml"},
		{args: []string{"r.yaml", "--exit-code"}, file: "r.yaml", exitCode: true},
		{args: []string{"-"}, file: "-"},
		{args: nil, code: 2},
		{args: []string{"a", "b"}, code: 2},
		{args: []string{"a", "--exit-codes"}, code: 2},
	} {
		f, _ := e.Factory(false, false)
		var got *DiffOptions
		err := rulestest.Run(NewCmdDiff(f, func(o *DiffOptions) error { got = o; return nil }), c.args...)
		if code := rulestest.ExitCode(err); code != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code == 0 && (got.File != c.file || got.ExitCode != c.exitCode) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

// Golden output for adds, removes, field changes and moves at once, with
// and without colour, and as JSON.
func TestDiffGolden(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(remote)
	path := rulestest.WriteFile(t, "rules.yaml", file)

	io, err := runDiff(t, e, false, false, path)
	if err != nil {
		t.Fatal(err)
	}
	rulestest.NoANSI(t, "stdout", io.Out.String())
	rulestest.NoANSI(t, "stderr", io.ErrOut.String())
	rulestest.Golden(t, "diff-plain", io.Out.String())

	io, err = runDiff(t, e, true, false, path)
	if err != nil {
		t.Fatal(err)
	}
	rulestest.HasANSI(t, "stdout", io.Out.String())
	rulestest.Golden(t, "diff-color", io.Out.String())

	// NO_COLOR on a terminal: symbols only.
	f, io := e.Factory(true, false)
	f.IOStreams.SetColorEnv(true, false)
	if err := rulestest.Run(NewCmdDiff(f, nil), path); err != nil {
		t.Fatal(err)
	}
	rulestest.NoANSI(t, "stdout with NO_COLOR", io.Out.String())

	io, err = runDiff(t, e, false, true, path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, io.Out)
	}
	rulestest.Golden(t, "diff-json", io.Out.String())
}

func TestDiffExitCode(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(remote)
	_, err := runDiff(t, e, false, false, rulestest.WriteFile(t, "rules.yaml", file), "--exit-code")
	if code := rulestest.ExitCode(err); code != 5 {
		t.Errorf("with differences: exit %d (%v), want 5", code, err)
	}
	// Without --exit-code, differences are not a failure.
	if _, err := runDiff(t, e, false, false, rulestest.WriteFile(t, "rules.yaml", file)); err != nil {
		t.Errorf("without --exit-code: %v", err)
	}
	same := rulestest.WriteFile(t, "same.json", `{"rules": `+remote+`}`)
	io, err := runDiff(t, e, false, false, same, "--exit-code")
	if code := rulestest.ExitCode(err); code != 0 {
		t.Errorf("without differences: exit %d (%v), want 0", code, err)
	}
	if want := "No changes: 4 rules are the same.\nPlan: 0 to add, 0 to change, 0 to remove, 0 to move.\n"; io.Out.String() != want {
		t.Errorf("stdout %q, want %q", io.Out, want)
	}
}

func TestDiffNoEntrypoint(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	io, err := runDiff(t, e, false, false, rulestest.WriteFile(t, "rules.yaml", file), "--exit-code")
	if code := rulestest.ExitCode(err); code != 5 {
		t.Fatalf("exit %d (%v), want 5", code, err)
	}
	if !strings.Contains(io.Out.String(), "Plan: 4 to add, 0 to change, 0 to remove, 0 to move.") {
		t.Errorf("stdout:\n%s", io.Out)
	}
	if !strings.Contains(io.ErrOut.String(), "no Cache Rules ruleset") {
		t.Errorf("stderr does not say the zone has none:\n%s", io.ErrOut)
	}
}

// An invalid file is refused with its problems. An error on every plan (a
// duplicate ref) is refused before the zone is looked up; one that depends
// on the zone's plan (a cookie cache key on Pro) after the lookup only: the
// rules are never read either way.
func TestDiffInvalidFile(t *testing.T) {
	for _, c := range []struct {
		name, rules, want string
		lookups           int
	}{
		{"every-plan", `  - ref: a
    expression: http.request.uri.path eq "/b"
    action_parameters: {cache: false}
`, ":9: rules[1].ref: duplicate ref \"a\"", 0},
		{"plan-gated", "", ":8: rules[0].action_parameters.cache_key.custom_key.cookie:", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := rulestest.New(t, limits.Pro)
			path := rulestest.WriteFile(t, "rules.yaml", `rules:
  - ref: a
    expression: http.request.uri.path eq "/a"
    action_parameters:
      cache: true
      cache_key:
        custom_key:
          cookie: {include: [session]}
`+c.rules)
			io, err := runDiff(t, e, false, false, path, "--exit-code")
			if code := rulestest.ExitCode(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			if !strings.Contains(io.ErrOut.String(), path+c.want) {
				t.Errorf("stderr lacks %q:\n%s", path+c.want, io.ErrOut)
			}
			if io.Out.Len() != 0 {
				t.Errorf("stdout not empty: %s", io.Out)
			}
			if n := e.Requests(sandbox.EndpointZones); n != c.lookups {
				t.Errorf("the zone was looked up %d times, want %d", n, c.lookups)
			}
			if n := e.Requests(sandbox.EndpointEntrypoint); n != 0 {
				t.Errorf("the rules were read %d times for an invalid file", n)
			}
		})
	}
}

func TestDiffStdin(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(remote)
	f, io := e.Factory(false, false)
	io.In.WriteString(`{"rules": ` + remote + `}`)
	if err := rulestest.Run(NewCmdDiff(f, nil), "-", "--exit-code"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
}

func TestDiffAuthFailure(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	f, _ := e.Factory(false, false)
	f.Env = func(k string) (string, bool) {
		if k == "CLOUDFLARE_API_TOKEN" {
			return "wrong-token-0123456789abcdefghijklmnopqrstuvw", true
		}
		return "", false
	}
	err := rulestest.Run(NewCmdDiff(f, nil), rulestest.WriteFile(t, "rules.yaml", file))
	if code := rulestest.ExitCode(err); code != 4 {
		t.Errorf("exit %d (%v), want 4", code, err)
	}
}

// The job summary of a response-phase diff names the response phase (review
// finding 3: it said http_request_cache_settings for every file).
func TestDiffJobSummaryNamesTheFilesPhase(t *testing.T) {
	e := rulestest.New(t, limits.Pro)
	path := rulestest.WriteFile(t, "resp.yaml", "phase: response\nrules:\n  - ref: tag-blog\n    expression: starts_with(http.request.uri.path, \"/blog/\")\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [blog]}\n")
	summary := filepath.Join(t.TempDir(), "summary.md")
	f, _ := e.Factory(false, false)
	f.Env = config.MapEnv(map[string]string{"CLOUDFLARE_API_TOKEN": rulestest.Token, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
	if err := rulestest.Run(NewCmdDiff(f, nil), path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "`http_response_cache_settings`") || strings.Contains(string(b), "http_request_cache_settings") {
		t.Errorf("summary names the wrong phase:\n%s", b)
	}
}
