// Package warmtest is a local origin for tests of warming and verifying: an
// http.Handler that answers the way a site behind Cloudflare does, with
// CF-Cache-Status, Age and CF-Ray, and serves sitemaps. Only tests import it.
package warmtest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/warm"
)

// Colo is the data centre the origin names in CF-Ray.
const Colo = "LHR"

// Pages are the page paths /sitemap.xml lists, chosen to hit every rule:
// cacheable pages, one each for the default exclusions, a page Cloudflare
// does not cache (DYNAMIC) and one it bypasses, and a redirect.
func Pages() []string {
	return []string{
		"/", "/about/", "/blog/hello-world/",
		"/blog/page/2/", "/?s=search", "/old-post__trashed/",
		"/dynamic/cart/", "/bypass/account/", "/redirect/old/",
	}
}

// Origin emulates a Cloudflare-fronted site. Paths:
//
//	/sitemap.xml            urlset of Pages
//	/sitemap_index.xml      index of /sitemap-posts.xml and /sitemap-pages.xml.gz
//	/sitemap-posts.xml      urlset of /post/1/ … /post/3/
//	/sitemap-pages.xml.gz   gzipped urlset of /page-a/, /page-b/ (no Content-Encoding)
//	/sitemap-big.xml?n=N    urlset of /big/0 … /big/N-1, generated as it is sent
//	/sitemap-loop.xml       an index that lists itself and /sitemap-posts.xml
//	/dynamic/…              CF-Cache-Status: DYNAMIC
//	/bypass/…               CF-Cache-Status: BYPASS
//	/redirect/…             301 to /
//	/error/…                503
//	anything else           200; MISS the first time per path and device type,
//	                        then HIT with the Age since then (or what
//	                        Answer / KeepHit fixed for the path)
//
// Locs are absolute, built from the request's Host, so behind an
// OriginTransport they name the production host.
type Origin struct {
	// Latency delays every page answer (not sitemaps), so concurrent
	// requests overlap and can be counted.
	Latency time.Duration

	mu       sync.Mutex
	cachedAt map[string]time.Time // path|device → when it was cached
	keep     map[string]answer    // path → what to answer forever
	seen     map[string][]string  // path → User-Agents, in arrival order
	headers  map[string][]http.Header
	methods  map[string]int
	starts   []time.Time
	inFlight int
	peak     int
	pages    int
	ray      int
}

// New returns an empty origin.
func New() *Origin {
	return &Origin{cachedAt: map[string]time.Time{}, keep: map[string]answer{}, seen: map[string][]string{}, headers: map[string][]http.Header{}, methods: map[string]int{}}
}

// Start serves a new origin on loopback until the test ends.
func Start(t testing.TB) (*Origin, *httptest.Server) {
	t.Helper()
	o := New()
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	return o, srv
}

// KeepHit makes path answer HIT with the given Age forever: a page whose
// purge did not take.
func (o *Origin) KeepHit(path string, age int) { o.Answer(path, "HIT", age) }

// answer is a fixed CF-Cache-Status and Age.
type answer struct {
	status string
	age    int
}

// Answer makes path answer the cache status with the given Age forever:
// what Cloudflare says after an invalidation (REVALIDATED, EXPIRED,
// UPDATING) or a purge that did not take (HIT with an old Age).
func (o *Origin) Answer(path, cacheStatus string, age int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keep[path] = answer{cacheStatus, age}
}

// Seen returns the User-Agents that requested path, in order.
func (o *Origin) Seen(path string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.seen[path]...)
}

// Headers returns the request headers of each request for path, in order.
func (o *Origin) Headers(path string) []http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]http.Header(nil), o.headers[path]...)
}

// Paths returns every page path requested, sorted.
func (o *Origin) Paths() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for p := range o.seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// PageRequests is how many page requests arrived.
func (o *Origin) PageRequests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pages
}

// Peak is the most page requests ever in progress at once.
func (o *Origin) Peak() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.peak
}

// Starts are the arrival times of page requests.
func (o *Origin) Starts() []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Time(nil), o.starts...)
}

// Methods counts page requests by method.
func (o *Origin) Methods() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]int{}
	for k, v := range o.methods {
		out[k] = v
	}
	return out
}

func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/sitemap.xml":
		o.urlset(w, r, Pages())
		return
	case p == "/sitemap_index.xml":
		o.index(w, r, "/sitemap-posts.xml", "/sitemap-pages.xml.gz")
		return
	case p == "/sitemap-loop.xml":
		o.index(w, r, "/sitemap-loop.xml", "/sitemap-posts.xml")
		return
	case p == "/sitemap-posts.xml":
		o.urlset(w, r, []string{"/post/1/", "/post/2/", "/post/3/"})
		return
	case p == "/sitemap-pages.xml.gz":
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		writeURLset(zw, base(r), []string{"/page-a/", "/page-b/"})
		zw.Close()
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(buf.Bytes())
		return
	case p == "/sitemap-big.xml":
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Type", "application/xml")
		b := base(r)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+"\n")
		for i := range n {
			fmt.Fprintf(w, "<url><loc>%s/big/%d</loc><lastmod>2026-01-01</lastmod></url>\n", b, i)
		}
		fmt.Fprint(w, "</urlset>\n")
		return
	}
	o.page(w, r)
}

func (o *Origin) page(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	ua := r.Header.Get("User-Agent")
	o.mu.Lock()
	o.pages++
	o.methods[r.Method]++
	o.seen[p] = append(o.seen[p], ua)
	o.headers[p] = append(o.headers[p], r.Header.Clone())
	o.starts = append(o.starts, time.Now())
	o.inFlight++
	o.peak = max(o.peak, o.inFlight)
	o.ray++
	ray := o.ray
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.inFlight--
		o.mu.Unlock()
	}()
	if o.Latency > 0 {
		select {
		case <-time.After(o.Latency):
		case <-r.Context().Done():
			return
		}
	}
	h := w.Header()
	h.Set("CF-Ray", fmt.Sprintf("%016x-%s", uint64(0x8c00000000000000)+uint64(ray), Colo))
	h.Set("Content-Type", "text/html; charset=utf-8")
	switch {
	case strings.HasPrefix(p, "/dynamic/"):
		h.Set("CF-Cache-Status", "DYNAMIC")
	case strings.HasPrefix(p, "/bypass/"):
		h.Set("CF-Cache-Status", "BYPASS")
	case strings.HasPrefix(p, "/redirect/"):
		h.Set("CF-Cache-Status", "DYNAMIC")
		h.Set("Location", "/")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	case strings.HasPrefix(p, "/error/"):
		h.Set("CF-Cache-Status", "DYNAMIC")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	default:
		key := p + "|" + string(warm.ClassifyUserAgent(ua))
		o.mu.Lock()
		fixed, kept := o.keep[p]
		at, cached := o.cachedAt[key]
		if !cached && !kept {
			o.cachedAt[key] = time.Now()
		}
		o.mu.Unlock()
		switch {
		case kept:
			h.Set("CF-Cache-Status", fixed.status)
			h.Set("Age", strconv.Itoa(fixed.age))
		case cached:
			h.Set("CF-Cache-Status", "HIT")
			h.Set("Age", strconv.Itoa(int(time.Since(at).Seconds())))
		default:
			h.Set("CF-Cache-Status", "MISS")
		}
	}
	if r.Method != http.MethodHead {
		fmt.Fprintf(w, "<!doctype html><title>%s</title><p>%s</p>\n", p, strings.Repeat("content ", 64))
	}
}

func base(r *http.Request) string { return "http://" + r.Host }

func (o *Origin) urlset(w http.ResponseWriter, r *http.Request, paths []string) {
	w.Header().Set("Content-Type", "application/xml")
	writeURLset(w, base(r), paths)
}

func writeURLset(w interface{ Write([]byte) (int, error) }, b string, paths []string) {
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">`+"\n")
	for _, p := range paths {
		fmt.Fprintf(w, "  <url>\n    <loc>%s%s</loc>\n    <image:image><image:loc>%s/img.png</image:loc></image:image>\n  </url>\n", b, xmlEscape(p), b)
	}
	fmt.Fprint(w, "</urlset>\n")
}

func (o *Origin) index(w http.ResponseWriter, r *http.Request, paths ...string) {
	w.Header().Set("Content-Type", "application/xml")
	b := base(r)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+"\n")
	for _, p := range paths {
		fmt.Fprintf(w, "  <sitemap><loc>%s%s</loc><lastmod>2026-01-01</lastmod></sitemap>\n", b, p)
	}
	fmt.Fprint(w, "</sitemapindex>\n")
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
