package expr

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Header is one request header as sent (name in its original case).
type Header struct{ Name, Value string }

// Cookie is one request cookie.
type Cookie struct{ Name, Value string }

// Request describes a request for offline evaluation.
type Request struct {
	Method  string   // default GET
	URL     string   // absolute http(s) URL; the fragment is ignored
	Headers []Header // in order; a Host header overrides the URL's host for http.host
	Cookies []Cookie // added after any Cookie header
	IP      netip.Addr
	// Geolocation of the client, as Cloudflare would see it.
	Country   string // ISO 3166-1 alpha-2, e.g. "GB"
	Continent string // e.g. "EU"
	ASN       int64
	// DeviceType (mobile, desktop, tablet) is not a Rules-language field; it
	// is carried for callers that compute cache keys from the same request.
	DeviceType  string
	HTTPVersion string // e.g. "HTTP/2"; default "HTTP/1.1"
	// BotScore is cf.bot_management.score (1–99); 0 means unknown.
	BotScore    int
	VerifiedBot bool
	// Lists holds the items of named lists for `in $name` (hostnames, IPs,
	// CIDRs, `a-b` IP ranges or integers).
	Lists map[string][]string
}

// Explanation says why an expression was false: the first sub-expression
// that was false (formatted) and what the request's values were.
type Explanation struct {
	Expr   string
	Detail string
	Pos    Pos
}

func (e Explanation) String() string {
	if e.Expr == "" {
		return ""
	}
	// Concatenation, not fmt: `rules explain` builds one of these for
	// every rule that does not match (docs/performance.md).
	if e.Detail == "" {
		return "`" + e.Expr + "` was false"
	}
	return "`" + e.Expr + "` was false: " + e.Detail
}

// Env is a request prepared for evaluation; it is read-only after NewEnv and
// safe for concurrent use.
type Env struct {
	fields map[string]value
	lists  map[string][]string
}

// Eval evaluates e against r. When the result is false the explanation names
// the first sub-expression that was false.
func Eval(e Expr, r Request) (bool, Explanation) {
	env, err := NewEnv(r)
	if err != nil {
		return false, Explanation{Expr: Format(e), Detail: err.Error(), Pos: e.Position()}
	}
	return env.Eval(e)
}

// Eval evaluates e in the prepared request.
func (env *Env) Eval(e Expr) (bool, Explanation) {
	if env.truth(env.eval(e)) {
		return true, Explanation{}
	}
	return false, env.explain(e)
}

// Matches is Eval without the explanation.
func (env *Env) Matches(e Expr) bool { return env.truth(env.eval(e)) }

type vkind uint8

const (
	vMissing vkind = iota
	vBool
	vInt
	vString
	vIP
	vArray
	vMap
)

// value is a runtime value. A missing value (a map key or array index that
// is not there, or a field not known offline) makes comparisons false.
type value struct {
	k       vkind
	each    bool // array unpacked with [*]: operations apply per element
	unknown bool // missing because this package cannot know it offline
	b       bool
	i       int64
	s       string
	ip      netip.Addr
	arr     []value
	m       map[string]value
}

var missing = value{}

func vb(b bool) value        { return value{k: vBool, b: b} }
func vi(i int64) value       { return value{k: vInt, i: i} }
func vs(s string) value      { return value{k: vString, s: s} }
func vip(a netip.Addr) value { return value{k: vIP, ip: a} }

func vstrings(ss []string) value {
	arr := make([]value, len(ss))
	for i, s := range ss {
		arr[i] = vs(s)
	}
	return value{k: vArray, arr: arr}
}

func (env *Env) truth(v value) bool { return v.k == vBool && v.b }

// NewEnv prepares a request: it splits the URL as received (no decoding),
// builds the header and cookie maps and fills every field this package can
// compute. Fields it cannot know (TLS details, timings, bot signals other than
// the score) evaluate as missing and are reported as "not known offline".
func NewEnv(r Request) (*Env, error) {
	scheme, rest, ok := strings.Cut(r.URL, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, fmt.Errorf("request URL %q must be an absolute http:// or https:// URL", r.URL)
	}
	rest, _, _ = strings.Cut(rest, "#")
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	host, pathQuery := rest[:hostEnd], rest[hostEnd:]
	if host == "" {
		return nil, fmt.Errorf("request URL %q has no host", r.URL)
	}
	path, query, hasQuery := strings.Cut(pathQuery, "?")
	if path == "" {
		path = "/"
	}
	uri := path
	if hasQuery && query != "" {
		uri += "?" + query
	}
	f := make(map[string]value, 48)
	env := &Env{fields: f, lists: r.Lists}

	method := r.Method
	if method == "" {
		method = "GET"
	}
	version := r.HTTPVersion
	if version == "" {
		version = "HTTP/1.1"
	}

	headers := requestHeaders(r.Headers, r.Cookies)
	// "In HTTP/2, the names of HTTP headers are always in lowercase"
	// (field table, http.request.headers.names); HTTP/3 is the same (RFC
	// 9114 §4.2), so a header typed `Content-Type` arrives as content-type.
	lowerNames := version != "HTTP/1.0" && version != "HTTP/1.1"
	headerMap := map[string]value{}
	var names, values, cookieHeaders []string
	hostHeader := ""
	single := map[string][]string{}
	for _, h := range headers {
		// The map's keys are "the names of HTTP request headers converted
		// to lowercase"; repeated headers are the elements of one array, in
		// the order sent (field table, http.request.headers).
		lname := asciiLower(h.Name)
		hv := headerMap[lname]
		hv.k = vArray
		hv.arr = append(hv.arr, vs(h.Value))
		headerMap[lname] = hv
		if lowerNames {
			names = append(names, lname)
		} else {
			names = append(names, h.Name)
		}
		values = append(values, h.Value)
		single[lname] = append(single[lname], h.Value)
		switch lname {
		case "cookie":
			cookieHeaders = append(cookieHeaders, h.Value)
		case "host":
			if hostHeader == "" {
				hostHeader = h.Value
			}
		}
	}
	cookieStr := strings.Join(cookieHeaders, "; ")
	cookies := map[string]value{}
	if cookieStr != "" {
		for _, part := range strings.Split(cookieStr, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, val, _ := strings.Cut(part, "=")
			if dec, err := url.PathUnescape(name); err == nil {
				name = dec
			}
			cv := cookies[name]
			cv.k = vArray
			cv.arr = append(cv.arr, vs(val))
			cookies[name] = cv
		}
	}

	args := map[string]value{}
	var argNames, argValues []string
	if query != "" {
		for _, part := range strings.Split(query, "&") {
			if part == "" {
				continue
			}
			name, val, _ := strings.Cut(part, "=")
			av := args[name]
			av.k = vArray
			av.arr = append(av.arr, vs(val))
			args[name] = av
			argNames = append(argNames, name)
			argValues = append(argValues, val)
		}
	}

	httpHost := host
	if hostHeader != "" {
		httpHost = hostHeader
	}
	fullURI := scheme + "://" + host + uri
	ext := pathExtension(path)

	f["http.cookie"] = vs(cookieStr)
	f["http.host"] = vs(httpHost)
	f["http.referer"] = vs(strings.Join(single["referer"], ", "))
	f["http.user_agent"] = vs(strings.Join(single["user-agent"], ", "))
	f["http.x_forwarded_for"] = vs(strings.Join(single["x-forwarded-for"], ", "))
	f["http.request.method"] = vs(method)
	f["http.request.version"] = vs(version)
	f["http.request.full_uri"] = vs(fullURI)
	f["http.request.uri"] = vs(uri)
	f["http.request.uri.path"] = vs(path)
	f["http.request.uri.path.extension"] = vs(ext)
	f["http.request.uri.query"] = vs(query)
	f["http.request.uri.args"] = value{k: vMap, m: args}
	f["http.request.uri.args.names"] = vstrings(argNames)
	f["http.request.uri.args.values"] = vstrings(argValues)
	for _, n := range []string{"http.request.full_uri", "http.request.uri", "http.request.uri.path", "http.request.uri.query", "http.request.uri.args", "http.request.uri.args.names", "http.request.uri.args.values"} {
		f["raw."+n] = f[n]
	}
	f["raw.http.request.uri.path.extension"] = vs(rawExtension(path))
	f["http.request.headers"] = value{k: vMap, m: headerMap}
	f["http.request.headers.names"] = vstrings(names)
	f["http.request.headers.values"] = vstrings(values)
	f["http.request.headers.truncated"] = vb(false)
	f["http.request.cookies"] = value{k: vMap, m: cookies}
	f["ssl"] = vb(scheme == "https")
	if r.IP.IsValid() {
		f["ip.src"] = vip(r.IP.Unmap())
	}
	if r.Country != "" {
		f["ip.src.country"] = vs(r.Country)
	}
	if r.Continent != "" {
		f["ip.src.continent"] = vs(r.Continent)
	}
	if r.ASN != 0 {
		f["ip.src.asnum"] = vi(r.ASN)
	}
	if r.BotScore > 0 {
		f["cf.bot_management.score"] = vi(int64(r.BotScore))
	}
	f["cf.bot_management.verified_bot"] = vb(r.VerifiedBot)
	f["cf.client.bot"] = vb(r.VerifiedBot)
	port := int64(80)
	if scheme == "https" {
		port = 443
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		if p, err := strconv.ParseInt(host[i+1:], 10, 64); err == nil {
			port = p
		}
	}
	f["cf.edge.server_port"] = vi(port)
	// "Now, the threat score is always 0" (field table description).
	f["cf.threat_score"] = vi(0)
	for alias, target := range deprecatedAliases {
		if v, ok := f[target]; ok {
			f[alias] = v
		}
	}
	return env, nil
}

// requestHeaders are the headers as Cloudflare receives them: the request's
// own, with its Cookies (given apart, e.g. by --cookie) travelling in the
// Cookie header like any client's. They join the last Cookie header sent, or
// make one at the end, so http.request.headers, .names and .values see the
// same cookies as http.cookie and http.request.cookies.
func requestHeaders(hs []Header, cookies []Cookie) []Header {
	if len(cookies) == 0 {
		return hs
	}
	parts := make([]string, len(cookies))
	for i, c := range cookies {
		parts[i] = c.Name + "=" + c.Value
	}
	extra := strings.Join(parts, "; ")
	out := append([]Header(nil), hs...)
	for i := len(out) - 1; i >= 0; i-- {
		if asciiLower(out[i].Name) == "cookie" {
			if out[i].Value != "" {
				extra = out[i].Value + "; " + extra
			}
			out[i].Value = extra
			return out
		}
	}
	return append(out, Header{Name: "Cookie", Value: extra})
}

// pathExtension is http.request.uri.path.extension: the lower-cased text
// after the last dot of the last path segment, "" when the segment has no dot
// or only a leading one.
func pathExtension(path string) string { return asciiLower(rawExtension(path)) }

func rawExtension(path string) string {
	seg := path[strings.LastIndexByte(path, '/')+1:]
	i := strings.LastIndexByte(seg, '.')
	if i <= 0 {
		return ""
	}
	return seg[i+1:]
}

// field returns a field's value. A known field this package cannot compute
// offline is missing, except Booleans, which are assumed false (the value an
// ordinary request has for signals like cf.bot_management.static_resource);
// either way the value is marked unknown so explanations say so.
func (env *Env) field(name string) value {
	if v, ok := env.fields[name]; ok {
		return v
	}
	if f, ok := fields().lookup(name); ok && f.Type.Kind == KindBool {
		return value{k: vBool, unknown: true}
	}
	return value{unknown: true}
}

func (env *Env) eval(e Expr) value {
	switch x := e.(type) {
	case *Paren:
		return env.eval(x.X)
	case *BoolLit:
		return vb(x.Value)
	case *IntLit:
		return vi(x.Value)
	case *StringLit:
		return vs(x.Value)
	case *IPLit:
		if x.CIDR {
			return missing
		}
		return vip(x.Prefix.Addr())
	case *Field:
		return env.field(x.Name)
	case *Index:
		return env.index(x)
	case *Call:
		return env.call(x)
	case *Compare:
		return env.compare(x)
	case *Not:
		v := env.eval(x.X)
		switch {
		case v.k == vBool:
			return vb(!v.b)
		case v.k == vArray:
			out := make([]value, len(v.arr))
			for i, el := range v.arr {
				out[i] = vb(!(el.k == vBool && el.b))
			}
			return value{k: vArray, arr: out}
		}
		return missing
	case *Binary:
		a := env.eval(x.X)
		if a.k == vBool {
			// Short-circuit like Cloudflare's engine.
			if x.Op == OpAnd && !a.b {
				return vb(false)
			}
			if x.Op == OpOr && a.b {
				return vb(true)
			}
			b := env.eval(x.Y)
			if b.k != vBool {
				return missing
			}
			return vb(logic(x.Op, a.b, b.b))
		}
		b := env.eval(x.Y)
		if a.k == vArray && b.k == vArray {
			n := min(len(a.arr), len(b.arr))
			out := make([]value, n)
			for i := 0; i < n; i++ {
				out[i] = vb(logic(x.Op, a.arr[i].k == vBool && a.arr[i].b, b.arr[i].k == vBool && b.arr[i].b))
			}
			return value{k: vArray, arr: out}
		}
		return missing
	}
	return missing
}

func logic(op LogicOp, a, b bool) bool {
	switch op {
	case OpAnd:
		return a && b
	case OpOr:
		return a || b
	case OpXor:
		return a != b
	}
	return false
}

func (env *Env) index(x *Index) value {
	base := env.eval(x.X)
	if base.each {
		out := make([]value, 0, len(base.arr))
		for _, el := range base.arr {
			v := indexValue(el, x)
			if v.k == vMissing {
				continue
			}
			if v.each {
				out = append(out, v.arr...)
			} else {
				out = append(out, v)
			}
		}
		return value{k: vArray, arr: out, each: true}
	}
	return indexValue(base, x)
}

func indexValue(v value, x *Index) value {
	if x.Star {
		switch v.k {
		case vArray:
			return value{k: vArray, arr: v.arr, each: true}
		case vMap:
			keys := make([]string, 0, len(v.m))
			for k := range v.m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			arr := make([]value, len(keys))
			for i, k := range keys {
				arr[i] = v.m[k]
			}
			return value{k: vArray, arr: arr, each: true}
		}
		// [*] over a missing value unpacks nothing.
		return value{k: vArray, each: true, unknown: v.unknown}
	}
	switch key := x.Key.(type) {
	case *StringLit:
		if v.k == vMap {
			if el, ok := v.m[key.Value]; ok {
				return el
			}
		}
	case *IntLit:
		if v.k == vArray && key.Value >= 0 && key.Value < int64(len(v.arr)) {
			return v.arr[key.Value]
		}
	}
	return value{unknown: v.unknown}
}

func (env *Env) compare(x *Compare) value {
	lhs := env.eval(x.X)
	if lhs.each {
		out := make([]value, len(lhs.arr))
		for i, el := range lhs.arr {
			out[i] = vb(env.compareOne(x, el))
		}
		return value{k: vArray, arr: out}
	}
	return vb(env.compareOne(x, lhs))
}

func (env *Env) compareOne(x *Compare, v value) bool {
	if v.k == vMissing {
		return false
	}
	switch x.Op {
	case CmpEq, CmpNe, CmpLt, CmpLe, CmpGt, CmpGe:
		c, ok := order(v, x.Y)
		if !ok {
			return false
		}
		switch x.Op {
		case CmpEq:
			return c == 0
		case CmpNe:
			return c != 0
		case CmpLt:
			return c < 0
		case CmpLe:
			return c <= 0
		case CmpGt:
			return c > 0
		case CmpGe:
			return c >= 0
		}
	case CmpContains:
		s, ok := x.Y.(*StringLit)
		return ok && v.k == vString && strings.Contains(v.s, s.Value)
	case CmpWildcard, CmpStrictWildcard:
		wc := x.wc
		if wc == nil {
			// A tree built by hand, not by Parse: parse the pattern now.
			if s, ok := x.Y.(*StringLit); ok {
				wc, _ = parseWildcard(s.Value)
			}
		}
		return wc != nil && v.k == vString && wc.match(v.s, x.Op == CmpWildcard)
	case CmpMatches:
		re, ok := x.Y.(*RegexLit)
		if !ok || v.k != vString {
			return false
		}
		compiled := re.compiled()
		return compiled != nil && compiled.MatchString(v.s)
	case CmpIn:
		switch y := x.Y.(type) {
		case *Set:
			for _, el := range y.Elems {
				if inElem(v, el) {
					return true
				}
			}
		case *ListRef:
			for _, item := range env.lists[y.Name] {
				if inListItem(v, item) {
					return true
				}
			}
		}
	}
	return false
}

// order compares a value with a scalar literal; ok is false when the types
// do not match.
func order(v value, lit Expr) (int, bool) {
	switch y := lit.(type) {
	case *StringLit:
		if v.k == vString {
			return strings.Compare(v.s, y.Value), true
		}
	case *IntLit:
		if v.k == vInt {
			switch {
			case v.i < y.Value:
				return -1, true
			case v.i > y.Value:
				return 1, true
			}
			return 0, true
		}
	case *IPLit:
		if v.k == vIP && !y.CIDR {
			return v.ip.Unmap().Compare(y.Prefix.Addr().Unmap()), true
		}
	case *BoolLit:
		if v.k == vBool && v.b == y.Value {
			return 0, true
		} else if v.k == vBool {
			return 1, true
		}
	}
	return 0, false
}

func inElem(v value, el Expr) bool {
	switch y := el.(type) {
	case *StringLit:
		return v.k == vString && v.s == y.Value
	case *IntLit:
		return v.k == vInt && v.i == y.Value
	case *IntRange:
		return v.k == vInt && v.i >= y.Lo && v.i <= y.Hi
	case *IPLit:
		if v.k != vIP {
			return false
		}
		a := v.ip.Unmap()
		if y.CIDR {
			return y.Prefix.Contains(a)
		}
		return a == y.Prefix.Addr().Unmap()
	case *IPRange:
		if v.k != vIP {
			return false
		}
		a := v.ip.Unmap()
		return a.Is4() == y.Lo.Is4() && a.Compare(y.Lo) >= 0 && a.Compare(y.Hi) <= 0
	}
	return false
}

func inListItem(v value, item string) bool {
	item = strings.TrimSpace(item)
	switch v.k {
	case vString:
		return strings.EqualFold(v.s, item)
	case vInt:
		n, err := strconv.ParseInt(item, 10, 64)
		return err == nil && n == v.i
	case vIP:
		a := v.ip.Unmap()
		if p, err := netip.ParsePrefix(item); err == nil {
			return p.Masked().Contains(a)
		}
		if lo, hi, ok := strings.Cut(item, "-"); ok {
			l, err1 := netip.ParseAddr(strings.TrimSpace(lo))
			h, err2 := netip.ParseAddr(strings.TrimSpace(hi))
			return err1 == nil && err2 == nil && a.Compare(l) >= 0 && a.Compare(h) <= 0
		}
		if b, err := netip.ParseAddr(item); err == nil {
			return a == b.Unmap()
		}
	}
	return false
}

// call evaluates a function. When the first argument is unpacked with [*] the
// function is applied to each element and the results form an array.
func (env *Env) call(x *Call) value {
	// Most calls have one to three arguments: their values stay on the
	// stack (explain evaluates every rule, some parts twice).
	var scratch [3]value
	args := scratch[:0]
	for _, a := range x.Args {
		args = append(args, env.eval(a))
	}
	switch x.Name {
	case "any", "all":
		if len(args) != 1 || args[0].k != vArray {
			return missing
		}
		all := true
		for _, el := range args[0].arr {
			t := el.k == vBool && el.b
			if t && x.Name == "any" {
				return vb(true)
			}
			all = all && t
		}
		return vb(x.Name == "all" && all)
	}
	if len(args) > 0 && args[0].each {
		out := make([]value, 0, len(args[0].arr))
		for _, el := range args[0].arr {
			a := append([]value{el}, args[1:]...)
			r := callScalar(x, a)
			if r.k != vMissing {
				out = append(out, r)
			}
		}
		return value{k: vArray, arr: out}
	}
	return callScalar(x, args)
}

func callScalar(x *Call, a []value) value {
	str := func(i int) (string, bool) {
		if i < len(a) && a[i].k == vString {
			return a[i].s, true
		}
		return "", false
	}
	integer := func(i int) (int64, bool) {
		if i < len(a) && a[i].k == vInt {
			return a[i].i, true
		}
		return 0, false
	}
	switch x.Name {
	case "lower", "upper":
		if s, ok := str(0); ok {
			if x.Name == "lower" {
				return vs(asciiLower(s))
			}
			return vs(asciiUpper(s))
		}
	case "len":
		if len(a) == 1 {
			switch a[0].k {
			case vString:
				return vi(int64(len(a[0].s)))
			case vArray:
				return vi(int64(len(a[0].arr)))
			case vMap:
				return vi(int64(len(a[0].m)))
			}
		}
	case "starts_with", "ends_with":
		s, ok1 := str(0)
		sub, ok2 := str(1)
		if ok1 && ok2 {
			if x.Name == "starts_with" {
				return vb(strings.HasPrefix(s, sub))
			}
			return vb(strings.HasSuffix(s, sub))
		}
	case "concat":
		if len(a) > 0 && a[0].k == vArray {
			var out []value
			for _, v := range a {
				if v.k != vArray {
					return missing
				}
				out = append(out, v.arr...)
			}
			return value{k: vArray, arr: out}
		}
		var b strings.Builder
		for _, v := range a {
			switch v.k {
			case vString:
				b.WriteString(v.s)
			case vInt:
				b.WriteString(strconv.FormatInt(v.i, 10))
			case vMissing:
				// Cloudflare's concat treats a missing value as "".
			default:
				return missing
			}
		}
		return vs(b.String())
	case "url_decode":
		s, ok := str(0)
		if !ok {
			return missing
		}
		opts, _ := str(1)
		return vs(urlDecode(s, strings.Contains(opts, "r"), strings.Contains(opts, "u")))
	case "substring":
		s, ok := str(0)
		start, ok2 := integer(1)
		if !ok || !ok2 {
			return missing
		}
		end := int64(len(s))
		if len(a) > 2 {
			e, ok := integer(2)
			if !ok {
				return missing
			}
			end = e
		}
		n := int64(len(s))
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		start = max(0, min(start, n))
		end = max(0, min(end, n))
		if start >= end {
			return vs("")
		}
		return vs(s[start:end])
	case "to_string":
		if len(a) == 1 {
			switch a[0].k {
			case vInt:
				return vs(strconv.FormatInt(a[0].i, 10))
			case vBool:
				return vs(strconv.FormatBool(a[0].b))
			case vIP:
				return vs(a[0].ip.String())
			}
		}
	case "has_key":
		k, ok := str(1)
		if ok && a[0].k == vMap {
			_, found := a[0].m[k]
			return vb(found)
		}
	case "has_value":
		if len(a) != 2 || a[1].k == vMissing {
			return missing
		}
		var items []value
		switch a[0].k {
		case vArray:
			items = a[0].arr
		case vMap:
			for _, v := range a[0].m {
				items = append(items, v)
			}
		default:
			return missing
		}
		for _, it := range items {
			if sameScalar(it, a[1]) {
				return vb(true)
			}
		}
		return vb(false)
	case "lookup_json_string", "lookup_json_integer":
		doc, ok := str(0)
		if !ok {
			return missing
		}
		var cur any
		if json.Unmarshal([]byte(doc), &cur) != nil {
			return missing
		}
		for _, k := range a[1:] {
			switch k.k {
			case vString:
				m, ok := cur.(map[string]any)
				if !ok {
					return missing
				}
				cur, ok = m[k.s]
				if !ok {
					return missing
				}
			case vInt:
				arr, ok := cur.([]any)
				if !ok || k.i < 0 || k.i >= int64(len(arr)) {
					return missing
				}
				cur = arr[k.i]
			default:
				return missing
			}
		}
		if x.Name == "lookup_json_string" {
			if s, ok := cur.(string); ok {
				return vs(s)
			}
			return missing
		}
		if f, ok := cur.(float64); ok && f == float64(int64(f)) {
			return vi(int64(f))
		}
	case "remove_bytes":
		s, ok1 := str(0)
		rm, ok2 := str(1)
		if ok1 && ok2 {
			return vs(strings.Map(func(r rune) rune {
				if strings.ContainsRune(rm, r) {
					return -1
				}
				return r
			}, s))
		}
	case "split":
		s, ok1 := str(0)
		sep, ok2 := str(1)
		lim, ok3 := integer(2)
		if ok1 && ok2 && ok3 && sep != "" && lim >= 1 && lim <= 128 {
			return vstrings(strings.SplitN(s, sep, int(lim)))
		}
	case "join":
		sep, ok := str(1)
		if ok && len(a) > 0 && a[0].k == vArray {
			parts := make([]string, 0, len(a[0].arr))
			for _, v := range a[0].arr {
				if v.k != vString {
					return missing
				}
				parts = append(parts, v.s)
			}
			return vs(strings.Join(parts, sep))
		}
	case "decode_base64":
		if s, ok := str(0); ok {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(s); err == nil {
					return vs(string(b))
				}
			}
		}
	case "encode_base64":
		if s, ok := str(0); ok {
			flags, _ := str(1)
			enc := base64.RawStdEncoding
			switch {
			case strings.Contains(flags, "u") && strings.Contains(flags, "p"):
				enc = base64.URLEncoding
			case strings.Contains(flags, "u"):
				enc = base64.RawURLEncoding
			case strings.Contains(flags, "p"):
				enc = base64.StdEncoding
			}
			return vs(enc.EncodeToString([]byte(s)))
		}
	case "sha256":
		if s, ok := str(0); ok {
			sum := sha256.Sum256([]byte(s))
			return vs(string(sum[:]))
		}
	case "regex_replace":
		s, ok1 := str(0)
		pat, ok2 := str(1)
		repl, ok3 := str(2)
		if ok1 && ok2 && ok3 {
			re, _ := compileRustRegex(pat)
			if re == nil {
				return missing
			}
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				return vs(s)
			}
			var dst []byte
			dst = re.ExpandString(dst, repl, s, loc)
			return vs(s[:loc[0]] + string(dst) + s[loc[1]:])
		}
	case "remove_query_args":
		q, ok := str(0)
		if !ok {
			return missing
		}
		drop := map[string]bool{}
		for i := 1; i < len(a); i++ {
			if n, ok := str(i); ok {
				drop[n] = true
			}
		}
		var keep []string
		for _, part := range strings.Split(q, "&") {
			name, _, _ := strings.Cut(part, "=")
			if part != "" && !drop[name] {
				keep = append(keep, part)
			}
		}
		return vs(strings.Join(keep, "&"))
	case "wildcard_replace":
		s, ok1 := str(0)
		pat, ok2 := str(1)
		repl, ok3 := str(2)
		flags, _ := str(3)
		if ok1 && ok2 && ok3 {
			return vs(wildcardReplace(s, pat, repl, !strings.Contains(flags, "s")))
		}
	case "cidr", "cidr6":
		if len(a) == 0 || a[0].k != vIP {
			return missing
		}
		addr := a[0].ip
		v4, v6 := int64(32), int64(0)
		if x.Name == "cidr" {
			v4, _ = integer(1)
			v6, _ = integer(2)
		} else {
			v6, _ = integer(1)
		}
		bits := v6
		if addr.Is4() {
			bits = v4
		}
		if bits < 1 || bits > int64(addr.BitLen()) {
			return missing
		}
		p, err := addr.Prefix(int(bits))
		if err != nil {
			return missing
		}
		return vip(p.Addr())
	}
	return missing
}

func sameScalar(a, b value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case vString:
		return a.s == b.s
	case vInt:
		return a.i == b.i
	case vBool:
		return a.b == b.b
	case vIP:
		return a.ip.Unmap() == b.ip.Unmap()
	}
	return false
}

// urlDecode decodes %XX and `+`; with unicode, %uXXXX too; with recursive,
// until the value stops changing.
func urlDecode(s string, recursive, unicode bool) string {
	for range 16 {
		d := urlDecodeOnce(s, unicode)
		if !recursive || d == s {
			return d
		}
		s = d
	}
	return s
}

func urlDecodeOnce(s string, unicode bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && unicode && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') && allHex(s[i+2:i+6]):
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b.WriteRune(rune(n))
			i += 5
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// wildcardReplace implements wildcard_replace() with lazy `*` captures.
func wildcardReplace(src, pat, repl string, fold bool) string {
	w, err := parseWildcard(pat)
	if err != nil {
		return src
	}
	caps, ok := w.captures(src, fold)
	if !ok {
		return src
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c == '$' && i+1 < len(repl) && repl[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c == '$' && i+3 < len(repl) && repl[i+1] == '{' && isDigit(repl[i+2]) && repl[i+3] == '}' {
			n := int(repl[i+2] - '0')
			if n >= 1 && n <= len(caps) {
				b.WriteString(caps[n-1])
			}
			i += 3
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// captures matches like match but returns what each `*` matched (lazily).
func (w *wildcardPattern) captures(s string, fold bool) ([]string, bool) {
	parts := w.parts
	cmp := s
	if fold {
		parts = w.lower
		cmp = asciiLower(s)
	}
	if !strings.HasPrefix(cmp, parts[0]) {
		return nil, false
	}
	pos := len(parts[0])
	var caps []string
	for i := 1; i < len(parts); i++ {
		p := parts[i]
		var j int
		if i == len(parts)-1 {
			if !strings.HasSuffix(cmp[pos:], p) {
				return nil, false
			}
			j = len(cmp) - len(p)
		} else {
			k := strings.Index(cmp[pos:], p)
			if k < 0 {
				return nil, false
			}
			j = pos + k
		}
		caps = append(caps, s[pos:j])
		pos = j + len(p)
	}
	if len(parts) == 1 && cmp != parts[0] {
		return nil, false
	}
	return caps, true
}
