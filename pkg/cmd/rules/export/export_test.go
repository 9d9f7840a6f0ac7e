package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	diffCmd "github.com/cfcache/cfcache/pkg/cmd/rules/diff"
	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	validateCmd "github.com/cfcache/cfcache/pkg/cmd/rules/validate"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Rules as the dashboard leaves them: one without a ref, a multi-line
// expression, status-code TTLs, a custom key and a disabled rule.
const dashboard = `[
  {"description": "All HTML", "expression": "true", "action_parameters": {"cache": true}, "enabled": true},
  {"ref": "errors", "expression": "(http.host eq \"example.com\")\nand not starts_with(http.request.uri.path, \"/admin\")",
   "action_parameters": {"edge_ttl": {"mode": "respect_origin", "status_code_ttl": [
     {"status_code": 404, "value": 60}, {"status_code_range": {"from": 500, "to": 599}, "value": -1}]}}, "enabled": true},
  {"ref": "keyed", "expression": "http.request.uri.path.extension in {\"jpg\" \"png\"}",
   "action_parameters": {"cache": true, "cache_key": {"custom_key": {"query_string": {"include": {"list": ["w", "h"]}},
     "header": {"include": ["x-tier"]}}}, "browser_ttl": {"mode": "override_origin", "default": 3600}}, "enabled": false}
]`

func TestExportFlags(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	for _, c := range []struct {
		args   []string
		format rules.Format
		file   string
		code   int
	}{
		{args: nil},
		{args: []string{"--format", "JSON"}, format: rules.JSON},
		{args: []string{"--format", "yml", "--file", "out.yaml"}, format: rules.YAML, file: "out.yaml"},
		{args: []string{"--format", "toml"}, code: 2},
		{args: []string{"extra"}, code: 2},
	} {
		f, _ := e.Factory(false, false)
		var got *ExportOptions
		err := rulestest.Run(NewCmdExport(f, func(o *ExportOptions) error { got = o; return nil }), c.args...)
		if code := rulestest.ExitCode(err); code != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code == 0 && (got.Format != c.format || got.File != c.file) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

// export → validate → diff shows no changes, in both formats, through the
// commands themselves.
func TestExportValidateDiffRoundTrip(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(dashboard)
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rules."+format)
			f, io := e.Factory(false, false)
			if err := rulestest.Run(NewCmdExport(f, nil), "--file", out); err != nil {
				t.Fatalf("export: %v\n%s", err, io.ErrOut)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if rules.DetectFormat("", data) != rules.Format(format) {
				t.Errorf("--file %s was not written as %s:\n%s", out, format, data)
			}
			// Rules can reveal internal hosts: 0600 at most, like a backup
			// (contract, "Files cfcache writes").
			if st, _ := os.Stat(out); st.Mode().Perm()&^0o600 != 0 {
				t.Errorf("mode %v, want 0600 at most", st.Mode().Perm())
			}
			for _, leak := range []string{"last_updated", "version", `"id"`, "id:"} {
				if strings.Contains(string(data), leak) {
					t.Errorf("export holds the read-only %s:\n%s", leak, data)
				}
			}
			if !strings.Contains(io.ErrOut.String(), "Exported 3 rules of example.com to ") {
				t.Errorf("stderr:\n%s", io.ErrOut)
			}

			f, io = e.Factory(false, false)
			if err := rulestest.Run(validateCmd.NewCmdValidate(f, nil), out, "--plan", "enterprise", "--strict"); err != nil {
				t.Fatalf("validate: %v\n%s", err, io.ErrOut)
			}
			f, io = e.Factory(false, false)
			if err := rulestest.Run(diffCmd.NewCmdDiff(f, nil), out, "--exit-code"); err != nil {
				t.Fatalf("diff after export: %v\n%s", err, io.Out)
			}
			if !strings.HasPrefix(io.Out.String(), "No changes: 3 rules are the same.") {
				t.Errorf("diff:\n%s", io.Out)
			}
		})
	}
}

func TestExportStdoutGolden(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(dashboard)
	for _, tty := range []bool{false, true} {
		f, io := e.Factory(tty, false)
		if err := rulestest.Run(NewCmdExport(f, nil)); err != nil {
			t.Fatal(err)
		}
		rulestest.NoANSI(t, "export", io.Out.String())
		rulestest.Golden(t, "export-yaml", io.Out.String())
	}
	// The rule without a ref is exported with its id as ref.
	id := e.Rules()[0].ID
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdExport(f, nil), "--format", "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Rules []struct{ Ref string } }
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil || len(doc.Rules) != 3 || doc.Rules[0].Ref != id {
		t.Errorf("json export (%v):\n%s", err, io.Out)
	}
}

func TestExportNoEntrypoint(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdExport(f, nil)); err != nil {
		t.Fatal(err)
	}
	back, probs := rules.Parse("out.yaml", io.Out.Bytes())
	if probs.HasErrors() || len(back.Rules) != 0 {
		t.Errorf("export of no rules %q does not read back as an empty file: %s", io.Out, probs)
	}
	if !strings.Contains(io.ErrOut.String(), "no Cache Rules ruleset yet") {
		t.Errorf("stderr:\n%s", io.ErrOut)
	}
}

func TestExportJSONOutput(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(dashboard)
	// -o json alone: the rules file as JSON on stdout.
	f, io := e.Factory(false, true)
	if err := rulestest.Run(NewCmdExport(f, nil)); err != nil {
		t.Fatal(err)
	}
	if rules.DetectFormat("", io.Out.Bytes()) != rules.JSON || !json.Valid(io.Out.Bytes()) {
		t.Errorf("stdout is not JSON:\n%s", io.Out)
	}
	// -o json with --file: a result document.
	out := filepath.Join(t.TempDir(), "r.yaml")
	f, io = e.Factory(false, true)
	if err := rulestest.Run(NewCmdExport(f, nil), "--file", out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		File, Version string
		Format        rules.Format
		Rules         int
	}
	if err := json.Unmarshal(io.Out.Bytes(), &res); err != nil || res.File != out || res.Format != rules.YAML || res.Rules != 3 || res.Version != "1" {
		t.Errorf("result %+v (%v)", res, err)
	}
	// YAML on stdout would break -o json's promise.
	f, _ = e.Factory(false, true)
	err := rulestest.Run(NewCmdExport(f, nil), "--format", "yaml")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Errorf("--format yaml with -o json: exit %d (%v), want 2", code, err)
	}
}

// --file naming a directory (or a file in a missing directory) is one line,
// exit 2, before the zone is read: not a rename error after the API calls.
func TestExportFileRefusedBeforeReading(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(dashboard)
	dir := t.TempDir()
	for _, target := range []string{dir, filepath.Join(dir, "missing", "r.yaml")} {
		before := e.Server.Stats().Total
		f, io := e.Factory(false, false)
		err := rulestest.Run(NewCmdExport(f, nil), "--file", target)
		if code := rulestest.ExitCode(err); code != 2 {
			t.Errorf("--file %s: exit %d (%v), want 2", target, code, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "rename") || strings.Contains(msg, ".tmp") || strings.Contains(msg, "\n") || !strings.Contains(msg, target) {
			t.Errorf("--file %s: message %q", target, msg)
		}
		if n := e.Server.Stats().Total - before; n != 0 {
			t.Errorf("--file %s: %d requests sent, want 0", target, n)
		}
		if io.Out.Len() != 0 {
			t.Errorf("stdout: %s", io.Out)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left in the directory: %v", ents)
	}
}
