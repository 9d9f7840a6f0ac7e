package e2e

// Benchmarks of the BUILT binary against an in-process sandbox.
//
// BenchmarkPurge100kFree* time one process purging 100,000 URLs under the
// Free plan's documented buckets.
//
// BenchmarkAccount* are the account-scale cases of issue 10 ("Measure"):
// several cfcache processes (or one command over several zones) on one
// account, against a sandbox whose Free-plan buckets are shared per account
// and whose per-request cap is LOWER than documented (urls_per_request=30 on
// the server only: the client believes 100 and must learn 30). Every process
// shares one XDG_STATE_HOME temp dir and one API token, as CI jobs on one
// runner do. The cases:
//
//	AccountTwoProcs         (a) 2 processes × 5,000 URLs
//	AccountFourProcs        (b) 4 processes × 5,000 URLs
//	AccountBigAndSmall      (c) 30,000 + 5,000 URLs in two processes
//	AccountThreeZones       (d) one command, no --zone, 5,000 URLs in each of 3 zones in 2 accounts
//	AccountFaults           (e) 1 process, 5,000 URLs, 10 % 5xx + 5 % connection resets
//
// Each reports, with b.ReportMetric:
//
//	wall/ideal       wall time of the whole case over purge.Estimate of each
//	                 account's total URLs under the server's limits (for (d)
//	                 the slowest account)
//	max-429/proc     most 429s one process received: its `-o json`
//	                 "rate_limited" when the build reports it, else the
//	                 sandbox's count of all 429s (an upper bound, said in the log)
//	429s-total       the sandbox's 429s by cause: purge-429s, window-429s
//	failed           items given up (reported failed) over all processes
//	peak-req/300s    the token's most requests in any sliding 300 s window
//	                 (above 1,200 is crossing Cloudflare's API limit)
//	blocked          1 when the token was ever blocked by that limit
//	retries,
//	server-faults    (e) the processes' `retries` and the faults the sandbox
//	                 injected on purge endpoints (5xx + resets); equal when
//	                 `retries` counts what the server saw
//
// They assert only what "nothing lost" needs: every URL of every process is
// either purged (seen by the sandbox) or reported (counted failed and written
// to its --failed-file), and each process's purged count matches the
// sandbox. The ratios are figures to report, not to assert: the machine and
// its load decide them.
//
// Run them (one iteration each; (c) can take more than 5 minutes when the
// processes cross the API window and are blocked):
//
//	go test ./e2e -run '^$' -bench 'Account' -benchtime 1x -timeout 60m
//	go test ./e2e -run '^$' -bench 'AccountTwoProcs' -benchtime 1x -v
//
// (d) fails until purge routes items to zones when no zone is given (issue
// 10, "Route items to zones"); its failure message says so.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// benchPurge runs the built binary over n URLs against a sandbox enforcing
// the Free plan's real buckets, and reports wall time over the ideal time
// those buckets allow (purge.Estimate, the same formula the dry run prints).
// Run: go test ./e2e -run '^$' -bench Purge100k -benchtime 1x -timeout 30m
func benchPurge(b *testing.B, n int, failRate float64) {
	dir := b.TempDir()
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "https://example.com/bench/%d.html\n", i)
	}
	urls := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(urls, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	ideal := purge.Estimate(purge.KindURL, n, limits.Default().For(limits.Free), 0).Ideal
	for i := 0; i < b.N; i++ {
		cfg := sandbox.DefaultConfig()
		cfg.FailRate = failRate
		cfg.Seed = uint64(i + 1)
		srv := sandbox.New(cfg)
		hs := httptest.NewServer(srv)
		cmd := exec.Command(filepath.Join(binDir, "cfcache"), "purge", "url", "-f", urls, "-z", "example.com",
			"-o", "json", "--failed-file", filepath.Join(dir, "failed.txt"), "--max-retries", "8")
		cmd.Env = append(os.Environ(), "CLOUDFLARE_BASE_URL="+hs.URL+sandbox.BasePath, "CLOUDFLARE_API_TOKEN="+cfg.Tokens[0].Value)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		hs.Close()
		if err != nil {
			b.Fatalf("purge: %v\n%s", err, errOut.String())
		}
		var rep struct{ Purged, Failed, Requests, Retries int }
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			b.Fatal(err)
		}
		rec, _ := srv.Purges(sandbox.DefaultZoneID)
		for key, c := range rec.Files {
			if c != 1 {
				b.Fatalf("%s purged %d times", key, c)
			}
		}
		if rep.Purged+rep.Failed != n || len(rec.Files) != rep.Purged {
			b.Fatalf("lost items: purged %d + failed %d != %d (sandbox saw %d)", rep.Purged, rep.Failed, n, len(rec.Files))
		}
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(ideal.Seconds(), "ideal-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(rep.Failed), "failed")
		b.ReportMetric(float64(rep.Retries), "retries")
	}
}

func BenchmarkPurge100kFree(b *testing.B)         { benchPurge(b, 100_000, 0) }
func BenchmarkPurge100kFree10pct5xx(b *testing.B) { benchPurge(b, 100_000, 0.10) }

// The account-scale sandbox: two accounts, three Free zones. (a), (b), (c)
// and (e) use example.com only.
const (
	acctA = sandbox.DefaultAccountID
	acctB = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
	// serverURLCap is the per-request cap the sandbox enforces, lower than
	// the 100 of cloudflare.md's table, as the issue measured.
	serverURLCap = 30
)

var accountZones = []sandbox.Zone{
	{Name: "example.com", Plan: limits.Free, AccountID: acctA},
	{Name: "example.net", Plan: limits.Free, AccountID: acctA},
	{Name: "example.org", Plan: limits.Free, AccountID: acctB},
}

// benchProc is one cfcache process of a case: URLs per zone it purges,
// and whether it names its zone (-z) or leaves routing to cfcache.
type benchProc struct {
	urls   map[string]int // zone name → URLs
	noZone bool
}

type accountCase struct {
	procs               []benchProc
	failRate, resetRate float64
	// routing marks (d): a failure of the command is explained as missing
	// multi-zone routing rather than as a lost purge.
	routing bool
}

// procReport is what a process's `-o json` says; RateLimited is nil when
// the build does not report it.
type procReport struct {
	Purged      int  `json:"purged"`
	Failed      int  `json:"failed"`
	Requests    int  `json:"requests"`
	Retries     int  `json:"retries"`
	RateLimited *int `json:"rate_limited"`
}

type procResult struct {
	rep    procReport
	urls   []string // every URL it was given
	failed string   // its --failed-file
	err    error
	stderr string
	stdout string
}

func serverLimits() limits.Table {
	t := limits.Default()
	l := t[limits.Free]
	l.URLsPerRequest = serverURLCap
	t[limits.Free] = l
	return t
}

// runAccountCase starts a sandbox for c and runs its processes at once, each
// with its own --failed-file and `-o json`, all sharing one token and one
// state directory; it returns when they have all exited.
func runAccountCase(tb testing.TB, c accountCase, seed uint64) (results []procResult, srv *sandbox.Server, st sandbox.Stats, wall time.Duration) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := sandbox.DefaultConfig()
	cfg.Zones = append([]sandbox.Zone(nil), accountZones...)
	cfg.Zones[0].ID = sandbox.DefaultZoneID
	cfg.Limits = serverLimits()
	cfg.FailRate, cfg.ResetRate = c.failRate, c.resetRate
	cfg.Seed = seed
	srv = sandbox.New(cfg)
	hs := httptest.NewServer(srv)
	token := cfg.Tokens[0].Value
	env := benchEnv(dir, hs.URL+sandbox.BasePath, token)

	results = make([]procResult, len(c.procs))
	cmds := make([]*exec.Cmd, len(c.procs))
	outs := make([]*bytes.Buffer, len(c.procs))
	errs := make([]*bytes.Buffer, len(c.procs))
	for p, proc := range c.procs {
		r := &results[p]
		r.urls = writeURLs(tb, dir, p, proc.urls)
		r.failed = filepath.Join(dir, fmt.Sprintf("failed-%d.txt", p))
		args := []string{"purge", "url", "-f", filepath.Join(dir, fmt.Sprintf("urls-%d.txt", p)),
			"-o", "json", "--failed-file", r.failed}
		if !proc.noZone {
			for zone := range proc.urls {
				args = append(args, "-z", zone)
			}
		}
		cmd := exec.Command(filepath.Join(binDir, "cfcache"), args...)
		cmd.Env = env
		outs[p], errs[p] = &bytes.Buffer{}, &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[p], errs[p]
		cmds[p] = cmd
	}
	var wg sync.WaitGroup
	start := time.Now()
	for p, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[p].err = cmd.Wait()
		}()
	}
	wg.Wait()
	wall = time.Since(start)
	hs.Close()
	st = srv.Stats()
	for p := range results {
		results[p].stdout, results[p].stderr = outs[p].String(), errs[p].String()
	}
	return results, srv, st, wall
}

func benchAccount(b *testing.B, c accountCase) {
	tbl := serverLimits()
	// Ideal: each account's URLs purged back to back under the server's
	// limits; the accounts run side by side, so the slowest decides.
	perAccount := map[string]int{}
	for _, p := range c.procs {
		for zone, n := range p.urls {
			perAccount[accountOf(zone)] += n
		}
	}
	var ideal time.Duration
	for _, n := range perAccount {
		ideal = max(ideal, purge.Estimate(purge.KindURL, n, tbl.For(limits.Free), 0).Ideal)
	}
	for i := 0; i < b.N; i++ {
		results, srv, st, wall := runAccountCase(b, c, uint64(i+1))

		var failed, retries, maxRL int
		rlFromJSON := true
		for p := range results {
			r := &results[p]
			if err := json.Unmarshal([]byte(r.stdout), &r.rep); err != nil {
				if c.routing {
					b.Fatalf("(d) one command over 3 zones in 2 accounts without --zone failed: %v\n"+
						"This build cannot route URLs to zones yet (issue 10 \"Route items to zones\", the LAYER work);\n"+
						"expected until that is merged.\nstderr: %s", r.err, firstLines(r.stderr, 5))
				}
				b.Fatalf("process %d: %v, no JSON report (%v)\nstderr: %s", p, r.err, err, firstLines(r.stderr, 10))
			}
			failed += r.rep.Failed
			retries += r.rep.Retries
			if r.rep.RateLimited == nil {
				rlFromJSON = false
			} else {
				maxRL = max(maxRL, *r.rep.RateLimited)
			}
		}
		checkNothingLost(b, srv, results)

		all429 := st.Throttled.PurgeBucket + st.Throttled.APIWindow + st.Throttled.Injected
		if !rlFromJSON {
			maxRL = all429
			b.Logf("this build reports no \"rate_limited\": max-429/proc is the sandbox's total of %d 429s", all429)
		}
		tok := st.Tokens[srv.Config().Tokens[0].ID]
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(ideal.Seconds(), "ideal-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(maxRL), "max-429/proc")
		b.ReportMetric(float64(st.Throttled.PurgeBucket), "purge-429s")
		b.ReportMetric(float64(st.Throttled.APIWindow), "window-429s")
		b.ReportMetric(float64(failed), "failed")
		b.ReportMetric(float64(tok.PeakPerWindow), "peak-req/300s")
		b.ReportMetric(boolMetric(tok.Blocked), "blocked")
		if c.failRate > 0 || c.resetRate > 0 {
			b.ReportMetric(float64(retries), "retries")
			b.ReportMetric(float64(st.PurgeFaults.Status5xx+st.PurgeFaults.Resets), "server-faults")
		}
		for p, r := range results {
			b.Logf("process %d: exit %v; purged %d failed %d requests %d retries %d rate_limited %s",
				p, r.err, r.rep.Purged, r.rep.Failed, r.rep.Requests, r.rep.Retries, optInt(r.rep.RateLimited))
		}
		b.Logf("sandbox: %d requests; 429s purge bucket %d, API window %d, injected %d; purge faults %d 5xx, %d resets; token: %d requests, peak %d per 300 s, blocked %t",
			st.Total, st.Throttled.PurgeBucket, st.Throttled.APIWindow, st.Throttled.Injected,
			st.PurgeFaults.Status5xx, st.PurgeFaults.Resets, tok.Requests, tok.PeakPerWindow, tok.Blocked)
	}
}

// checkNothingLost: every URL of every process was purged (the sandbox
// saw it in its zone) or reported (the process counted it failed and wrote
// it to its failed file), and the purged counts agree with the sandbox.
func checkNothingLost(b testing.TB, srv *sandbox.Server, results []procResult) {
	b.Helper()
	seen := map[string]bool{}
	for _, z := range accountZones {
		rec, _ := srv.Purges(z.Name)
		for key := range rec.Files {
			seen[key] = true
		}
	}
	for p, r := range results {
		reported := readLines(b, r.failed)
		if len(reported) != r.rep.Failed {
			b.Errorf("process %d: reports %d failed but its failed file lists %d", p, r.rep.Failed, len(reported))
		}
		purged, lost := 0, 0
		for _, u := range r.urls {
			switch {
			case seen[u]:
				purged++
			case reported[u]:
			default:
				if lost < 5 {
					b.Errorf("process %d: %s neither purged nor reported", p, u)
				}
				lost++
			}
		}
		if lost > 0 {
			b.Errorf("process %d: %d URLs lost (exit %v)\nstderr: %s", p, lost, r.err, firstLines(r.stderr, 10))
		}
		if r.rep.Purged+r.rep.Failed != len(r.urls) || r.rep.Purged != purged {
			b.Errorf("process %d: purged %d + failed %d of %d URLs, sandbox saw %d of them purged",
				p, r.rep.Purged, r.rep.Failed, len(r.urls), purged)
		}
	}
	if b.Failed() {
		b.FailNow()
	}
}

// benchEnv is the environment of every process of a case: one token, one
// state directory, no user configuration.
func benchEnv(dir, baseURL, token string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CFCACHE_") || strings.HasPrefix(k, "CLOUDFLARE_") || strings.HasPrefix(k, "CF_") ||
			k == "HOME" || strings.HasPrefix(k, "XDG_") || k == "NO_COLOR" || k == "CLICOLOR_FORCE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"CLOUDFLARE_BASE_URL="+baseURL,
		"CLOUDFLARE_API_TOKEN="+token,
	)
}

// writeURLs writes process p's input, zones in a stable order, and returns
// its URLs.
func writeURLs(b testing.TB, dir string, p int, perZone map[string]int) []string {
	b.Helper()
	var urls []string
	var buf bytes.Buffer
	for _, z := range accountZones {
		for j := 0; j < perZone[z.Name]; j++ {
			u := fmt.Sprintf("https://%s/p%d/%d.html", z.Name, p, j)
			urls = append(urls, u)
			buf.WriteString(u)
			buf.WriteByte('\n')
		}
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("urls-%d.txt", p)), buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return urls
}

func readLines(b testing.TB, path string) map[string]bool {
	b.Helper()
	out := map[string]bool{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out[line] = true
		}
	}
	return out
}

func accountOf(zone string) string {
	for _, z := range accountZones {
		if z.Name == zone {
			return z.AccountID
		}
	}
	panic("bench: unknown zone " + zone)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

func optInt(p *int) string {
	if p == nil {
		return "(not reported)"
	}
	return fmt.Sprint(*p)
}

func boolMetric(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func procs(n, urls int) []benchProc {
	out := make([]benchProc, n)
	for i := range out {
		out[i] = benchProc{urls: map[string]int{"example.com": urls}}
	}
	return out
}

// (a) 2 processes × 5,000 URLs on one account.
func BenchmarkAccountTwoProcs(b *testing.B) { benchAccount(b, accountCase{procs: procs(2, 5000)}) }

// (b) 4 processes × 5,000 URLs on one account.
func BenchmarkAccountFourProcs(b *testing.B) { benchAccount(b, accountCase{procs: procs(4, 5000)}) }

// (c) 30,000 + 5,000 URLs in two processes: together over 1,200 requests
// at the server's cap of 30 unless they share the window.
func BenchmarkAccountBigAndSmall(b *testing.B) {
	benchAccount(b, accountCase{procs: []benchProc{
		{urls: map[string]int{"example.com": 30_000}},
		{urls: map[string]int{"example.com": 5_000}},
	}})
}

// (d) one command, no --zone: 5,000 URLs in each of example.com and
// example.net (account A) and example.org (account B).
func BenchmarkAccountThreeZones(b *testing.B) {
	benchAccount(b, accountCase{routing: true, procs: []benchProc{{noZone: true,
		urls: map[string]int{"example.com": 5000, "example.net": 5000, "example.org": 5000}}}})
}

// (e) 1 process, 5,000 URLs, 10 % 5xx and 5 % connection resets.
func BenchmarkAccountFaults(b *testing.B) {
	benchAccount(b, accountCase{procs: procs(1, 5000), failRate: 0.10, resetRate: 0.05})
}
