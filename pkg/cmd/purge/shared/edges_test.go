package shared

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// Issue 9 #9: everything that can be checked offline is checked before any
// request of any kind, the zone lookup included: exit 2, zero requests.
func TestOfflineErrorsSendNoRequestAtAll(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		kind purge.Kind
		zone string
		args []string
		tty  bool
		want string
	}{
		{"bad url, zone by name", purge.KindURL, "example.com", []string{"not a url"}, false, "1 of 1 items are invalid"},
		{"bad url, zone by id", purge.KindURL, sandbox.DefaultZoneID, []string{"https://example.com/ok", "ftp://example.com/x"}, false, "1 of 2 items are invalid"},
		{"host outside a zone given by name", purge.KindURL, "example.com", []string{"https://elsewhere.org/"}, false, "1 of 1 items are invalid"},
		{"bad tag", purge.KindTag, "example.com", []string{"has space"}, false, "1 of 1 items are invalid"},
		{"tag over every plan's length", purge.KindTag, "example.com", []string{strings.Repeat("t", 1025)}, false, "1 of 1 items are invalid"},
		{"bad prefix", purge.KindPrefix, "example.com", []string{"example.com/a?b"}, false, "1 of 1 items are invalid"},
		{"bad host", purge.KindHost, "example.com", []string{"example.com:8443"}, false, "1 of 1 items are invalid"},
		{"unreadable input", purge.KindURL, "example.com", []string{"-f", filepath.Join(dir, "missing.txt")}, false, "cannot read items"},
		{"negative --max-wait", purge.KindTag, "example.com", []string{"t", "--max-wait", "-1s"}, false, "--max-wait"},
		{"--max-items", purge.KindTag, "example.com", []string{"a", "b", "--max-items", "1"}, false, "more than 1 items"},
		{"tag with no zone", purge.KindTag, "", []string{"t"}, false, "needs exactly one zone"},
		{"--list without --dry-run", purge.KindURL, "example.com", []string{"https://example.com/", "--list"}, false, "add --dry-run"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := cmdtest.NewSandbox(t, limits.Free, nil)
			f, st := cmdtest.NewFactory(t, sb, c.zone, c.tty)
			err := cmdtest.Run(context.Background(), newCmd(f, c.kind), c.args...)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (exit %d), want exit 2 with %q\n%s", err, cmdutil.ExitCode(err), c.want, st.Err.String())
			}
			if n := sb.Server.Stats().Total; n != 0 {
				t.Fatalf("%d request(s) sent before exit 2: %v", n, sb.Server.Stats().Requests)
			}
		})
	}
}

// What only the lookup can tell (the name of a zone given by id) is checked
// after it, and still before any purge.
func TestZoneDependentChecksAfterTheLookup(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, sandbox.DefaultZoneID, false)
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "https://example.com/a", "https://elsewhere.org/b")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "1 of 2 items are invalid in zone example.com") {
		t.Fatalf("got %v", err)
	}
	if got := st.Err.String(); !strings.Contains(got, "arg:2: https://elsewhere.org/b: host elsewhere.org is not in zone example.com\n") {
		t.Fatalf("stderr: %q", got)
	}
	if n, p := sb.Server.Stats().Total, sb.Requests(sandbox.EndpointPurge); n != 1 || p != 0 {
		t.Fatalf("%d requests, %d purges; want the lookup only", n, p)
	}
}

// Issue 9 #15: a file that is not text is refused whole, in one line, with
// nothing sent; it is not read as thousands of invalid items.
func TestBinaryInputIsRefusedWhole(t *testing.T) {
	dir := t.TempDir()
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00"), []byte(strings.Repeat("https://example.com/\x00\x01\x02\n", 5000))...)
	ctrl := []byte(strings.Repeat("\x01\x02\x03\x04\x1b\x05\x06\x07 \x0e\n", 800))
	utf16 := []byte("\xff\xfeh\x00t\x00t\x00p\x00s\x00:\x00/\x00/\x00\n\x00")
	for _, c := range []struct {
		name string
		data []byte
		why  string
	}{
		{"elf", elf, "NUL byte on line 1, at offset 7"},
		{"control", ctrl, "% of the first 8000 bytes are control characters or invalid UTF-8"},
		{"utf16", utf16, "UTF-16; convert it to UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			sb := cmdtest.NewSandbox(t, limits.Free, nil)
			f, st := cmdtest.NewFactory(t, sb, "example.com", false)
			err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "-f", path)
			want := path + ": not a text file ("
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("got %v, want exit 2 with %q…%q", err, want, c.why)
			}
			if st.Err.Len() != 0 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("more than one line: %q / %q", st.Err.String(), err.Error())
			}
			if n := sb.Server.Stats().Total; n != 0 {
				t.Fatalf("%d request(s) sent", n)
			}
		})
	}
	// Latin-1 text with an accent here and there is text: its items get
	// their own errors.
	path := filepath.Join(dir, "latin1")
	if err := os.WriteFile(path, []byte("https://example.com/caf\xe9\nhttps://example.com/ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, st := cmdtest.NewFactory(t, nil, "example.com", false)
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "-f", path)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(st.Err.String(), path+":1: ") {
		t.Fatalf("got %v\n%s", err, st.Err.String())
	}
}

// Issue 9 #15: a long list of invalid items shows the first 20 and a count,
// unless -v.
func TestLongInvalidListIsCut(t *testing.T) {
	var args []string
	for i := 0; i < 50; i++ {
		args = append(args, fmt.Sprintf("bad tag %d", i))
	}
	for _, verbose := range []bool{false, true} {
		f, st := cmdtest.NewFactory(t, nil, "example.com", false)
		f.Verbose = verbose
		err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "50 of 50 items are invalid") {
			t.Fatalf("got %v", err)
		}
		lines := strings.Split(strings.TrimSuffix(st.Err.String(), "\n"), "\n")
		if verbose {
			if len(lines) != 50 || !strings.HasPrefix(lines[49], "arg:50: bad tag 49: ") {
				t.Fatalf("-v: %d lines: %q", len(lines), st.Err.String())
			}
			continue
		}
		if len(lines) != 21 || !strings.HasPrefix(lines[19], "arg:20: bad tag 19: ") ||
			lines[20] != "… and 30 more invalid items; -v lists them all" {
			t.Fatalf("%d lines: %q", len(lines), st.Err.String())
		}
	}
}

// throttleAfter answers purge calls 429 with Retry-After once `ok` of them
// have passed, and counts the purge calls it saw.
func throttleAfter(ok int64, retryAfter string, calls *atomic.Int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/purge_cache") {
				if n := calls.Add(1); n > ok {
					w.Header().Set("Retry-After", retryAfter)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusTooManyRequests)
					fmt.Fprint(w, `{"success":false,"errors":[{"code":1134,"message":"Unable to purge, rate limit reached"}],"messages":[],"result":null}`)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Issue 9 #7: when Cloudflare asks for a wait longer than --max-wait, the
// run stops at once, says how long Cloudflare asked for, writes the rest to
// the failed file and exits 3 (1 when nothing was purged).
func TestMaxWaitStopsTheRun(t *testing.T) {
	for _, c := range []struct {
		name     string
		ok       int64
		args     []string
		exit     int
		purged   string
		askedFor string
		failed   int
	}{
		{"default, some purged", 2, nil, cmdutil.ExitPartial, "Purged 200 of 250 tags",
			"stopped: Cloudflare asked to wait 1h0m0s (Retry-After), longer than --max-wait 5m0s", 50},
		{"given, none purged", 0, []string{"--max-wait", "30s"}, cmdutil.ExitError, "Purged 0 of 250 tags",
			"stopped: Cloudflare asked to wait 1h0m0s (Retry-After), longer than --max-wait 30s", 250},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int64
			cfg := sandbox.DefaultConfig()
			cfg.Zones[0].Plan, cfg.Tokens[0].Value = limits.Enterprise, cmdtest.Token
			sb := cmdtest.StartSandbox(t, cfg, throttleAfter(c.ok, "3600", &calls))
			f, st := cmdtest.NewFactory(t, sb, "example.com", false)
			failed := filepath.Join(t.TempDir(), "failed.txt")
			var args []string
			for i := 0; i < 250; i++ {
				args = append(args, fmt.Sprintf("tag-%03d", i))
			}
			args = append(append(args, "--concurrency", "1", "--failed-file", failed), c.args...)
			// Before the fix the run sat out the hour: the deadline turns
			// that into a failure (exit 130) instead of a hung test.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := cmdtest.Run(ctx, newCmd(f, purge.KindTag), args...)
			if got := cmdutil.ExitCode(err); got != c.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, c.exit, st.Err.String())
			}
			errOut := st.Err.String()
			if !strings.Contains(errOut, c.purged) || !strings.Contains(errOut, c.askedFor) {
				t.Fatalf("stderr lacks %q / %q:\n%s", c.purged, c.askedFor, errOut)
			}
			if calls.Load() != c.ok+1 {
				t.Fatalf("%d purge calls, want %d: nothing is sent after the long wait was asked for", calls.Load(), c.ok+1)
			}
			data, err := os.ReadFile(failed)
			if err != nil {
				t.Fatal(err)
			}
			items := 0
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				if !strings.HasPrefix(line, "#") {
					items++
				}
			}
			if items != c.failed || !strings.Contains(string(data), "Cloudflare asked to wait 1h0m0s") {
				t.Fatalf("failed file has %d items, want %d, with the reason:\n%s", items, c.failed, data)
			}
		})
	}
}

// Issue 9 #7: a 429 is a wait, never a retry counted against --max-retries;
// a log says it is waiting and when it resumes.
func TestA429IsWaitedOutNotCountedAsARetry(t *testing.T) {
	var calls atomic.Int64
	var throttled atomic.Bool
	cfg := sandbox.DefaultConfig()
	cfg.Tokens[0].Value = cmdtest.Token
	sb := cmdtest.StartSandbox(t, cfg, func(next http.Handler) http.Handler {
		inner := throttleAfter(0, "1", &calls)(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && throttled.CompareAndSwap(false, true) {
				inner.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "https://example.com/a", "--max-retries", "0")
	if err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	// The 429 is waited out, said with whose limit it is, and counted as
	// rate-limited, not as a retry (issue 10: retries are what the server
	// saw as faults).
	if errOut := st.Err.String(); !strings.Contains(errOut, ": purge rate limit, resumes ") ||
		!strings.Contains(errOut, "Purged 1 of 1 URL in 2 request(s), 0 retries, 1 rate-limited") {
		t.Fatalf("stderr: %s", errOut)
	}
	if sb.Requests(sandbox.EndpointPurge) != 1 || calls.Load() != 1 {
		t.Fatalf("purges: %d answered by the sandbox, %d throttled", sb.Requests(sandbox.EndpointPurge), calls.Load())
	}
}

// Issue 9 #7: --max-wait bounds the zone lookup's waits too (a read the
// client retries after a 429).
func TestMaxWaitBoundsTheZoneLookup(t *testing.T) {
	var calls atomic.Int64
	cfg := sandbox.DefaultConfig()
	cfg.Tokens[0].Value = cmdtest.Token
	sb := cmdtest.StartSandbox(t, cfg, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/zones") {
				calls.Add(1)
				w.Header().Set("Retry-After", "3600")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := cmdtest.Run(ctx, newCmd(f, purge.KindTag), "t1", "--max-wait", "30s")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "Cloudflare asked to wait 1h0m0s (Retry-After), longer than the longest wait allowed (30s)") {
		t.Fatalf("got %v (exit %d)\n%s", err, cmdutil.ExitCode(err), st.Err.String())
	}
	if calls.Load() != 1 || sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Fatalf("%d lookups, %d purges", calls.Load(), sb.Requests(sandbox.EndpointPurge))
	}
}

// While a wait lasts, the progress line says so, whose limit it is and when
// sending resumes, and shows the engine's ETA (the plan's rate on what is
// left plus the wait), not one from the last seconds' speed (issue 10
// "Honest progress").
func TestProgressLineSaysWhenItResumes(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", true)
	now := time.Date(2026, 1, 2, 15, 4, 0, 0, time.Local)
	p := purge.Progress{Total: 300, Done: 100, Rate: 100, Paused: 42 * time.Second, ResumeAt: now.Add(42 * time.Second),
		WaitReason: purge.WaitAPILimit, ETA: 4*time.Minute + 12*time.Second}
	line := progressLine(f.IOStreams, "purge", p, "URLs", now, time.Second)
	if !strings.Contains(line, "ETA 4m12s") || !strings.Contains(line, "waiting 42s: Cloudflare's API limit, resumes 15:04:42") {
		t.Fatalf("line: %q", line)
	}
	if line := progressLine(f.IOStreams, "purge", p, "URLs", now.Add(time.Minute), time.Minute); strings.Contains(line, "waiting") {
		t.Fatalf("after the wait: %q", line)
	}
}
