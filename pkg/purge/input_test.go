package purge

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cfcache/cfcache/pkg/limits"
)

var free = limits.Default().For(limits.Free)

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name   string
		flags  VariantFlags
		combos [][]Header
		errs   []string
	}{
		{name: "none", flags: VariantFlags{}},
		{
			name:  "devices all",
			flags: VariantFlags{Devices: []string{"all"}},
			combos: [][]Header{
				{{HeaderDevice, "mobile"}}, {{HeaderDevice, "desktop"}}, {{HeaderDevice, "tablet"}},
			},
		},
		{
			name:  "product in flag order, last varies fastest, duplicates dropped",
			flags: VariantFlags{Devices: []string{"Mobile,desktop", "mobile"}, Countries: []string{"es", "US"}},
			combos: [][]Header{
				{{HeaderDevice, "mobile"}, {HeaderCountry, "ES"}},
				{{HeaderDevice, "mobile"}, {HeaderCountry, "US"}},
				{{HeaderDevice, "desktop"}, {HeaderCountry, "ES"}},
				{{HeaderDevice, "desktop"}, {HeaderCountry, "US"}},
			},
		},
		{
			name:  "lang and headers: same name alternatives, names multiply",
			flags: VariantFlags{Langs: []string{"en-US"}, Headers: []string{"Origin: https://a.example.com", "X-Ver: 1", "origin: https://b.example.com"}},
			combos: [][]Header{
				{{HeaderLanguage, "en-US"}, {"Origin", "https://a.example.com"}, {"X-Ver", "1"}},
				{{HeaderLanguage, "en-US"}, {"Origin", "https://b.example.com"}, {"X-Ver", "1"}},
			},
		},
		{
			name:   "-H with a builtin name joins its dimension",
			flags:  VariantFlags{Devices: []string{"mobile"}, Headers: []string{"cf-device-type: tablet"}},
			combos: [][]Header{{{HeaderDevice, "mobile"}}, {{HeaderDevice, "tablet"}}},
		},
		{
			name:  "one error per bad value",
			flags: VariantFlags{Devices: []string{"phone,mobile"}, Countries: []string{"ZZ,ES,EU"}, Langs: []string{"en_US!!"}, Headers: []string{"Bad Name: x", "NoColon", "X-Empty:", "Origin: https://a.example.com/path", "CF-IPCountry: XY"}},
			errs: []string{
				`--device "phone": not a device type`,
				`--country "ZZ": not an ISO 3166-1`,
				`--country "EU": not an ISO 3166-1`,
				`--lang "en_US!!": not a BCP 47`,
				`-H "Bad Name: x": invalid header name`,
				`-H "NoColon": want 'Name: value'`,
				`-H "X-Empty:": empty header value`,
				`-H "Origin: https://a.example.com/path": Origin is scheme://host[:port]`,
				`-H "CF-IPCountry: XY": not an ISO`,
			},
		},
		{name: "T1 and XX", flags: VariantFlags{Countries: []string{"t1,XX"}}, combos: [][]Header{{{HeaderCountry, "T1"}}, {{HeaderCountry, "XX"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, errs := ParseVariants(tt.flags)
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors = %v, want %d", errs, len(tt.errs))
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.errs[i]) {
					t.Errorf("error %d = %q, want containing %q", i, e, tt.errs[i])
				}
			}
			if len(tt.errs) > 0 {
				return
			}
			if !reflect.DeepEqual(v.Combos(), tt.combos) {
				t.Errorf("combos = %v, want %v", v.Combos(), tt.combos)
			}
			if want := max(1, len(tt.combos)); v.Count() != want {
				t.Errorf("Count = %d, want %d", v.Count(), want)
			}
		})
	}
}

func TestVariantsExpandOwnHeadersWin(t *testing.T) {
	v, _ := ParseVariants(VariantFlags{Devices: []string{"all"}, Countries: []string{"ES"}})
	own := []Header{{HeaderDevice, "mobile"}}
	got := v.expand(own)
	want := [][]Header{{{HeaderDevice, "mobile"}, {HeaderCountry, "ES"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("expand = %v, want %v", got, want)
	}
}

func readAll(t *testing.T, in Input, kind Kind, max int) []Item {
	t.Helper()
	r := NewReader(in, kind, max)
	var out []Item
	for r.Scan() {
		out = append(out, r.Item())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReader(t *testing.T) {
	input := "\ufeffhttps://example.com/a\r\n" +
		"\n   \n" +
		"# a comment\n" +
		"   # indented comment\n" +
		"  https://example.com/b  \n" +
		`{"url": "https://example.com/c", "headers": {"cf-device-type": "Mobile", "CF-IPCountry": "es"}}` + "\n" +
		`{"url": "https://example.com/d"` + "\n" +
		`{"headers": {}}` + "\n" +
		`{"url": "x", "extra": 1}` + "\n" +
		`{"url": "https://example.com/e", "headers": {"CF-Device-Type": "phone"}}` + "\n" +
		strings.Repeat("x", 200) + "\n" +
		"https://example.com/last" // no final newline
	items := readAll(t, FileInput("urls.txt", strings.NewReader(input)), KindURL, 128)
	type row struct {
		line    int
		value   string
		headers []Header
		reason  string
	}
	want := []row{
		{1, "https://example.com/a", nil, ""},
		{6, "https://example.com/b", nil, ""},
		{7, "https://example.com/c", []Header{{HeaderDevice, "mobile"}, {HeaderCountry, "ES"}}, ""},
		{8, `{"url": "https://example.com/d"`, nil, "invalid JSON line"},
		{9, `{"headers": {}}`, nil, `no "url"`},
		{10, `{"url": "x", "extra": 1}`, nil, "unknown field"},
		{11, "https://example.com/e", nil, "header CF-Device-Type: not a device type"},
		{12, strings.Repeat("x", 80) + "…", nil, "line longer than 128 bytes"},
		{13, "https://example.com/last", nil, ""},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items: %+v", len(items), items)
	}
	for i, w := range want {
		it := items[i]
		if it.Source != "urls.txt" || it.Line != w.line || it.Value != w.value || !reflect.DeepEqual(it.Headers, w.headers) || !matches(it.Reason, w.reason) {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
	}
}

func TestReaderLimitEdges(t *testing.T) {
	exact := strings.Repeat("a", 32)
	items := readAll(t, FileInput("-", strings.NewReader(exact+"\n"+exact+"b\n"+exact)), KindTag, 32)
	if len(items) != 3 || items[0].Reason != "" || items[1].Reason == "" || items[2].Reason != "" {
		t.Fatalf("items = %+v", items)
	}
	// Tags starting with { are tags, not JSON.
	items = readAll(t, FileInput("-", strings.NewReader("{tag}\n")), KindTag, 0)
	if len(items) != 1 || items[0].Value != "{tag}" || items[0].Reason != "" {
		t.Fatalf("items = %+v", items)
	}
	// A reader that returns one byte at a time changes nothing.
	items = readAll(t, FileInput("-", iotest.OneByteReader(strings.NewReader("a\n#c\nb"))), KindTag, 0)
	if len(items) != 2 || items[1].Value != "b" || items[1].Line != 3 {
		t.Fatalf("items = %+v", items)
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(FileInput("f", io.MultiReader(strings.NewReader("a\n"), iotest.ErrReader(boom))), KindTag, 0)
	n := 0
	for r.Scan() {
		n++
	}
	if n != 1 || !errors.Is(r.Err(), boom) {
		t.Fatalf("n=%d err=%v", n, r.Err())
	}
}

func TestReaderArgs(t *testing.T) {
	items := readAll(t, ArgsInput([]string{"#tag", " b ", ""}), KindTag, 0)
	if len(items) != 3 || items[0].Value != "#tag" || items[1].Value != "b" || items[2].Reason != "empty item" ||
		items[0].Source != "arg" || items[2].Line != 3 {
		t.Fatalf("items = %+v", items)
	}
}

func TestDeduper(t *testing.T) {
	tests := []struct {
		kind Kind
		a, b string
		dup  bool
	}{
		{KindTag, "Product-1", "product-1", true},
		{KindTag, "a", "b", false},
		{KindURL, "HTTPS://Example.COM/a", "https://example.com/a", true},
		{KindURL, "https://example.com:443/a", "https://example.com/a", true},
		{KindURL, "http://example.com:80/a", "http://example.com/a", true},
		{KindURL, "http://example.com:443/a", "http://example.com/a", false},
		{KindURL, "https://example.com/A", "https://example.com/a", false},
		{KindURL, "http://example.com/a", "https://example.com/a", false},
		{KindURL, "https://example.com/a?x=1", "https://example.com/a?x=2", false},
		{KindPrefix, "WWW.example.com/Foo", "www.example.com/Foo", true},
		{KindPrefix, "www.example.com/Foo", "www.example.com/foo", false},
		{KindHost, "WWW.Example.com", "www.example.com", true},
	}
	for _, tt := range tests {
		d := NewDeduper(tt.kind)
		if !d.Add(tt.a, nil) {
			t.Fatalf("first Add(%q) not new", tt.a)
		}
		if got := !d.Add(tt.b, nil); got != tt.dup {
			t.Errorf("%s: %q then %q: duplicate = %v, want %v", tt.kind, tt.a, tt.b, got, tt.dup)
		}
	}
	d := NewDeduper(KindURL)
	d.Add("https://example.com/a", []Header{{HeaderDevice, "mobile"}})
	if !d.Add("https://example.com/a", nil) || !d.Add("https://example.com/a", []Header{{HeaderDevice, "tablet"}}) {
		t.Error("headers must be part of the identity")
	}
	if d.Add("https://example.com/a", []Header{{"cf-device-type", "mobile"}}) {
		t.Error("header names compare case-insensitively")
	}
	if d.Len() != 3 {
		t.Errorf("Len = %d", d.Len())
	}
}

func TestPrepare(t *testing.T) {
	file := strings.Join([]string{
		"https://example.com/a",
		"https://EXAMPLE.com:443/a", // duplicate
		"not a url",
		"https://other.com/x",
		"https://example.com/caf\u00e9",
		"# comment",
		"https://example.com/b",
	}, "\n")
	vars, _ := ParseVariants(VariantFlags{Devices: []string{"mobile,desktop"}})
	opts := PrepareOptions{Kind: KindURL, Limits: free, Zone: zone, Variants: vars}
	p, err := Prepare(opts, ArgsInput([]string{"https://example.com/z"}), FileInput("list.txt", strings.NewReader(file)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Read != 7 || p.Invalid != 2 || p.Duplicates != 1 || p.Items != 4 || p.EntryCount != 8 || p.Units != 10 {
		t.Errorf("counts = %+v", *p)
	}
	wantErrs := []string{
		"list.txt:3: not a url: not an absolute URL: want http:// or https://",
		"list.txt:4: https://other.com/x: host other.com is not in zone example.com",
	}
	for i, e := range p.Errors {
		if e.Error() != wantErrs[i] {
			t.Errorf("error %d = %q, want %q", i, e, wantErrs[i])
		}
	}
	if len(p.Entries) != 8 || p.Entries[0].Value != "https://example.com/z" || p.Entries[0].Source != "arg" ||
		p.Entries[1].Headers[0].Value != "desktop" {
		t.Errorf("entries = %+v", p.Entries)
	}
	cafe := p.Entries[4]
	if cafe.Line != 5 || !reflect.DeepEqual(cafe.Forms, []string{"https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"}) {
		t.Errorf("non-ASCII entry = %+v", cafe)
	}

	// Forms per --url-form; CountOnly keeps no entries but the same counts.
	for form, want := range map[URLForm][]string{FormRaw: nil, FormEncoded: {"https://example.com/caf%C3%A9"}} {
		p, _ := Prepare(PrepareOptions{Kind: KindURL, Limits: free, URLForm: form}, ArgsInput([]string{"https://example.com/caf\u00e9"}))
		if !reflect.DeepEqual(p.Entries[0].Forms, want) || p.Units != 1 {
			t.Errorf("%s: forms = %v units %d", form, p.Entries[0].Forms, p.Units)
		}
	}
	opts.CountOnly = true
	var streamed []string
	opts.OnError = func(e *ItemError) { streamed = append(streamed, e.Error()) }
	q, _ := Prepare(opts, ArgsInput([]string{"https://example.com/z"}), FileInput("list.txt", strings.NewReader(file)))
	if q.Entries != nil || q.Units != p.Units || q.EntryCount != p.EntryCount || len(q.Errors) != 0 || !reflect.DeepEqual(streamed, wantErrs) {
		t.Errorf("CountOnly = %+v, streamed %v", *q, streamed)
	}
}

func TestPrepareNotesAndMaxItems(t *testing.T) {
	p, err := Prepare(PrepareOptions{Kind: KindPrefix, Limits: free, Zone: zone},
		ArgsInput([]string{"https://example.com/a/", "example.com/a/"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 1 || p.Notes[0].String() != "arg:1: https://example.com/a/: removed https://: a prefix is host/path" ||
		p.Duplicates != 1 || p.Entries[0].Value != "example.com/a/" {
		t.Errorf("prepared = %+v", *p)
	}
	_, err = Prepare(PrepareOptions{Kind: KindTag, Limits: free, MaxItems: 2}, FileInput("-", strings.NewReader("a\nb\nc\nd\n")))
	var tm *TooManyItemsError
	if !errors.As(err, &tm) || tm.Max != 2 {
		t.Errorf("err = %v", err)
	}
}

// An invalid line at the very end of a long file is still found, and every
// invalid line is reported, not only the first.
func TestPrepareReportsEveryError(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 50_000; i++ {
		b.WriteString("tag-")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteByte('\n')
	}
	b.WriteString("bad tag\nalso,bad\n")
	p, err := Prepare(PrepareOptions{Kind: KindTag, Limits: free, CountOnly: true}, FileInput("big.txt", &b))
	if err != nil {
		t.Fatal(err)
	}
	if p.Invalid != 2 || p.Errors[0].Line != 50_001 || p.Errors[1].Line != 50_002 || p.Items != 7 {
		t.Errorf("prepared = %+v errors %v", *p, p.Errors)
	}
}

func TestItemErrorDisplay(t *testing.T) {
	e := &ItemError{Source: "-", Line: 3, Item: "a\x1b[31mb", Reason: "r"}
	if got := e.Error(); got != `-:3: "a\x1b[31mb": r` {
		t.Errorf("Error() = %q", got)
	}
	long := &ItemError{Source: "-", Line: 1, Item: strings.Repeat("y", 500), Reason: "r"}
	if got := long.Error(); len(got) > 220 || !strings.Contains(got, "…") {
		t.Errorf("long item not shortened: %d", len(got))
	}
}

// The failed file, read back with the same kind, gives the same entries:
// the remainder is purged exactly.
func TestWriteFailedRoundTrip(t *testing.T) {
	vars, _ := ParseVariants(VariantFlags{Devices: []string{"mobile,tablet"}})
	p, err := Prepare(PrepareOptions{Kind: KindURL, Limits: free, Zone: zone, Variants: vars},
		ArgsInput([]string{"https://example.com/a?x=1&y=<2>", "https://example.com/caf\u00e9"}))
	if err != nil || p.Invalid != 0 {
		t.Fatal(err, p.Errors)
	}
	var failures []Failure
	for i, e := range p.Entries {
		failures = append(failures, Failure{e, []string{"HTTP 500\nboom", "not sent: interrupted"}[i/2]})
	}
	var out bytes.Buffer
	if err := WriteFailed(&out, KindURL, failures); err != nil {
		t.Fatal(err)
	}
	want := `# cfcache: 4 url item(s) not confirmed purged; retry with: cfcache purge url -f FILE
# HTTP 500 boom
{"url":"https://example.com/a?x=1&y=<2>","headers":{"CF-Device-Type":"mobile"}}
{"url":"https://example.com/a?x=1&y=<2>","headers":{"CF-Device-Type":"tablet"}}
# not sent: interrupted
{"url":"https://example.com/caf` + "\u00e9" + `","headers":{"CF-Device-Type":"mobile"}}
{"url":"https://example.com/caf` + "\u00e9" + `","headers":{"CF-Device-Type":"tablet"}}
`
	if out.String() != want {
		t.Errorf("failed file:\n%s\nwant:\n%s", out.String(), want)
	}
	// Fed back without --device (or with it: own headers win) it is exact.
	for _, v := range []Variants{{}, vars} {
		q, err := Prepare(PrepareOptions{Kind: KindURL, Limits: free, Zone: zone, Variants: v}, FileInput("failed.txt", &out))
		if err != nil || q.Invalid != 0 {
			t.Fatal(err, q.Errors)
		}
		for i := range q.Entries {
			q.Entries[i].Source, q.Entries[i].Line = p.Entries[i].Source, p.Entries[i].Line
		}
		if !reflect.DeepEqual(q.Entries, p.Entries) {
			t.Errorf("round trip:\n%+v\nwant\n%+v", q.Entries, p.Entries)
		}
		out.Reset()
		WriteFailed(&out, KindURL, failures)
	}

	out.Reset()
	WriteFailed(&out, KindTag, []Failure{{Entry{Value: "t1"}, "x"}, {Entry{Value: "#t2"}, "x"}})
	if got := out.String(); !strings.Contains(got, "\nt1\n{\"tag\":\"#t2\"}\n") {
		t.Errorf("tags:\n%s", got)
	}
}

// Issue 9 #15: a file that is not text is refused whole, before any item, by
// git's rule (a NUL byte in the first 8,000 bytes) or a share of control
// characters and invalid UTF-8 no list of items has; text with a stray bad
// byte is read item by item.
func TestNotTextInputIsRefusedWhole(t *testing.T) {
	for _, c := range []struct {
		name, input, why string
	}{
		{"nul", "https://example.com/a\n\x00\n", "NUL byte on line 2, at offset 22"},
		{"nul late in the window", strings.Repeat("https://example.com/a\n", 300) + "\x00", "NUL byte on line 301, at offset 6600"},
		{"utf-16", "\xff\xfeh\x00", "UTF-16; convert it to UTF-8"},
		{"control characters", strings.Repeat("a\x01\x02\x03\x04\x05\x06\x07\x08\x0e\n", 10), "81% of the first 110 bytes are control characters or invalid UTF-8"},
		{"invalid utf-8", strings.Repeat("\xc3\x28\xa0\xa1\n", 10), "60% of the first 50 bytes are control characters or invalid UTF-8"},
		{"text", "https://example.com/caf\xe9\ntag\t1\r\n\n", ""},
		{"empty", "", ""},
		{"a few bad bytes", "\x01\x02\x03\x04\x05\x06\x07\n", ""},
		{"nul after the window", strings.Repeat("t\n", SniffBytes/2) + "\x00\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(FileInput("f.txt", strings.NewReader(c.input)), KindTag, 0)
			n := 0
			for r.Scan() {
				n++
			}
			var nt *NotTextError
			if c.why == "" {
				if r.Err() != nil {
					t.Fatalf("refused text: %v", r.Err())
				}
				return
			}
			if !errors.As(r.Err(), &nt) || r.Err().Error() != "f.txt: not a text file ("+c.why+")" || n != 0 {
				t.Fatalf("err %v after %d items, want %q", r.Err(), n, c.why)
			}
		})
	}
}

// Recheck applies what the zone lookup told (the name of a zone given by
// id) to prepared entries, once per item whatever its variants.
func TestRecheck(t *testing.T) {
	entries := []Entry{
		{Value: "https://example.com/a", Source: "arg", Line: 1},
		{Value: "https://other.org/b", Source: "arg", Line: 2, Headers: []Header{{"CF-Device-Type", "mobile"}}},
		{Value: "https://other.org/b", Source: "arg", Line: 2, Headers: []Header{{"CF-Device-Type", "tablet"}}},
	}
	var errs []string
	n := Recheck(KindURL, entries, Rules{Zone: Zone{Name: "example.com"}}, func(e *ItemError) { errs = append(errs, e.Error()) }, nil)
	if n != 1 || len(errs) != 1 || errs[0] != "arg:2: https://other.org/b: host other.org is not in zone example.com" {
		t.Fatalf("%d invalid: %q", n, errs)
	}
	var notes []string
	n = Recheck(KindURL, entries, Rules{Zone: Zone{Name: "example.com", Warn: true}}, nil, func(nt Note) { notes = append(notes, nt.String()) })
	if n != 0 || len(notes) != 1 {
		t.Fatalf("warn mode: %d invalid, notes %q", n, notes)
	}
}
