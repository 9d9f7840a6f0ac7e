//go:build race

package purge

// raceEnabled skips the longest runs under the race detector, which slows
// them tenfold and inflates memory.
const raceEnabled = true
