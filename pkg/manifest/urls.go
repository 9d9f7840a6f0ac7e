package manifest

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultIndex is the index file name when --index is not given.
const DefaultIndex = "index.html"

// NormalizeBase checks a --base-url and returns it normalized: http or
// https, a host, no user info, query or fragment; scheme and host in lower
// case (they are case-insensitive), the path kept as given and ending in
// '/', so that relative paths append to it.
func NormalizeBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("invalid --base-url %q: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https"):
		return "", fmt.Errorf("invalid --base-url %q: want an http:// or https:// URL", raw)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("invalid --base-url %q: no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("invalid --base-url %q: user info (user@) not allowed", raw)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("invalid --base-url %q: a query string cannot be a base for file URLs", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", fmt.Errorf("invalid --base-url %q: a fragment is never part of a cache key", raw)
	}
	// The path is escaped as file names are (EscapePath), segment by
	// segment however it was written, so that non-ASCII in it stays raw
	// and --url-form decides for the base as for the files; an encoded
	// '/' inside a segment stays encoded.
	var b strings.Builder
	b.WriteByte('/')
	p := strings.TrimSuffix(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	for seg := range strings.SplitSeq(p, "/") {
		if p == "" {
			break
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", fmt.Errorf("invalid --base-url %q: %v", raw, err)
		}
		if dec == "." || dec == ".." {
			return "", fmt.Errorf("invalid --base-url %q: a %s path segment", raw, dec)
		}
		b.WriteString(strings.ReplaceAll(EscapePath(dec), "/", "%2F"))
		b.WriteByte('/')
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + b.String(), nil
}

// Mapper maps file paths to the URLs that serve them.
type Mapper struct {
	base  string
	index map[string]bool
}

// NewMapper returns a mapper for a base URL (normalized or not) and the
// index file names, each of which also purges its directory's URL.
func NewMapper(base string, index []string) (*Mapper, error) {
	b, err := NormalizeBase(base)
	if err != nil {
		return nil, err
	}
	m := &Mapper{base: b, index: map[string]bool{}}
	for _, n := range index {
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\") {
			return nil, fmt.Errorf("invalid --index %q: want a file name such as index.html, without a directory", n)
		}
		m.index[n] = true
	}
	return m, nil
}

// Base is the normalized base URL.
func (m *Mapper) Base() string { return m.base }

// URLs returns the URLs of the file at p (relative, '/'-separated): base URL
// plus the path, and for an index file its directory's URL too, which comes
// first ("/blog/" then "/blog/index.html"; "/" for the root index). Case is
// kept: a URL path is case-sensitive. ASCII characters a URL path cannot
// hold raw (space, %, #, ?, *, quotes, controls...) are percent-encoded;
// non-ASCII characters are left raw so that purge's --url-form decides
// whether the raw form, the encoded one or both are sent.
func (m *Mapper) URLs(p string) ([]string, error) {
	if why := PathProblem(p); why != "" {
		return nil, fmt.Errorf("%q: %s", p, why)
	}
	file := m.base + EscapePath(p)
	if !m.index[path.Base(p)] {
		return []string{file}, nil
	}
	dir := m.base
	if d := path.Dir(p); d != "." {
		dir += EscapePath(d) + "/"
	}
	return []string{dir, file}, nil
}

// EscapePath percent-encodes what a URL path cannot hold raw, segment by
// segment ('/' separates). Non-ASCII runes stay raw, except whitespace and
// control runes and invalid UTF-8, which no URL may hold raw.
func EscapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	esc := func(c byte) {
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if mustEscape(c) {
				esc(c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(p[i:])
		if r == utf8.RuneError && n == 1 || unicode.IsSpace(r) || unicode.IsControl(r) {
			for j := range n {
				esc(p[i+j])
			}
		} else {
			b.WriteString(p[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mustEscape: controls, space and the characters that would end or change
// the path (# ? %), that purge refuses (* is a wildcard), or that browsers
// and servers treat inconsistently (\ is '/' to browsers).
func mustEscape(c byte) bool {
	return c <= ' ' || c == 0x7f || strings.IndexByte("\"#%*<>?[\\]^`{|}", c) >= 0
}

// Plan is the URLs to purge for a diff, each URL once, and which changes
// each belongs to, so that the purge's confirmations say which changes are
// done.
type Plan struct {
	URLs    []string
	Changes []Change
	// urlsOf[c] are the indexes in URLs of change c's URLs (two index
	// files of one directory share its URL).
	urlsOf [][]int
}

// PlanFor maps every change of d to its URLs.
func (m *Mapper) PlanFor(d Diff) (*Plan, error) {
	p := &Plan{Changes: d.Changes, urlsOf: make([][]int, len(d.Changes))}
	at := map[string]int{}
	for ci, c := range d.Changes {
		urls, err := m.URLs(c.Path)
		if err != nil {
			return nil, err
		}
		for _, u := range urls {
			i, ok := at[u]
			if !ok {
				i = len(p.URLs)
				at[u] = i
				p.URLs = append(p.URLs, u)
			}
			p.urlsOf[ci] = append(p.urlsOf[ci], i)
		}
	}
	return p, nil
}

// Confirmed returns, given which URLs were confirmed purged (by index in
// URLs), whether the change of a path is done: every one of its URLs was
// confirmed. A path that is not a change is trivially done.
func (p *Plan) Confirmed(urlOK func(i int) bool) func(path string) bool {
	done := make(map[string]bool, len(p.Changes))
	for ci, c := range p.Changes {
		ok := true
		for _, u := range p.urlsOf[ci] {
			if !urlOK(u) {
				ok = false
				break
			}
		}
		done[c.Path] = ok
	}
	return func(path string) bool {
		ok, isChange := done[path]
		return ok || !isChange
	}
}
