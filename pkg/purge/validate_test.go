package purge

import (
	"strings"
	"testing"

	"golang.org/x/text/language"
)

var zone = Zone{Name: "example.com"}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		in, reason, note string
		nonASCII         bool
		z                *Zone // nil: example.com
	}{
		{in: "https://example.com/"},
		{in: "https://example.com"},
		{in: "http://www.example.com/a/b?x=1&y=2"},
		{in: "HTTPS://WWW.Example.COM/Path"},
		{in: "https://example.com:8443/x"},
		{in: "https://a.b.example.com/%C3%A9"},
		{in: "https://example.com/caf\u00e9", nonASCII: true},
		{in: "https://example.com/?q=\u65e5\u672c", nonASCII: true},
		{in: "", reason: "empty URL"},
		{in: "example.com/a", reason: "not an absolute URL"},
		{in: "/a/b", reason: "not an absolute URL"},
		{in: "ftp://example.com/a", reason: "scheme ftp not allowed"},
		{in: "https://", reason: "no host"},
		{in: "https:///a", reason: "no host"},
		{in: "https://example.com/a*", reason: "wildcards"},
		{in: "https://*.example.com/", reason: "wildcards"},
		{in: "https://example.com/a b", reason: "whitespace"},
		{in: "https://example.com/a\tb", reason: "whitespace"},
		{in: "https://example.com/a\u00a0b", reason: "whitespace"},
		{in: "https://example.com/a\x7f", reason: "control"},
		{in: "https://example.com/\xff", reason: "UTF-8"},
		{in: "https://example.com/a#top", reason: "fragment"},
		{in: "https://example.com/%zz", reason: "percent-encoding"},
		{in: "https://example.com/%4", reason: "percent-encoding"},
		{in: "https://user:pw@example.com/", reason: "user info"},
		{in: "https://example.com:0/", reason: "invalid port"},
		{in: "https://example.com:99999/", reason: "invalid port"},
		{in: "https://example.com:/", reason: "invalid port"},
		{in: "https://example.com:8a/", reason: "invalid port"},
		{in: "https://exa_mple.com/", reason: "invalid character"},
		{in: "https://-example.com/", reason: "starts with '-'"},
		{in: "https://example-.com/", reason: "ends with '-'"},
		{in: "https://example..com/", reason: "empty label"},
		{in: "https://example.com./", reason: "trailing dot"},
		{in: "https://b\u00fccher.example.com/", reason: "punycode"},
		{in: "https://" + strings.Repeat("a", 64) + ".example.com/", reason: "longer than 63"},
		{in: "https://" + strings.Repeat("a.", 130) + "example.com/", reason: "longer than 253"},
		{in: "https://[::1]/x", reason: "not in zone"},
		{in: "https://[::1]:8080/x", z: &Zone{}},
		{in: "https://[zz]/x", reason: "IPv6"},
		{in: "https://[::1/x", reason: "unclosed"},
		{in: "https://other.com/", reason: "host other.com is not in zone example.com"},
		{in: "https://notexample.com/", reason: "not in zone"},
		{in: "https://example.com.evil.net/", reason: "not in zone"},
		{in: "https://other.com/", z: &Zone{Name: "example.com", Warn: true}, note: "not in zone"},
		{in: "https://other.com/", z: &Zone{}},
		{in: "https://sub.EXAMPLE.com/", z: &Zone{Name: "Example.COM."}},
	}
	for _, tt := range tests {
		z := zone
		if tt.z != nil {
			z = *tt.z
		}
		v := ValidateURL(tt.in, z)
		if !matches(v.Reason, tt.reason) {
			t.Errorf("ValidateURL(%q).Reason = %q, want containing %q", tt.in, v.Reason, tt.reason)
		}
		if !matches(v.Note, tt.note) {
			t.Errorf("ValidateURL(%q).Note = %q, want containing %q", tt.in, v.Note, tt.note)
		}
		if v.OK() && v.NonASCII != tt.nonASCII {
			t.Errorf("ValidateURL(%q).NonASCII = %v", tt.in, v.NonASCII)
		}
		if v.Value != tt.in {
			t.Errorf("ValidateURL(%q).Value = %q", tt.in, v.Value)
		}
	}
}

// matches: want "" means got must be "" too; otherwise got contains want.
func matches(got, want string) bool {
	if want == "" {
		return got == ""
	}
	return strings.Contains(got, want)
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		in     string
		max    int
		reason string
	}{
		{"product-42", 1024, ""},
		{"Tag_1:v2/x!", 1024, ""},
		{"a", 1, ""},
		{strings.Repeat("t", 1024), 1024, ""},
		{strings.Repeat("t", 1025), 1024, "1025 characters long; at most 1024"},
		{strings.Repeat("t", 121), 120, "at most 120"},
		{"", 1024, "empty tag"},
		{"two words", 1024, "space"},
		{"a,b", 1024, "comma"},
		{"tab\there", 1024, "printable ASCII"},
		{"caf\u00e9", 1024, "printable ASCII"},
		{"del\x7f", 1024, "printable ASCII"},
	}
	for _, tt := range tests {
		if v := ValidateTag(tt.in, tt.max); !matches(v.Reason, tt.reason) {
			t.Errorf("ValidateTag(%q, %d) = %q, want containing %q", tt.in, tt.max, v.Reason, tt.reason)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		in, value, reason, note string
		nonASCII                bool
	}{
		{in: "www.example.com/foo/bar/", value: "www.example.com/foo/bar/"},
		{in: "example.com/", value: "example.com/", note: "a whole host: `cfcache purge host example.com` does the same"},
		{in: "example.com", value: "example.com", note: "a whole host: `cfcache purge host example.com`"},
		{in: "https://example.com/", value: "example.com/", note: "removed https://: a prefix is host/path; a whole host: `cfcache purge host example.com`"},
		{in: "www.example.com//", value: "www.example.com//"},
		{in: "https://www.example.com/foo", value: "www.example.com/foo", note: "removed https://"},
		{in: "HTTP://www.example.com/foo", value: "www.example.com/foo", note: "removed HTTP://"},
		{in: "example.com/caf\u00e9/", value: "example.com/caf\u00e9/", nonASCII: true},
		{in: "example.com/" + strings.Repeat("a/", 30), value: "example.com/" + strings.Repeat("a/", 30)},
		{in: "example.com/" + strings.Repeat("a/", 31), reason: "32 path separators (/); at most 31"},
		{in: "", reason: "empty prefix"},
		{in: "https://", reason: "empty prefix", note: "removed https://"},
		{in: "ftp://example.com/a", reason: "scheme ftp:// not allowed"},
		{in: "example.com/a?b=1", reason: "query string"},
		{in: "example.com/a#b", reason: "fragment"},
		{in: "example.com/a*", reason: "wildcards"},
		{in: "example.com/a b", reason: "whitespace"},
		{in: "example.com:8080/a", reason: "port not allowed"},
		{in: "/a/b", reason: "empty host"},
		{in: "other.com/a", reason: "not in zone"},
		{in: "https://other.com/a", reason: "not in zone", note: "removed https://"},
		{in: "exa mple.com/a", reason: "whitespace"},
	}
	for _, tt := range tests {
		v := ValidatePrefix(tt.in, zone, 31)
		if !matches(v.Reason, tt.reason) || !matches(v.Note, tt.note) {
			t.Errorf("ValidatePrefix(%q) = reason %q note %q, want %q / %q", tt.in, v.Reason, v.Note, tt.reason, tt.note)
		}
		if v.OK() && (v.Value != tt.value || v.NonASCII != tt.nonASCII) {
			t.Errorf("ValidatePrefix(%q) = value %q nonASCII %v, want %q %v", tt.in, v.Value, v.NonASCII, tt.value, tt.nonASCII)
		}
	}
	if v := ValidatePrefix("other.com/a", Zone{Name: "example.com", Warn: true}, 31); !v.OK() || !strings.Contains(v.Note, "not in zone") {
		t.Errorf("warn mode: %+v", v)
	}
}

func TestValidateHost(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"example.com", ""},
		{"images.example.com", ""},
		{"IMAGES.Example.com", ""},
		{"a-b.c1.example.com", ""},
		{strings.Repeat("a", 63) + ".example.com", ""},
		{"", "empty host"},
		{"https://example.com", "scheme not allowed"},
		{"example.com/a", "path not allowed"},
		{"example.com:443", "port not allowed"},
		{"exa mple.com", "invalid character"},
		{"exa_mple.com", "invalid character"},
		{"-a.example.com", "starts with '-'"},
		{"a-.example.com", "ends with '-'"},
		{"a..example.com", "empty label"},
		{".example.com", "empty label"},
		{"example.com.", "trailing dot"},
		{strings.Repeat("a", 64) + ".example.com", "longer than 63"},
		{strings.Repeat("abc.", 62) + "example.com", "longer than 253"},
		{"b\u00fccher.example.com", "punycode"},
		{"example.org", "not in zone"},
		{"myexample.com", "not in zone"},
	}
	for _, tt := range tests {
		if v := ValidateHost(tt.in, zone); !matches(v.Reason, tt.reason) {
			t.Errorf("ValidateHost(%q) = %q, want containing %q", tt.in, v.Reason, tt.reason)
		}
	}
}

func TestValidateDispatch(t *testing.T) {
	r := Rules{Zone: zone, TagMaxLength: 10, PrefixMaxSeparators: 2}
	if v := Validate(KindTag, strings.Repeat("x", 11), r); v.OK() {
		t.Error("tag limit from Rules not applied")
	}
	if v := Validate(KindPrefix, "example.com/a/b/c", r); v.OK() {
		t.Error("separator limit from Rules not applied")
	}
	if v := Validate(KindEverything, "x", r); v.OK() {
		t.Error("everything takes no items")
	}
}

func TestEncodeNonASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/a", "https://example.com/a"},
		{"https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"},
		{"example.com/\u65e5?", "example.com/%E6%97%A5?"},
		{"https://example.com/%C3%A9", "https://example.com/%C3%A9"},
	}
	for _, tt := range tests {
		if got := EncodeNonASCII(tt.in); got != tt.want {
			t.Errorf("EncodeNonASCII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCountryList(t *testing.T) {
	codes := countryCodes()
	if len(codes) != 249 {
		t.Fatalf("ISO 3166-1 has 249 assigned codes, list has %d", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("duplicate %s", c)
		}
		seen[c] = true
		// Cross-check with x/text's CLDR data: every ISO code must be a
		// known country there too (x/text accepts more, see country.go).
		r, err := language.ParseRegion(c)
		if err != nil || !r.IsCountry() || r.String() != c {
			t.Errorf("%s: not a country in x/text (%v)", c, err)
		}
	}
	for _, ok := range []string{"US", "ES", "GB", "SS", "T1", "XX", "XK", "AX"} {
		if !ValidCountry(ok) {
			t.Errorf("ValidCountry(%q) = false", ok)
		}
	}
	// Well-formed but not assigned, reserved, deprecated or CLDR-only.
	for _, bad := range []string{"ZZ", "EU", "UK", "AA", "QO", "SU", "YU", "AN", "AC", "us", "USA", "U", "", "1T", "S "} {
		if ValidCountry(bad) {
			t.Errorf("ValidCountry(%q) = true", bad)
		}
	}
}
