// Package rulestest runs the `cfcache rules` commands against an in-process
// sandbox in tests: a Factory pointed at it, buffers for the streams, and
// helpers to seed and inspect the zone's rules. Only tests import it.
package rulestest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// Token is the API token the sandbox accepts.
const Token = "rulestest-token-0123456789abcdefghijklmnopq"

// Zone is the sandbox zone the commands act on.
const Zone = sandbox.DefaultZoneName

// Env is one sandbox and the settings that point commands at it.
type Env struct {
	*cmdtest.Sandbox
	T        testing.TB
	StateDir string // XDG_STATE_HOME: default backups land under it
}

// New starts a sandbox whose zone example.com is on plan.
func New(t testing.TB, plan limits.Plan) *Env {
	return NewWith(t, Setup{Plan: plan})
}

// Setup configures NewWith.
type Setup struct {
	Plan limits.Plan
	// Permissions of the token; none means all.
	Permissions []sandbox.Permission
	// Wrap, when set, sits in front of the sandbox, to alter answers.
	Wrap func(http.Handler) http.Handler
	// EditZone, when set, changes the zone (its APO or SSL setting).
	EditZone func(*sandbox.Zone)
}

// NewWith starts a sandbox as s says.
func NewWith(t testing.TB, s Setup) *Env {
	t.Helper()
	cfg := sandbox.DefaultConfig()
	cfg.Zones[0].Plan = s.Plan
	cfg.Tokens = []sandbox.Token{{Value: Token, Permissions: s.Permissions}}
	if s.EditZone != nil {
		s.EditZone(&cfg.Zones[0])
	}
	return &Env{Sandbox: cmdtest.StartSandbox(t, cfg, s.Wrap), T: t, StateDir: t.TempDir()}
}

// IO is a set of test streams and their buffers.
type IO struct {
	Streams         *iostreams.IOStreams
	In, Out, ErrOut *bytes.Buffer
}

// Factory returns a Factory over fresh test streams: tty marks all three
// streams as terminals (colour on, prompts possible), json selects -o json.
func (e *Env) Factory(tty, json bool) (*cmdutil.Factory, *IO) {
	ios, in, out, errOut := iostreams.Test()
	ios.SetTTY(tty)
	output := "text"
	if json {
		output = "json"
	}
	f := &cmdutil.Factory{
		IOStreams:  ios,
		Env:        config.MapEnv(map[string]string{"CLOUDFLARE_API_TOKEN": Token, "XDG_STATE_HOME": e.StateDir}),
		HTTPClient: e.HTTP.Client(),
		Settings:   &config.Settings{Zone: Zone, APIURL: e.HTTP.URL + sandbox.BasePath, Output: output, Color: "auto"},
	}
	return f, &IO{Streams: ios, In: in, Out: out, ErrOut: errOut}
}

// Run executes cmd with args the way the root command would (errors
// returned, not printed) and returns the error.
func Run(cmd *cobra.Command, args ...string) error {
	return RunContext(context.Background(), cmd, args...)
}

// RunContext is Run with a context (for cancellation tests).
func RunContext(ctx context.Context, cmd *cobra.Command, args ...string) error {
	return cmdtest.Run(ctx, cmd, args...)
}

// Seed replaces the zone's rules out of band (a colleague in the dashboard)
// with rules given as the API's JSON rule list, and returns the new version.
func (e *Env) Seed(rulesJSON string) string {
	e.T.Helper()
	return e.SeedPhase(sandbox.CacheSettingsPhase, rulesJSON)
}

// SeedPhase is Seed for the entrypoint of phase (sandbox.CacheSettingsPhase
// or sandbox.ResponseCachePhase); rules without an action get
// set_cache_settings.
func (e *Env) SeedPhase(phase, rulesJSON string) string {
	e.T.Helper()
	var list []sandbox.Rule
	if err := json.Unmarshal([]byte(rulesJSON), &list); err != nil {
		e.T.Fatalf("seed rules: %v", err)
	}
	for i := range list {
		if list[i].Action == "" {
			list[i].Action = "set_cache_settings"
		}
	}
	rs, err := e.Server.EditPhaseRules(Zone, phase, func([]sandbox.Rule) []sandbox.Rule { return list })
	if err != nil {
		e.T.Fatalf("seed: %v", err)
	}
	return rs.Version
}

// PhaseRules is the zone's current ruleset of phase, and whether it has one.
func (e *Env) PhaseRules(phase string) (sandbox.Ruleset, bool) {
	return e.Server.PhaseRules(Zone, phase)
}

// Edit changes the zone's rules out of band and returns the new version.
func (e *Env) Edit(edit func([]sandbox.Rule) []sandbox.Rule) string {
	e.T.Helper()
	rs, err := e.Server.EditCacheRules(Zone, edit)
	if err != nil {
		e.T.Fatalf("edit: %v", err)
	}
	return rs.Version
}

// Version is the zone's current ruleset version, "" when it has none.
func (e *Env) Version() string {
	rs, ok := e.Server.CacheRules(Zone)
	if !ok {
		return ""
	}
	return rs.Version
}

// Rules is the zone's current rule list.
func (e *Env) Rules() []sandbox.Rule {
	rs, _ := e.Server.CacheRules(Zone)
	return rs.Rules
}

// Refs lists the refs of the zone's current rules in order.
func (e *Env) Refs() []string {
	var out []string
	for _, r := range e.Rules() {
		out = append(out, r.Ref)
	}
	return out
}

// WriteFile writes a rules file into a temporary directory.
func WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var ansi = regexp.MustCompile("\x1b\\[")

// NoANSI fails the test when s holds an escape sequence.
func NoANSI(t *testing.T, what, s string) {
	t.Helper()
	if ansi.MatchString(s) {
		t.Errorf("%s has ANSI escapes without a TTY:\n%q", what, s)
	}
}

// HasANSI fails the test when s holds no escape sequence.
func HasANSI(t *testing.T, what, s string) {
	t.Helper()
	if !ansi.MatchString(s) {
		t.Errorf("%s has no colour on a TTY:\n%s", what, s)
	}
}

// ExitCode is the exit code the root command would give err.
func ExitCode(err error) int { return cmdutil.ExitCode(err) }

// Update is the -update flag of golden-file tests.
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Golden compares got with testdata/<name>.golden, rewriting it with -update.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (rerun with -update if the change is intended)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// Lines splits output into lines without the trailing empty one.
func Lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// Rules300 is a realistic 300-rule file (the Enterprise maximum), the same
// mix as pkg/rules' benchmark: TTL overrides with multi-line expressions,
// bypasses, regexes with custom cache keys, status-code TTLs. variant
// shifts the edge TTLs so two variants differ in every fourth rule.
func Rules300(variant int) string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule number %d\n", i, i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "    expression: |\n      (http.host eq \"h%d.example.com\" and starts_with(http.request.uri.path, \"/p%d/\"))\n      or http.request.uri.path.extension in {\"css\" \"js\"}\n", i, i)
			fmt.Fprintf(&b, "    action_parameters:\n      cache: true\n      edge_ttl: {mode: override_origin, default: %d}\n      browser_ttl: {mode: override_origin, default: 3600}\n", 86400+i+variant)
		case 1:
			fmt.Fprintf(&b, "    expression: starts_with(http.request.uri.path, \"/api/v%d/\")\n    action_parameters: {cache: false}\n", i)
		case 2:
			fmt.Fprintf(&b, "    expression: http.host eq \"shop%d.example.com\" and http.request.uri.path matches \"^/c/[0-9]+$\"\n", i)
			b.WriteString("    action_parameters:\n      cache: true\n      cache_key:\n        cache_by_device_type: true\n        custom_key:\n          query_string: {include: {list: [page, sort]}}\n          header: {contains: {accept-language: [en, de]}, include: [x-tier]}\n          cookie: {include: [currency]}\n")
		case 3:
			fmt.Fprintf(&b, "    expression: http.host eq \"err%d.example.com\"\n", i)
			b.WriteString("    action_parameters:\n      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - {status_code: 404, value: 60}\n          - status_code_range: {from: 500}\n            value: -1\n")
		}
	}
	return b.String()
}

// SeedFile replaces the zone's rules with those of a rules file.
func (e *Env) SeedFile(content string) string {
	e.T.Helper()
	f, probs := rules.Parse("seed.yaml", []byte(content))
	if probs.HasErrors() {
		e.T.Fatalf("seed file: %s", probs)
	}
	data, err := rules.Export(f.Rules, rules.JSON)
	if err != nil {
		e.T.Fatal(err)
	}
	var doc struct{ Rules json.RawMessage }
	if err := json.Unmarshal(data, &doc); err != nil {
		e.T.Fatal(err)
	}
	return e.Seed(string(doc.Rules))
}
