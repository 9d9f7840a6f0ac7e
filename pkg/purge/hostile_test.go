package purge

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// The unit half of issue 9's hostile-input suite (the other half drives the
// binary: e2e/hostile_test.go). Each case is one list file fed through
// Prepare, the path every purge verb takes, and asserts the error class, the
// SOURCE:LINE of the item at fault and the reason. A file written on Windows
// (CRLF, a BOM at its start) is still a list: those cases are valid.
func TestHostileItems(t *testing.T) {
	free := limits.Default().For(limits.Free)
	sep := func(n int) string { return "example.com" + strings.Repeat("/a", n) }
	type tc struct {
		name   string
		kind   Kind
		body   string
		line   int    // line of the invalid item; 0: the list is valid
		reason string // substring of the reason
		items  int    // valid, distinct items when line == 0
	}
	cases := []tc{
		// url
		{"url/malformed", KindURL, "https//example.com/a\n", 1, "not an absolute URL", 0},
		{"url/scheme", KindURL, "ok\n", 1, "not an absolute URL", 0},
		{"url/ftp", KindURL, "https://example.com/\nftp://example.com/a\n", 2, "scheme ftp not allowed", 0},
		{"url/nul", KindURL, "https://example.com/a\x00\n", 1, "control character", 0},
		{"url/control", KindURL, "https://example.com/\x1b[0m\n", 1, "control character", 0},
		{"url/invalid-utf8", KindURL, "https://example.com/\xc3\x28\n", 1, "not valid UTF-8", 0},
		{"url/overlong-line", KindURL, "https://example.com/" + strings.Repeat("x", DefaultMaxLineBytes) + "\n", 1, "line longer than", 0},
		{"url/bom-line-2", KindURL, "https://example.com/a\n\ufeffhttps://example.com/b\n", 2, "https not allowed", 0},
		{"url/idn", KindURL, "https://bücher.example.com/\n", 1, "punycode", 0},
		{"url/other-zone", KindURL, "https://example.org/\n", 1, "not in zone example.com", 0},
		{"url/host-port-range", KindURL, "https://example.com:0/\n", 1, "invalid port", 0},
		{"url/cr-only", KindURL, "https://example.com/a\rhttps://example.com/b\r", 1, "control character", 0},
		{"url/json-no-url", KindURL, "{\"headers\": {}}\n", 1, `no "url"`, 0},
		{"url/json-unknown", KindURL, "{\"url\": \"https://example.com/\", \"x\": 1}\n", 1, "unknown field", 0},
		{"url/json-dup-header", KindURL, "{\"url\": \"https://example.com/\", \"headers\": {\"cf-device-type\": \"mobile\", \"CF-Device-Type\": \"mobile\"}}\n", 1, "given twice", 0},
		{"url/ok/bom", KindURL, "\ufeffhttps://example.com/a\n", 0, "", 1},
		{"url/ok/crlf", KindURL, "https://example.com/a\r\nhttps://example.com/b\r\n\r\n# c\r\n", 0, "", 2},
		{"url/ok/bom-crlf-no-final-newline", KindURL, "\ufeffhttps://example.com/a\r\nhttps://example.com/b", 0, "", 2},
		{"url/ok/non-ascii-path", KindURL, "https://example.com/ñ\n", 0, "", 1},
		// prefix
		{"prefix/31-separators", KindPrefix, sep(31) + "\n", 0, "", 1},
		{"prefix/32-separators", KindPrefix, sep(32) + "\n", 1, "32 path separators (/); at most 31 allowed", 0},
		{"prefix/32-separators-with-scheme", KindPrefix, "https://" + sep(32) + "\n", 1, "32 path separators", 0},
		{"prefix/host-port", KindPrefix, "example.com:8443/a\n", 1, "port not allowed", 0},
		{"prefix/query", KindPrefix, "example.com/a?b\n", 1, "query string", 0},
		{"prefix/nul", KindPrefix, "example.com/\x00\n", 1, "control character", 0},
		{"prefix/invalid-utf8", KindPrefix, "example.com/\xff\n", 1, "not valid UTF-8", 0},
		{"prefix/idn", KindPrefix, "bücher.example.com/\n", 1, "punycode", 0},
		{"prefix/ok/crlf", KindPrefix, "example.com/a\r\nexample.com/b\r\n", 0, "", 2},
		// tag
		{"tag/1024", KindTag, strings.Repeat("t", 1024) + "\n", 0, "", 1},
		{"tag/1025", KindTag, strings.Repeat("t", 1025) + "\n", 1, "1025 characters long; at most 1024 allowed", 0},
		{"tag/nul", KindTag, "a\x00b\n", 1, "not printable ASCII", 0},
		{"tag/invalid-utf8", KindTag, "a\xffb\n", 1, "not printable ASCII", 0},
		{"tag/comma", KindTag, "a,b\n", 1, "comma", 0},
		{"tag/inner-space", KindTag, "a b\n", 1, "space", 0},
		{"tag/ok/crlf-bom", KindTag, "\ufeffa\r\nb\r\n", 0, "", 2},
		{"tag/ok/case-duplicates", KindTag, "A\na\n", 0, "", 1},
		// host
		{"host/scheme", KindHost, "https://example.com\n", 1, "scheme not allowed", 0},
		{"host/path", KindHost, "example.com/a\n", 1, "path not allowed", 0},
		{"host/port", KindHost, "example.com:443\n", 1, "port not allowed", 0},
		{"host/idn", KindHost, "bücher.example.com\n", 1, "punycode", 0},
		{"host/nul", KindHost, "a\x00.example.com\n", 1, "invalid character", 0},
		{"host/label-64", KindHost, strings.Repeat("a", 64) + ".example.com\n", 1, "longer than 63", 0},
		{"host/ok/punycode", KindHost, "xn--bcher-kva.example.com\r\n", 0, "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Prepare(PrepareOptions{Kind: c.kind, Limits: free, Zone: Zone{Name: "example.com"}},
				FileInput("list.txt", strings.NewReader(c.body)))
			if strings.Contains(c.body, "\x00") {
				// A NUL makes a file binary (git's rule): it is refused
				// whole, naming the line, not read item by item.
				var nt *NotTextError
				if !errors.As(err, &nt) || !strings.Contains(err.Error(), fmt.Sprintf("NUL byte on line %d,", c.line)) {
					t.Fatalf("Prepare: %v, want a NotTextError naming line %d", err, c.line)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v (a bad item is an ItemError, not a failed read)", err)
			}
			if c.line == 0 {
				if p.Invalid != 0 || p.Items != c.items {
					t.Fatalf("valid list: %d invalid %v, %d items, want 0 invalid and %d items", p.Invalid, p.Errors, p.Items, c.items)
				}
				return
			}
			if p.Invalid != 1 || len(p.Errors) != 1 {
				t.Fatalf("%d invalid items %v, want 1", p.Invalid, p.Errors)
			}
			var ie *ItemError
			if !errors.As(error(p.Errors[0]), &ie) {
				t.Fatalf("error class %T, want *ItemError", p.Errors[0])
			}
			if ie.Source != "list.txt" || ie.Line != c.line || !strings.Contains(ie.Reason, c.reason) {
				t.Errorf("got %s:%d reason %q, want list.txt:%d reason containing %q", ie.Source, ie.Line, ie.Reason, c.line, c.reason)
			}
			msg := ie.Error()
			if !strings.HasPrefix(msg, "list.txt:") || strings.ContainsAny(msg, "\x00\x1b\r\n") || len(msg) > 600 {
				t.Errorf("message is not one printable line naming the item: %q", msg)
			}
		})
	}
}

// --max-items counts every item read, valid or not: the error class is
// TooManyItemsError, returned before the rest of the input is read.
func TestHostileMaxItems(t *testing.T) {
	body := strings.Repeat("https://example.com/a\n", 3) + "not a url\n"
	_, err := Prepare(PrepareOptions{Kind: KindURL, Limits: limits.Default().For(limits.Free), MaxItems: 2},
		FileInput("list.txt", strings.NewReader(body)))
	var tm *TooManyItemsError
	if !errors.As(err, &tm) || tm.Max != 2 || !strings.Contains(err.Error(), "more than 2 items") {
		t.Fatalf("err = %v, want TooManyItemsError naming 2", err)
	}
}

// Arguments are taken as given: an empty one is an item, and so is one that
// starts with # (the user typed it on purpose).
func TestHostileArgs(t *testing.T) {
	p, err := Prepare(PrepareOptions{Kind: KindTag, Limits: limits.Default().For(limits.Free)}, ArgsInput([]string{"#release", "", " "}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Items != 1 || p.Invalid != 2 || p.Errors[0].Source != SourceArgs || p.Errors[0].Line != 2 || p.Errors[1].Line != 3 {
		t.Fatalf("items %d invalid %d errors %v", p.Items, p.Invalid, p.Errors)
	}
}

// An item is shown quoted when it holds something a terminal would not show:
// controls, invalid UTF-8, and invisible format characters such as a BOM on
// a later line, a zero-width space or a bidi override (found by the suite: a
// BOM on line 2 made "scheme \ufeffhttps not allowed" read as nonsense).
func TestItemErrorShowsInvisibleCharacters(t *testing.T) {
	for item, want := range map[string]string{
		"\ufeffhttps://example.com/":      `"\ufeffhttps://example.com/"`,
		"https://example.com/\u200b":      `"https://example.com/\u200b"`,
		"https://example.com/\u202eevil":  `"https://example.com/\u202eevil"`,
		"https://example.com/\x1b[31m":    `"https://example.com/\x1b[31m"`,
		"https://example.com/caf\u00e9 x": "https://example.com/caf\u00e9 x",
	} {
		got := (&ItemError{Source: "l.txt", Line: 2, Item: item, Reason: "r"}).Error()
		if got != "l.txt:2: "+want+": r" {
			t.Errorf("%q shown as %s, want %s", item, got, want)
		}
	}
}
