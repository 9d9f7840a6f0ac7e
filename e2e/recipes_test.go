package e2e

// docs/ci.md's recipes, run as written against the sandbox: each block after
// a `<!-- test: KIND -->` marker is extracted and executed by a small
// stand-in for its CI system (GitHub Actions workflows, a GitLab CI
// pipeline, a shell script), so the commands live in the doc only. What the
// stand-ins do not do, and so is not tested here: actions/* steps
// (checkout, cache: the workspace simply persists between runs), runners'
// images and OS, `rules:`/`when: manual`/`environment:` gates (every job
// runs; job-level `if:` in GitHub is evaluated), and anything on github.com.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cfcache/cfcache/pkg/sandbox"
)

type recipe struct {
	kind, body string
	line       int
}

var recipeRe = regexp.MustCompile("(?s)<!-- test: ([a-z-]+) -->\\s*\n```[a-z]*\n(.*?)\n```")

func readRecipes(t *testing.T) []recipe {
	t.Helper()
	b, err := os.ReadFile("../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []recipe
	for _, m := range recipeRe.FindAllSubmatchIndex(b, -1) {
		out = append(out, recipe{kind: string(b[m[2]:m[3]]), body: string(b[m[4]:m[5]]), line: 1 + bytes.Count(b[:m[0]], []byte("\n"))})
	}
	if n := len(regexp.MustCompile(`<!-- test: [a-z-]+ -->`).FindAll(b, -1)); n != len(out) {
		t.Fatalf("docs/ci.md has %d test markers but %d are followed by a fenced block", n, len(out))
	}
	return out
}

// recipeEnv is one recipe's world: a sandbox whose zone already has the
// Cache Rules of examples/rules/static-assets.yaml (version 1), a workspace
// whose cache-rules/static.yaml changes one TTL, a site in site/ that
// ./build.sh copies to public/, a ./deploy.sh, and a release of the built
// cfcache to install from.
type recipeEnv struct {
	t    *testing.T
	r    *runner
	sb   *running
	rel  release
	work string
}

func newRecipeEnv(t *testing.T, rel release) *recipeEnv {
	t.Helper()
	r := newRunner(t)
	sb, err := startSandbox(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.http.Close)
	e := &recipeEnv{t: t, r: r, sb: sb, rel: rel, work: r.env["GITHUB_WORKSPACE"]}
	rules, err := os.ReadFile("../examples/rules/static-assets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"site/index.html":          "<h1>home</h1>",
		"site/blog/index.html":     "<h1>blog</h1>",
		"site/app.css":             "body{}",
		"cache-rules/static.yaml":  strings.Replace(string(rules), "default: 604800", "default: 2592000", 1),
		"build.sh":                 "#!/bin/sh\nrm -rf public && cp -R site public\n",
		"deploy.sh":                "#!/bin/sh\necho uploaded public/\n",
		".seed/static-assets.yaml": string(rules),
	}
	for name, data := range files {
		e.write(name, data)
	}
	// The zone's live rules: version 1.
	cmd := exec.Command(filepath.Join(binDir, "cfcache"), "rules", "deploy", ".seed/static-assets.yaml", "--yes", "-z", "example.com")
	cmd.Dir = e.work
	cmd.Env = append(e.apiEnv(), "CLOUDFLARE_API_TOKEN="+sb.token, "HOME="+r.env["HOME"], "XDG_CONFIG_HOME="+r.env["XDG_CONFIG_HOME"], "XDG_STATE_HOME="+r.env["XDG_STATE_HOME"])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("seeding the rules: %v\n%s", err, out)
	}
	return e
}

func (e *recipeEnv) write(name, data string) {
	e.t.Helper()
	p := filepath.Join(e.work, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o755); err != nil {
		e.t.Fatal(err)
	}
}

// apiEnv points cfcache at the sandbox: the documented way to try a
// pipeline without touching production (README "In CI").
func (e *recipeEnv) apiEnv() []string {
	return []string{"CLOUDFLARE_BASE_URL=" + e.sb.http.URL + sandbox.BasePath}
}

func (e *recipeEnv) secrets() map[string]string {
	return map[string]string{"CLOUDFLARE_API_TOKEN": e.sb.token}
}

func (e *recipeEnv) liveVersion() string {
	rs, ok := e.sb.srv.CacheRules(sandbox.DefaultZoneID)
	if !ok {
		e.t.Fatal("the zone has no Cache Rules")
	}
	return rs.Version
}

func (e *recipeEnv) purged(u string) int {
	return e.sb.srv.PurgeCount(sandbox.DefaultZoneID, sandbox.KindFiles, sandbox.FileKey(u, nil))
}

// shell runs script with bash in the workspace; env is the whole
// environment.
func (e *recipeEnv) shell(script string, env map[string]string, flags ...string) (string, error) {
	e.t.Helper()
	f, err := os.CreateTemp(e.r.env["RUNNER_TEMP"], "step-*.sh")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := f.WriteString(script + "\n"); err != nil {
		e.t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command("bash", append(append([]string{"--noprofile", "--norc"}, flags...), f.Name())...)
	cmd.Dir = e.work
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCIRecipes(t *testing.T) {
	recipes := readRecipes(t)
	kinds := map[string]int{}
	for _, rc := range recipes {
		kinds[rc.kind]++
	}
	if kinds["github-actions"] < 3 || kinds["gitlab-ci"] < 1 || kinds["shell"] < 1 {
		t.Fatalf("docs/ci.md recipes by kind: %v; want GitHub Actions (purge, validate, diff → deploy), GitLab CI and shell", kinds)
	}
	rel := serveRelease(t, "1.2.3", false)
	for _, rc := range recipes {
		t.Run(fmt.Sprintf("%s_line%d", rc.kind, rc.line), func(t *testing.T) {
			e := newRecipeEnv(t, rel)
			switch rc.kind {
			case "github-actions":
				testGitHubRecipe(t, e, rc.body)
			case "gitlab-ci":
				testGitLabRecipe(t, e, rc.body)
			case "shell":
				testShellRecipe(t, e, rc.body)
			default:
				t.Fatalf("unknown recipe kind %q", rc.kind)
			}
		})
	}
}

// checkDeployFlow: after a first run the manifest is recorded and nothing
// purged, the rules were deployed at the version expected; after an edit
// of the blog page, a second run purges exactly its URLs and leaves the
// (now equal) rules alone.
func checkDeployFlow(t *testing.T, e *recipeEnv, run func(n int)) {
	t.Helper()
	run(1)
	if _, err := os.Stat(filepath.Join(e.work, ".cfcache-manifest.json")); err != nil {
		t.Fatalf("no manifest after the first run: %v", err)
	}
	if n := e.sb.srv.Stats().Requests[sandbox.EndpointPurge]; len(n) != 0 {
		t.Errorf("the first run purged: %v", n)
	}
	e.write("site/blog/index.html", "<h1>blog, edited</h1>")
	run(2)
	for u, want := range map[string]int{"https://example.com/blog/": 1, "https://example.com/blog/index.html": 1, "https://example.com/": 0, "https://example.com/app.css": 0} {
		if got := e.purged(u); got != want {
			t.Errorf("%s purged %d times, want %d", u, got, want)
		}
	}
}

func checkRulesDeployed(t *testing.T, e *recipeEnv) {
	t.Helper()
	if v := e.liveVersion(); v != "2" {
		t.Errorf("live Cache Rules version %s, want 2 (the seed, then one deploy)", v)
	}
	rs, _ := e.sb.srv.CacheRules(sandbox.DefaultZoneID)
	if len(rs.Rules) == 0 || !strings.Contains(string(rs.Rules[0].ActionParameters), "2592000") {
		t.Errorf("the file's rules were not deployed: %+v", rs.Rules)
	}
}

// --- GitHub Actions ---

type ghWorkflow struct {
	Name string            `yaml:"name"`
	Env  map[string]string `yaml:"env"`
	Jobs yaml.Node         `yaml:"jobs"`
}

type ghJob struct {
	If      string            `yaml:"if"`
	Env     map[string]string `yaml:"env"`
	Outputs map[string]string `yaml:"outputs"`
	Steps   []ghStep          `yaml:"steps"`
}

type ghStep struct {
	ID   string            `yaml:"id"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// ghRun is one run of a workflow: its jobs in order, with steps' and jobs'
// outputs for the expressions that read them.
type ghRun struct {
	t       *testing.T
	e       *recipeEnv
	steps   map[string]map[string]string
	needs   map[string]map[string]string
	skipped []string
}

var (
	ghExprRe = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	ghRefRe  = regexp.MustCompile(`^(?:fromJSON\((steps|needs)\.([\w-]+)\.outputs\.([\w-]+)\)\.(\w+)|(steps|needs)\.([\w-]+)\.outputs\.([\w-]+)|secrets\.(\w+))$`)
	ghCmpRe  = regexp.MustCompile(`^(.*?)\s*==\s*'([^']*)'$`)
)

// value evaluates the expressions the recipes use; any other is a test
// failure, so a recipe cannot depend on what is not run here.
func (g *ghRun) value(x string) string {
	m := ghRefRe.FindStringSubmatch(x)
	if m == nil {
		g.t.Fatalf("expression %q is not one this test evaluates", x)
	}
	ctx := func(kind, id string) map[string]string {
		if kind == "steps" {
			return g.steps[id]
		}
		return g.needs[id]
	}
	switch {
	case m[1] != "":
		raw := ctx(m[1], m[2])[m[3]]
		var doc map[string]any
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			g.t.Fatalf("fromJSON(%s.%s.outputs.%s): %v in %q", m[1], m[2], m[3], err, raw)
		}
		v, ok := doc[m[4]]
		if !ok {
			g.t.Fatalf("fromJSON(...).%s: no such field in %s", m[4], raw)
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	case m[5] != "":
		return ctx(m[5], m[6])[m[7]]
	default:
		v, ok := g.e.secrets()[m[8]]
		if !ok {
			g.t.Fatalf("secret %s is not provided by this test", m[8])
		}
		return v
	}
}

func (g *ghRun) expand(s string) string {
	return ghExprRe.ReplaceAllStringFunc(s, func(x string) string { return g.value(ghExprRe.FindStringSubmatch(x)[1]) })
}

func (g *ghRun) cond(c string) bool {
	c = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(c), "${{"), "}}"))
	if c == "" {
		return true
	}
	m := ghCmpRe.FindStringSubmatch(c)
	if m == nil {
		g.t.Fatalf("condition %q is not one this test evaluates", c)
	}
	return g.value(m[1]) == m[2]
}

// runWorkflow runs every job in file order (the recipes order them as their
// needs do); it returns the first failing step's error and output.
// after, if not nil, is called after each job (an edit on the dashboard
// while the deploy waits for its reviewer).
func runWorkflow(t *testing.T, e *recipeEnv, body string, after func(job string)) error {
	t.Helper()
	var wf ghWorkflow
	if err := yaml.Unmarshal([]byte(body), &wf); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	g := &ghRun{t: t, e: e, needs: map[string]map[string]string{}}
	for i := 0; i+1 < len(wf.Jobs.Content); i += 2 {
		name := wf.Jobs.Content[i].Value
		var job ghJob
		if err := wf.Jobs.Content[i+1].Decode(&job); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		if !g.cond(job.If) {
			g.skipped = append(g.skipped, name)
			continue
		}
		g.steps = map[string]map[string]string{}
		path := e.r.env["PATH"] // a fresh runner per job
		for si, st := range job.Steps {
			if st.If != "" {
				t.Fatalf("job %s step %d: step-level if: is not evaluated by this test", name, si)
			}
			env := map[string]string{}
			for k, v := range e.r.env {
				env[k] = v
			}
			for _, kv := range e.apiEnv() {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			for _, layer := range []map[string]string{wf.Env, job.Env, st.Env} {
				for k, v := range layer {
					env[k] = g.expand(v)
				}
			}
			env["PATH"] = path
			if err := os.WriteFile(e.r.output, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			var out string
			var err error
			switch {
			case strings.HasPrefix(st.Uses, "actions/"):
				continue // checkout, cache: the workspace is there and persists
			case strings.HasPrefix(st.Uses, "cfcache/cfcache@"):
				out, err = g.action(st, env)
			case st.Uses != "":
				t.Fatalf("job %s: action %s is not run by this test", name, st.Uses)
			default:
				out, err = e.shell(st.Run, env, "-e", "-o", "pipefail")
			}
			if err != nil {
				return fmt.Errorf("job %s step %d (%s%s): %v\n%s", name, si, st.Uses, st.Run, err, out)
			}
			b, _ := os.ReadFile(e.r.output)
			if st.ID != "" {
				g.steps[st.ID] = parseGitHubOutput(t, string(b))
			}
			// GITHUB_PATH: prepended for the job's later steps.
			if b, _ := os.ReadFile(e.r.path); len(b) > 0 {
				for _, d := range strings.Fields(string(b)) {
					path = d + string(os.PathListSeparator) + path
				}
				_ = os.WriteFile(e.r.path, nil, 0o644)
			}
		}
		g.needs[name] = map[string]string{}
		for k, v := range job.Outputs {
			g.needs[name][k] = g.expand(v)
		}
		if after != nil {
			after(name)
		}
	}
	return nil
}

// action runs the action as action.yml does: install.sh (the release
// served by the test), then run.sh with the inputs.
func (g *ghRun) action(st ghStep, env map[string]string) (string, error) {
	in := map[string]string{"fail-on-error": "true"}
	for k, v := range st.With {
		if k != "args" && k != "version" && k != "working-directory" && k != "fail-on-error" {
			g.t.Fatalf("input %s is not the action's", k)
		}
		in[k] = g.expand(v)
	}
	// The action at the ref the recipe uses (cfcache/cfcache@v1): with no
	// version, install.sh resolves it through the served releases feed.
	env["CFCACHE_VERSION"] = in["version"]
	_, env["CFCACHE_ACTION_REF"], _ = strings.Cut(st.Uses, "@")
	env["CFCACHE_DOWNLOAD_BASE"] = g.e.rel.base
	out, err := runIn(g.e.work, env, filepath.Join(actionDir, "install.sh"))
	if err != nil {
		return out, fmt.Errorf("install: %w", err)
	}
	if !strings.Contains(out, "installed cfcache v1.2.3 (") {
		return out, fmt.Errorf("install at %s did not install the release archive", st.Uses)
	}
	b, _ := os.ReadFile(g.e.r.output)
	env["CFCACHE_BIN"] = parseGitHubOutput(g.t, string(b))["path"]
	env["CFCACHE_ARGS"], env["CFCACHE_WORKING_DIRECTORY"], env["CFCACHE_FAIL_ON_ERROR"] = in["args"], in["working-directory"], in["fail-on-error"]
	if err := os.WriteFile(g.e.r.output, nil, 0o644); err != nil {
		g.t.Fatal(err)
	}
	out2, err := runIn(g.e.work, env, filepath.Join(actionDir, "run.sh"))
	return out + out2, err
}

func runIn(dir string, env map[string]string, script string) (string, error) {
	abs, err := filepath.Abs(script)
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", abs)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func testGitHubRecipe(t *testing.T, e *recipeEnv, body string) {
	var wf ghWorkflow
	if err := yaml.Unmarshal([]byte(body), &wf); err != nil {
		t.Fatal(err)
	}
	mustRun := func(n int) {
		t.Helper()
		if err := runWorkflow(t, e, body, nil); err != nil {
			t.Fatalf("run %d: %v", n, err)
		}
	}
	switch wf.Name {
	case "deploy":
		checkDeployFlow(t, e, mustRun)
		summary, _ := os.ReadFile(e.r.summary)
		if !strings.Contains(string(summary), "recorded 3 files in it and purged nothing") || !strings.Contains(string(summary), "### cfcache purge changed\n") ||
			!strings.Contains(string(summary), "| example.com | 2 | 2 | 0 | 1 | ") {
			t.Errorf("the job summary lacks the purge's row:\n%s", summary)
		}
	case "cache-rules":
		before := e.sb.srv.Stats().Total // the seed's
		mustRun(1)
		if n := e.sb.srv.Stats().Total - before; n != 0 {
			t.Errorf("validate sent %d requests", n)
		}
		e.write("cache-rules/static.yaml", "rules:\n  - ref: x\n    expression: http.host eq\n")
		err := runWorkflow(t, e, body, nil)
		if err == nil || !strings.Contains(err.Error(), "cache-rules/static.yaml:3:29: rules[0].expression") {
			t.Errorf("a broken rules file: %v", err)
		}
	case "cache-rules-deploy":
		mustRun(1)
		checkRulesDeployed(t, e)
		// Nothing left to deploy: the deploy job is skipped.
		mustRun(2)
		if v := e.liveVersion(); v != "2" {
			t.Errorf("a run with no differences wrote version %s", v)
		}
		// A change to review, and someone edits the live rules on the
		// dashboard while the deploy waits for its reviewer: the version
		// the diff was made against no longer matches, nothing is written.
		e.write("cache-rules/static.yaml", strings.Replace(readFile(t, filepath.Join(e.work, "cache-rules/static.yaml")), "default: 86400", "default: 3600", 1))
		err := runWorkflow(t, e, body, func(job string) {
			if job == "diff" {
				if _, err := e.sb.srv.EditCacheRules(sandbox.DefaultZoneID, func(rs []sandbox.Rule) []sandbox.Rule { rs[0].Description = "edited"; return rs }); err != nil {
					t.Fatal(err)
				}
			}
		})
		if err == nil || !strings.Contains(err.Error(), "job deploy") {
			t.Errorf("the deploy went through after an edit since the reviewed diff: %v", err)
		}
		if v := e.liveVersion(); v != "3" {
			t.Errorf("live version %s, want 3 (the edit; the deploy wrote nothing)", v)
		}
	default:
		t.Fatalf("workflow %q: no assertions for it in this test", wf.Name)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// --- GitLab CI ---

type glJob struct {
	Extends      string            `yaml:"extends"`
	Stage        string            `yaml:"stage"`
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	Artifacts    struct {
		Reports struct {
			Dotenv string `yaml:"dotenv"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

// runPipeline runs every job stage by stage (rules, manual gates and
// environments are not evaluated: every job runs); a job's before_script and
// script run in one bash shell with -e, as the runner runs them; dotenv
// reports become variables of the later jobs. Project CI/CD variables
// (the token, the loopback release mirror) override the file's, as in GitLab.
func runPipeline(t *testing.T, e *recipeEnv, body string) error {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var top struct {
		Stages    []string          `yaml:"stages"`
		Variables map[string]string `yaml:"variables"`
	}
	if err := doc.Decode(&top); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]glJob{}
	var order []string
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		name := root.Content[i].Value
		if name == "stages" || name == "variables" || name == "default" {
			continue
		}
		var j glJob
		if err := root.Content[i+1].Decode(&j); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		jobs[name] = j
		if !strings.HasPrefix(name, ".") {
			order = append(order, name)
		}
	}
	stageIdx := map[string]int{}
	for i, s := range top.Stages {
		stageIdx[s] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return stageIdx[jobs[order[a]].Stage] < stageIdx[jobs[order[b]].Stage] })
	project := map[string]string{"CLOUDFLARE_API_TOKEN": e.sb.token, "CFCACHE_DOWNLOAD_BASE": e.rel.base}
	dotenv := map[string]string{}
	for _, name := range order {
		j := jobs[name]
		if _, ok := stageIdx[j.Stage]; !ok {
			t.Fatalf("job %s: stage %q is not in stages", name, j.Stage)
		}
		if j.Extends != "" {
			base, ok := jobs[j.Extends]
			if !ok {
				t.Fatalf("job %s extends unknown %s", name, j.Extends)
			}
			if j.BeforeScript == nil {
				j.BeforeScript = base.BeforeScript
			}
			vars := map[string]string{}
			for k, v := range base.Variables {
				vars[k] = v
			}
			for k, v := range j.Variables {
				vars[k] = v
			}
			j.Variables = vars
		}
		env := map[string]string{"PATH": e.r.env["PATH"], "HOME": e.r.env["HOME"], "XDG_CONFIG_HOME": e.r.env["XDG_CONFIG_HOME"],
			"XDG_STATE_HOME": e.r.env["XDG_STATE_HOME"], "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": e.work, "CI_JOB_NAME": name}
		for _, kv := range e.apiEnv() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		for _, layer := range []map[string]string{top.Variables, j.Variables, dotenv, project} {
			for k, v := range layer {
				env[k] = v
			}
		}
		script := strings.Join(append(append([]string{}, j.BeforeScript...), j.Script...), "\n")
		if out, err := e.shell(script, env, "-e"); err != nil {
			return fmt.Errorf("job %s: %v\n%s", name, err, out)
		}
		if f := j.Artifacts.Reports.Dotenv; f != "" {
			for _, l := range strings.Split(readFile(t, filepath.Join(e.work, f)), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					dotenv[k] = v
				}
			}
		}
	}
	return nil
}

func testGitLabRecipe(t *testing.T, e *recipeEnv, body string) {
	run := func(n int) {
		t.Helper()
		if err := runPipeline(t, e, body); err != nil {
			t.Fatalf("pipeline %d: %v", n, err)
		}
	}
	checkDeployFlow(t, e, run)
	checkRulesDeployed(t, e)
	if b, _ := os.ReadFile(e.r.summary); len(b) != 0 {
		t.Errorf("a job summary was written outside GitHub Actions:\n%s", b)
	}
}

// --- shell ---

func testShellRecipe(t *testing.T, e *recipeEnv, body string) {
	run := func(n int) {
		t.Helper()
		env := map[string]string{"PATH": binDir + string(os.PathListSeparator) + e.r.env["PATH"], "HOME": e.r.env["HOME"],
			"XDG_CONFIG_HOME": e.r.env["XDG_CONFIG_HOME"], "XDG_STATE_HOME": e.r.env["XDG_STATE_HOME"],
			"CLOUDFLARE_API_TOKEN": e.sb.token,
			// Left over from somewhere: still no summary outside Actions.
			"GITHUB_STEP_SUMMARY": e.r.summary}
		for _, kv := range e.apiEnv() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		out, err := e.shell(body, env)
		var ee *exec.ExitError
		if errors.As(err, &ee) || err != nil {
			t.Fatalf("run %d: %v\n%s", n, err, out)
		}
	}
	checkDeployFlow(t, e, run)
	checkRulesDeployed(t, e)
	if b, _ := os.ReadFile(e.r.summary); len(b) != 0 {
		t.Errorf("a job summary was written outside GitHub Actions:\n%s", b)
	}
}
