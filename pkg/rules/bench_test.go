package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// rules300 is a realistic 300-rule file (the Enterprise maximum): a mix of
// TTL overrides, bypasses, custom keys and status-code TTLs, multi-line
// expressions included.
func rules300(variant int) string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule number %d\n", i, i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "    expression: |\n      (http.host eq \"h%d.example.com\" and starts_with(http.request.uri.path, \"/p%d/\"))\n      or http.request.uri.path.extension in {\"css\" \"js\"}\n", i, i)
			fmt.Fprintf(&b, "    action_parameters:\n      cache: true\n      edge_ttl: {mode: override_origin, default: %d}\n      browser_ttl: {mode: override_origin, default: 3600}\n", 86400+i+variant)
		case 1:
			fmt.Fprintf(&b, "    expression: starts_with(http.request.uri.path, \"/api/v%d/\")\n    action_parameters: {cache: false}\n", i)
		case 2:
			fmt.Fprintf(&b, "    expression: http.host eq \"shop%d.example.com\" and http.request.uri.path matches \"^/c/[0-9]+$\"\n", i)
			b.WriteString("    action_parameters:\n      cache: true\n      cache_key:\n        cache_by_device_type: true\n        custom_key:\n          query_string: {include: {list: [page, sort]}}\n          header: {contains: {accept-language: [en, de]}, include: [x-tier]}\n          cookie: {include: [currency]}\n")
		case 3:
			fmt.Fprintf(&b, "    expression: http.host eq \"err%d.example.com\"\n", i)
			b.WriteString("    action_parameters:\n      edge_ttl:\n        mode: respect_origin\n        status_code_ttl:\n          - {status_code: 404, value: 60}\n          - status_code_range: {from: 500}\n            value: -1\n")
		}
	}
	return b.String()
}

func TestRules300Valid(t *testing.T) {
	_, probs := Check("300.yaml", []byte(rules300(0)), Options{})
	if len(probs) > 0 {
		t.Fatalf("the benchmark file should be clean:\n%s", probs)
	}
}

// BenchmarkValidate300 measures `rules validate` on 300 rules: parse and
// validate with the default expression checker.
func BenchmarkValidate300(b *testing.B) {
	data := []byte(rules300(0))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_, probs := Check("300.yaml", data, Options{})
		if probs.HasErrors() {
			b.Fatal(probs)
		}
	}
}

// BenchmarkDiff300 measures `rules diff` on 300 rules: parse the file,
// compute the diff against the zone's rules (every fourth rule changed,
// several moved), and render text and JSON.
func BenchmarkDiff300(b *testing.B) {
	data := []byte(rules300(7))
	f, _ := Parse("old.yaml", []byte(rules300(0)))
	remote := f.Rules
	remote[10], remote[200] = remote[200], remote[10]
	for b.Loop() {
		local, _ := Parse("300.yaml", data)
		d := Compute(remote, local.Rules)
		if !d.HasChanges() {
			b.Fatal("expected changes")
		}
		_ = d.Text(nil)
		if _, err := d.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// rules300Static is docs/performance.md's rules300.yaml (the awk
// one-liner of "Against start-up"): 300 rules with the same settings, a
// custom key each, one expression shape.
func rules300Static() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule %d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}\n    action_parameters:\n      cache: true\n      edge_ttl:\n        mode: override_origin\n        default: %d\n      browser_ttl:\n        mode: respect_origin\n      cache_key:\n        cache_deception_armor: true\n        custom_key:\n          query_string:\n            exclude:\n              list: [\"utm_source\", \"utm_medium\"]\n", i, i, i, 3600+i)
	}
	return b.String()
}

// rules300Response is a 300-rule Cache Response Rules file: cache-control
// directives, tags and strip switches in turn.
func rules300Response() string {
	var b strings.Builder
	b.WriteString("phase: response\nrules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\")\n", i, i)
		switch i % 3 {
		case 0:
			b.WriteString("    action: set_cache_control\n    action_parameters:\n      s-maxage: {operation: set, value: 300, cloudflare_only: true}\n      max-age: {operation: set, value: 0}\n      private: {operation: remove}\n")
		case 1:
			fmt.Fprintf(&b, "    action: set_cache_tags\n    action_parameters: {operation: add, values: [section-%d, all]}\n", i)
		case 2:
			b.WriteString("    action_parameters: {strip_set_cookie: true}\n")
		}
	}
	return b.String()
}

// nopChecker finds nothing: the benchmarks below measure Validate's own
// checks (fields, settings schema, plan gates, lint) without the
// Rules-language parser, which pkg/expr benchmarks itself.
type nopChecker struct{}

func (nopChecker) Check(string, limits.Limits) []ExprProblem { return nil }

// BenchmarkValidateParsed300 is Validate alone on parsed 300-rule files,
// its memory of the last validation forgotten before each run.
func BenchmarkValidateParsed300(b *testing.B) {
	for _, c := range []struct {
		name string
		data string
	}{{"mixed", rules300(0)}, {"static", rules300Static()}, {"response", rules300Response()}} {
		b.Run(c.name, func(b *testing.B) {
			f, probs := Parse("300.yaml", []byte(c.data))
			if probs.HasErrors() {
				b.Fatal(probs)
			}
			opts := Options{Checker: nopChecker{}}
			for b.Loop() {
				f.validated = nil
				if probs := Validate(f, opts); len(probs) > 0 {
					b.Fatal(probs)
				}
			}
		})
	}
}

// BenchmarkSettings300 lists every rule's settings, as cachekey.Compile
// does for `rules explain` and `purge url --variants auto`.
func BenchmarkSettings300(b *testing.B) {
	f, probs := Parse("rules300.yaml", []byte(rules300Static()))
	if probs.HasErrors() {
		b.Fatal(probs)
	}
	for b.Loop() {
		for _, r := range f.Rules {
			if len(r.Settings()) == 0 {
				b.Fatal("no settings")
			}
		}
	}
}

// TestValidateAllocations keeps the checks of valid rules from building
// paths, messages or tables they do not report (docs/performance.md,
// "Against start-up"): 300 valid rules took 7,632 allocations (472 kB)
// when every key's path was built up front, and take 85 now; the bound, one a rule,
// leaves room for a few more tables, not for anything per key.
func TestValidateAllocations(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
	}{{"static", rules300Static()}, {"response", rules300Response()}} {
		f, probs := Parse("300.yaml", []byte(c.data))
		if probs.HasErrors() {
			t.Fatal(probs)
		}
		opts := Options{Checker: nopChecker{}}
		allocs := testing.AllocsPerRun(5, func() {
			f.validated = nil
			if probs := Validate(f, opts); len(probs) > 0 {
				t.Fatal(probs)
			}
		})
		if allocs > 300 {
			t.Errorf("%s: Validate of %d valid rules made %.0f allocations, want at most one a rule", c.name, len(f.Rules), allocs)
		}
	}
}

// BenchmarkParse300 and BenchmarkParseAwk300 measure reading a rules
// file (YAML to rules, no validation): the two 300-rule files.
func BenchmarkParse300(b *testing.B) { benchParse(b, rules300(0)) }

func BenchmarkParseAwk300(b *testing.B) { benchParse(b, rules300Static()) }

func benchParse(b *testing.B, text string) {
	data := []byte(text)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, probs := Parse("300.yaml", data)
		if probs.HasErrors() || len(f.Rules) != 300 {
			b.Fatal(probs)
		}
	}
}

// BenchmarkValidateAwk300 is BenchmarkValidate300 on the awk file.
func BenchmarkValidateAwk300(b *testing.B) {
	data := []byte(rules300Static())
	for b.Loop() {
		_, probs := Check("300.yaml", data, Options{})
		if probs.HasErrors() {
			b.Fatal(probs)
		}
	}
}
