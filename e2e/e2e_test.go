// Package e2e runs the built cfcache binary against the sandbox, as a user
// or a CI script would: testdata/script/*.txtar are testscript files.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
	"github.com/cfcache/cfcache/pkg/warm"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
	"github.com/cfcache/cfcache/pkg/wordpress/wptest"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cfcache-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	exe := "cfcache"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, exe), "../cmd/cfcache")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cfcache:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandboxes maps a script's WORK dir to its running sandbox.
var sandboxes sync.Map

type running struct {
	srv   *sandbox.Server
	http  *httptest.Server
	token string
	acct  string
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			for _, k := range []string{"CLOUDFLARE_API_TOKEN", "CF_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CFCACHE_ZONE", "CFCACHE_OUTPUT", "CFCACHE_PROFILE", "CFCACHE_CONFIG", "NO_COLOR", "CLICOLOR_FORCE", "CLOUDFLARE_ACCOUNT_ID"} {
				env.Setenv(k, "")
			}
			r, err := startSandbox(nil)
			if err != nil {
				return err
			}
			exportSandbox(env.Setenv, r)
			sandboxes.Store(env.WorkDir, r)
			env.Defer(func() { stopSandbox(env.WorkDir) })
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox-start":        cmdSandboxStart,
			"sandbox-requests":     cmdSandboxRequests,
			"sandbox-wait":         cmdSandboxWait,
			"sandbox-purged":       cmdSandboxPurged,
			"sandbox-edit-rules":   cmdSandboxEditRules,
			"sandbox-exactly-once": cmdSandboxExactlyOnce,
			"exit-code":            cmdExitCode,
			"sleep":                cmdSleep,
			"no-secret":            cmdNoSecret,
			"count-lines":          cmdCountLines,
			"sandbox-covers":       cmdSandboxCovers,
			"gen-urls":             cmdGenURLs,
			"origin-start":         cmdOriginStart,
			"origin-keep-hit":      cmdOriginKeepHit,
			"origin-seen":          cmdOriginSeen,
			"origin-wait":          cmdOriginWait,
			"origin-answer":        cmdOriginAnswer,
			"wp-origin-start":      cmdWPOriginStart,
			"wp-origin-seen":       cmdWPOriginSeen,
		},
	})
}

func exportSandbox(setenv func(k, v string), r *running) {
	setenv("CLOUDFLARE_BASE_URL", r.http.URL+sandbox.BasePath)
	setenv("CLOUDFLARE_API_TOKEN", r.token)
	setenv("SANDBOX_TOKEN", r.token)
	setenv("SANDBOX_ACCOUNT_TOKEN", r.acct)
	setenv("SANDBOX_ZONE_ID", sandbox.DefaultZoneID)
}

// startSandbox starts an in-process sandbox; args are sandbox-start's flags.
func startSandbox(args []string) (*running, error) {
	cfg := sandbox.DefaultConfig()
	overrides := map[string]any{}
	for i := 0; i < len(args); i++ {
		name := args[i]
		if i+1 >= len(args) {
			return nil, fmt.Errorf("sandbox-start: %s needs a value", name)
		}
		val := args[i+1]
		i++
		switch name {
		case "--plan":
			p, err := limits.ParsePlan(val)
			if err != nil {
				return nil, err
			}
			cfg.Zones[0].Plan = p
		case "--fail-rate", "--reset-rate", "--throttle-rate":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return nil, err
			}
			switch name {
			case "--fail-rate":
				cfg.FailRate = f
			case "--reset-rate":
				cfg.ResetRate = f
			default:
				cfg.Throttle429Rate = f
			}
		case "--latency":
			d, err := time.ParseDuration(val)
			if err != nil {
				return nil, err
			}
			cfg.Latency = d
		case "--seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return nil, err
			}
			cfg.Seed = n
		case "--limit":
			k, v, _ := strings.Cut(val, "=")
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, err
			}
			overrides[k] = n
		case "--token-status":
			cfg.Tokens[0].Status = val
		case "--apo": // off, on, or device (on, caching by device type); hostnames: the zone and its www.
			switch val {
			case "off":
				cfg.Zones[0].APO = nil
			case "on", "device":
				cfg.Zones[0].APO = &sandbox.APO{Enabled: true, CacheByDeviceType: val == "device"}
			default:
				return nil, fmt.Errorf("sandbox-start: --apo %q: want off, on or device", val)
			}
		case "--ssl": // off, flexible, full or strict
			cfg.Zones[0].SSL = val
		case "--environment": // NAME or NAME=REF, repeatable
			name, ref, _ := strings.Cut(val, "=")
			cfg.Zones[0].Environments = append(cfg.Zones[0].Environments, sandbox.Environment{Name: name, Ref: ref})
		default:
			return nil, fmt.Errorf("sandbox-start: unknown flag %s", name)
		}
	}
	if len(overrides) > 0 {
		tbl, err := limits.Default().WithOverrides(map[string]map[string]any{string(cfg.Zones[0].Plan): overrides})
		if err != nil {
			return nil, err
		}
		cfg.Limits = tbl
	}
	srv := sandbox.New(cfg)
	return &running{srv: srv, http: httptest.NewServer(srv), token: cfg.Tokens[0].Value, acct: cfg.Tokens[1].Value}, nil
}

func stopSandbox(work string) {
	if v, ok := sandboxes.LoadAndDelete(work); ok {
		v.(*running).http.Close()
	}
}

func current(ts *testscript.TestScript) *running {
	v, ok := sandboxes.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("no sandbox running")
	}
	return v.(*running)
}

// sandbox-start [--plan P] [--fail-rate F] [--reset-rate F] [--throttle-rate F] [--latency D] [--limit k=v] [--token-status S]
// replaces the script's sandbox with a fresh one so configured.
func cmdSandboxStart(ts *testscript.TestScript, neg bool, args []string) {
	stopSandbox(ts.Getenv("WORK"))
	r, err := startSandbox(args)
	ts.Check(err)
	exportSandbox(ts.Setenv, r)
	sandboxes.Store(ts.Getenv("WORK"), r)
}

// sandbox-requests [ENDPOINT] N: the sandbox answered exactly N requests
// (to ENDPOINT, e.g. purge), whatever their status.
func cmdSandboxRequests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: sandbox-requests [ENDPOINT] N")
	}
	st := current(ts).srv.Stats()
	got := st.Total
	if len(args) == 2 {
		endpoint, ok := endpointAliases[args[0]]
		if !ok {
			ts.Fatalf("unknown endpoint alias %q", args[0])
		}
		got = 0
		for _, n := range st.Requests[endpoint] {
			got += n
		}
	}
	want, err := strconv.Atoi(args[len(args)-1])
	ts.Check(err)
	if (got == want) == neg {
		ts.Fatalf("sandbox answered %d requests %v, want %s%d", got, args[:len(args)-1], map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// sandbox-wait ENDPOINT N: wait until N requests to ENDPOINT (e.g. zones,
// purge) have arrived, answered or not (a sandbox with --latency holds them):
// the command got that far, its signal handler installed, so a kill that
// follows lands where the script means it to, however loaded the machine.
// A fixed sleep could land before (dying by the signal, with no
// "interrupted:" line) or after. Gives up after sandboxWaitMax.
func cmdSandboxWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sandbox-wait ENDPOINT N")
	}
	endpoint, ok := endpointAliases[args[0]]
	if !ok {
		ts.Fatalf("unknown endpoint alias %q", args[0])
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	srv := current(ts).srv
	deadline := time.Now().Add(sandboxWaitMax)
	for {
		got := srv.Stats().Arrived[endpoint]
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("after %s, %d requests to %s arrived, want %d", sandboxWaitMax, got, args[0], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sandboxWaitMax bounds sandbox-wait: far beyond what a loaded machine
// needs, short of the test's own timeout.
const sandboxWaitMax = 30 * time.Second

var endpointAliases = map[string]string{
	"purge":     sandbox.EndpointPurge,
	"zones":     sandbox.EndpointZones,
	"zone":      sandbox.EndpointZone,
	"get-rules": sandbox.EndpointEntrypoint,
	"put-rules": sandbox.EndpointPutEntry,
	// the response phase's entrypoint (issue 12)
	"get-response-rules": sandbox.EndpointRespEntrypoint,
	"put-response-rules": sandbox.EndpointRespPutEntry,
	// soft purge and environments (issue 11)
	"invalidate":     sandbox.EndpointInvalidate,
	"environments":   sandbox.EndpointEnvironments,
	"env-purge":      sandbox.EndpointEnvPurge,
	"env-invalidate": sandbox.EndpointEnvInvalid,
	// zone settings (issue 14)
	"apo-setting": sandbox.EndpointAPOSetting,
	"ssl-setting": sandbox.EndpointSSLSetting,
}

var kindAliases = map[string]sandbox.Kind{
	"url": sandbox.KindFiles, "tag": sandbox.KindTags, "host": sandbox.KindHosts,
	"prefix": sandbox.KindPrefixes, "everything": sandbox.KindEverything,
}

// sandbox-purged [--invalidated] [--environment REF] KIND ITEM N: ITEM (of
// kind url, tag, host, prefix, everything) was purged exactly N times (with
// --invalidated: invalidated, through invalidate_cache; with --environment:
// in that environment, not at the zone level).
func cmdSandboxPurged(ts *testscript.TestScript, neg bool, args []string) {
	var scope sandbox.Scope
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		switch {
		case args[0] == "--invalidated":
			scope.Invalidate, args = true, args[1:]
		case args[0] == "--environment" && len(args) > 1:
			scope.Environment, args = args[1], args[2:]
		default:
			ts.Fatalf("sandbox-purged: unknown flag %s", args[0])
		}
	}
	if len(args) != 3 {
		ts.Fatalf("usage: sandbox-purged [--invalidated] [--environment REF] KIND ITEM N")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	kind, ok := kindAliases[args[0]]
	if !ok {
		ts.Fatalf("unknown kind %q", args[0])
	}
	got := current(ts).srv.Count(sandbox.DefaultZoneID, scope, kind, args[1])
	if (got == want) == neg {
		ts.Fatalf("%s %s purged %d times, want %d", args[0], args[1], got, want)
	}
}

// sandbox-exactly-once N [FAILED_FILE]: every file entry the sandbox saw was
// purged exactly once, and the entries purged plus the entries listed in
// FAILED_FILE (one per non-comment line) add up to N.
func cmdSandboxExactlyOnce(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: sandbox-exactly-once N [FAILED_FILE]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	rec, _ := current(ts).srv.Purges(sandbox.DefaultZoneID)
	for key, n := range rec.Files {
		if n != 1 {
			ts.Fatalf("%s purged %d times", key, n)
		}
	}
	failed := 0
	if len(args) == 2 {
		for _, l := range strings.Split(ts.ReadFile(args[1]), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				failed++
			}
		}
	}
	if got := len(rec.Files) + failed; got != want {
		ts.Fatalf("%d purged + %d in the failed file = %d, want %d", len(rec.Files), failed, got, want)
	}
	ts.Logf("%d purged exactly once, %d reported failed", len(rec.Files), failed)
}

// sandbox-covers INPUT [FAILED_FILE]: every URL of INPUT was purged by the
// sandbox or is listed in FAILED_FILE (read as purge -f reads it); with no
// FAILED_FILE, every URL was purged. It is what a killed run promises: the
// failed file is a superset of what was not yet purged.
func cmdSandboxCovers(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: sandbox-covers INPUT [FAILED_FILE]")
	}
	listed := map[string]bool{}
	if len(args) == 2 {
		r := purge.NewReader(purge.FileInput(args[1], strings.NewReader(ts.ReadFile(args[1]))), purge.KindURL, 0)
		for r.Scan() {
			listed[r.Item().Value] = true
		}
	}
	srv := current(ts).srv
	purged, missing := 0, 0
	for _, u := range strings.Fields(ts.ReadFile(args[0])) {
		switch {
		case srv.PurgeCount(sandbox.DefaultZoneID, sandbox.KindFiles, sandbox.FileKey(u, nil)) > 0:
			purged++
		case !listed[u]:
			missing++
			if missing <= 5 {
				ts.Logf("lost: %s is neither purged nor listed", u)
			}
		}
	}
	ts.Logf("%d purged, %d listed in the failed file", purged, len(listed))
	if (missing == 0) == neg {
		ts.Fatalf("%d item(s) neither purged nor listed", missing)
	}
}

// sandbox-edit-rules [--phase response] DESCRIPTION: a colleague edits the
// zone's cache rules (or cache response rules) out of band (the first rule's
// description changes).
func cmdSandboxEditRules(ts *testscript.TestScript, neg bool, args []string) {
	phase := sandbox.CacheSettingsPhase
	if len(args) >= 2 && args[0] == "--phase" && args[1] == "response" {
		phase, args = sandbox.ResponseCachePhase, args[2:]
	}
	_, err := current(ts).srv.EditPhaseRules(sandbox.DefaultZoneID, phase, func(rs []sandbox.Rule) []sandbox.Rule {
		if len(rs) > 0 {
			rs[0].Description = strings.Join(args, " ")
		}
		return rs
	})
	ts.Check(err)
}

// exit-code N COMMAND [ARGS...]: run COMMAND (as exec does, so stdout and
// stderr can be checked afterwards) and require exit status N.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exit-code N COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Logf("[stderr]\n%s", ts.ReadFile("stderr"))
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// sleep DURATION: wait (for a background command to get going).
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// no-secret: neither the sandbox's tokens nor any other credential in the
// environment appears in any file under WORK.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	r := current(ts)
	secrets := []string{r.token, r.acct}
	root := ts.Getenv("WORK")
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		ts.Check(err)
		for _, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				ts.Fatalf("%s contains a credential", p)
			}
		}
		return nil
	})
}

// count-lines FILE N: FILE has exactly N non-empty lines.
func cmdCountLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: count-lines FILE N")
	}
	data := ts.ReadFile(args[0])
	n := 0
	for _, l := range strings.Split(data, "\n") {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if (n == want) == neg {
		ts.Fatalf("%s has %d lines, want %d", args[0], n, want)
	}
}

// gen-urls FILE N [LAST]: write N distinct example.com URLs to FILE, then LAST as the final line if given.
func cmdGenURLs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: gen-urls FILE N [LAST]")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "https://example.com/page/%d.html\n", i)
	}
	if len(args) > 2 {
		b.WriteString(strings.Join(args[2:], " ") + "\n")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}

// origins maps a script's WORK dir to its running test origin.
var origins sync.Map

// origin-start [LATENCY]: start a loopback origin that answers like a site
// behind Cloudflare (package warmtest) and export its base URL as $ORIGIN.
func cmdOriginStart(ts *testscript.TestScript, neg bool, args []string) {
	o := warmtest.New()
	if len(args) == 1 {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		o.Latency = d
	}
	srv := httptest.NewServer(o)
	ts.Defer(srv.Close)
	origins.Store(ts.Getenv("WORK"), o)
	ts.Setenv("ORIGIN", srv.URL)
}

// wp-origin-start N [--dir D] [--permalinks P] [--rest S]: start a
// WordPress-like origin of N posts (package wptest) whose links name
// https://example.com, and export its address as $WPORIGIN (give it to
// --origin-url).
func cmdWPOriginStart(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: wp-origin-start N [--dir D] [--permalinks P] [--rest S]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	s := wptest.New(n)
	s.Scheme, s.Host = "https", "example.com"
	for i := 1; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--dir":
			s.Dir = args[i+1]
		case "--permalinks":
			s.Permalinks = args[i+1]
		case "--rest":
			s.REST = args[i+1]
		default:
			ts.Fatalf("wp-origin-start: unknown flag %s", args[i])
		}
	}
	srv := httptest.NewServer(s)
	ts.Defer(srv.Close)
	wpOrigins.Store(ts.Getenv("WORK"), s)
	ts.Setenv("WPORIGIN", srv.URL)
}

var wpOrigins sync.Map

// wp-origin-seen PATH N: the WordPress origin got exactly N requests for
// PATH (query included).
func cmdWPOriginSeen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: wp-origin-seen PATH N")
	}
	v, ok := wpOrigins.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("no WordPress origin: wp-origin-start first")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got := v.(*wptest.Site).Seen(args[0]); (got == want) == neg {
		ts.Fatalf("WordPress origin saw %s %d times, want %d", args[0], got, want)
	}
}

func currentOrigin(ts *testscript.TestScript) *warmtest.Origin {
	v, ok := origins.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("no origin running: origin-start first")
	}
	return v.(*warmtest.Origin)
}

// origin-keep-hit PATH AGE: PATH answers HIT with Age AGE forever (a purge that did not take).
func cmdOriginKeepHit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: origin-keep-hit PATH AGE")
	}
	age, err := strconv.Atoi(args[1])
	ts.Check(err)
	currentOrigin(ts).KeepHit(args[0], age)
}

// origin-answer PATH STATUS AGE: PATH answers CF-Cache-Status STATUS with
// Age AGE forever (REVALIDATED after an invalidation, HIT when it did not take).
func cmdOriginAnswer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: origin-answer PATH STATUS AGE")
	}
	age, err := strconv.Atoi(args[2])
	ts.Check(err)
	currentOrigin(ts).Answer(args[0], args[1], age)
}

// cmdOriginWait waits (bounded) until the origin has seen at least N page
// requests: a script signals a warm once it is running, not after a fixed
// sleep that a loaded machine can outrun.
func cmdOriginWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: origin-wait N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	deadline := time.Now().Add(sandboxWaitMax)
	for got := currentOrigin(ts).PageRequests(); got < want; got = currentOrigin(ts).PageRequests() {
		if time.Now().After(deadline) {
			ts.Fatalf("after %s the origin saw %d page requests, want %d", sandboxWaitMax, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// origin-seen PATH [DEVICE] N: the origin got exactly N requests for PATH
// (from a User-Agent Cloudflare classifies as DEVICE).
func cmdOriginSeen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: origin-seen PATH [DEVICE] N")
	}
	want, err := strconv.Atoi(args[len(args)-1])
	ts.Check(err)
	got := 0
	for _, ua := range currentOrigin(ts).Seen(args[0]) {
		if len(args) == 2 || string(warm.ClassifyUserAgent(ua)) == args[1] {
			got++
		}
	}
	if (got == want) == neg {
		ts.Fatalf("origin saw %s %d times %v, want %d", args[0], got, args[1:len(args)-1], want)
	}
}

// benchWarmThroughput warms n URLs with the built binary at concurrency 8
// and 64, and requests the same list with `xargs -n1 -P8 curl` (the usual
// shell preload), each against a fresh loopback origin that answers after
// latency, and reports URLs per second and the ratio of each to curl, all
// in the same iteration so the machine's load is shared alike.
// Run: go test ./e2e -run '^$' -bench 'Warm' -benchtime 1x -count 5
func benchWarmThroughput(b *testing.B, n int, latency time.Duration) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl not installed")
	}
	dir := b.TempDir()
	list := func(base string) string {
		var buf bytes.Buffer
		for i := 0; i < n; i++ {
			fmt.Fprintf(&buf, "%s/bench/%d.html\n", base, i)
		}
		f := filepath.Join(dir, "urls.txt")
		if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		return f
	}
	run := func(name string, args ...string) float64 {
		o := warmtest.New()
		o.Latency = latency
		srv := httptest.NewServer(o)
		defer srv.Close()
		urls := list(srv.URL)
		var cmd *exec.Cmd
		if name == "curl" {
			cmd = exec.Command("sh", "-c", "xargs -n1 -P8 "+curl+" -s -o /dev/null < "+urls)
		} else {
			cmd = exec.Command(filepath.Join(binDir, "cfcache"), append([]string{"warm", "-f", urls, "--device", "desktop", "-q"}, args...)...)
		}
		var errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &errOut
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, errOut.String())
		}
		wall := time.Since(start)
		if got := o.PageRequests(); got != n {
			b.Fatalf("%s: origin got %d requests, want %d", name, got, n)
		}
		return float64(n) / wall.Seconds()
	}
	for i := 0; i < b.N; i++ {
		c8 := run("cfcache", "--concurrency", "8")
		c64 := run("cfcache", "--concurrency", "64")
		cu := run("curl")
		b.ReportMetric(c8, "c8-urls/s")
		b.ReportMetric(c64, "c64-urls/s")
		b.ReportMetric(cu, "curlP8-urls/s")
		b.ReportMetric(c8/cu, "c8/curl")
		b.ReportMetric(c64/cu, "c64/curl")
	}
}

func BenchmarkWarm2000Loopback(b *testing.B)    { benchWarmThroughput(b, 2000, 0) }
func BenchmarkWarm2000Latency20ms(b *testing.B) { benchWarmThroughput(b, 2000, 20*time.Millisecond) }

// benchWarmSitemapRSS runs the built binary over a generated sitemap of n
// URLs and reports its peak resident memory, as GNU time's %M when
// /usr/bin/time exists: the same maxrss as getrusage, but of a child that
// time fork()s. Go starts children with vfork and Linux carries the
// parent's high-water RSS over the exec, so the getrusage figure of a child
// of this test process is at least this process's own peak (which grows
// with the in-process origin's state), not the child's. With
// --exclude . every URL is read, parsed and dropped, so the figure is the
// cost of streaming the sitemap; without it the URLs are also warmed and
// the results kept for the report.
// Run: go test ./e2e -run '^$' -bench 'WarmSitemap' -benchtime 1x -count 5
func benchWarmSitemapRSS(b *testing.B, n int, warmToo bool) {
	var rss []float64
	for i := 0; i < b.N; i++ {
		o := warmtest.New()
		srv := httptest.NewServer(o)
		args := []string{"warm", "--sitemap", fmt.Sprintf("%s/sitemap-big.xml?n=%d", srv.URL, n), "--device", "desktop", "--concurrency", "64", "--max-urls", "1000000", "-o", "json"}
		if !warmToo {
			args = append(args, "--exclude", ".")
		}
		timeFile := filepath.Join(b.TempDir(), "maxrss")
		cmd := exec.Command(filepath.Join(binDir, "cfcache"), args...)
		if _, err := os.Stat("/usr/bin/time"); err == nil {
			cmd = exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", timeFile, filepath.Join(binDir, "cfcache")}, args...)...)
		}
		var errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &errOut
		err := cmd.Run()
		srv.Close()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			b.Fatal(err)
		}
		// Everything excluded is "nothing to warm" (exit 2) by design.
		if want := map[bool]int{true: 0, false: 2}[warmToo]; code != want {
			b.Fatalf("exit %d, want %d\n%s", code, want, errOut.String())
		}
		if warmToo && o.PageRequests() != n {
			b.Fatalf("origin got %d requests, want %d", o.PageRequests(), n)
		}
		if !warmToo && !strings.Contains(errOut.String(), fmt.Sprintf("all %d were excluded", n)) {
			b.Fatalf("the sitemap was not read whole:\n%s", errOut.String())
		}
		kib := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) // Linux reports KiB
		if data, err := os.ReadFile(timeFile); err == nil {
			// The last line; time writes "Command exited with non-zero
			// status N" before it.
			lines := strings.Fields(string(data))
			if kib, err = strconv.ParseFloat(lines[len(lines)-1], 64); err != nil {
				b.Fatalf("/usr/bin/time wrote %q", data)
			}
		}
		rss = append(rss, kib/1024)
	}
	sort.Float64s(rss)
	b.ReportMetric(rss[len(rss)/2], "peak-RSS-MiB")
}

func BenchmarkWarmSitemap5kStreamOnly(b *testing.B)  { benchWarmSitemapRSS(b, 5_000, false) }
func BenchmarkWarmSitemap50kStreamOnly(b *testing.B) { benchWarmSitemapRSS(b, 50_000, false) }
func BenchmarkWarmSitemap5kWarmed(b *testing.B)      { benchWarmSitemapRSS(b, 5_000, true) }
func BenchmarkWarmSitemap50kWarmed(b *testing.B)     { benchWarmSitemapRSS(b, 50_000, true) }
func BenchmarkWarmSitemap200kWarmed(b *testing.B)    { benchWarmSitemapRSS(b, 200_000, true) }
