package purge

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// The cache-key headers Cloudflare documents for purging a variant, spelled as
// in its API reference.
const (
	HeaderDevice   = "CF-Device-Type"
	HeaderCountry  = "CF-IPCountry"
	HeaderLanguage = "Accept-Language"
)

// Devices are the values of CF-Device-Type, in the order "all" expands to.
var Devices = []string{"mobile", "desktop", "tablet"}

// deviceTypeReason is why a CF-Device-Type value (-H or --device) was refused.
var deviceTypeReason = DeviceReason(false)

// VariantFlags are the raw values of the variant flags as the command got them.
// Devices, Countries and Langs elements may each be a comma-separated list;
// Headers elements are "Name: value".
type VariantFlags struct {
	Devices   []string
	Countries []string
	Langs     []string
	Headers   []string
}

// FlagError is one invalid flag value; the command reports each and exits 2.
type FlagError struct {
	Flag   string // e.g. "--country"
	Value  string
	Reason string
}

// Error is the one wording of a bad flag value, `--flag "value": reason`,
// the same as cmdutil.FlagValueMessage (which this package cannot import:
// it holds no cobra); a table test in pkg/cmd/root checks both.
func (e *FlagError) Error() string { return e.Flag + " " + strconv.Quote(e.Value) + ": " + e.Reason }

// DeviceValues are the values of a --device flag: the device types, and
// "all" where the flag takes a list (purge, warm). The one list behind
// checks, messages and shell completion.
func DeviceValues(list bool) []string {
	if list {
		return append(slices.Clone(Devices), "all")
	}
	return slices.Clone(Devices)
}

// DeviceReason is why a --device value was refused, naming the values
// the flag takes.
func DeviceReason(list bool) string {
	v := DeviceValues(list)
	return "not a device type: want " + strings.Join(v[:len(v)-1], ", ") + " or " + v[len(v)-1]
}

// ParseDevice reads one device type (any case); ok is false for anything
// else ("all" included: a list flag expands it itself).
func ParseDevice(s string) (d string, ok bool) {
	d = strings.ToLower(strings.TrimSpace(s))
	return d, slices.Contains(Devices, d)
}

// CountryReason is why a --country value was refused.
const CountryReason = "not an ISO 3166-1 alpha-2 country code (or T1 for Tor, XX for unknown)"

// HeaderFormReason is why a -H value without a colon was refused.
const HeaderFormReason = "want 'Name: value'"

// Variants are the header combinations every URL is expanded into: the
// product of the device, country, language and extra-header dimensions. The
// zero value has no dimensions and expands a URL into itself.
type Variants struct {
	dims   []dimension
	combos [][]Header // precomputed product, shared by every entry
}

type dimension struct {
	name   string
	values []string
}

// ParseVariants validates the flag values and builds the combinations. Every
// bad value gives its own error. -H values of one header name are
// alternatives (one entry each); different names multiply, like the built-in
// flags. -H with a built-in name (CF-Device-Type, ...) adds to that dimension.
func ParseVariants(f VariantFlags) (Variants, []error) {
	var v Variants
	var errs []error
	add := func(name, value string) {
		for i := range v.dims {
			if strings.EqualFold(v.dims[i].name, name) {
				for _, have := range v.dims[i].values {
					if have == value {
						return
					}
				}
				v.dims[i].values = append(v.dims[i].values, value)
				return
			}
		}
		v.dims = append(v.dims, dimension{name: name, values: []string{value}})
	}
	for _, s := range splitLists(f.Devices) {
		if strings.EqualFold(s, "all") {
			for _, d := range Devices {
				add(HeaderDevice, d)
			}
			continue
		}
		d, reason := checkHeaderValue(HeaderDevice, s)
		if reason != "" {
			if reason == deviceTypeReason {
				reason = DeviceReason(true)
			}
			errs = append(errs, &FlagError{"--device", s, reason})
			continue
		}
		add(HeaderDevice, d)
	}
	for _, s := range splitLists(f.Countries) {
		c, reason := checkHeaderValue(HeaderCountry, s)
		if reason != "" {
			errs = append(errs, &FlagError{"--country", s, reason})
			continue
		}
		add(HeaderCountry, c)
	}
	for _, s := range splitLists(f.Langs) {
		if _, err := language.Parse(s); err != nil {
			errs = append(errs, &FlagError{"--lang", s, "not a BCP 47 language tag"})
			continue
		}
		add(HeaderLanguage, s)
	}
	for _, h := range f.Headers {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok {
			errs = append(errs, &FlagError{"-H", h, HeaderFormReason})
			continue
		}
		if !validHeaderName(name) {
			errs = append(errs, &FlagError{"-H", h, "invalid header name"})
			continue
		}
		name = builtinName(name)
		value, reason := checkHeaderValue(name, value)
		if reason != "" {
			errs = append(errs, &FlagError{"-H", h, reason})
			continue
		}
		add(name, value)
	}
	v.combos = product(v.dims)
	return v, errs
}

// Count is the number of entries each URL expands into.
func (v Variants) Count() int {
	if len(v.combos) == 0 {
		return 1
	}
	return len(v.combos)
}

// Empty reports whether there are no variant dimensions.
func (v Variants) Empty() bool { return len(v.dims) == 0 }

// Combos returns the header combinations in expansion order (the last
// dimension varies fastest). The slices are shared: do not modify.
func (v Variants) Combos() [][]Header { return v.combos }

// expand returns the header sets of one URL. With no headers of its own, the
// URL gets the shared combinations. Headers the item already sets (from a
// JSON line) win over a dimension of the same name, which is then not
// expanded: so a failed file, whose lines carry the expanded headers, can be
// fed back with the same flags without multiplying again.
func (v Variants) expand(own []Header) [][]Header {
	if len(own) == 0 {
		return v.combos
	}
	dims := make([]dimension, 0, len(v.dims))
	for _, d := range v.dims {
		if !hasHeader(own, d.name) {
			dims = append(dims, d)
		}
	}
	if len(dims) == 0 {
		return [][]Header{own}
	}
	out := product(dims)
	for i, c := range out {
		out[i] = append(append(make([]Header, 0, len(own)+len(c)), own...), c...)
	}
	return out
}

func product(dims []dimension) [][]Header {
	if len(dims) == 0 {
		return nil
	}
	out := [][]Header{nil}
	for _, d := range dims {
		next := make([][]Header, 0, len(out)*len(d.values))
		for _, prefix := range out {
			for _, val := range d.values {
				c := make([]Header, len(prefix), len(prefix)+1)
				copy(c, prefix)
				next = append(next, append(c, Header{d.name, val}))
			}
		}
		out = next
	}
	return out
}

func hasHeader(hs []Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// builtinName spells a header name as Cloudflare documents it when it is one
// of the variant headers, so -H cf-device-type joins --device.
func builtinName(name string) string {
	for _, b := range [...]string{HeaderDevice, HeaderCountry, HeaderLanguage} {
		if strings.EqualFold(name, b) {
			return b
		}
	}
	return name
}

// HeaderValueReason says why value cannot travel in an HTTP header (a
// control character other than tab: RFC 9110 field values), or "". A
// cookie's value travels in the Cookie header, so it answers for cookies
// too.
func HeaderValueReason(value string) string {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return "control character in header value"
		}
	}
	return ""
}

// checkHeaderValue validates a header value, strictly for the headers whose
// values Cloudflare's cache key interprets, and returns it normalised.
func checkHeaderValue(name, value string) (string, string) {
	if value == "" {
		return "", "empty header value"
	}
	if r := HeaderValueReason(value); r != "" {
		return "", r
	}
	switch {
	case strings.EqualFold(name, HeaderDevice):
		if d, ok := ParseDevice(value); ok {
			return d, ""
		}
		return "", deviceTypeReason
	case strings.EqualFold(name, HeaderCountry):
		c := strings.ToUpper(value)
		if !ValidCountry(c) {
			return "", CountryReason
		}
		return c, ""
	case strings.EqualFold(name, HeaderLanguage):
		if _, _, err := language.ParseAcceptLanguage(value); err != nil {
			return "", "not a valid Accept-Language value"
		}
	case strings.EqualFold(name, "Origin"):
		// Cloudflare wants scheme and host (and a port when not the default).
		v := ValidateURL(value, Zone{})
		if !v.OK() {
			return "", "Origin: " + v.Reason
		}
		rest := value[strings.Index(value, "://")+3:]
		if strings.ContainsAny(rest, "/?") {
			return "", "Origin is scheme://host[:port] with no path"
		}
	}
	return value, ""
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

func splitLists(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
