package zoneroute

import (
	"fmt"
	"testing"

	"github.com/cfcache/cfcache/pkg/purge"
)

func zones(names ...string) []Zone {
	out := make([]Zone, len(names))
	for i, n := range names {
		out[i] = Zone{Name: n, Status: "active"}
	}
	return out
}

func TestMatch(t *testing.T) {
	r := New(zones("example.com", "shop.example.com", "Example.ORG.", "co.uk", "other.co.uk"))
	tests := []struct {
		host string
		want int
		ok   bool
	}{
		{"example.com", 0, true},
		{"www.example.com", 0, true},
		{"shop.example.com", 1, true},     // a subzone is its own zone
		{"cdn.shop.example.com", 1, true}, // longest suffix wins
		{"SHOP.Example.com", 1, true},     // case-insensitive
		{"shop.example.com.", 1, true},    // trailing dot
		{"myshop.example.com", 0, true},   // label boundary, not a string suffix
		{"notexample.com", 0, false},      // not a suffix on a label boundary
		{"example.org", 2, true},          // the zone name is normalized too
		{"a.b.other.co.uk", 4, true},
		{"x.co.uk", 3, true},
		{"example.net", 0, false},
		{"com", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got := r.Match(tt.host)
		if (len(got) == 1) != tt.ok || (tt.ok && got[0] != tt.want) || (!tt.ok && len(got) != 0) {
			t.Errorf("Match(%q) = %v; want [%d] %v", tt.host, got, tt.want, tt.ok)
		}
	}
}

// A name listed twice (the domain added to a second account, often as a
// pending copy) resolves to the active zone whatever the listing order, and
// stays ambiguous when the status does not tell them apart (review of issue
// 10, #8: before, the first listed won silently).
func TestMatchDuplicateNames(t *testing.T) {
	tests := []struct {
		name  string
		zones []Zone
		want  []int
	}{
		{"pending first", []Zone{{"example.com", "pending"}, {"EXAMPLE.com", "active"}}, []int{1}},
		{"active first", []Zone{{"example.com", "active"}, {"example.com", "pending"}}, []int{0}},
		{"moved and pending", []Zone{{"example.com", "moved"}, {"example.com", "pending"}}, []int{1}},
		{"two active", []Zone{{"example.com", "active"}, {"other.org", "active"}, {"example.com.", ""}}, []int{0, 2}},
		{"two pending", []Zone{{"example.com", "pending"}, {"example.com", "initializing"}}, []int{0, 1}},
	}
	for _, tt := range tests {
		got := New(tt.zones).Match("a.example.com")
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		kind  purge.Kind
		value string
		want  string
	}{
		{purge.KindURL, "https://www.example.com/a?b#c", "www.example.com"},
		{purge.KindURL, "http://user:pw@Example.com:8080/", "Example.com"},
		{purge.KindURL, "https://example.com", "example.com"},
		{purge.KindURL, "https://example.com?q", "example.com"},
		{purge.KindURL, "https://[::1]:8080/", ""},
		{purge.KindPrefix, "example.com/blog/", "example.com"},
		{purge.KindPrefix, "https://shop.example.com/a", "shop.example.com"},
		{purge.KindHost, "images.example.com", "images.example.com"},
		{purge.KindTag, "product-1", ""},
	}
	for _, tt := range tests {
		if got := Host(tt.kind, tt.value); got != tt.want {
			t.Errorf("Host(%s, %q) = %q; want %q", tt.kind, tt.value, got, tt.want)
		}
	}
}

// BenchmarkRoute routes 100,000 URLs over 1,000 zones, a tenth of them
// subzones (the account-scale case of issue 10).
func BenchmarkRoute(b *testing.B) {
	names := make([]string, 0, 1000)
	for i := 0; len(names) < 1000; i++ {
		names = append(names, fmt.Sprintf("site%d.example", i))
		if i%10 == 0 {
			names = append(names, fmt.Sprintf("shop.site%d.example", i))
		}
	}
	items := make([]string, 100_000)
	for i := range items {
		items[i] = fmt.Sprintf("https://www.shop.site%d.example/p/%d", i%900, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := New(zones(names...))
		for _, it := range items {
			if len(r.Match(Host(purge.KindURL, it))) != 1 {
				b.Fatal("no zone for", it)
			}
		}
	}
}
