package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/limits"
)

// Kind is a purge selector, named by its key in the request body.
type Kind string

const (
	KindEverything Kind = "purge_everything"
	KindFiles      Kind = "files"
	KindTags       Kind = "tags"
	KindHosts      Kind = "hosts"
	KindPrefixes   Kind = "prefixes"
)

// maxPurgeBody bounds a purge body: 500 URLs with headers fit many times over.
const maxPurgeBody = 4 << 20

// maxReportedItemErrors keeps an answer about a bad batch readable.
const maxReportedItemErrors = 50

type purgeRequest struct {
	kind  Kind
	items []string // record keys: FileKey for files, normalized item otherwise
}

// handlePurge serves purge_cache and invalidate_cache, for the zone and for
// one of its environments: the same bodies, item caps, permission and
// per-account buckets (cloudflare.md, "Soft purge", "Environments"); only
// the record they land in differs, so a test can tell them apart.
func (s *Server) handlePurge(w http.ResponseWriter, r *http.Request, c *caller) {
	z := s.zoneFor(w, r, c, PermCachePurge)
	if z == nil {
		return
	}
	scope := Scope{Invalidate: strings.HasSuffix(r.URL.Path, "/invalidate_cache")}
	if ref := r.PathValue("env_ref"); ref != "" {
		if z.environment(ref) == nil {
			// Chosen: Cloudflare's code for an unknown environment was not found.
			writeErrors(w, http.StatusNotFound, apiErr(codeNoEnvironment, "Environment %q not found in zone %s", shorten(ref), z.Name))
			return
		}
		scope.Environment = ref
	}
	body, ok := readBody(w, r, maxPurgeBody)
	if !ok {
		return
	}
	req, errs := parsePurge(body, s.cfg.Limits.For(z.Plan))
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}

	kind, cost := flexBucket, 1.0
	if req.kind == KindFiles {
		kind, cost = urlBucket, float64(len(req.items))
	}
	s.mu.Lock()
	// A refused request takes no tokens and records nothing.
	if taken, wait := s.bucketFor(z, kind).take(s.now(), cost); !taken {
		s.mu.Unlock()
		s.throttled(byPurgeBucket)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(wait))))
		writeErrors(w, http.StatusTooManyRequests, apiErr(codePurgeRateLimited, msgPurgeRateLimit))
		return
	}
	rec := z.record(scope)
	rec.requests[req.kind]++
	if req.kind == KindEverything {
		rec.everything++
	} else {
		m := rec.items[req.kind]
		for _, it := range req.items {
			m[it]++
		}
	}
	id := s.newID()
	s.mu.Unlock()
	writeOK(w, map[string]string{"id": id})
}

// parsePurge validates a purge body the way Cloudflare does: exactly one
// selector, of the right type, not empty, not over the plan's per-request
// count, every item well formed. It reports every problem it finds, each
// with a source pointer, so a client can tell which items to fix.
func parsePurge(body []byte, l limits.Limits) (purgeRequest, []APIError) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return purgeRequest{}, []APIError{apiErr(codeMalformedJSON, msgMalformedJSON)}
	}
	var present []Kind
	var errs []APIError
	for key := range top {
		switch k := Kind(key); k {
		case KindEverything, KindFiles, KindTags, KindHosts, KindPrefixes:
			present = append(present, k)
		default:
			// Cloudflare's schema has no other keys; refusing them catches a
			// client sending e.g. "urls" and believing it purged something.
			errs = append(errs, apiErrAt(codeMissingSelector, "/"+key,
				"Unknown field %q: request must contain exactly one of %s", key, msgSelectorOptions))
		}
	}
	if len(errs) > 0 {
		return purgeRequest{}, errs
	}
	switch {
	case len(present) == 0:
		return purgeRequest{}, []APIError{apiErr(codeMissingSelector, "Request must contain one of %s", msgSelectorOptions)}
	case len(present) > 1 && top[string(KindEverything)] != nil:
		return purgeRequest{}, []APIError{apiErr(codeEverythingCombo,
			"Request cannot contain 'purge_everything' and any of 'files', 'tags', 'hosts', or 'prefixes'")}
	case len(present) > 1:
		return purgeRequest{}, []APIError{apiErr(codeMissingSelector,
			"Request must contain only one of 'files', 'tags', 'hosts', or 'prefixes'")}
	}
	kind := present[0]
	raw := top[string(kind)]
	if kind == KindEverything {
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil || !v {
			return purgeRequest{}, []APIError{apiErrAt(codeEverythingTrue, "/purge_everything", "'purge_everything' must be true")}
		}
		return purgeRequest{kind: kind}, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil || elems == nil {
		return purgeRequest{}, []APIError{apiErrAt(codeNotArray, "/"+string(kind), "'%s' must be an array", kind)}
	}
	if len(elems) == 0 {
		return purgeRequest{}, []APIError{apiErrAt(codeNotArray, "/"+string(kind), "'%s' must not be empty", kind)}
	}
	if e, bad := tooMany(kind, len(elems), l); bad {
		return purgeRequest{}, []APIError{e}
	}
	req := purgeRequest{kind: kind, items: make([]string, 0, len(elems))}
	for i, el := range elems {
		ptr := "/" + string(kind) + "/" + strconv.Itoa(i)
		key, e := parseItem(kind, el, l, ptr)
		if e != nil {
			if len(errs) < maxReportedItemErrors {
				errs = append(errs, *e)
			}
			continue
		}
		req.items = append(req.items, key)
	}
	if len(errs) > 0 {
		return purgeRequest{}, errs
	}
	return req, nil
}

// tooMany answers a batch over the per-request limit with the wording of
// Cloudflare's old error table: "Exceeded maximum amount of 30 tags that
// can be purged on a single request". The number in it is the limit.
func tooMany(kind Kind, n int, l limits.Limits) (APIError, bool) {
	max, code, noun := l.FlexItemsPerRequest, 0, ""
	switch kind {
	case KindFiles:
		max, code, noun = l.URLsPerRequest, codeTooManyFiles, "files"
	case KindTags:
		code, noun = codeTooManyTags, "tags"
	case KindHosts:
		code, noun = codeTooManyHosts, "hosts"
	case KindPrefixes:
		code, noun = codeTooManyPrefixes, "prefixes"
	}
	if n <= max {
		return APIError{}, false
	}
	return apiErrAt(code, "/"+string(kind),
		"Exceeded maximum amount of %d %s that can be purged on a single request", max, noun), true
}

func parseItem(kind Kind, raw json.RawMessage, l limits.Limits, ptr string) (string, *APIError) {
	if kind == KindFiles {
		return parseFile(raw, ptr)
	}
	s, ok := plainString(raw)
	if !ok && json.Unmarshal(raw, &s) != nil {
		return "", &APIError{Code: codeNotArray, Message: fmt.Sprintf("'%s' must be an array of strings", kind), Source: &ErrorSource{Pointer: ptr}}
	}
	var reason, noun string
	var code int
	switch kind {
	case KindTags:
		code, noun, reason = codeBadTag, "tag", validTag(s, l.TagMaxLength)
	case KindHosts:
		code, noun, reason = codeBadHost, "host", validHostname(s)
	case KindPrefixes:
		code, noun, reason = codeBadPrefix, "prefix", validPrefix(s, l.PrefixMaxSeparators)
	}
	if reason != "" {
		e := apiErrAt(code, ptr, "Invalid %s %q: %s", noun, shorten(s), reason)
		return "", &e
	}
	return normalizeItem(kind, s), nil
}

// parseFile accepts a URL string or {"url": ..., "headers": {...}}.
func parseFile(raw json.RawMessage, ptr string) (string, *APIError) {
	bad := func(format string, args ...any) (string, *APIError) {
		e := apiErrAt(codeBadFile, ptr, format, args...)
		return "", &e
	}
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '"' {
		u, ok := plainString(trimmed)
		if !ok {
			if err := json.Unmarshal(raw, &u); err != nil {
				return bad("Unable to purge: file must be a URL string or an object with url and headers")
			}
		}
		if reason := validFileURL(u); reason != "" {
			return bad("Unable to purge %q: %s", shorten(u), reason)
		}
		return u, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return bad("Unable to purge: file must be a URL string or an object with url and headers")
	}
	for k := range obj {
		if k != "url" && k != "headers" {
			return bad("Unable to purge: unknown field %q in file object", k)
		}
	}
	var u string
	if err := json.Unmarshal(obj["url"], &u); err != nil || u == "" {
		return bad("Unable to purge: file object needs a \"url\" string")
	}
	if reason := validFileURL(u); reason != "" {
		return bad("Unable to purge %q: %s", shorten(u), reason)
	}
	var headers map[string]string
	if h, ok := obj["headers"]; ok && string(h) != "null" {
		if err := json.Unmarshal(h, &headers); err != nil {
			return bad("Unable to purge %q: headers must be an object of strings", shorten(u))
		}
	}
	seen := make(map[string]bool, len(headers))
	for name, value := range headers {
		lower := strings.ToLower(name)
		if seen[lower] {
			return bad("Unable to purge %q: header %q given twice", shorten(u), name)
		}
		seen[lower] = true
		if reason := validPurgeHeader(lower, value); reason != "" {
			return bad("Unable to purge %q: header %s: %s", shorten(u), name, reason)
		}
	}
	return FileKey(u, headers), nil
}

// plainString reads a JSON string without escapes directly, the common case
// for URLs, skipping a second decoding pass; the body was already checked
// to be valid JSON.
func plainString(raw []byte) (string, bool) {
	raw = bytes.TrimRight(raw, " \t\r\n")
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || bytes.IndexByte(raw[1:len(raw)-1], '\\') >= 0 {
		return "", false
	}
	return string(raw[1 : len(raw)-1]), true
}

func validFileURL(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "contains whitespace or control characters"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL"
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "must be an absolute http or https URL"
	}
	if u.Host == "" || u.Hostname() == "" {
		return "must be an absolute http or https URL with a host"
	}
	return ""
}

// validPurgeHeader checks the headers Cloudflare documents for purging
// custom cache keys (developers.cloudflare.com/cache/how-to/purge-cache/purge-cache-key/):
// CF-Device-Type, CF-IPCountry, Accept-Language and Origin have known forms.
// Any other well-formed header is accepted, because a cache key may include
// arbitrary request headers and the purge must name them.
func validPurgeHeader(lowerName, v string) string {
	if !isToken(lowerName) {
		return "not a valid header name"
	}
	if v == "" {
		return "empty value"
	}
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f {
			return "value contains control characters"
		}
	}
	switch lowerName {
	case "cf-device-type":
		switch strings.ToLower(v) {
		case "mobile", "desktop", "tablet":
			return ""
		}
		return "must be mobile, desktop or tablet"
	case "cf-ipcountry":
		// Two-letter codes; Cloudflare also uses T1 (Tor) and XX (unknown),
		// and its own API example sends EU, so any two alphanumerics pass.
		if len(v) == 2 && isAlnum(v[0]) && isAlnum(v[1]) {
			return ""
		}
		return "must be a two-letter country code"
	case "accept-language":
		for i := 0; i < len(v); i++ {
			c := v[i]
			if !(isAlnum(c) || strings.IndexByte("-,;=.* ", c) >= 0) {
				return "not a language list such as en-US"
			}
		}
	case "origin":
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return "must be scheme://host[:port], e.g. https://www.example.com"
		}
	}
	return ""
}

// validTag: 1 to max characters of printable ASCII without spaces.
func validTag(s string, max int) string {
	if s == "" {
		return "empty tag"
	}
	if len(s) > max {
		return fmt.Sprintf("tag exceeds maximum length of %d characters", max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "tags are printable ASCII without spaces"
		}
	}
	return ""
}

// validHostname accepts a bare host name: no scheme, path, port or spaces.
func validHostname(s string) string {
	switch {
	case s == "":
		return "empty host"
	case strings.Contains(s, "://"):
		return "must be a bare host name, without scheme"
	case strings.ContainsAny(s, "/?#"):
		return "must be a bare host name, without path"
	case strings.Contains(s, ":"):
		return "must be a bare host name, without port"
	case len(s) > 253:
		return "longer than 253 characters"
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return "not a valid host name"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isAlnum(c) || c == '-' || c == '_') {
				return "not a valid host name"
			}
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "not a valid host name"
		}
	}
	return ""
}

// validPrefix: host/path, no scheme, no query or fragment, at most max '/'.
func validPrefix(s string, maxSeparators int) string {
	if strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "http:") || strings.HasPrefix(strings.ToLower(s), "https:") {
		return "must be host/path without scheme"
	}
	if strings.ContainsAny(s, "?#") {
		return "must not contain a query string (?) or fragment (#)"
	}
	if n := strings.Count(s, "/"); n > maxSeparators {
		return fmt.Sprintf("has %d path separators, at most %d allowed", n, maxSeparators)
	}
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "contains whitespace or control characters"
		}
	}
	host, _, _ := strings.Cut(s, "/")
	if reason := validHostname(host); reason != "" {
		return "host part: " + reason
	}
	return ""
}

// shorten keeps messages about huge items readable.
func shorten(s string) string {
	const keep = 120
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isToken reports whether s is an RFC 9110 token, the syntax of header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
