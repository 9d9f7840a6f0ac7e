package shared

import (
	"os"
	"runtime/debug"
)

// ruleCommandGCPercent is the GC target `rules validate`, `diff` and
// `explain` run with. Issue 12 holds them to 1.5× the wall time of
// `cfcache version` on a 300-rule file; a diff allocates about 5 MB and at
// the default (GOGC=100, a first goal of 4 MB) ran one or two collections,
// a fifth of its time. At 400 the first goal is 16 MB: none of the three
// collects on a 300-rule file (GODEBUG=gctrace=1), a diff takes 0.81× the
// wall time of the default and the same as GOGC=off (docs/performance.md,
// "Against start-up"). Unlike GOGC=off with a memory limit, a larger file
// still collects, at five times its live heap, and cannot thrash at a
// limit.
const ruleCommandGCPercent = 400

// ShortCommandGC raises the GC target for the run of a short command that
// reads a rules file and returns the function that restores it. A GOGC
// the user set is kept. The commands own the process; the restore keeps
// in-process tests at the default.
func ShortCommandGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	prev := debug.SetGCPercent(ruleCommandGCPercent)
	return func() { debug.SetGCPercent(prev) }
}
