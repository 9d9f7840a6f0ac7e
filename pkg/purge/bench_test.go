package purge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

var benchURLs = []string{
	"https://www.example.com/",
	"https://www.example.com/blog/2024/05/how-we-cache-everything?utm_source=feed",
	"http://static.example.com/assets/app.3f9a1c.js",
	"https://images.example.com/products/42/large.webp?w=1200&h=800&fit=crop",
	"https://example.com/caf%C3%A9/menu",
	"https://api.example.com:8443/v1/items/12345",
}

func BenchmarkValidateURL(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if v := ValidateURL(benchURLs[i%len(benchURLs)], zone); !v.OK() {
			b.Fatal(v.Reason)
		}
	}
}

// For comparison: the stdlib parser the hand-written scanner replaces.
func BenchmarkURLParseStdlib(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := url.Parse(benchURLs[i%len(benchURLs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateTag(b *testing.B) {
	tags := []string{"product-42", "category:shoes", "release-2024-05-01T12:00Z", strings.Repeat("long-tag-", 20)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if v := ValidateTag(tags[i%len(tags)], 1024); !v.OK() {
			b.Fatal(v.Reason)
		}
	}
}

func BenchmarkValidatePrefix(b *testing.B) {
	prefixes := []string{"www.example.com/blog/", "https://www.example.com/assets/img/", "example.com/a/b/c/d/e/f"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if v := ValidatePrefix(prefixes[i%len(prefixes)], zone, 31); !v.OK() {
			b.Fatal(v.Reason)
		}
	}
}

func BenchmarkDedupe(b *testing.B) {
	d := NewDeduper(KindURL)
	urls := make([]string, 1<<16)
	for i := range urls {
		urls[i] = "https://www.example.com/p/" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Add(urls[i&(len(urls)-1)], nil)
	}
}

// BenchmarkBatch cuts 100,000 URL entries into requests; the metrics are per
// item.
func BenchmarkBatch(b *testing.B) {
	const n = 100_000
	entries := urlEntries(n)
	l := limits.Default().For(limits.Free)
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	for b.Loop() {
		if reqs := Batches(KindURL, entries, l, 0); len(reqs) != n/100 {
			b.Fatal(len(reqs))
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	items := float64(b.N) * n
	b.ReportMetric(float64(elapsed.Nanoseconds())/items, "ns/item")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/items, "allocs/item")
}

// BenchmarkRunOverhead is the executor's own cost per entry (pacing
// bookkeeping, goroutines, result) with an instant Sender and limits that
// never make it wait.
func BenchmarkRunOverhead(b *testing.B) {
	const n = 100_000
	entries := urlEntries(n)
	l := limits.Default().For(limits.Enterprise)
	l.URLPurgeRate, l.URLPurgeBurst, l.APIRequestsPerWindow = 1e12, 1<<30, 1<<30
	ok := SenderFunc(func(context.Context, Request) (*Response, error) { return &Response{}, nil })
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if res := Run(context.Background(), RunConfig{Kind: KindURL, Limits: l, Sender: ok, Concurrency: 8}, entries); res.Purged != n {
			b.Fatal(res.Purged)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/(float64(b.N)*n), "ns/item")
}

// urlLines generates n URL lines on the fly, so the input never sits in
// memory as a whole (as with a file on disk).
type urlLines struct {
	n, i int
	buf  []byte
}

func (u *urlLines) Read(p []byte) (int, error) {
	for len(u.buf) < len(p) && u.i < u.n {
		u.buf = append(u.buf, "https://www.example.com/catalog/item-"...)
		u.buf = strconv.AppendInt(u.buf, int64(u.i), 10)
		u.buf = append(u.buf, "/detail?ref=sitemap\n"...)
		u.i++
	}
	if len(u.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, u.buf)
	u.buf = u.buf[:copy(u.buf, u.buf[n:])]
	return n, nil
}

// BenchmarkDryRunPipeline is `purge url --dry-run -f FILE` minus the command:
// read → validate → dedupe → count over 1,000,000 URLs.
func BenchmarkDryRunPipeline(b *testing.B) {
	const n = 1_000_000
	var input bytes.Buffer
	io.Copy(&input, &urlLines{n: n})
	data := input.Bytes()
	opts := PrepareOptions{Kind: KindURL, Limits: limits.Default().For(limits.Free), Zone: zone, CountOnly: true}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		p, err := Prepare(opts, FileInput("urls.txt", bytes.NewReader(data)))
		if err != nil || p.Items != n {
			b.Fatal(err, p.Items, p.Errors)
		}
		_ = Estimate(KindURL, p.Units, opts.Limits, 0)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	items := float64(b.N) * n
	b.ReportMetric(items/elapsed.Seconds(), "items/s")
	// On a shared machine wall time undercounts; CPU time is "one core".
	b.ReportMetric(items/(cpuTime()-cpu0).Seconds(), "items/cpu-s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/items, "ns/item")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/items, "allocs/item")
}

// A dry run over a million URLs stays well under 100 MB: only the dedupe set
// grows with the input.
func TestDryRunMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a million lines")
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := Prepare(PrepareOptions{Kind: KindURL, Limits: free, Zone: zone, CountOnly: true},
		FileInput("gen", &urlLines{n: 1_000_000}))
	if err != nil || p.Items != 1_000_000 {
		t.Fatal(err, p.Items)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grown := float64(after.Sys-before.Sys) / (1 << 20)
	t.Logf("runtime memory grew by %.1f MB (heap in use %.1f MB)", grown, float64(after.HeapInuse)/(1<<20))
	if grown > 100 {
		t.Errorf("dry run of 1M URLs took %.1f MB", grown)
	}
}

func FuzzPrepare(f *testing.F) {
	f.Add("https://example.com/a\n#c\n\nhttps://EXAMPLE.com:443/a\n", "url")
	f.Add(`{"url":"https://example.com/x","headers":{"CF-Device-Type":"mobile"}}`, "url")
	f.Add("tag1\nTag1\na,b\n", "tag")
	f.Add("https://example.com/caf\u00e9/\nexample.com/a?b\n", "prefix")
	f.Add("example.com\nx..example.com\n", "host")
	f.Fuzz(func(t *testing.T, input, kind string) {
		k, err := ParseKind(kind)
		if err != nil || k == KindEverything {
			return
		}
		p, err := Prepare(PrepareOptions{Kind: k, Limits: free, Zone: zone, MaxLineBytes: 256}, FileInput("f", strings.NewReader(input)))
		var notText *NotTextError
		if errors.As(err, &notText) {
			if p.Read != 0 {
				t.Fatalf("a file that is not text yielded %d items", p.Read)
			}
			return // refused whole, before any item
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Read != p.Invalid+p.Duplicates+p.Items || p.Invalid != len(p.Errors) || len(p.Entries) != p.EntryCount {
			t.Fatalf("counts do not add up: %+v", *p)
		}
		for _, e := range p.Entries {
			if k != KindURL {
				continue
			}
			// Whatever the scanner accepts, the stdlib parses as an absolute
			// http(s) URL with a host.
			for i := 0; i < e.NumForms(); i++ {
				u, err := url.Parse(e.form(i))
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
					t.Fatalf("accepted %q: url.Parse: %v %+v", e.form(i), err, u)
				}
			}
		}
		// The failed file of every entry reads back to the same entries.
		fails := make([]Failure, len(p.Entries))
		for i, e := range p.Entries {
			fails[i] = Failure{e, "x"}
		}
		var out bytes.Buffer
		if err := WriteFailed(&out, k, fails); err != nil {
			t.Fatal(err)
		}
		q, err := Prepare(PrepareOptions{Kind: k, Limits: free, Zone: zone, MaxLineBytes: 1 << 16}, FileInput("failed", &out))
		if err != nil || q.Invalid != 0 {
			t.Fatalf("failed file does not read back: %v %v\n%s", err, q.Errors, out.String())
		}
		if q.Items+countHash(p.Entries) != len(p.Entries) && k != KindURL {
			t.Fatalf("read back %d of %d", q.Items, len(p.Entries))
		}
	})
}

// countHash counts entries the failed file writes as comments (tags starting
// with #).
func countHash(es []Entry) int {
	n := 0
	for _, e := range es {
		if strings.HasPrefix(e.Value, "#") {
			n++
		}
	}
	return n
}
