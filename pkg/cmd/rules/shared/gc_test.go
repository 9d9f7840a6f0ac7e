package shared

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestShortCommandGCRaisesAndRestores(t *testing.T) {
	// t.Setenv restores the variable afterwards; then it is unset here.
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
	prev := debug.SetGCPercent(70)
	defer debug.SetGCPercent(prev)
	restore := ShortCommandGC()
	if got := debug.SetGCPercent(ruleCommandGCPercent); got != ruleCommandGCPercent {
		t.Fatalf("GC percent during the command = %d, want %d", got, ruleCommandGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(70); got != 70 {
		t.Fatalf("GC percent after the command = %d, want the previous 70", got)
	}
}

func TestShortCommandGCKeepsTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	prev := debug.SetGCPercent(50)
	defer debug.SetGCPercent(prev)
	restore := ShortCommandGC()
	defer restore()
	if got := debug.SetGCPercent(50); got != 50 {
		t.Fatalf("GC percent with GOGC=50 set = %d, want 50 kept", got)
	}
}
