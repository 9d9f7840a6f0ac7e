//go:build !race

// Allocation counts differ under the race detector (sync.Pool drops items).

package shared

import (
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// TestCheckerAllocations: once an expression is parsed (expr.Parse
// remembers it), the commands' checker allocates nothing for a valid one.
// The limits row it hands to pkg/expr stays on the stack; a pointer to it
// cost an allocation per rule (docs/performance.md, "Against start-up").
func TestCheckerAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	src := `starts_with(http.request.uri.path, "/section-7/") and http.request.uri.path.extension in {"css" "js" "png"}`
	l := limits.Default().For(limits.Pro)
	c := ExprChecker{}
	if probs := c.CheckPhase(src, l, rules.PhaseRequest); len(probs) != 0 {
		t.Fatal(probs)
	}
	if n := testing.AllocsPerRun(200, func() {
		if probs := c.CheckPhase(src, l, rules.PhaseRequest); len(probs) != 0 {
			t.Fatal(probs)
		}
	}); n != 0 {
		t.Errorf("checking a valid expression allocates %.1f times, want 0", n)
	}
}
