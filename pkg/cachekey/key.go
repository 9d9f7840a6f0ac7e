package cachekey

import (
	"net/textproto"
	"sort"
	"strings"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Setting paths of the cache-key settings, as rules.Setting names them.
const (
	PathCache          = "cache"
	PathEdgeTTL        = "edge_ttl"
	PathByDeviceType   = "cache_key.cache_by_device_type"
	PathDeceptionArmor = "cache_key.cache_deception_armor"
	PathSortQuery      = "cache_key.ignore_query_strings_order"
	PathQueryString    = "cache_key.custom_key.query_string"
	PathHeader         = "cache_key.custom_key.header"
	PathCookie         = "cache_key.custom_key.cookie"
	PathHost           = "cache_key.custom_key.host"
	PathUser           = "cache_key.custom_key.user"
)

// Query-string handling in the key.
const (
	QueryAll     = "all"     // every parameter (the default)
	QueryInclude = "include" // only the listed parameters
	QueryExclude = "exclude" // every parameter but the listed ones
	QueryNone    = "none"    // no query string at all
)

// PartKind says how a header or cookie enters the key.
type PartKind string

const (
	KindValue    PartKind = "value"    // include: the value is in the key
	KindPresence PartKind = "presence" // check_presence: only whether it was sent
	KindContains PartKind = "contains" // header.contains: which listed values it holds
	// KindDefault is a header Cloudflare's default key holds when a client
	// sends it (Origin, x-forwarded-host, ...), not one a rule asked for.
	KindDefault PartKind = "default"
)

// Part is one header or cookie of the key.
type Part struct {
	Name    string   `json:"name"`
	Kind    PartKind `json:"kind"`
	Present bool     `json:"present"`
	// Value is what the request sent (joined with ", " when sent twice).
	Value string `json:"value,omitempty"`
	// Listed and Matched are for KindContains: the values the rule lists
	// and those the request's header contains.
	Listed  []string `json:"listed,omitempty"`
	Matched []string `json:"matched,omitempty"`
	SetBy   string   `json:"set_by,omitempty"`
}

// Feature is a user feature in the key (device type, country, language).
type Feature struct {
	Value string `json:"value"`
	// Source says where the value came from: "flag" (--device, --country),
	// "user-agent", "accept-language", or "assumed" when the request did not
	// say and the value is Cloudflare's fallback.
	Source string `json:"source"`
	SetBy  string `json:"set_by"`
}

// Key is the cache key Cloudflare builds for a request, part by part.
type Key struct {
	// Cached says whether a response to this request is stored at all;
	// Reason says why, naming the rule that decided.
	Cached bool   `json:"cached"`
	Reason string `json:"reason"`
	// URL is the key's URL part: scheme, host, path and the query string
	// as the key holds it (filtered and sorted).
	URL          string   `json:"url"`
	Scheme       string   `json:"scheme"`
	Host         string   `json:"host"`
	HostResolved bool     `json:"host_resolved"`
	Path         string   `json:"path"`
	Query        string   `json:"query"`
	QueryMode    string   `json:"query_mode"`
	QueryList    []string `json:"query_list,omitempty"`
	QuerySorted  bool     `json:"query_sorted"`
	Headers      []Part   `json:"headers"`
	Cookies      []Part   `json:"cookies"`
	Device       *Feature `json:"device_type,omitempty"`
	Country      *Feature `json:"geo,omitempty"`
	Lang         *Feature `json:"lang,omitempty"`
	// DeceptionArmor: the response is cached only when its Content-Type
	// matches the path's extension.
	DeceptionArmor bool     `json:"cache_deception_armor"`
	Notes          []string `json:"notes,omitempty"`
}

// defaultKeyHeaders are the request headers Cloudflare's default cache key
// holds when a client sends them (cache/how-to/cache-keys, "default cache
// key"), besides Origin which exclude_origin can drop.
func defaultKeyHeaders() []string {
	return []string{"x-http-method-override", "x-http-method", "x-method-override",
		"x-forwarded-host", "x-host", "x-forwarded-scheme", "x-original-url", "x-rewrite-url", "forwarded"}
}

// defaultCached reports whether Cloudflare caches a file extension when no
// rule sets `cache` (cache/concepts/default-cache-behavior, "Default cached
// file extensions"). HTML and extension-less paths are not on the list.
func defaultCached(ext string) bool {
	switch ext {
	case "7z", "csv", "gif", "midi", "png", "tif", "zip", "avi", "doc", "gz", "mkv", "ppt", "tiff", "zst",
		"avif", "docx", "ico", "mp3", "pptx", "ttf", "apk", "dmg", "iso", "mp4", "ps", "webm", "bin", "ejs",
		"jar", "ogg", "rar", "webp", "bmp", "eot", "jpg", "otf", "svg", "woff", "bz2", "eps", "jpeg", "pdf",
		"svgz", "woff2", "class", "exe", "js", "pict", "swf", "xls", "css", "flac", "mid", "pls", "tar", "xlsx":
		return true
	}
	return false
}

// request is a Request split the way the key needs it.
type request struct {
	method, scheme, host, path, query string
	headers                           map[string][]string // lower-case name → values
	headerNames                       map[string]string   // lower-case → as sent
	cookies                           map[string][]string
	device, country                   string
}

func splitRequest(r expr.Request) request {
	q := request{method: strings.ToUpper(r.Method), headers: map[string][]string{}, headerNames: map[string]string{},
		cookies: map[string][]string{}, device: strings.ToLower(r.DeviceType), country: strings.ToUpper(r.Country)}
	if q.method == "" {
		q.method = "GET"
	}
	scheme, rest, _ := strings.Cut(r.URL, "://")
	q.scheme = strings.ToLower(scheme)
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	// Hosts are case-insensitive and Cloudflare lower-cases them in keys
	// (purge-by-single-file: "the host part of the URL is not case-sensitive").
	q.host = strings.ToLower(rest[:end])
	q.path, q.query, _ = strings.Cut(rest[end:], "?")
	if q.path == "" {
		q.path = "/"
	}
	var cookieLines []string
	for _, h := range r.Headers {
		n := strings.ToLower(h.Name)
		q.headers[n] = append(q.headers[n], h.Value)
		if _, ok := q.headerNames[n]; !ok {
			q.headerNames[n] = h.Name
		}
		if n == "cookie" {
			cookieLines = append(cookieLines, h.Value)
		}
	}
	for _, line := range cookieLines {
		for _, part := range strings.Split(line, ";") {
			if name, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok || name != "" {
				q.cookies[name] = append(q.cookies[name], val)
			}
		}
	}
	for _, c := range r.Cookies {
		q.cookies[c.Name] = append(q.cookies[c.Name], c.Value)
	}
	return q
}

func (q request) header(name string) (string, bool) {
	vs, ok := q.headers[name]
	return strings.Join(vs, ", "), ok
}

// headerName is the header's name as the request spelled it.
func (q request) headerName(lower string) string {
	if n, ok := q.headerNames[lower]; ok {
		return n
	}
	return textproto.CanonicalMIMEHeaderKey(lower)
}

// BuildKey computes the cache key of a request under the effective settings.
func BuildKey(eff Effective, r expr.Request) Key {
	q := splitRequest(r)
	s := eff.Settings
	k := Key{Scheme: q.scheme, Host: q.host, Path: q.path, QueryMode: QueryAll, Headers: []Part{}, Cookies: []Part{}}
	k.Cached, k.Reason = cacheability(eff, q)

	ck := s.Get("cache_key")
	custom := ck.Get("custom_key")

	// Query string.
	params := splitQuery(q.query)
	qs := custom.Get("query_string")
	if inc := qs.Get("include"); inc != nil {
		if all, list := selector(inc); !all {
			k.QueryMode, k.QueryList = QueryInclude, list
			params = filterParams(params, list, true)
		}
	} else if exc := qs.Get("exclude"); exc != nil {
		if all, list := selector(exc); all {
			k.QueryMode, params = QueryNone, nil
		} else {
			k.QueryMode, k.QueryList = QueryExclude, list
			params = filterParams(params, list, false)
		}
	}
	if ck.Get("ignore_query_strings_order").IsTrue() {
		k.QuerySorted = true
		sort.SliceStable(params, func(i, j int) bool { return paramName(params[i]) < paramName(params[j]) })
	}
	k.Query = strings.Join(params, "&")
	k.URL = k.Scheme + "://" + k.Host + k.Path
	if k.Query != "" {
		k.URL += "?" + k.Query
	}

	if custom.Lookup("host", "resolved").IsTrue() {
		k.HostResolved = true
		k.Notes = append(k.Notes, "host.resolved: the key holds the host used to resolve the origin, the same as the request's unless a resolve override (Origin Rules) changes it")
	}

	// Headers.
	hdr := custom.Get("header")
	hdrBy := eff.SetBy[PathHeader]
	for _, name := range strList(hdr.Get("include")) {
		v, ok := q.header(strings.ToLower(name))
		k.Headers = append(k.Headers, Part{Name: strings.ToLower(name), Kind: KindValue, Present: ok, Value: v, SetBy: hdrBy})
	}
	for _, name := range strList(hdr.Get("check_presence")) {
		v, ok := q.header(strings.ToLower(name))
		k.Headers = append(k.Headers, Part{Name: strings.ToLower(name), Kind: KindPresence, Present: ok, Value: v, SetBy: hdrBy})
	}
	if c := hdr.Get("contains"); c != nil && c.Kind == rules.Object {
		for _, f := range c.Fields() {
			name := strings.ToLower(f.Key)
			v, ok := q.header(name)
			p := Part{Name: name, Kind: KindContains, Present: ok, Value: v, Listed: strList(f.Value), SetBy: hdrBy}
			lv := strings.ToLower(v)
			for _, want := range p.Listed {
				if ok && strings.Contains(lv, strings.ToLower(want)) {
					p.Matched = append(p.Matched, want)
				}
			}
			k.Headers = append(k.Headers, p)
		}
	}
	if v, ok := q.header("origin"); ok {
		if hdr.Get("exclude_origin").IsTrue() {
			k.Notes = append(k.Notes, "the Origin header is left out of the key (exclude_origin, set by "+hdrBy+")")
		} else {
			k.Headers = append(k.Headers, Part{Name: "origin", Kind: KindDefault, Present: true, Value: v})
		}
	}
	for _, name := range defaultKeyHeaders() {
		v, ok := q.header(name)
		if !ok || (name == "x-forwarded-scheme" && (v == "http" || v == "https")) {
			continue
		}
		k.Headers = append(k.Headers, Part{Name: name, Kind: KindDefault, Present: true, Value: v})
	}

	// Cookies.
	ck2 := custom.Get("cookie")
	cookieBy := eff.SetBy[PathCookie]
	for _, name := range strList(ck2.Get("include")) {
		vs, ok := q.cookies[name]
		k.Cookies = append(k.Cookies, Part{Name: name, Kind: KindValue, Present: ok, Value: strings.Join(vs, ", "), SetBy: cookieBy})
	}
	for _, name := range strList(ck2.Get("check_presence")) {
		vs, ok := q.cookies[name]
		k.Cookies = append(k.Cookies, Part{Name: name, Kind: KindPresence, Present: ok, Value: strings.Join(vs, ", "), SetBy: cookieBy})
	}

	// User features.
	user := custom.Get("user")
	switch {
	case ck.Get("cache_by_device_type").IsTrue():
		k.Device = deviceFeature(q, eff.SetBy[PathByDeviceType])
	case user.Get("device_type").IsTrue():
		k.Device = deviceFeature(q, eff.SetBy[PathUser])
	}
	if user.Get("geo").IsTrue() {
		k.Country = &Feature{Value: q.country, Source: "flag", SetBy: eff.SetBy[PathUser]}
		if q.country == "" {
			// CF-IPCountry's value when Cloudflare has no country.
			k.Country.Value, k.Country.Source = "XX", "assumed"
		}
	}
	if user.Get("lang").IsTrue() {
		al, _ := q.header("accept-language")
		k.Lang = &Feature{Value: FirstLanguage(al), Source: "accept-language", SetBy: eff.SetBy[PathUser]}
	}
	k.DeceptionArmor = ck.Get("cache_deception_armor").IsTrue()
	return k
}

func deviceFeature(q request, by string) *Feature {
	if q.device != "" {
		return &Feature{Value: q.device, Source: "flag", SetBy: by}
	}
	if ua, ok := q.header("user-agent"); ok {
		return &Feature{Value: DeviceFromUserAgent(ua), Source: "user-agent", SetBy: by}
	}
	return &Feature{Value: "desktop", Source: "assumed", SetBy: by}
}

// cacheability decides whether the response is stored: only GET and HEAD
// are cached; then the winning `cache` setting; with none, Cloudflare's
// default, which caches only its list of static file extensions.
func cacheability(eff Effective, q request) (bool, string) {
	if q.method != "GET" && q.method != "HEAD" {
		return false, "Cloudflare caches only GET and HEAD requests, not " + q.method
	}
	ttlNote := ""
	if isString(eff.Settings.Lookup("edge_ttl", "mode"), "bypass_by_default") {
		ttlNote = "; edge_ttl bypass_by_default (set by " + eff.SetBy[PathEdgeTTL] + "): stored only when the origin sends Cache-Control"
	}
	if c := eff.Settings.Get("cache"); c != nil && c.Kind == rules.Bool {
		by := eff.SetBy[PathCache]
		if !c.Bool {
			return false, "bypass: cache is false (set by " + by + ")"
		}
		return true, "eligible for cache: cache is true (set by " + by + ")" + ttlNote
	}
	ext := pathExtension(q.path)
	if defaultCached(ext) {
		return true, "no rule sets cache: Cloudflare's default caches ." + ext + " files" + ttlNote
	}
	what := "paths without an extension"
	if ext != "" {
		what = "." + ext + " files"
	}
	return false, "no rule sets cache, and Cloudflare's default does not cache " + what + " (only its list of static file extensions)"
}

// pathExtension is what http.request.uri.path.extension holds: the text
// after the last dot of the last segment, lower-cased.
func pathExtension(p string) string {
	seg := p[strings.LastIndexByte(p, '/')+1:]
	i := strings.LastIndexByte(seg, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(seg[i+1:])
}

// selector reads an include/exclude value: {all: true}, {list: [...]}, or
// the docs' array form ["*"] / ["a", "b"].
func selector(v *rules.Value) (all bool, list []string) {
	if v.Kind == rules.Array {
		l := strList(v)
		if len(l) == 1 && l[0] == "*" {
			return true, nil
		}
		return false, l
	}
	if v.Get("all").IsTrue() {
		return true, nil
	}
	return false, strList(v.Get("list"))
}

func strList(v *rules.Value) []string {
	if v == nil || v.Kind != rules.Array {
		return nil
	}
	out := make([]string, 0, len(v.Items()))
	for _, it := range v.Items() {
		if it.Kind == rules.String {
			out = append(out, it.Str)
		}
	}
	return out
}

func splitQuery(q string) []string {
	var out []string
	for _, p := range strings.Split(q, "&") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func paramName(p string) string {
	n, _, _ := strings.Cut(p, "=")
	return n
}

func filterParams(params, list []string, keep bool) []string {
	var out []string
	for _, p := range params {
		in := false
		for _, l := range list {
			if paramName(p) == l {
				in = true
				break
			}
		}
		if in == keep {
			out = append(out, p)
		}
	}
	return out
}

// FirstLanguage is the first language of an Accept-Language value, which is
// what user.lang puts in the key ("de-DE,de;q=0.9" → "de-DE").
func FirstLanguage(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first)
}

// DeviceFromUserAgent classifies a User-Agent the way Cloudflare's device
// type does, approximately: Cloudflare does not publish its patterns, so
// this follows the usual tablet-then-mobile keyword rules (an iPad, or an
// Android without "Mobile", is a tablet). Pass --device to be exact.
func DeviceFromUserAgent(ua string) string {
	l := strings.ToLower(ua)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(l, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("ipad", "tablet", "playbook", "kindle", "silk/") ||
		(has("android") && !has("mobile")):
		return "tablet"
	case has("mobi", "iphone", "ipod", "android", "blackberry", "opera mini", "windows phone", "iemobile"):
		return "mobile"
	}
	return "desktop"
}

func isString(v *rules.Value, s string) bool { return v != nil && v.Kind == rules.String && v.Str == s }
