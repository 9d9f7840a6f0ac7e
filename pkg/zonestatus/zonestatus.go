// Package zonestatus ranks a zone's status for choosing among zones of one
// name. The same domain can be added to several accounts (one of them
// often a pending copy); only an active zone is the one Cloudflare serves.
// Purge routing (pkg/zoneroute) and lookups by name (pkg/cfapi) rank with
// this one function, so `--zone example.com` and routing pick the same
// zone.
package zonestatus

import "strings"

// Rank orders zone statuses: lower is preferred. An active zone is the one
// Cloudflare serves; a pending or initializing one may become it; any other
// (moved, deactivated, ...) is served by no one. "" is read as active.
func Rank(status string) int {
	switch strings.ToLower(status) {
	case "", "active":
		return 0
	case "pending", "initializing":
		return 1
	}
	return 2
}

// Best returns the indexes of the best-ranked statuses, in order: one
// when a single zone is preferred, several when they tie (ambiguous).
func Best(statuses []string) []int {
	var best []int
	bestRank := 0
	for i, s := range statuses {
		r := Rank(s)
		switch {
		case len(best) == 0 || r < bestRank:
			best, bestRank = []int{i}, r
		case r == bestRank:
			best = append(best, i)
		}
	}
	return best
}
