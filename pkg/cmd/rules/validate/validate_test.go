package validate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

func TestValidateFlags(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	for _, c := range []struct {
		args   []string
		files  string
		plan   limits.Plan
		strict bool
		code   int
	}{
		{args: []string{"r.yaml"}, files: "r.yaml"},
		{args: []string{"r.yaml", "--plan", "Pro", "--strict"}, files: "r.yaml", plan: limits.Pro, strict: true},
		{args: []string{"-", "--plan", "business"}, files: "-", plan: limits.Business},
		{args: []string{"r.yaml", "--plan", "gold"}, code: 2},
		{args: nil, code: 2},
		// interface.md: validate FILE... (review of issue 12, finding 4).
		{args: []string{"a", "b", "-"}, files: "a b -"},
		{args: []string{"-", "a", "-"}, code: 2},
	} {
		f, _ := e.Factory(false, false)
		var got *ValidateOptions
		err := rulestest.Run(NewCmdValidate(f, func(o *ValidateOptions) error { got = o; return nil }), c.args...)
		if code := rulestest.ExitCode(err); code != c.code {
			t.Errorf("%v: exit %d (%v), want %d", c.args, code, err, c.code)
			continue
		}
		if c.code == 0 && (strings.Join(got.Files, " ") != c.files || got.Plan != c.plan || got.Strict != c.strict) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

// offline is a Factory with no credentials and an API that does not exist:
// validate must not need either.
func offline(t *testing.T, tty, jsonOut bool) (*rulestest.IO, func(...string) error) {
	e := rulestest.New(t, limits.Enterprise)
	f, io := e.Factory(tty, jsonOut)
	f.Env = config.MapEnv(map[string]string{})
	f.Settings.Zone = ""
	f.Settings.APIURL = "http://127.0.0.1:1/client/v4"
	f.HTTPClient = nil
	return io, func(args ...string) error { return rulestest.Run(NewCmdValidate(f, nil), args...) }
}

// Every example validates, with no warning, on the plan its first line
// names (JSON files, which cannot hold comments, on Enterprise).
func TestValidateExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "examples", "rules", "*"))
	if err != nil || len(files) < 6 {
		t.Fatalf("want the example rule files, found %d (%v)", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			plan := "enterprise"
			line, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), "# plan:"); ok {
				plan = strings.TrimSpace(p)
			}
			io, run := offline(t, false, false)
			if err := run(path, "--plan", plan, "--strict"); err != nil {
				t.Fatalf("plan %s: %v\n%s", plan, err, io.ErrOut)
			}
			if !strings.Contains(io.ErrOut.String(), "valid on the "+plan+" plan") {
				t.Errorf("stderr:\n%s", io.ErrOut)
			}
		})
	}
}

const withProblems = `rules:
  - ref: images
    expression: http.request.uri.path.extension in {"CSS"}
    action_parameters:
      cache: true
      edge_ttl: {mode: override_origin, default: 60}
  - ref: api
    expression: starts_with(http.request.uri.path, "/api/"
    action_parameters:
      cache: false
      browser_ttl: {mode: respect_origin}
  - ref: images
    expresion: true
    action_parameters: {cache: true}
`

func TestValidateReportsEveryProblem(t *testing.T) {
	for _, tty := range []bool{false, true} {
		io, run := offline(t, tty, false)
		path := rulestest.WriteFile(t, "rules.yaml", withProblems)
		err := run(path, "--plan", "free")
		if code := rulestest.ExitCode(err); code != 2 {
			t.Fatalf("exit %d (%v), want 2", code, err)
		}
		if io.Out.Len() != 0 {
			t.Errorf("stdout not empty: %q", io.Out)
		}
		errOut := io.ErrOut.String()
		if tty {
			rulestest.HasANSI(t, "stderr", errOut)
			continue
		}
		rulestest.NoANSI(t, "stderr", errOut)
		// The expression checker's exact wording belongs to pkg/expr; the
		// contract here is FILE:LINE[:COL]: rules[i].path: and every problem.
		for _, want := range []string{
			path + ":6: rules[0].action_parameters.edge_ttl.default:",
			path + ":8:", "rules[1].expression:",
			path + ":13: rules[2].expresion: unknown field; did you mean \"expression\"?",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if !strings.Contains(err.Error(), "rules.yaml is not valid") {
			t.Errorf("summary: %v", err)
		}
	}
}

func TestValidateWarningsAndStrict(t *testing.T) {
	path := rulestest.WriteFile(t, "rules.yaml", `rules:
  - ref: bypass
    expression: http.request.uri.path eq "/x"
    action_parameters:
      cache: false
      edge_ttl: {mode: override_origin, default: 86400}
`)
	io, run := offline(t, false, false)
	if err := run(path, "--plan", "pro"); err != nil {
		t.Fatalf("warnings alone must exit 0: %v", err)
	}
	if !strings.Contains(io.ErrOut.String(), "warning:") || !strings.Contains(io.ErrOut.String(), "valid on the pro plan (1 warning)") {
		t.Errorf("stderr:\n%s", io.ErrOut)
	}
	_, run = offline(t, false, false)
	err := run(path, "--plan", "pro", "--strict")
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(err.Error(), "--strict") {
		t.Errorf("--strict: exit %d (%v), want 2", code, err)
	}
}

// Without --plan and without a zone, validate assumes Enterprise and says so.
func TestValidateDefaultPlanIsSaid(t *testing.T) {
	io, run := offline(t, false, false)
	if err := run(rulestest.WriteFile(t, "r.yaml", "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(io.ErrOut.String(), "checking against the Enterprise plan") {
		t.Errorf("stderr does not say which plan:\n%s", io.ErrOut)
	}
}

// With a zone and credentials, the zone's plan is used: the sandbox zone is
// on Free, where a regex is refused.
func TestValidateUsesZonePlan(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	f, io := e.Factory(false, false)
	path := rulestest.WriteFile(t, "r.yaml", "rules:\n  - ref: a\n    expression: http.request.uri.path matches \"^/a\"\n    action_parameters: {cache: true}\n")
	err := rulestest.Run(NewCmdValidate(f, nil), path)
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2\n%s", code, err, io.ErrOut)
	}
	if !strings.Contains(io.ErrOut.String(), "free plan of zone example.com") {
		t.Errorf("stderr does not name the zone's plan:\n%s", io.ErrOut)
	}
	// --plan wins over the zone and sends nothing.
	before := e.Server.Stats().Total
	f, _ = e.Factory(false, false)
	if err := rulestest.Run(NewCmdValidate(f, nil), path, "--plan", "business"); err != nil {
		t.Errorf("--plan business: %v", err)
	}
	if e.Server.Stats().Total != before {
		t.Error("validate --plan sent a request")
	}
}

func TestValidateJSON(t *testing.T) {
	io, run := offline(t, false, true)
	path := rulestest.WriteFile(t, "rules.yaml", withProblems)
	err := run(path, "--plan", "free")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	var res struct {
		File       string
		Plan       string
		PlanSource string `json:"plan_source"`
		Valid      bool
		Rules      int
		Errors     int
		Problems   []rules.Problem
	}
	if err := json.Unmarshal(io.Out.Bytes(), &res); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, io.Out)
	}
	if res.File != path || res.Plan != "free" || res.PlanSource != "flag" || res.Valid || res.Rules != 3 || res.Errors < 3 || len(res.Problems) < 3 {
		t.Errorf("result %+v", res)
	}
	if p := res.Problems[len(res.Problems)-1]; p.Line != 13 || p.Path != "rules[2].expresion" || p.Severity != rules.SeverityError {
		t.Errorf("last problem %+v", p)
	}
	if strings.Contains(io.ErrOut.String(), path+":") {
		t.Errorf("with -o json the problems belong in the document, not stderr:\n%s", io.ErrOut)
	}

	io, run = offline(t, false, true)
	if err := run(rulestest.WriteFile(t, "ok.yaml", "rules: []\n"), "--plan", "pro"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(io.Out.String(), `"valid": true`) || !strings.Contains(io.Out.String(), `"problems": []`) {
		t.Errorf("valid file:\n%s", io.Out)
	}
}

func TestValidateStdin(t *testing.T) {
	io, run := offline(t, false, false)
	io.In.WriteString(`{"rules": [{"ref": "a", "expression": "true", "action_parameters": {"cache": true}, "enabled": "yes"}]}`)
	err := run("-", "--plan", "pro")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	if !strings.Contains(io.ErrOut.String(), "-:1: rules[0].enabled: want true or false") {
		t.Errorf("stderr:\n%s", io.ErrOut)
	}
}

func TestValidateMissingFile(t *testing.T) {
	_, run := offline(t, false, false)
	err := run(filepath.Join(t.TempDir(), "nope.yaml"))
	if code := rulestest.ExitCode(err); code != 2 || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("exit %d (%v), want 2", code, err)
	}
}

// Hostile files are refused with exit 2 and FILE:LINE: REASON, offline and
// promptly (issue 9: the alias bomb took 24 GB and 12 minutes).
func TestValidateHostileFiles(t *testing.T) {
	bomb := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	for i, name := range "bcdefghi" {
		prev := string("abcdefghi"[i])
		bomb += string(name) + ": &" + string(name) + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n"
	}
	bomb += "rules: []\n"
	for _, c := range []struct{ name, content, want string }{
		{"bomb.yaml", bomb, `bomb.yaml:6: aliases expand to too many values (a "billion laughs" file?)`},
		{"two.yaml", "rules: []\n---\nrules: []\n", "two.yaml:2: a second YAML document starts here"},
		{"null.yaml", "rules:\n", "null.yaml:1: rules: no value"},
		{"nul.json", "{\"rules\": [{\"ref\": \"a\\u0000\", \"expression\": \"true\", \"action_parameters\": {\"cache\": true}}]}",
			`nul.json:1: rules[0].ref: ref "a\x00" holds the control character U+0000`},
	} {
		t.Run(c.name, func(t *testing.T) {
			io, run := offline(t, false, false)
			path := filepath.Join(t.TempDir(), c.name)
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := run(path)
			if code := rulestest.ExitCode(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			if !strings.Contains(io.ErrOut.String(), filepath.Dir(path)+"/"+c.want) {
				t.Errorf("stderr does not say %q:\n%s", c.want, io.ErrOut)
			}
		})
	}
}

// An explicit empty list is a valid file (deploy is where it needs a flag).
func TestValidateAcceptsEmptyList(t *testing.T) {
	_, run := offline(t, false, false)
	if err := run(rulestest.WriteFile(t, "empty.yaml", "rules: []\n")); err != nil {
		t.Fatal(err)
	}
}
