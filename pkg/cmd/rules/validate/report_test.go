package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
)

// badFile has an error of each kind validate finds: a misspelt setting
// (schema), an expression that does not parse (expr, with a column), a
// duplicate ref, and a warning.
const badFile = `rules:
  - ref: a
    expression: http.host eq "a.example.com"
    action_parameters:
      cache: true
      cahce: true
  - ref: a
    expression: (http.host eq "b.example.com"
    action_parameters:
      cache: false
      edge_ttl: {mode: respect_origin}
`

// runSARIF runs validate -o sarif (as the root leaves it in Settings) on
// content and returns stdout and the exit code.
func runValidate(t *testing.T, output string, env map[string]string, content string) (stdout, stderr string, code int) {
	t.Helper()
	e := rulestest.New(t, limits.Enterprise)
	f, io := e.Factory(false, output == "json")
	f.Settings.Output = output
	f.Settings.Zone = ""
	f.Env = config.MapEnv(env)
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// Relative to the working directory, as a CI job names it.
	t.Chdir(filepath.Dir(path))
	err := rulestest.Run(NewCmdValidate(f, nil), "rules.yaml", "--plan", "enterprise")
	return io.Out.String(), io.ErrOut.String(), rulestest.ExitCode(err)
}

func TestSARIFMatchesSchema(t *testing.T) {
	schemaPath, err := filepath.Abs("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runValidate(t, "sarif", nil, badFile)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("not SARIF 2.1.0: %#v\n%s", err, out)
	}
	// The schema does bite: a level SARIF does not know is refused.
	var bad any
	_ = json.Unmarshal([]byte(strings.Replace(out, `"level": "warning"`, `"level": "warn"`, 1)), &bad)
	if sch.Validate(bad) == nil {
		t.Fatal("the schema accepts level warn: it is not checking")
	}

	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "cfcache" || run.Tool.Driver.Version == "" {
		t.Errorf("driver %+v", run.Tool.Driver)
	}
	got := map[string]sarifResult{}
	for _, r := range run.Results {
		got[r.RuleID] = r
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d (%s)", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		if len(r.Locations) != 1 || r.Locations[0].Physical.Artifact.URI != "rules.yaml" {
			t.Errorf("%s: locations %+v, want the relative file", r.RuleID, r.Locations)
		}
	}
	want := map[string]struct {
		level     string
		line, col int
	}{
		"schema/unknown-key": {"error", 6, 0},
		"ref/duplicate":      {"error", 7, 0},
		"expr/syntax":        {"error", 8, 46},
		"lint/no-effect":     {"warning", 11, 0},
	}
	for id, w := range want {
		r, ok := got[id]
		if !ok {
			t.Errorf("no %s result in\n%s", id, out)
			continue
		}
		reg := r.Locations[0].Physical.Region
		if r.Level != w.level || reg == nil || reg.StartLine != w.line || (w.col > 0 && reg.StartColumn != w.col) {
			t.Errorf("%s: level %s region %+v, want %s line %d col %d", id, r.Level, reg, w.level, w.line, w.col)
		}
	}
	if len(run.Results) != len(want) {
		t.Errorf("%d results, want %d:\n%s", len(run.Results), len(want), out)
	}

	// A valid file is an empty log, exit 0.
	out, _, code = runValidate(t, "sarif", nil, "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n")
	if code != 0 || !strings.Contains(out, `"results": []`) {
		t.Errorf("valid file: exit %d\n%s", code, out)
	}
}

func TestActionsAnnotationsAndSummary(t *testing.T) {
	// Outside Actions: no workflow commands, no summary, even with the file named.
	summaryPath := filepath.Join(t.TempDir(), "summary.md")
	out, errOut, _ := runValidate(t, "text", map[string]string{"GITHUB_STEP_SUMMARY": summaryPath}, badFile)
	if strings.Contains(out+errOut, "::error") {
		t.Fatalf("workflow commands outside Actions:\n%s%s", out, errOut)
	}
	if _, err := os.Stat(summaryPath); !os.IsNotExist(err) {
		t.Fatalf("summary written outside Actions")
	}

	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summaryPath}
	out, errOut, code := runValidate(t, "text", env, badFile)
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{
		"::error file=rules.yaml,line=6,title=schema/unknown-key::rules[0].action_parameters.cahce: unknown setting",
		"::error file=rules.yaml,line=8,col=46,title=expr/syntax::rules[1].expression: ",
		"::warning file=rules.yaml,line=11,title=lint/no-effect::",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "rules.yaml:6: rules[0].action_parameters.cahce") {
		t.Errorf("the usual problems on stderr are gone:\n%s", errOut)
	}
	md, err := os.ReadFile(summaryPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"### cfcache rules validate: `rules.yaml` ❌ not valid", "| level | line | path | problem | code |",
		"| error | 8:46 | `rules[1].expression` |", "3 errors, 1 warning"} {
		if !bytes.Contains(md, []byte(w)) {
			t.Errorf("summary lacks %q:\n%s", w, md)
		}
	}

	// With -o sarif stdout stays one document: the commands go to stderr.
	out, errOut, _ = runValidate(t, "sarif", env, badFile)
	if strings.Contains(out, "::error") || !strings.Contains(errOut, "::error file=rules.yaml,line=6") {
		t.Errorf("sarif in Actions: stdout\n%s\nstderr\n%s", out, errOut)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Errorf("stdout is not one JSON document: %v", err)
	}
}
