package shared

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

func withEnvs(c *sandbox.Config) {
	c.Zones[0].Environments = []sandbox.Environment{{Name: "production", Ref: "prod1"}, {Name: "staging", Ref: "stg1"}}
}

// Every kind, with --invalidate, reaches invalidate_cache and never
// purge_cache; the JSON says mode invalidate and names the zone.
func TestInvalidateEveryKind(t *testing.T) {
	items := map[purge.Kind][]string{
		purge.KindURL:    {"https://example.com/a"},
		purge.KindPrefix: {"example.com/blog"},
		purge.KindTag:    {"t1"},
		purge.KindHost:   {"example.com"},
	}
	for kind, args := range items {
		sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
		f, st := cmdtest.NewFactory(t, sb, "example.com", false)
		f.Settings.Output = "json"
		if err := cmdtest.Run(context.Background(), newCmd(f, kind), append(args, "--invalidate")...); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, st.Err.String())
		}
		var r Report
		if err := json.Unmarshal(st.Out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Mode != "invalidate" || r.ZoneName != "example.com" || r.ZoneID != sandbox.DefaultZoneID || r.Purged != 1 {
			t.Errorf("%s: %+v", kind, r)
		}
		if sb.Requests(sandbox.EndpointInvalidate) != 1 || sb.Requests(sandbox.EndpointPurge) != 0 {
			t.Errorf("%s: %d invalidate_cache, %d purge_cache", kind, sb.Requests(sandbox.EndpointInvalidate), sb.Requests(sandbox.EndpointPurge))
		}
		if rec, _ := sb.Server.Record(sandbox.DefaultZoneID, sandbox.Scope{Invalidate: true}); rec.Total() != 1 {
			t.Errorf("%s: invalidated %+v", kind, rec)
		}
	}
}

func TestEnvironmentByNameAndRef(t *testing.T) {
	for _, q := range []string{"staging", "stg1"} {
		for _, soft := range []bool{false, true} {
			sb := cmdtest.NewSandbox(t, limits.Free, withEnvs)
			f, st := cmdtest.NewFactory(t, sb, "example.com", false)
			f.Settings.Output = "json"
			args := []string{"t1", "--environment", q}
			if soft {
				args = append(args, "--invalidate")
			}
			if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), args...); err != nil {
				t.Fatalf("%s: %v\n%s", q, err, st.Err.String())
			}
			var r Report
			_ = json.Unmarshal(st.Out.Bytes(), &r)
			if r.Environment != "stg1" || r.EnvironmentName != "staging" {
				t.Errorf("%s: %+v", q, r)
			}
			if n := sb.Server.Count(sandbox.DefaultZoneID, sandbox.Scope{Environment: "stg1", Invalidate: soft}, sandbox.KindTags, "t1"); n != 1 {
				t.Errorf("%s soft=%v: recorded %d", q, soft, n)
			}
			if rec, _ := sb.Server.Purges(sandbox.DefaultZoneID); rec.Total() != 0 {
				t.Errorf("zone-level purge: %+v", rec)
			}
		}
	}
}

func TestUnknownEnvironmentIsExit2ListingThem(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, withEnvs)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "https://example.com/a", "--environment", "qa")
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), `unknown environment "qa" in zone example.com; it has: production (ref prod1), staging (ref stg1)`) {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if sb.Requests(sandbox.EndpointEnvironments) != 1 || sb.Requests(sandbox.EndpointPurge)+sb.Requests(sandbox.EndpointEnvPurge) != 0 {
		t.Fatal("purged, or did not look up")
	}
	// A name no zone can have is refused offline, and so is one with no zone.
	// An empty value (an unset pipeline variable) is refused, not read as
	// production.
	for _, args := range [][]string{{"--environment", "a/b"}, {"--environment", ".."}, {"--environment", ""}, {"--environment= "}} {
		sb := cmdtest.NewSandbox(t, limits.Free, withEnvs)
		f, _ := cmdtest.NewFactory(t, sb, "example.com", false)
		if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), append([]string{"t"}, args...)...); cmdutil.ExitCode(err) != 2 || sb.Server.Stats().Total != 0 {
			t.Errorf("%v: %v, %d requests", args, err, sb.Server.Stats().Total)
		}
	}
	f2, _ := cmdtest.NewFactory(t, sb, "", false)
	if err := cmdtest.Run(context.Background(), newCmd(f2, purge.KindTag), "t", "--environment", "staging"); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "give --zone") {
		t.Errorf("no zone: %v", err)
	}
}

// Every text path says "invalidate": dry run, summary, failures, the failed
// file's header (with the command that retries them the same way), the
// refusal of purge everything without --yes.
func TestInvalidateWording(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, withEnvs)
	f, st := cmdtest.NewFactory(t, sb, "example.com", false)
	_ = cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "t1", "--invalidate", "--environment", "staging", "--dry-run")
	if !strings.Contains(st.Err.String(), "Dry run: would invalidate 1 tag in example.com (environment staging, ref stg1)") {
		t.Errorf("dry run: %s", st.Err.String())
	}

	// Every invalidation answered 500: not invalidated, listed in the
	// failed file with the command that retries it the same way.
	cfg := sandbox.DefaultConfig()
	cfg.Tokens[0].Value = cmdtest.Token
	withEnvs(&cfg)
	sb = cmdtest.StartSandbox(t, cfg, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/invalidate_cache") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(500)
				_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10001,"message":"Internal Server Error"}],"messages":[],"result":null}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	f, st = cmdtest.NewFactory(t, sb, "example.com", false)
	failed := filepath.Join(t.TempDir(), "failed.txt")
	err := cmdtest.Run(context.Background(), newCmd(f, purge.KindTag), "t1", "--invalidate", "--environment", "stg1", "--failed-file", failed, "--max-retries", "0")
	errOut := st.Err.String()
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "none of 1 invalidated") {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"Invalidated 0 of 1 tag in environment staging", "1 not invalidated (all in " + failed + "); re-run them with: cfcache purge tag --invalidate --environment stg1 -f " + failed} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if b, _ := os.ReadFile(failed); !strings.HasPrefix(string(b), "# cfcache: 1 tag item(s) not confirmed invalidated; retry with: cfcache purge tag --invalidate --environment stg1 -f FILE\n") {
		t.Errorf("failed file: %q", b)
	}
}

func TestFailedFileHeaderSaysHowToRetry(t *testing.T) {
	var b strings.Builder
	h := purge.FailedHeader{Kind: purge.KindURL, Done: "invalidated", Command: (&Common{Kind: purge.KindURL, Invalidate: true, Environment: "staging"}).rerunCommand()}
	if err := h.WriteSeq(&b, 1, func(yield func(purge.Failure) bool) {
		yield(purge.Failure{Entry: purge.Entry{Value: "https://example.com/a"}, Reason: "HTTP 500"})
	}); err != nil {
		t.Fatal(err)
	}
	want := "# cfcache: 1 url item(s) not confirmed invalidated; retry with: cfcache purge url --invalidate --environment staging -f FILE\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Fatalf("%q", b.String())
	}
}
