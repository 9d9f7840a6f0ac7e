package purge

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Zone says which hosts items may name: the zone apex and its subdomains.
type Zone struct {
	// Name is the zone name (example.com). Empty means the name is not known
	// (e.g. the zone was given as an id and not looked up): no check is made.
	Name string
	// Warn turns "host outside the zone" from an error into a note. Refusing
	// is the default because purging a host of another zone silently does
	// nothing on Cloudflare's side.
	Warn bool
}

// contains reports whether host is the zone name or a subdomain of it.
// Neither side is allocated: hostnames are compared case-insensitively in place.
func (z Zone) contains(host string) bool {
	name := strings.TrimSuffix(z.Name, ".")
	if len(host) == len(name) {
		return strings.EqualFold(host, name)
	}
	return len(host) > len(name) && host[len(host)-len(name)-1] == '.' &&
		strings.EqualFold(host[len(host)-len(name):], name)
}

// check applies the zone rule to host, returning either a reason (refuse) or a
// note (warn), or neither.
func (z Zone) check(host string) (reason, note string) {
	if z.Name == "" || z.contains(host) {
		return "", ""
	}
	msg := "host " + host + " is not in zone " + strings.TrimSuffix(z.Name, ".")
	if z.Warn {
		return "", msg + " (sent anyway: zone check is set to warn)"
	}
	return msg, ""
}

// Verdict is the outcome of validating one item.
type Verdict struct {
	// Value is the item to send: the input, except that a prefix loses a
	// leading http:// or https://.
	Value string
	// Reason says why the item is invalid; empty when it is valid.
	Reason string
	// Note is something the user should be told about a valid item (scheme
	// removed, host outside the zone in warn mode).
	Note string
	// NonASCII is set when the item's path holds non-ASCII characters, so it
	// has a raw and a percent-encoded form (see URLForm).
	NonASCII bool
}

// OK reports whether the item is valid.
func (v Verdict) OK() bool { return v.Reason == "" }

// Rules are what item validation depends on besides the item.
type Rules struct {
	Zone                Zone
	TagMaxLength        int // limits.Limits.TagMaxLength
	PrefixMaxSeparators int // limits.Limits.PrefixMaxSeparators
}

// Validate checks one item of the given kind. KindEverything takes no items.
func Validate(kind Kind, s string, r Rules) Verdict {
	switch kind {
	case KindURL:
		return ValidateURL(s, r.Zone)
	case KindTag:
		return ValidateTag(s, r.TagMaxLength)
	case KindPrefix:
		return ValidatePrefix(s, r.Zone, r.PrefixMaxSeparators)
	case KindHost:
		return ValidateHost(s, r.Zone)
	}
	return Verdict{Value: s, Reason: "purge " + string(kind) + " takes no items"}
}

// ValidateURL checks a single-file purge URL: absolute http or https, a host
// (in the zone), no wildcard, whitespace or fragment, valid UTF-8 and valid
// percent-encoding. It is a hand-written scanner rather than url.Parse because
// it runs once per input line and url.Parse would dominate a million-line dry
// run; the rules it enforces are stricter than url.Parse's anyway.
func ValidateURL(s string, z Zone) Verdict {
	v := Verdict{Value: s}
	var rest string
	switch {
	case s == "":
		v.Reason = "empty URL"
		return v
	case hasPrefixFold(s, "https://"):
		rest = s[len("https://"):]
	case hasPrefixFold(s, "http://"):
		rest = s[len("http://"):]
	default:
		if i := strings.Index(s, "://"); i > 0 && i < 16 {
			v.Reason = "scheme " + s[:i] + " not allowed: want http or https"
		} else {
			v.Reason = "not an absolute URL: want http:// or https://"
		}
		return v
	}
	if v.Reason, v.NonASCII = scanChars(s, false); v.Reason != "" {
		return v
	}
	end := 0
	for end < len(rest) && rest[end] != '/' && rest[end] != '?' {
		end++
	}
	auth := rest[:end]
	if strings.IndexByte(auth, '@') >= 0 {
		v.Reason = "user info (user@) not allowed in a purge URL"
		return v
	}
	host, port := auth, ""
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			v.Reason = "unclosed [ in host"
			return v
		}
		host, port = auth[:j+1], auth[j+1:]
		if port != "" && port[0] != ':' {
			v.Reason = "invalid character after ] in host"
			return v
		}
		if !validIPv6Literal(host[1 : len(host)-1]) {
			v.Reason = "invalid IPv6 address in host"
			return v
		}
	} else {
		if i := strings.LastIndexByte(auth, ':'); i >= 0 {
			host, port = auth[:i], auth[i:]
		}
		if host == "" {
			v.Reason = "no host"
			return v
		}
		if r := hostnameReason(host); r != "" {
			v.Reason = r
			return v
		}
	}
	if port != "" {
		if r := portReason(port[1:]); r != "" {
			v.Reason = r
			return v
		}
	}
	v.Reason, v.Note = z.check(host)
	return v
}

// ValidateTag checks a cache tag: 1..maxLen characters of printable ASCII with
// no space and no comma (Cache-Tag separates tags with commas).
func ValidateTag(s string, maxLen int) Verdict {
	v := Verdict{Value: s}
	if s == "" {
		v.Reason = "empty tag"
		return v
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			v.Reason = "tag contains a space"
			return v
		case c == ',':
			v.Reason = "tag contains a comma (Cache-Tag separates tags with commas)"
			return v
		case c < 0x21 || c > 0x7e:
			v.Reason = "tag contains a character that is not printable ASCII"
			return v
		}
	}
	if maxLen > 0 && len(s) > maxLen {
		v.Reason = "tag is " + strconv.Itoa(len(s)) + " characters long; at most " + strconv.Itoa(maxLen) + " allowed"
	}
	return v
}

// ValidatePrefix checks a prefix in host/path form. A leading http:// or
// https:// is removed (and a note says so) because users paste URLs; the
// query (?) and fragment (#) are refused because a prefix cannot match them.
func ValidatePrefix(s string, z Zone, maxSeparators int) Verdict {
	v := Verdict{Value: s}
	for _, scheme := range [...]string{"https://", "http://"} {
		if hasPrefixFold(s, scheme) {
			v.Value = s[len(scheme):]
			v.Note = "removed " + s[:len(scheme)] + ": a prefix is host/path"
			break
		}
	}
	p := v.Value
	if p == "" {
		v.Reason = "empty prefix"
		return v
	}
	if i := strings.Index(p, "://"); i >= 0 {
		v.Reason = "scheme " + p[:i] + ":// not allowed: a prefix is host/path"
		return v
	}
	if v.Reason, v.NonASCII = scanChars(p, true); v.Reason != "" {
		return v
	}
	seps := strings.Count(p, "/")
	if maxSeparators > 0 && seps > maxSeparators {
		v.Reason = strconv.Itoa(seps) + " path separators (/); at most " + strconv.Itoa(maxSeparators) + " allowed"
		return v
	}
	host := p
	if i := strings.IndexByte(p, '/'); i >= 0 {
		host = p[:i]
	}
	if strings.IndexByte(host, ':') >= 0 {
		v.Reason = "port not allowed in a prefix"
		return v
	}
	if r := hostnameReason(host); r != "" {
		v.Reason = r
		return v
	}
	r, n := z.check(host)
	v.Reason = r
	if n != "" {
		v.Note = joinNotes(v.Note, n)
	}
	// A prefix with no path is a whole host: valid, but `purge host` says
	// the same thing plainly (issue 13, "small things tried and missed").
	if v.Reason == "" && (p == host || p == host+"/") {
		v.Note = joinNotes(v.Note, "a whole host: `cfcache purge host "+host+"` does the same and reads plainer")
	}
	return v
}

// ValidateHost checks a bare hostname: no scheme, path or port, a valid DNS
// name, in the zone.
func ValidateHost(s string, z Zone) Verdict {
	v := Verdict{Value: s}
	switch {
	case s == "":
		v.Reason = "empty host"
	case strings.Contains(s, "://"):
		v.Reason = "scheme not allowed: give a bare hostname"
	case strings.IndexByte(s, '/') >= 0:
		v.Reason = "path not allowed: give a bare hostname"
	case strings.IndexByte(s, ':') >= 0:
		v.Reason = "port not allowed: give a bare hostname"
	default:
		if v.Reason = hostnameReason(s); v.Reason == "" {
			v.Reason, v.Note = z.check(s)
		}
	}
	return v
}

// Byte classes for scanChars: zero is "nothing to check", so the common
// byte costs one table load and one branch.
const (
	clsPlain = iota
	clsNonASCII
	clsSpace
	clsStar
	clsHash
	clsQuery
	clsPercent
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = clsNonASCII
		case c <= ' ' || c == 0x7f:
			t[c] = clsSpace
		case c == '*':
			t[c] = clsStar
		case c == '#':
			t[c] = clsHash
		case c == '?':
			t[c] = clsQuery
		case c == '%':
			t[c] = clsPercent
		}
	}
	return t
}()

// scanChars checks every byte of a URL or prefix once: no whitespace or
// control characters, no wildcard, no fragment (a cache key never holds one),
// only well-formed %XX escapes. For prefixes a query is refused as well.
// Non-ASCII text gets a second, slower pass for UTF-8 validity and Unicode
// spaces.
func scanChars(s string, prefix bool) (reason string, nonASCII bool) {
	for i := 0; i < len(s); i++ {
		switch byteClass[s[i]] {
		case clsPlain:
		case clsNonASCII:
			nonASCII = true
		case clsSpace:
			return "contains whitespace or a control character", false
		case clsStar:
			return "wildcards (*) are not supported", false
		case clsHash:
			if prefix {
				return "fragment (#) not allowed in a prefix", false
			}
			return "fragment (#...) not allowed: it is never part of a cache key", false
		case clsQuery:
			if prefix {
				return "query string (?) not allowed in a prefix", false
			}
		case clsPercent:
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "invalid percent-encoding (% must be followed by two hex digits)", false
			}
		}
	}
	if nonASCII {
		if !utf8.ValidString(s) {
			return "not valid UTF-8", false
		}
		for _, r := range s {
			if r >= utf8.RuneSelf && (unicode.IsSpace(r) || unicode.IsControl(r)) {
				return "contains whitespace or a control character", false
			}
		}
	}
	return "", nonASCII
}

// hostnameReason checks a DNS hostname in letter-digit-hyphen form: labels of
// 1..63 characters not starting or ending with '-', at most 253 in total. An
// internationalised name must be given in its punycode (xn--) form, which is
// how zones are named.
func hostnameReason(h string) string {
	if h == "" {
		return "empty host"
	}
	if len(h) > 253 {
		return "host is longer than 253 characters"
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if label == 0 {
				return "empty label in host"
			}
			if h[i-1] == '-' {
				return "host label ends with '-'"
			}
			label = 0
			continue
		case c == '-':
			if label == 0 {
				return "host label starts with '-'"
			}
		case isAlnum(c):
		case c >= utf8.RuneSelf:
			return "non-ASCII host: give its punycode (xn--) form"
		default:
			return "invalid character " + strconv.QuoteRune(rune(c)) + " in host"
		}
		label++
		if label > 63 {
			return "host label is longer than 63 characters"
		}
	}
	if label == 0 {
		return "empty label in host (trailing dot)"
	}
	if h[len(h)-1] == '-' {
		return "host label ends with '-'"
	}
	return ""
}

func portReason(p string) string {
	if p == "" || len(p) > 5 {
		return "invalid port"
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return "invalid port"
		}
		n = n*10 + int(p[i]-'0')
	}
	if n < 1 || n > 65535 {
		return "invalid port"
	}
	return ""
}

func validIPv6Literal(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isHex(c) && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// EncodeNonASCII returns s with every non-ASCII byte percent-encoded (%XX,
// upper-case hex): the form Cloudflare caches a URL or prefix under when the
// zone normalizes incoming URLs. ASCII is left alone, including existing
// escapes.
func EncodeNonASCII(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
