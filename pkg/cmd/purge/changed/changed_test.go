package changed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/manifest"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "example.com", false)
	var got *Options
	cmd := NewCmdChanged(f, func(o *Options) error { got = o; return nil })
	err := cmdtest.Run(context.Background(), cmd, "public", "--base-url", "https://example.com/", "--manifest", "m.json",
		"--index", "index.html", "--index", "index.htm", "--all", "--device", "mobile", "--variants", "auto",
		"--dry-run", "--failed-file", "failed.txt", "--url-form", "encoded")
	if err != nil {
		t.Fatal(err)
	}
	p := got
	if got.Dir != "public" || got.BaseURL != "https://example.com/" || got.Manifest != "m.json" || !got.All ||
		strings.Join(got.Index, ",") != "index.html,index.htm" || p.Kind != purge.KindURL || p.Devices[0] != "mobile" ||
		p.Variants != "auto" || !p.DryRun || p.FailedFile != "failed.txt" || p.URLForm != "encoded" || len(p.Args) != 0 {
		t.Fatalf("options: %+v", *got)
	}
	// Defaults, and -f is not a flag of this verb.
	f, _ = cmdtest.NewFactory(t, nil, "example.com", false)
	cmd = NewCmdChanged(f, func(o *Options) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "public", "--base-url", "https://e.com"); err != nil {
		t.Fatal(err)
	}
	if got.Manifest != manifest.DefaultName || strings.Join(got.Index, ",") != "index.html" || got.All {
		t.Fatalf("defaults: %+v", *got)
	}
	f, _ = cmdtest.NewFactory(t, nil, "example.com", false)
	if err := cmdtest.Run(context.Background(), NewCmdChanged(f, nil), "public", "--base-url", "https://e.com", "-f", "x"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("-f accepted: %v", err)
	}
}

// site is a build directory and a manifest beside it.
type site struct {
	t        *testing.T
	dir, man string
}

func newSite(t *testing.T) *site {
	root := t.TempDir()
	return &site{t: t, dir: filepath.Join(root, "public"), man: filepath.Join(root, "manifest.json")}
}

func (s *site) write(rel, content string) {
	p := filepath.Join(s.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) remove(rel string) {
	if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(rel))); err != nil {
		s.t.Fatal(err)
	}
}

type result struct {
	err       error
	out, err2 string
	report    map[string]any
}

// run runs purge changed against sb with one URL per request (so a fault
// hits single URLs) and -o json.
func (s *site) run(sb *cmdtest.Sandbox, args ...string) result {
	s.t.Helper()
	return s.runZone(sb, "example.com", args...)
}

// runZone is run with zone as CFCACHE_ZONE ("": none).
func (s *site) runZone(sb *cmdtest.Sandbox, zone string, args ...string) result {
	s.t.Helper()
	f, st := cmdtest.NewFactory(s.t, sb, zone, false)
	f.Settings.Output = "json"
	cmd := NewCmdChanged(f, func(o *Options) error {
		o.Engine = func(c *purge.RunConfig) {
			c.BatchSize, c.BackoffBase, c.BackoffMax = 1, time.Millisecond, time.Millisecond
		}
		o.VerifyRecheck = 10 * time.Millisecond
		return changedRun(o)
	})
	args = append([]string{s.dir, "--base-url", "https://example.com/", "--manifest", s.man, "--url-form", "raw"}, args...)
	err := cmdtest.Run(context.Background(), cmd, args...)
	r := result{err: err, out: st.Out.String(), err2: st.Err.String()}
	if st.Out.Len() > 0 {
		if jerr := json.Unmarshal(st.Out.Bytes(), &r.report); jerr != nil {
			s.t.Fatalf("stdout is not one JSON object: %v\n%s", jerr, st.Out.String())
		}
	}
	return r
}

func purged(sb *cmdtest.Sandbox) map[string]int {
	rec, _ := sb.Server.Purges(sandbox.DefaultZoneID)
	return rec.Files
}

func TestThreeBuilds(t *testing.T) {
	s := newSite(t)
	s.write("index.html", "home v1")
	s.write("blog/index.html", "blog v1")
	s.write("blog/old-name.html", "post")
	s.write("app.css", "css v1")

	// Build 1, no manifest: recorded, nothing purged; the one request is
	// -o json's lookup of the zone (zone_id and zone_name, issue 13).
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	r := s.run(sb)
	if r.err != nil || !strings.Contains(r.err2, "a first run; recorded 4 files") || sb.Server.Stats().Total != 1 || sb.Requests(sandbox.EndpointZones) != 1 {
		t.Fatalf("first run: %v, %d requests\n%s", r.err, sb.Server.Stats().Total, r.err2)
	}
	if r.report["kind"] != "changed" || r.report["added"] != 0.0 {
		t.Fatalf("first run report: %v", r.report)
	}

	// Build 2: edit, add (non-ASCII, space), delete, rename, index page.
	s.write("blog/index.html", "blog v2")
	s.write("blog/Ünï code.html", "new")
	s.remove("app.css")
	if err := os.Rename(filepath.Join(s.dir, "blog/old-name.html"), filepath.Join(s.dir, "blog/new-name.html")); err != nil {
		t.Fatal(err)
	}
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	r = s.run(sb)
	if r.err != nil {
		t.Fatalf("build 2: %v\n%s", r.err, r.err2)
	}
	want := map[string]int{
		"https://example.com/blog/":                1,
		"https://example.com/blog/index.html":      1,
		"https://example.com/blog/Ünï%20code.html": 1,
		"https://example.com/blog/new-name.html":   1,
		"https://example.com/blog/old-name.html":   1,
		"https://example.com/app.css":              1,
	}
	if got := purged(sb); !sameCounts(got, want) {
		t.Fatalf("build 2 purged %v\nwant %v", got, want)
	}
	if r.report["added"] != 2.0 || r.report["changed"] != 1.0 || r.report["removed"] != 2.0 || r.report["purged"] != 6.0 {
		t.Fatalf("build 2 report: %v", r.report)
	}

	// Build 3: the root index changes; a dry run sends and writes nothing.
	s.write("index.html", "home v2")
	before, _ := os.ReadFile(s.man)
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	r = s.run(sb, "--dry-run")
	if after, _ := os.ReadFile(s.man); r.err != nil || sb.Requests(sandbox.EndpointPurge) != 0 || !bytes.Equal(before, after) {
		t.Fatalf("dry run: %v, %d purges, manifest changed %v", r.err, sb.Requests(sandbox.EndpointPurge), !bytes.Equal(before, after))
	}
	r = s.run(sb)
	if got := purged(sb); r.err != nil || !sameCounts(got, map[string]int{"https://example.com/": 1, "https://example.com/index.html": 1}) {
		t.Fatalf("build 3: %v purged %v\n%s", r.err, got, r.err2)
	}
	// And again: nothing changed, nothing sent (the zone looked up for
	// -o json).
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	r = s.run(sb)
	if r.err != nil || !strings.Contains(r.err2, "nothing changed") || sb.Server.Stats().Total != 1 || sb.Requests(sandbox.EndpointZones) != 1 || r.report["items"] != 0.0 {
		t.Fatalf("no change: %v, %d requests\n%s", r.err, sb.Server.Stats().Total, r.err2)
	}
}

// failOn answers 500 to purge requests naming a URL that contains marker.
func failOn(marker string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/purge_cache") {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if bytes.Contains(body, []byte(marker)) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusInternalServerError)
					io.WriteString(w, `{"success":false,"errors":[{"code":10000,"message":"injected"}],"messages":[],"result":null}`)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestOnlyConfirmedPurgesAreRecorded(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	s.write("b.html", "1")
	s.write("docs/index.html", "1")
	s.write("gone.html", "1")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	if r := s.run(sb); r.err != nil {
		t.Fatal(r.err)
	}
	s.write("a.html", "2")
	s.write("b.html", "2")
	s.write("docs/index.html", "2") // its directory URL fails, its file URL does not
	s.write("new.html", "2")
	s.remove("gone.html")

	cfg := sandbox.DefaultConfig()
	cfg.Tokens[0].Value = cmdtest.Token
	sb = cmdtest.StartSandbox(t, cfg, failOn(`docs/"`))
	r := s.run(sb, "--max-retries", "0", "--concurrency", "1")
	if cmdutil.ExitCode(r.err) != cmdutil.ExitPartial {
		t.Fatalf("half-failed run: exit %d (%v), want 3\n%s", cmdutil.ExitCode(r.err), r.err, r.err2)
	}
	if !strings.Contains(r.err2, "1 of 5 changed files were not purged") {
		t.Fatalf("stderr does not say what is left:\n%s", r.err2)
	}
	m, err := manifest.Load(s.man)
	if err != nil {
		t.Fatal(err)
	}
	old := sha("1")
	get := func(p string) manifest.State { st, _ := m.Files.Get(p); return st }
	if get("docs/index.html").Hash != old || get("a.html").Hash != sha("2") || get("new.html").Hash != sha("2") {
		t.Fatalf("manifest after a half-failed run: %v", m.Files)
	}
	if _, ok := m.Files.Get("gone.html"); ok {
		t.Fatal("a confirmed removal is still in the manifest")
	}

	// Re-run with the fault gone: exactly the failed file again.
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	r = s.run(sb)
	if got := purged(sb); r.err != nil || !sameCounts(got, map[string]int{"https://example.com/docs/": 1, "https://example.com/docs/index.html": 1}) {
		t.Fatalf("re-run: %v purged %v\n%s", r.err, got, r.err2)
	}
	if r.report["changed"] != 1.0 || r.report["added"] != 0.0 {
		t.Fatalf("re-run report %v", r.report)
	}
}

// A URL --verify finds still served from cache is not recorded as purged:
// its file keeps its old state, so running again purges it again (exit 3
// says so).
func TestVerifyStillCachedIsNotRecorded(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	s.write("stuck.html", "1")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	if r := s.run(sb); r.err != nil {
		t.Fatal(r.err)
	}
	s.write("a.html", "2")
	s.write("stuck.html", "2")
	o, srv := warmtest.Start(t)
	o.KeepHit("/stuck.html", 3600)
	r := s.run(sb, "--verify", "--origin-url", srv.URL)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitPartial || !strings.Contains(r.err2, "1 of 2 changed files were not purged") {
		t.Fatalf("exit %d (%v), want 3\n%s", cmdutil.ExitCode(r.err), r.err, r.err2)
	}
	m, err := manifest.Load(s.man)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Files.Get("stuck.html"); st.Hash != sha("1") {
		t.Fatal("a file still served from cache was recorded as purged")
	}
	if st, _ := m.Files.Get("a.html"); st.Hash != sha("2") {
		t.Fatal("a verified file was not recorded")
	}
	// Running again purges it again (and, once the cache lets go, records it).
	o.Answer("/stuck.html", "MISS", 0)
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	r = s.run(sb, "--verify", "--origin-url", srv.URL)
	if got := purged(sb); r.err != nil || !sameCounts(got, map[string]int{"https://example.com/stuck.html": 1}) {
		t.Fatalf("re-run: %v purged %v\n%s", r.err, got, r.err2)
	}
	if m, _ = manifest.Load(s.man); m == nil {
		t.Fatal("no manifest")
	}
	if st, _ := m.Files.Get("stuck.html"); st.Hash != sha("2") {
		t.Fatal("verified on the re-run but not recorded")
	}
}

// A CI workspace moved between jobs with its cached manifest is the same
// site: the directory is recorded relative to the manifest.
func TestMovedWorkspaceKeepsItsManifest(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	if r := s.run(sb); r.err != nil {
		t.Fatal(r.err)
	}
	moved := filepath.Join(t.TempDir(), "job2")
	if err := os.Rename(filepath.Dir(s.dir), moved); err != nil {
		t.Fatal(err)
	}
	s.dir, s.man = filepath.Join(moved, "public"), filepath.Join(moved, "manifest.json")
	s.write("a.html", "2")
	r := s.run(sb)
	if got := purged(sb); r.err != nil || !sameCounts(got, map[string]int{"https://example.com/a.html": 1}) {
		t.Fatalf("moved workspace: %v purged %v\n%s", r.err, got, r.err2)
	}
}

// A --failed-file inside DIR is skipped as what it is, not as the manifest.
func TestFailedFileInsideDirIsSkippedAsSuch(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	s.write("failed.txt", "")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	r := s.run(sb, "--failed-file", filepath.Join(s.dir, "failed.txt"))
	if r.err != nil || !strings.Contains(r.err2, "failed.txt: the --failed-file itself") || !strings.Contains(r.err2, "recorded 1 files") {
		t.Fatalf("%v\n%s", r.err, r.err2)
	}
}

func TestManifestProblemsSendNothing(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	if err := os.WriteFile(s.man, []byte(`{"version":1,"dir":`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := s.run(sb)
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), s.man) ||
		!strings.Contains(r.err.Error(), "corrupt") || !strings.Contains(r.err.Error(), "delete it") || !strings.Contains(r.err.Error(), "--all") {
		t.Fatalf("corrupt manifest: exit %d: %v", cmdutil.ExitCode(r.err), r.err)
	}
	if sb.Server.Stats().Total != 0 {
		t.Fatal("requests sent with a corrupt manifest")
	}
	// --all purges every file and replaces it.
	r = s.run(sb, "--all")
	if r.err != nil || purged(sb)["https://example.com/a.html"] != 1 {
		t.Fatalf("--all over a corrupt manifest: %v\n%s", r.err, r.err2)
	}
	if _, err := manifest.Load(s.man); err != nil {
		t.Fatalf("manifest not replaced: %v", err)
	}

	// Foreign: another base URL.
	sb = cmdtest.NewSandbox(t, limits.Free, nil)
	f, _ := cmdtest.NewFactory(t, sb, "example.com", false)
	err := cmdtest.Run(context.Background(), NewCmdChanged(f, nil), s.dir, "--base-url", "https://example.com/other/", "--manifest", s.man)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "base URL https://example.com/, not https://example.com/other/") {
		t.Fatalf("foreign manifest: %v", err)
	}
	if sb.Server.Stats().Total != 0 {
		t.Fatal("requests sent with a foreign manifest")
	}
}

func TestUnreadableInputSendsNothing(t *testing.T) {
	s := newSite(t)
	s.write("a.html", "1")
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	for _, args := range [][]string{
		{"--base-url", "ftp://example.com/"},
		{"--index", "a/index.html"},
		{"--manifest", filepath.Dir(s.man)},
		{"--failed-file", s.man},
	} {
		f, _ := cmdtest.NewFactory(t, sb, "example.com", false)
		err := cmdtest.Run(context.Background(), NewCmdChanged(f, nil), append([]string{s.dir, "--base-url", "https://example.com/", "--manifest", s.man}, args...)...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%v), want 2", args, cmdutil.ExitCode(err), err)
		}
	}
	f, _ := cmdtest.NewFactory(t, sb, "example.com", false)
	err := cmdtest.Run(context.Background(), NewCmdChanged(f, nil), filepath.Join(s.dir, "none"), "--base-url", "https://example.com/")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("missing DIR: %v", err)
	}
	if sb.Server.Stats().Total != 0 {
		t.Fatal("requests sent for bad input")
	}
}

func sha(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// issue 13 #5: with nothing to purge (a first run, no changes, a dry run of
// either), -o json names the zone by id and name however it was given;
// with no zone given both stay empty and nothing is requested.
func TestNothingToPurgeReportNamesTheZone(t *testing.T) {
	for _, c := range []struct {
		name, zone, id, zoneName string
		requests                 int
	}{
		{"by name", "example.com", sandbox.DefaultZoneID, "example.com", 1},
		{"by id", sandbox.DefaultZoneID, sandbox.DefaultZoneID, "example.com", 1},
		{"none", "", "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t)
			s.write("index.html", "home")
			check := func(what string, r result, sb *cmdtest.Sandbox) {
				t.Helper()
				if r.err != nil || r.report["zone_id"] != c.id || r.report["zone_name"] != c.zoneName {
					t.Errorf("%s: %v zone_id %q zone_name %q, want %q %q\n%s", what, r.err, r.report["zone_id"], r.report["zone_name"], c.id, c.zoneName, r.out)
				}
				if n := sb.Server.Stats().Total; n != c.requests {
					t.Errorf("%s: %d requests, want %d", what, n, c.requests)
				}
			}
			sb := cmdtest.NewSandbox(t, limits.Free, nil)
			check("first run, dry run", s.runZone(sb, c.zone, "--dry-run"), sb)
			sb = cmdtest.NewSandbox(t, limits.Free, nil)
			check("first run", s.runZone(sb, c.zone), sb)
			sb = cmdtest.NewSandbox(t, limits.Free, nil)
			check("no changes", s.runZone(sb, c.zone), sb)
		})
	}
}

// A zone that cannot be found stops a first run before the manifest is
// written, so the next run is a first run again.
func TestNothingToPurgeUnknownZoneWritesNoManifest(t *testing.T) {
	s := newSite(t)
	s.write("index.html", "home")
	r := s.runZone(cmdtest.NewSandbox(t, limits.Free, nil), "nope.example")
	if cmdutil.ExitCode(r.err) != cmdutil.ExitUsage {
		t.Fatalf("exit %d (%v), want %d", cmdutil.ExitCode(r.err), r.err, cmdutil.ExitUsage)
	}
	if _, err := os.Stat(s.man); !os.IsNotExist(err) {
		t.Errorf("manifest written: %v", err)
	}
}
