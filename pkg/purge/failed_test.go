package purge

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
)

// Characters the generators draw from: what makes an item awkward on a line
// of its own (#, {, ", \, %) next to plain ones, and non-ASCII (which URLs,
// prefixes and hosts may hold; tags are refused it by validation).
var awkward = []string{"#", "{", "}", "\"", "\\", "%", "/", "?", "=", "&", "é", "ü", "中", "-", ".", "a", "Z", "0", "9", "_", "~", ":", "[", "]", "'", "!", "*", ",", " "}

func randChars(r *rand.Rand, max int) string {
	var sb strings.Builder
	n := r.IntN(max + 1)
	for i := 0; i < n; i++ {
		sb.WriteString(awkward[r.IntN(len(awkward))])
	}
	return sb.String()
}

// candidate makes a string that may or may not be a valid item of kind;
// invalid ones are dropped by the property (it is about what purge accepts).
// Leading and trailing blanks test that items are trimmed the same way
// whether they come from arguments or from the failed file.
func candidate(r *rand.Rand, kind Kind) string {
	pad := func() string { return []string{"", " ", "\t", "  "}[r.IntN(4)] }
	var s string
	switch kind {
	case KindTag:
		s = []string{"#", "{", "", "\"", "{\"tag\":\"x\"}"}[r.IntN(5)] + randChars(r, 12)
		s = strings.NewReplacer(" ", "", ",", "", "é", "e", "ü", "u", "中", "z").Replace(s)
	case KindURL:
		s = []string{"https://example.com/", "http://example.com/", "https://sub.example.com/", "https://Example.COM:8443/"}[r.IntN(4)] + randChars(r, 12)
	case KindPrefix:
		s = []string{"example.com/", "https://example.com/", "sub.example.com/", "bücher.example.com/"}[r.IntN(4)] + randChars(r, 8)
	case KindHost:
		s = []string{"", "a-", "bücher.", "中文.", "x1."}[r.IntN(5)] + []string{"example.com", "sub.example.com"}[r.IntN(2)]
	}
	return pad() + s + pad()
}

// Every item purge accepts survives the round trip through the failed file
// unchanged (contract, "Files cfcache writes"): accepted as an argument,
// written by WriteFailed, read back by Prepare, the same entries.
func TestFailedFileRoundTripProperty(t *testing.T) {
	for _, kind := range []Kind{KindURL, KindTag, KindPrefix, KindHost} {
		t.Run(string(kind), func(t *testing.T) {
			accepted := 0
			prop := func(seed uint64) bool {
				r := rand.New(rand.NewPCG(seed, 9))
				var args []string
				for i := 0; i < 20; i++ {
					args = append(args, candidate(r, kind))
				}
				var valid []string
				for _, a := range args {
					p, err := Prepare(PrepareOptions{Kind: kind, Limits: free, Zone: zone}, ArgsInput([]string{a}))
					if err == nil && p.Invalid == 0 && p.Items == 1 {
						valid = append(valid, a)
					}
				}
				if len(valid) == 0 {
					return true
				}
				accepted += len(valid)
				in, err := Prepare(PrepareOptions{Kind: kind, Limits: free, Zone: zone}, ArgsInput(valid))
				if err != nil || in.Invalid != 0 {
					t.Logf("%v %v", err, in.Errors)
					return false
				}
				var failures []Failure
				for _, e := range in.Entries {
					failures = append(failures, Failure{e, "HTTP 500"})
				}
				var file bytes.Buffer
				if err := WriteFailed(&file, kind, failures); err != nil {
					t.Log(err)
					return false
				}
				back, err := Prepare(PrepareOptions{Kind: kind, Limits: free, Zone: zone}, FileInput("failed.txt", bytes.NewReader(file.Bytes())))
				if err != nil || back.Invalid != 0 {
					t.Logf("reading back: %v %v\n%s", err, back.Errors, file.String())
					return false
				}
				if len(back.Entries) != len(in.Entries) {
					t.Logf("%d entries read back, want %d:\n%s", len(back.Entries), len(in.Entries), file.String())
					return false
				}
				for i := range in.Entries {
					a, b := in.Entries[i], back.Entries[i]
					a.Source, a.Line, b.Source, b.Line = "", 0, "", 0
					if !reflect.DeepEqual(a, b) {
						t.Logf("entry %d: %+v read back as %+v\n%s", i, a, b, file.String())
						return false
					}
				}
				return true
			}
			if err := quick.Check(prop, &quick.Config{MaxCount: 300}); err != nil {
				t.Fatal(err)
			}
			if accepted < 300 {
				t.Fatalf("only %d valid items generated: the generator is not testing much", accepted)
			}
		})
	}
}

// The cases that broke before: each as a fixed example.
func TestFailedFileRoundTripExamples(t *testing.T) {
	for _, c := range []struct {
		kind  Kind
		items []string
	}{
		{KindTag, []string{"#release", "#", "{", `{"tag":"x"}`, `"quoted"`, "plain", "{not-json"}},
		{KindURL, []string{"https://example.com/{a}", "https://example.com/caf\u00e9?q={}"}},
		{KindHost, []string{"xn--bcher-kva.example.com"}},
		{KindPrefix, []string{"example.com/{x}/"}},
	} {
		in, err := Prepare(PrepareOptions{Kind: c.kind, Limits: free, Zone: zone}, ArgsInput(c.items))
		if err != nil || in.Invalid != 0 {
			t.Fatalf("%s: %v %v", c.kind, err, in.Errors)
		}
		var failures []Failure
		for _, e := range in.Entries {
			failures = append(failures, Failure{e, "x"})
		}
		var file bytes.Buffer
		WriteFailed(&file, c.kind, failures)
		back, err := Prepare(PrepareOptions{Kind: c.kind, Limits: free, Zone: zone}, FileInput("f", &file))
		if err != nil || back.Invalid != 0 {
			t.Fatalf("%s: %v %v", c.kind, err, back.Errors)
		}
		var got []string
		for _, e := range back.Entries {
			got = append(got, e.Value)
		}
		var want []string
		for _, e := range in.Entries {
			want = append(want, e.Value)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back %q, want %q", c.kind, got, want)
		}
	}
}
