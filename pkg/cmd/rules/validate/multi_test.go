package validate

import (
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

// schemaAbs is the SARIF schema, found before a test changes directory.
var schemaAbs, _ = filepath.Abs("testdata/sarif-schema-2.1.0.json")

const goodFile = "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n"

// runIn runs validate in dir with env and args and returns stdout, stderr
// and the exit code.
func runIn(t *testing.T, dir, output string, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	e := rulestest.New(t, limits.Enterprise)
	f, io := e.Factory(false, output == "json")
	f.Settings.Output = output
	f.Settings.Zone = ""
	f.Env = config.MapEnv(env)
	io.In.WriteString(stdin)
	t.Chdir(dir)
	err := rulestest.Run(NewCmdValidate(f, nil), append(args, "--plan", "enterprise")...)
	errOut := io.ErrOut.String()
	if err != nil {
		errOut += "error: " + err.Error() + "\n" // as the root prints it
	}
	return io.Out.String(), errOut, rulestest.ExitCode(err)
}

func writeIn(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sarifOf(t *testing.T, out string) sarifLog {
	t.Helper()
	if schemaAbs == "" {
		t.Fatal("no schema path")
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft4
	sch, err := c.Compile(schemaAbs)
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
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want one for all files", len(log.Runs))
	}
	return log
}

// `validate FILE...` checks every file (interface.md; review of issue 12,
// finding 4): the problems of each, the verdict of each, exit 2 when any
// has errors or cannot be read, the others still checked.
func TestValidateSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	writeIn(t, dir, "bad.yaml", badFile)
	writeIn(t, dir, "good.yaml", goodFile)
	_, errOut, code := runIn(t, dir, "text", nil, "", "bad.yaml", "nope.yaml", "good.yaml")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	for _, w := range []string{"bad.yaml:6: rules[0].action_parameters.cahce", "good.yaml: 1 rule valid on the enterprise plan",
		"2 of 3 files are not valid: bad.yaml is not valid: 3 errors, 1 warning; rules file nope.yaml does not exist"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	// Every file valid: exit 0; a warning fails only with --strict.
	if _, errOut, code := runIn(t, dir, "text", nil, "", "good.yaml", "good.yaml"); code != 0 {
		t.Errorf("two valid files: exit %d\n%s", code, errOut)
	}

	// -o json: the verdict over all, each file's own answer.
	out, _, code := runIn(t, dir, "json", nil, "", "bad.yaml", "good.yaml", "nope.yaml")
	var m struct {
		Valid  bool `json:"valid"`
		Errors int  `json:"errors"`
		Files  []struct {
			File  string `json:"file"`
			Valid bool   `json:"valid"`
			Error string `json:"error"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 2 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if m.Valid || m.Errors != 3 || len(m.Files) != 3 || m.Files[0].Valid || !m.Files[1].Valid || !strings.Contains(m.Files[2].Error, "does not exist") {
		t.Errorf("json: %+v", m)
	}

	// -o sarif: one log, one run, the results of every file, and the
	// unreadable one recorded on the invocation.
	out, _, code = runIn(t, dir, "sarif", nil, "", "bad.yaml", "good.yaml", "nope.yaml")
	log := sarifOf(t, out)
	run := log.Runs[0]
	if code != 2 || len(run.Results) != 4 || len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful {
		t.Errorf("sarif: exit %d, %d results, invocations %+v", code, len(run.Results), run.Invocations)
	}
}

// In Actions, several files give annotations for all and one summary.
func TestValidateSeveralFilesInActions(t *testing.T) {
	dir := t.TempDir()
	writeIn(t, dir, "bad.yaml", badFile)
	writeIn(t, dir, "other.yaml", strings.Replace(badFile, "cahce", "cachee", 1))
	summary := filepath.Join(t.TempDir(), "summary.md")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}
	out, _, code := runIn(t, dir, "text", env, "", "bad.yaml", "other.yaml")
	if code != 2 || !strings.Contains(out, "::error file=bad.yaml,line=6") || !strings.Contains(out, "::error file=other.yaml,line=6") {
		t.Errorf("exit %d, annotations:\n%s", code, out)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "`bad.yaml` ❌") || !strings.Contains(string(md), "`other.yaml` ❌") {
		t.Errorf("summary:\n%s", md)
	}
}

// Paths are the repository's (review finding 6): relative to
// GITHUB_WORKSPACE, not the working directory; a file outside the
// checkout gets an absolute file:// URI in SARIF and no file in an
// annotation (GitHub could not place it).
func TestValidatePathsRelativeToWorkspace(t *testing.T) {
	repo := t.TempDir()
	writeIn(t, repo, "sub/t1.yaml", badFile)
	outside := t.TempDir()
	writeIn(t, outside, "u2.yaml", badFile)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": repo}
	rel, _ := filepath.Rel(filepath.Join(repo, "sub"), filepath.Join(outside, "u2.yaml"))
	out, errOut, _ := runIn(t, filepath.Join(repo, "sub"), "sarif", env, "", "t1.yaml", rel)
	if !strings.Contains(errOut, "::error file=sub/t1.yaml,line=6") {
		t.Errorf("annotation not relative to the workspace:\n%s", errOut)
	}
	if strings.Contains(errOut, "file=../") || strings.Contains(errOut, "file=/") {
		t.Errorf("annotation outside the checkout names a file:\n%s", errOut)
	}
	uris := map[string]bool{}
	for _, r := range sarifOf(t, out).Runs[0].Results {
		for _, l := range r.Locations {
			uris[l.Physical.Artifact.URI] = true
		}
	}
	if !uris["sub/t1.yaml"] || len(uris) != 2 {
		t.Errorf("uris %v", uris)
	}
	for u := range uris {
		if strings.HasPrefix(u, "..") || (u != "sub/t1.yaml" && !strings.HasPrefix(u, "file:///")) {
			t.Errorf("uri %q: want repository-relative or file://", u)
		}
	}
}

// SARIF edge cases (review finding 12): a file that cannot be read still
// gives a SARIF log recording the failed invocation, and stdin's results
// have a location.
func TestSARIFUnreadableAndStdin(t *testing.T) {
	dir := t.TempDir()
	out, _, code := runIn(t, dir, "sarif", nil, "", "nonexist.yaml")
	log := sarifOf(t, out)
	inv := log.Runs[0].Invocations
	if code != 2 || len(inv) != 1 || inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 1 ||
		!strings.Contains(inv[0].ToolExecutionNotifications[0].Message.Text, "nonexist.yaml does not exist") {
		t.Errorf("exit %d, invocations %+v", code, inv)
	}

	out, _, code = runIn(t, dir, "sarif", nil, badFile, "-")
	log = sarifOf(t, out)
	if code != 2 || len(log.Runs[0].Results) == 0 || !log.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Fatalf("stdin: exit %d\n%s", code, out)
	}
	for _, r := range log.Runs[0].Results {
		if len(r.Locations) != 1 || r.Locations[0].Physical.Artifact.URI != "stdin" || r.Locations[0].Physical.Region == nil {
			t.Errorf("%s: locations %+v", r.RuleID, r.Locations)
		}
	}
}
