package expr

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// TestResponsePhaseFields: the response fields cloudflare.md lists for Cache
// Response Rules type-check in the response phase and are refused, with the
// way out named, in the request phase.
func TestResponsePhaseFields(t *testing.T) {
	for _, src := range []string{
		`http.response.code eq 200`,
		`http.response.code in {200 301}`,
		`any(http.response.headers["set-cookie"][*] contains "session")`,
		`any(http.response.headers.names[*] eq "x-tag")`,
		`any(http.response.headers.values[*] contains "no-store")`,
		`http.response.content_type.media_type eq "text/html" and starts_with(http.request.uri.path, "/")`,
	} {
		if probs := CheckExpressionWith(src, Options{Plan: limits.Free, ResponsePhase: true}); len(probs) > 0 {
			t.Errorf("response phase: %s: %v", src, probs)
		}
		probs := CheckExpressionWith(src, Options{Plan: limits.Free})
		if !HasErrors(probs) || !strings.Contains(probs[0].Message, "phase: response") {
			t.Errorf("request phase: %s: want a refusal naming the response phase, got %v", src, probs)
		}
	}
	// Fields only available in other products stay refused in both phases.
	if probs := CheckExpressionWith(`cf.waf.score gt 10`, Options{ResponsePhase: true}); !HasErrors(probs) {
		if f, ok := LookupField("cf.waf.score"); ok && !f.InCacheRules {
			t.Errorf("cf.waf.score accepted in the response phase")
		}
	}
	for _, name := range []string{"http.response.code", "http.response.headers", "http.response.headers.names",
		"http.response.headers.values", "http.response.content_type.media_type"} {
		if f, ok := LookupField(name); !ok || !f.ResponseOnly || f.InCacheRules {
			t.Errorf("%s: %+v, want a response-only field", name, f)
		}
	}
}
