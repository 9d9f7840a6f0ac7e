package cachekey

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/rules"
)

// rules300 mixes URL-only rules, header-conditional ones and custom keys.
func rules300(b *testing.B) []*rules.Rule {
	var sb strings.Builder
	sb.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, "  - ref: r%03d\n", i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&sb, "    expression: starts_with(http.request.uri.path, \"/p%d/\") or http.request.uri.path.extension in {\"css\" \"js\"}\n", i)
			sb.WriteString("    action_parameters: {cache: true, edge_ttl: {mode: override_origin, default: 3600}}\n")
		case 1:
			fmt.Fprintf(&sb, "    expression: http.host eq \"h%d.example.com\" and any(http.request.headers[\"x-app\"][*] eq \"ios\")\n", i)
			sb.WriteString("    action_parameters: {cache_key: {cache_by_device_type: true}}\n")
		case 2:
			fmt.Fprintf(&sb, "    expression: http.host eq \"shop%d.example.com\" and http.request.uri.path matches \"^/c/[0-9]+$\"\n", i)
			sb.WriteString("    action_parameters: {cache: true, cache_key: {custom_key: {query_string: {include: {list: [page]}}, header: {include: [x-tier]}, user: {geo: true}}}}\n")
		}
	}
	f, probs := rules.Parse("300.yaml", []byte(sb.String()))
	if probs.HasErrors() {
		b.Fatal(probs)
	}
	return f.Rules
}

// BenchmarkExplain300 is one request explained against 300 compiled rules.
func BenchmarkExplain300(b *testing.B) {
	s := Compile(rules300(b))
	req := expr.Request{URL: "https://shop2.example.com/c/42?page=3&x=1", Headers: []expr.Header{{Name: "X-Tier", Value: "gold"}}, Country: "DE"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Explain(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVariants300 is the per-URL cost of purge url --variants auto
// against 300 compiled rules.
func BenchmarkVariants300(b *testing.B) {
	s := Compile(rules300(b))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Variants(fmt.Sprintf("https://h%d.example.com/p/%d.css", i%300, i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile300 is parsing the 300 expressions once.
func BenchmarkCompile300(b *testing.B) {
	rs := rules300(b)
	b.ReportAllocs()
	for b.Loop() {
		expr.ForgetParsed()
		Compile(rs)
	}
}

// BenchmarkCompileValidated300 is Compile after validation parsed the
// expressions (rules explain FILE): Parse hands out the same trees.
func BenchmarkCompileValidated300(b *testing.B) {
	rs := rules300(b)
	b.ReportAllocs()
	for b.Loop() {
		Compile(rs)
	}
}

// BenchmarkExpand300 is the per-URL cost of purge url --variants auto's
// expansion (rules outcome, combinations, merge with the entry's headers)
// against 300 compiled rules, hosts cycling so outcomes repeat as in a
// real list.
func BenchmarkExpand300(b *testing.B) {
	x, err := NewExpander(Compile(rules300(b)), VariantChoices{Countries: []string{"DE", "US"}, Headers: []string{"X-Tier: gold"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		u := fmt.Sprintf("https://h%d.example.com/p%d/%d.css", i%300, i%300, i)
		if i%2 == 0 {
			u = fmt.Sprintf("https://shop%d.example.com/c/%d?page=2", i%300, i)
		}
		if _, err := x.Expand(u, nil); err != nil {
			b.Fatal(err)
		}
	}
}
