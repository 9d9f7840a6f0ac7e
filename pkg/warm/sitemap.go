package warm

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Bounds on reading sitemaps. The sitemap protocol (sitemaps.org/protocol.html)
// caps one file at 50,000 URLs and 50 MB uncompressed; an index lists
// sitemaps, not other indexes, so nesting deeper than a couple of levels is
// a loop or a mistake.
const (
	DefaultMaxDepth   = 3
	DefaultMaxURLs    = 50_000
	MaxSitemapBytes   = 50 << 20
	DefaultSitemapTTL = 2 * time.Minute
)

// SitemapConfig says how sitemaps are fetched.
type SitemapConfig struct {
	Client    *http.Client
	UserAgent string
	// MaxDepth bounds index nesting: a root is depth 0, a sitemap listed by
	// it depth 1. 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxURLs bounds the URLs read from all sitemaps together; reading stops
	// there and the result says it was truncated. 0 means DefaultMaxURLs.
	MaxURLs int
	// MaxBytes bounds one document after decompression (a gzip bomb stops
	// there). 0 means MaxSitemapBytes.
	MaxBytes int64
	// Timeout bounds fetching one document. 0 means DefaultSitemapTTL.
	Timeout time.Duration
}

// SitemapError is a sitemap that could not be read.
type SitemapError struct {
	URL string
	Err error
}

func (e *SitemapError) Error() string { return "sitemap " + e.URL + ": " + e.Err.Error() }
func (e *SitemapError) Unwrap() error { return e.Err }

// SitemapStats is what reading sitemaps found.
type SitemapStats struct {
	Documents int // sitemaps and indexes read
	URLs      int // page URLs read (before exclusions and de-duplication)
	Truncated bool
	Errors    []*SitemapError
}

// LocKind says what a <loc> points at.
type LocKind int

const (
	// LocPage is a <url><loc> of a urlset: a page to warm.
	LocPage LocKind = iota
	// LocSitemap is a <sitemap><loc> of a sitemapindex: another sitemap.
	LocSitemap
)

// ParseSitemap streams one sitemap or sitemap index from r with
// encoding/xml's token decoder, calling fn for each <loc> in document order;
// fn returns false to stop. Only the current token is held, so a 50,000-URL
// sitemap costs the same memory as a ten-URL one. gzip input is detected by
// its magic bytes and decompressed on the fly. A document whose root is not
// <urlset> or <sitemapindex> is an error (an HTML error page served with 200
// is the usual case).
func ParseSitemap(r io.Reader, maxBytes int64, fn func(kind LocKind, loc string) bool) error {
	if maxBytes <= 0 {
		maxBytes = MaxSitemapBytes
	}
	br := bufio.NewReader(r)
	// Go's transport already undoes a Content-Encoding: gzip it asked for,
	// and a server may label a .gz file either way; the magic bytes are the
	// only reliable sign that what is left is still compressed.
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	d := xml.NewDecoder(&limitedReader{r: r, left: maxBytes})
	var stack []string // local names of the open elements
	var text strings.Builder
	inLoc := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) > 0 || text.Len() > 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && t.Name.Local != "urlset" && t.Name.Local != "sitemapindex" {
				return fmt.Errorf("not a sitemap: the root element is <%s>, want <urlset> or <sitemapindex>", t.Name.Local)
			}
			stack = append(stack, t.Name.Local)
			inLoc = t.Name.Local == "loc" && len(stack) == 3
			text.Reset()
		case xml.CharData:
			if inLoc {
				text.Write(t)
			}
		case xml.EndElement:
			if inLoc {
				inLoc = false
				kind := LocPage
				if stack[1] == "sitemap" {
					kind = LocSitemap
				}
				// <url> in a urlset and <sitemap> in an index; a <loc>
				// anywhere else (an extension's image:loc) is not a page.
				if (stack[0] == "urlset" && stack[1] == "url") || (stack[0] == "sitemapindex" && stack[1] == "sitemap") {
					if loc := strings.TrimSpace(text.String()); loc != "" && !fn(kind, loc) {
						return nil
					}
				}
				text.Reset()
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// errTooLarge is returned once a document passes its size bound.
var errTooLarge = errors.New("larger than the sitemap protocol's 50 MB uncompressed")

type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// ReadSitemaps fetches each root sitemap and, recursively, the sitemaps its
// index lists, calling onURL for every page URL in order. A sitemap that
// cannot be fetched or parsed is recorded and the others are still read;
// each sitemap is read at most once, so an index listing itself ends.
func ReadSitemaps(ctx context.Context, cfg SitemapConfig, roots []string, onURL func(loc string)) SitemapStats {
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxURLs <= 0 {
		cfg.MaxURLs = DefaultMaxURLs
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSitemapTTL
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	var st SitemapStats
	seen := map[string]bool{}
	type job struct {
		url   string
		depth int
	}
	queue := make([]job, 0, len(roots))
	for _, r := range roots {
		queue = append(queue, job{r, 0})
	}
	for len(queue) > 0 && !st.Truncated && ctx.Err() == nil {
		j := queue[0]
		queue = queue[1:]
		if seen[j.url] {
			continue
		}
		seen[j.url] = true
		var children []string
		err := fetchSitemap(ctx, cfg, j.url, func(kind LocKind, loc string) bool {
			if kind == LocSitemap {
				children = append(children, resolve(j.url, loc))
				return true
			}
			if st.URLs >= cfg.MaxURLs {
				st.Truncated = true
				return false
			}
			st.URLs++
			onURL(resolve(j.url, loc))
			return true
		})
		st.Documents++
		if err != nil {
			st.Errors = append(st.Errors, &SitemapError{URL: j.url, Err: err})
		}
		if len(children) > 0 && j.depth+1 > cfg.MaxDepth {
			st.Errors = append(st.Errors, &SitemapError{URL: j.url, Err: fmt.Errorf("index nested deeper than %d levels: its %d sitemaps were not read", cfg.MaxDepth, len(children))})
			continue
		}
		for _, c := range children {
			queue = append(queue, job{c, j.depth + 1})
		}
	}
	return st
}

// resolve makes loc absolute against the sitemap it came from; the protocol
// wants absolute URLs, but a relative one has only one sensible reading.
func resolve(base, loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.IsAbs() {
		return loc
	}
	b, err := url.Parse(base)
	if err != nil {
		return loc
	}
	return b.ResolveReference(u).String()
}

func fetchSitemap(ctx context.Context, cfg SitemapConfig, u string, fn func(LocKind, string) bool) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if cfg.UserAgent != "" {
		req.Header.Set("User-Agent", cfg.UserAgent)
	}
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return ParseSitemap(resp.Body, cfg.MaxBytes, fn)
}
