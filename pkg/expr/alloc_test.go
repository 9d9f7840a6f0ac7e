//go:build !race

// Allocation counts differ under the race detector (sync.Pool drops items).

package expr

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// TestParseAndCheckAllocations holds the parser and checker to what
// docs/performance.md's rules300.yaml needs of them: nodes come from slabs
// and strings without escapes are substrings of the source (a fraction of
// an allocation per expression, against 17 with one allocation per node
// and string), and checking a valid expression allocates nothing.
func TestParseAndCheckAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	src := `starts_with(http.request.uri.path, "/section-7/") and http.request.uri.path.extension in {"css" "js" "png"}`
	if n := testing.AllocsPerRun(200, func() {
		if _, err := parseSource(src); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("parsing allocates %.1f times per expression, want at most 1", n)
	}
	e := MustParse(src)
	opts := Options{Plan: limits.Enterprise}
	if n := testing.AllocsPerRun(200, func() {
		if probs := Check(e, opts); len(probs) != 0 {
			t.Fatal(probs)
		}
	}); n != 0 {
		t.Errorf("checking a valid expression allocates %.1f times, want 0", n)
	}
}

// TestCheckOnceAllocations: a check with Options.Once gives the tree's
// nodes back, so checking a file's rules one after the other needs the
// nodes of one expression: 300 checks allocate (next to) nothing, where
// keeping each tree took some 500 bytes a rule.
func TestCheckOnceAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	src := `starts_with(http.request.uri.path, "/section-7/") and http.request.uri.path.extension in {"css" "js" "png"}`
	opts := Options{Plan: limits.Enterprise, Once: true}
	check := func() {
		if probs := CheckExpressionWith(src, opts); len(probs) != 0 {
			t.Fatal(probs)
		}
	}
	check()
	// No collection while counting: one clears the parser's node pool, and
	// two in the loop would count a refill against Once.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 300 {
		check()
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 4096 {
		t.Errorf("300 checks with Once allocate %d bytes, want at most 4096", n)
	}
}
