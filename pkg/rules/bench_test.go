package rules

import (
	"fmt"
	"strings"
	"testing"
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

// awk300 is the 300-rule file of docs/performance.md's "Reproduce" (the
// one issue 12's bar is measured on): block mappings only, one flow list
// of quoted strings per rule.
func awk300() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule %d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}\n    action_parameters:\n      cache: true\n      edge_ttl:\n        mode: override_origin\n        default: %d\n      browser_ttl:\n        mode: respect_origin\n      cache_key:\n        cache_deception_armor: true\n        custom_key:\n          query_string:\n            exclude:\n              list: [\"utm_source\", \"utm_medium\"]\n", i, i, i, 3600+i)
	}
	return b.String()
}

// BenchmarkParse300 and BenchmarkParseAwk300 measure reading a rules
// file (YAML to rules, no validation): the two 300-rule files.
func BenchmarkParse300(b *testing.B) { benchParse(b, rules300(0)) }

func BenchmarkParseAwk300(b *testing.B) { benchParse(b, awk300()) }

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
	data := []byte(awk300())
	for b.Loop() {
		_, probs := Check("300.yaml", data, Options{})
		if probs.HasErrors() {
			b.Fatal(probs)
		}
	}
}
