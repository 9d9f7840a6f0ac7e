package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
