//go:build !race

package purge

const raceEnabled = false
