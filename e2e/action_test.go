package e2e

// The GitHub Action (action.yml) as far as it runs off GitHub: its scripts
// (.github/action/*.sh) with a GitHub-like environment, the install step
// pointed at a locally built release archive served over loopback, the run
// step against the in-process sandbox. What only GitHub does (expression
// evaluation, the composite runner, github.com's release URLs) is not run
// here; TestActionYAML checks the wiring between action.yml and the scripts.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cfcache/cfcache/pkg/sandbox"
)

const actionDir = "../.github/action"

// runner is a GitHub-like job environment: RUNNER_*, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_PATH, a tool cache, and a PATH without the
// test's cfcache (what the action installs is what runs).
type runner struct {
	t                                 *testing.T
	dir, output, summary, path, tools string
	env                               map[string]string
}

func newRunner(t *testing.T) *runner {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "tar", "xargs", "od"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	osName := map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	if osName == "" || arch == "" {
		t.Skipf("no release archive for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	dir := t.TempDir()
	r := &runner{t: t, dir: dir,
		output: filepath.Join(dir, "github_output"), summary: filepath.Join(dir, "step_summary"),
		path: filepath.Join(dir, "github_path"), tools: filepath.Join(dir, "toolcache")}
	for _, f := range []string{r.output, r.summary, r.path} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	work := filepath.Join(dir, "workspace")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	var sysPath []string
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if p != binDir {
			sysPath = append(sysPath, p)
		}
	}
	r.env = map[string]string{
		"PATH":                strings.Join(sysPath, string(os.PathListSeparator)),
		"HOME":                dir,
		"XDG_CONFIG_HOME":     filepath.Join(dir, ".config"),
		"XDG_STATE_HOME":      filepath.Join(dir, ".state"),
		"CI":                  "true",
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    work,
		"GITHUB_OUTPUT":       r.output,
		"GITHUB_STEP_SUMMARY": r.summary,
		"GITHUB_PATH":         r.path,
		"RUNNER_OS":           osName,
		"RUNNER_ARCH":         arch,
		"RUNNER_TEMP":         filepath.Join(dir, "runner_temp"),
		"RUNNER_TOOL_CACHE":   r.tools,
	}
	if err := os.MkdirAll(r.env["RUNNER_TEMP"], 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// step runs one script with the job's environment plus extra, in the
// workspace, and returns its exit code, stdout and stderr. GITHUB_OUTPUT is
// fresh for every step, as the runner makes it.
func (r *runner) step(script string, extra map[string]string) (int, string, string) {
	r.t.Helper()
	if err := os.WriteFile(r.output, nil, 0o644); err != nil {
		r.t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Join(actionDir, script))
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command("bash", abs)
	cmd.Dir = r.env["GITHUB_WORKSPACE"]
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		r.t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// outputs reads GITHUB_OUTPUT as the runner does: name=value lines and
// name<<DELIMITER heredocs.
func (r *runner) outputs() map[string]string {
	r.t.Helper()
	b, err := os.ReadFile(r.output)
	if err != nil {
		r.t.Fatal(err)
	}
	return parseGitHubOutput(r.t, string(b))
}

func parseGitHubOutput(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				t.Fatalf("GITHUB_OUTPUT: %s's delimiter %s is never closed", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT: malformed line %q", line)
		}
		out[name] = val
	}
	return out
}

// release is a locally built release: the test's cfcache in goreleaser's
// archive layout (goreleaser.yaml: the binary at the archive's root beside
// README.md) and checksums.txt, served as BASE/TAG/FILE with BASE ending in
// /releases/download as on github.com, and the releases feed beside it
// (/releases.atom) listing older releases, a pre-release and this one, in
// GitHub's order (newest first).
type release struct {
	base, archive, sum, dir string
	requests                *atomic.Int64
}

// releasesFeed is GitHub's releases.atom, reduced to what install.sh reads:
// each entry's link to /releases/tag/TAG.
const releasesFeed = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><link rel="alternate" type="text/html" href="https://github.com/cfcache/cfcache/releases/tag/v1.10.0-rc1"/></entry>
  <entry><link rel="alternate" type="text/html" href="https://github.com/cfcache/cfcache/releases/tag/v%s"/></entry>
  <entry><link rel="alternate" type="text/html" href="https://github.com/cfcache/cfcache/releases/tag/v1.1.0"/></entry>
  <entry><link rel="alternate" type="text/html" href="https://github.com/cfcache/cfcache/releases/tag/v0.9.0"/></entry>
</feed>
`

func serveRelease(t *testing.T, version string, corrupt bool) release {
	t.Helper()
	name := fmt.Sprintf("cfcache_%s_%s_%s.tar.gz", version, runtime.GOOS, runtime.GOARCH)
	archive := releaseArchive(t)
	sum := sha256.Sum256(archive)
	hexSum := hex.EncodeToString(sum[:])
	listed := hexSum
	if corrupt {
		listed = strings.Repeat("0", 64)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "releases", "download", "v"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), archive, 0o644); err != nil {
		t.Fatal(err)
	}
	other := fmt.Sprintf("%s  cfcache_%s_windows_amd64.zip\n", strings.Repeat("a", 64), version)
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(other+listed+"  "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "releases.atom"), []byte(fmt.Sprintf(releasesFeed, version)), 0o644); err != nil {
		t.Fatal(err)
	}
	n := new(atomic.Int64)
	fs := http.FileServer(http.Dir(root))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n.Add(1)
		fs.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return release{base: srv.URL + "/releases/download", archive: name, sum: hexSum, dir: dir, requests: n}
}

var (
	archiveOnce sync.Once
	archiveData []byte
	archiveErr  error
)

// releaseArchive is the test's cfcache as goreleaser archives it (the
// binary at the root, beside README.md), built once per test process.
func releaseArchive(t *testing.T) []byte {
	t.Helper()
	archiveOnce.Do(func() {
		bin, err := os.ReadFile(filepath.Join(binDir, "cfcache"))
		if err != nil {
			archiveErr = err
			return
		}
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, f := range []struct {
			name string
			mode int64
			data []byte
		}{{"README.md", 0o644, []byte("# cfcache\n")}, {"cfcache", 0o755, bin}} {
			if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
				archiveErr = err
				return
			}
			if _, err := tw.Write(f.data); err != nil {
				archiveErr = err
				return
			}
		}
		if err := errors.Join(tw.Close(), gz.Close()); err != nil {
			archiveErr = err
			return
		}
		archiveData = buf.Bytes()
	})
	if archiveErr != nil {
		t.Fatal(archiveErr)
	}
	return archiveData
}

// fakeGo puts a `go` on the job's PATH that records its arguments and
// GOBIN in calls and, for `go install`, copies the test's cfcache to GOBIN
// as the real one would build it.
func (r *runner) fakeGo() (calls string) {
	r.t.Helper()
	dir := filepath.Join(r.dir, "fakego")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
	calls = filepath.Join(r.dir, "go-calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"GOBIN=$GOBIN $*\" >> %q\n[ \"$1\" = install ] && cp %q \"$GOBIN/cfcache\"\n", calls, filepath.Join(binDir, "cfcache"))
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		r.t.Fatal(err)
	}
	r.env["PATH"] = dir + string(os.PathListSeparator) + r.env["PATH"]
	return calls
}

// The action used at its moving major or minor tag (`uses:
// cfcache/cfcache@v1`, the documented form) with no version, or given a
// partial version or latest, installs the newest matching release's
// archive, resolved through the download base's releases feed; never go
// install.
func TestActionResolvesMovingTagsToTheReleaseArchive(t *testing.T) {
	for _, c := range []struct{ version, ref string }{
		{"", "v1"}, {"", "v1.2"}, {"", "v1.2.3"}, {"v1", ""}, {"1.2", "main"}, {"latest", "v1"},
	} {
		r := newRunner(t)
		calls := r.fakeGo()
		rel := serveRelease(t, "1.2.3", false)
		code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_VERSION": c.version, "CFCACHE_ACTION_REF": c.ref, "CFCACHE_DOWNLOAD_BASE": rel.base})
		if code != 0 {
			t.Fatalf("%+v: install exited %d:\n%s", c, code, errOut)
		}
		if want := filepath.Join(r.tools, "cfcache", "1.2.3", runtime.GOARCH, "cfcache"); r.outputs()["path"] != want {
			t.Errorf("%+v: installed at %q, want the archive's %q\n%s", c, r.outputs()["path"], want, errOut)
		}
		if !strings.Contains(errOut, "sha256 "+rel.sum) {
			t.Errorf("%+v: the archive was not installed:\n%s", c, errOut)
		}
		if b, err := os.ReadFile(calls); err == nil {
			t.Errorf("%+v: go was called: %q", c, b)
		}
	}
	// A line with no release, or a feed that cannot be read: an error
	// naming what to give, not a quiet go install of a moving tag.
	for _, c := range []struct{ ref, base, want string }{
		{"v3", "", "no release matching v3 is listed at "},
		{"v1", "/nowhere/download", "cannot list the releases at "},
	} {
		r := newRunner(t)
		calls := r.fakeGo()
		rel := serveRelease(t, "1.2.3", false)
		base := rel.base
		if c.base != "" {
			base = strings.TrimSuffix(rel.base, "/releases/download") + c.base
		}
		code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_ACTION_REF": c.ref, "CFCACHE_DOWNLOAD_BASE": base})
		if code == 0 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "give version: vX.Y.Z") {
			t.Errorf("ref %s base %s: exit %d, want an error %q:\n%s", c.ref, base, code, c.want, errOut)
		}
		if _, err := os.Stat(calls); err == nil {
			t.Errorf("ref %s: fell back to go install", c.ref)
		}
	}
}

// An archive whose checksums.txt is missing is an error, not a quiet
// downgrade to go install.
func TestActionRefusesAnArchiveWithoutChecksums(t *testing.T) {
	r := newRunner(t)
	calls := r.fakeGo()
	rel := serveRelease(t, "1.2.3", false)
	if err := os.Remove(filepath.Join(rel.dir, "checksums.txt")); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_VERSION": "v1.2.3", "CFCACHE_DOWNLOAD_BASE": rel.base})
	if code == 0 || !strings.Contains(errOut, "/v1.2.3/checksums.txt cannot be downloaded, so "+rel.archive+" cannot be verified; not installing") {
		t.Errorf("install exited %d:\n%s", code, errOut)
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("a missing checksums.txt fell back to go install")
	}
	if _, ok := r.outputs()["path"]; ok {
		t.Error("a path was output")
	}
}

func TestActionInstallsReleaseAndRunsPurge(t *testing.T) {
	r := newRunner(t)
	calls := r.fakeGo()
	rel := serveRelease(t, "1.2.3", false)
	code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_VERSION": "v1.2.3", "CFCACHE_DOWNLOAD_BASE": rel.base})
	if code != 0 {
		t.Fatalf("install exited %d:\n%s", code, errOut)
	}
	bin := r.outputs()["path"]
	if want := filepath.Join(r.tools, "cfcache", "1.2.3", runtime.GOARCH, "cfcache"); bin != want {
		t.Fatalf("installed at %q, want %q\n%s", bin, want, errOut)
	}
	if !strings.Contains(errOut, "sha256 "+rel.sum) {
		t.Errorf("install does not say the checksum it verified:\n%s", errOut)
	}
	if p, _ := os.ReadFile(r.path); strings.TrimSpace(string(p)) != filepath.Dir(bin) {
		t.Errorf("GITHUB_PATH = %q, want %q", p, filepath.Dir(bin))
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("go install ran although the release archive was there")
	}

	sb, err := startSandbox(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.http.Close()
	api := map[string]string{"CLOUDFLARE_BASE_URL": sb.http.URL + sandbox.BasePath, "CLOUDFLARE_API_TOKEN": sb.token, "CFCACHE_BIN": bin}
	run := func(args string, extra map[string]string) (int, string, string) {
		env := map[string]string{"CFCACHE_ARGS": args}
		for k, v := range api {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return r.step("run.sh", env)
	}
	site := filepath.Join(r.env["GITHUB_WORKSPACE"], "site")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := run(`purge url https://example.com/a "https://example.com/b" -z example.com -o json --failed-file 'failed list.txt'`,
		map[string]string{"CFCACHE_WORKING_DIRECTORY": "site"})
	if code != 0 {
		t.Fatalf("run exited %d:\n%s", code, errOut)
	}
	out := r.outputs()
	if out["exit-code"] != "0" {
		t.Errorf("exit-code output %q, want 0", out["exit-code"])
	}
	var doc struct {
		ZoneName string `json:"zone_name"`
		Items    int    `json:"items"`
		Purged   int    `json:"purged"`
	}
	if err := json.Unmarshal([]byte(out["json"]), &doc); err != nil {
		t.Fatalf("json output is not the purge's JSON: %v\n%q", err, out["json"])
	}
	if doc.ZoneName != "example.com" || doc.Items != 2 || doc.Purged != 2 {
		t.Errorf("json output %+v", doc)
	}
	if !strings.Contains(stdout, `"zone_name": "example.com"`) {
		t.Errorf("stdout is not shown in the log: %q", stdout)
	}
	for _, u := range []string{"https://example.com/a", "https://example.com/b"} {
		if n := sb.srv.PurgeCount(sandbox.DefaultZoneID, sandbox.KindFiles, sandbox.FileKey(u, nil)); n != 1 {
			t.Errorf("%s purged %d times, want 1", u, n)
		}
	}
	// Quoted as in a shell, and run in working-directory.
	if _, err := os.Stat(filepath.Join(site, "failed list.txt")); err != nil {
		t.Errorf("--failed-file 'failed list.txt' in working-directory site: %v", err)
	}
	summary, _ := os.ReadFile(r.summary)
	if !strings.Contains(string(summary), "| example.com | 2 | 2 | 0 | 1 | ") {
		t.Errorf("job summary:\n%s", summary)
	}

	// A failing command: the step fails with its code, exit-code says it,
	// json is empty; with fail-on-error false the step succeeds.
	for _, failOnError := range []string{"true", "false"} {
		code, _, errOut = run(`purge url 'not a url' -z example.com`, map[string]string{"CFCACHE_FAIL_ON_ERROR": failOnError})
		out = r.outputs()
		if want := map[string]int{"true": 2, "false": 0}[failOnError]; code != want {
			t.Errorf("fail-on-error %s: step exited %d, want %d\n%s", failOnError, code, want, errOut)
		}
		if out["exit-code"] != "2" || out["json"] != "" {
			t.Errorf("fail-on-error %s: outputs %q", failOnError, out)
		}
	}
	// The multi-line form with backslash continuations, as in a shell
	// (docs/ci.md): one command line, the newlines gone.
	code, _, errOut = run("purge url \\\n  https://example.com/c \\\r\n  -z example.com \\\n  -o json\n", nil)
	if code != 0 {
		t.Errorf("args with backslash-newline continuations: exit %d\n%s", code, errOut)
	}
	if n := sb.srv.PurgeCount(sandbox.DefaultZoneID, sandbox.KindFiles, sandbox.FileKey("https://example.com/c", nil)); n != 1 {
		t.Errorf("https://example.com/c purged %d times, want 1", n)
	}
	// Shell syntax in args is text, never run.
	marker := filepath.Join(r.dir, "pwned")
	run(`version $(touch `+marker+`) ; touch `+marker, nil)
	if _, err := os.Stat(marker); err == nil {
		t.Error("args were evaluated by a shell")
	}
	if b, _ := os.ReadFile(r.output); bytes.Contains(b, []byte(sb.token)) {
		t.Error("the token is in GITHUB_OUTPUT")
	}
}

func TestActionRefusesABadChecksum(t *testing.T) {
	r := newRunner(t)
	calls := r.fakeGo()
	rel := serveRelease(t, "1.2.3", true)
	code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_VERSION": "1.2.3", "CFCACHE_DOWNLOAD_BASE": rel.base})
	if code == 0 {
		t.Fatalf("install succeeded with a bad checksum:\n%s", errOut)
	}
	if want := "checksum mismatch for " + rel.archive + ": checksums.txt says " + strings.Repeat("0", 64) + ", the download is " + rel.sum + "; not installing"; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	if _, ok := r.outputs()["path"]; ok {
		t.Error("a path was output")
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("a bad checksum fell back to go install")
	}
	var found []string
	_ = filepath.Walk(r.tools, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) > 0 {
		t.Errorf("files installed: %v", found)
	}
}

// No archive for the version (a ref without a release): go install at it.
func TestActionFallsBackToGoInstall(t *testing.T) {
	for _, c := range []struct{ version, ref, want string }{
		{"v9.9.9", "", "@v9.9.9"},     // no such release on the server
		{"", "main", "@main"},         // the action used at a branch
		{"", "0123abcd", "@0123abcd"}, // ... or a commit
	} {
		r := newRunner(t)
		calls := r.fakeGo()
		rel := serveRelease(t, "1.2.3", false)
		code, _, errOut := r.step("install.sh", map[string]string{"CFCACHE_VERSION": c.version, "CFCACHE_ACTION_REF": c.ref, "CFCACHE_DOWNLOAD_BASE": rel.base})
		if code != 0 {
			t.Fatalf("%+v: install exited %d:\n%s", c, code, errOut)
		}
		b, _ := os.ReadFile(calls)
		if !regexp.MustCompile(`^GOBIN=\S+ install github\.com/cfcache/cfcache/cmd/cfcache` + regexp.QuoteMeta(c.want) + "\n$").Match(b) {
			t.Errorf("%+v: go was called as %q", c, b)
		}
		bin := r.outputs()["path"]
		if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%+v: path output %q is not an executable (%v)", c, bin, err)
		}
		if c.version == "" && rel.requests.Load() != 0 {
			t.Errorf("%+v: %d downloads tried for a ref that is no release", c, rel.requests.Load())
		}
	}
}

// TestActionYAML checks action.yml's wiring, which only GitHub runs: every
// input is passed to a script, every ${{ inputs.X }} is declared, outputs
// come from steps that exist, and the scripts run are in the repository.
func TestActionYAML(t *testing.T) {
	b, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Inputs  map[string]struct{ Required bool } `yaml:"inputs"`
		Outputs map[string]struct{ Value string }  `yaml:"outputs"`
		Runs    struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID    string            `yaml:"id"`
				Shell string            `yaml:"shell"`
				Env   map[string]string `yaml:"env"`
				Run   string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", a.Runs.Using)
	}
	for _, want := range []string{"args", "version", "working-directory"} {
		if _, ok := a.Inputs[want]; !ok {
			t.Errorf("input %s missing", want)
		}
	}
	for _, want := range []string{"exit-code", "json"} {
		if _, ok := a.Outputs[want]; !ok {
			t.Errorf("output %s missing", want)
		}
	}
	used := map[string]bool{}
	ids := map[string]bool{}
	expr := regexp.MustCompile(`\$\{\{\s*inputs\.([a-z-]+)\s*\}\}`)
	for _, s := range a.Runs.Steps {
		ids[s.ID] = true
		if s.Shell != "bash" {
			t.Errorf("step %s: shell %q", s.ID, s.Shell)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %s: an expression in run: is spliced into the script; pass it through env", s.ID)
		}
		m := regexp.MustCompile(`\$GITHUB_ACTION_PATH/(\S+\.sh)`).FindStringSubmatch(s.Run)
		if m == nil {
			t.Errorf("step %s runs no script of the repository: %q", s.ID, s.Run)
			continue
		}
		script, err := os.ReadFile(filepath.Join("..", m[1]))
		if err != nil {
			t.Errorf("step %s: %v", s.ID, err)
		}
		for k, v := range s.Env {
			for _, e := range expr.FindAllStringSubmatch(v, -1) {
				used[e[1]] = true
			}
			if !bytes.Contains(script, []byte(k)) {
				t.Errorf("step %s: %s is set but %s never reads it", s.ID, k, m[1])
			}
		}
	}
	var names []string
	for name := range a.Inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !used[name] {
			t.Errorf("input %s is passed to no step", name)
		}
	}
	for name := range used {
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("inputs.%s is used but not declared", name)
		}
	}
	for name, o := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{ steps\.([a-z]+)\.outputs\.[a-z-]+ \}\}$`).FindStringSubmatch(o.Value)
		if m == nil || !ids[m[1]] {
			t.Errorf("output %s = %q names no step", name, o.Value)
		}
	}
}

// The action's scripts are shellcheck-clean where shellcheck is installed.
func TestActionScriptsShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck not installed")
	}
	scripts, _ := filepath.Glob(filepath.Join(actionDir, "*.sh"))
	if len(scripts) == 0 {
		t.Fatal("no scripts in " + actionDir)
	}
	if out, err := exec.Command(sc, scripts...).CombinedOutput(); err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}
