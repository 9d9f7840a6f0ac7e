package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkScanCompare hashes a tree of small files and diffs it with a
// manifest where 1 % changed: what purge changed --dry-run does before the
// purge. The tree is made once per run, under the test's temp dir. For the
// 200,000-file figures, see docs/performance.md ("purge changed").
func BenchmarkScanCompare(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%03d", i%200), fmt.Sprintf("page-%05d.html", i))
		if i%200 == i {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, "<html>page %d %0500d</html>\n", i, i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	res, err := Scan(context.Background(), ScanOptions{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	old := make(Files, 0, len(res.Files))
	for i, f := range res.Files {
		if i%100 == 0 {
			f.Hash[0] ^= 1 // 1 % changed
		}
		old = append(old, f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Scan(context.Background(), ScanOptions{Dir: dir, Known: old})
		if err != nil {
			b.Fatal(err)
		}
		if d := Compare(old, res.Files); d.Changed != n/100 {
			b.Fatalf("changed %d, want %d", d.Changed, n/100)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkPhases times the phases of purge changed --dry-run on a real
// tree and its manifest, e.g. the one scripts/bench-purge-changed.sh
// makes (docs/performance.md): load, scan (walk + hash), compare.
//
//	CFCACHE_BENCH_DIR=/tmp/…/site CFCACHE_BENCH_MANIFEST=/tmp/…/.cfcache-manifest.json \
//	  go test -run XXX -bench Phases -benchtime 5x ./pkg/manifest
func BenchmarkPhases(b *testing.B) {
	dir, mpath := os.Getenv("CFCACHE_BENCH_DIR"), os.Getenv("CFCACHE_BENCH_MANIFEST")
	if dir == "" || mpath == "" {
		b.Skip("CFCACHE_BENCH_DIR and CFCACHE_BENCH_MANIFEST name a tree and its manifest")
	}
	var load, scan, compare time.Duration
	for b.Loop() {
		t0 := time.Now()
		m, err := Load(mpath)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		res, err := Scan(context.Background(), ScanOptions{Dir: dir, Known: m.Files, Exclude: []Exclude{{mpath, "the manifest itself"}}})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		Compare(m.Files, res.Files)
		t3 := time.Now()
		load, scan, compare = load+t1.Sub(t0), scan+t2.Sub(t1), compare+t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(load.Seconds()/n, "load-s/op")
	b.ReportMetric(scan.Seconds()/n, "scan-s/op")
	b.ReportMetric(compare.Seconds()/n, "compare-s/op")
}
