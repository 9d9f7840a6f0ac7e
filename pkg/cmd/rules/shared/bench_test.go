package shared

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// BenchmarkValidateParsed300 is rules.Validate on the parsed rules300.yaml
// of docs/performance.md ("Against start-up") with the commands' checker,
// --plan enterprise. Parse remembers each expression's tree, so after the
// first run this measures the checks and the checker's glue, not the
// Rules-language parser.
func BenchmarkValidateParsed300(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("rules:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, "  - ref: rule-%03d\n    description: Rule %d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}\n    action_parameters:\n      cache: true\n      edge_ttl:\n        mode: override_origin\n        default: %d\n      browser_ttl:\n        mode: respect_origin\n      cache_key:\n        cache_deception_armor: true\n        custom_key:\n          query_string:\n            exclude:\n              list: [\"utm_source\", \"utm_medium\"]\n", i, i, i, 3600+i)
	}
	f, probs := rules.Parse("rules300.yaml", []byte(sb.String()))
	if probs.HasErrors() {
		b.Fatal(probs)
	}
	opts := rules.Options{Limits: limits.Default().For(limits.Enterprise), Checker: NewChecker()}
	for b.Loop() {
		g := *f // a copy that has not been validated yet
		if probs := rules.Validate(&g, opts); len(probs) > 0 {
			b.Fatal(probs)
		}
	}
}
