package rules

import (
	"fmt"
	"strings"
)

// The two phases a zone's caching is configured in (docs/cloudflare.md,
// "Cache Rules" and "Cache Response Rules"). A file names its phase with a
// top-level `phase:`; without one it holds Cache Rules.
const (
	PhaseRequest  = "http_request_cache_settings"
	PhaseResponse = "http_response_cache_settings"
)

// Response-phase actions besides set_cache_settings (cloudflare.md, "Cache
// Response Rules").
const (
	ActionSetCacheTags    = "set_cache_tags"
	ActionSetCacheControl = "set_cache_control"
)

// ParsePhase accepts the short names `request` and `response` (what a person
// writes and what --phase takes) and the API's full phase names, in any case,
// and returns the full name.
func ParsePhase(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "request", PhaseRequest:
		return PhaseRequest, nil
	case "response", PhaseResponse:
		return PhaseResponse, nil
	}
	return "", fmt.Errorf("unknown phase %q: want request or response (or %s / %s)", s, PhaseRequest, PhaseResponse)
}

// PhaseShort is the short name of a phase, as files and --phase write it:
// "request" or "response" ("request" for "").
func PhaseShort(phase string) string {
	if phase == PhaseResponse {
		return "response"
	}
	return "request"
}

// PhaseTitle names a phase's rules for messages: "Cache Rules" or "Cache
// Response Rules".
func PhaseTitle(phase string) string {
	if phase == PhaseResponse {
		return "Cache Response Rules"
	}
	return "Cache Rules"
}

// phaseActions are the actions valid in a phase, in the order messages list
// them.
func phaseActions(phase string) []string {
	if phase == PhaseResponse {
		return []string{ActionSetCacheSettings, ActionSetCacheTags, ActionSetCacheControl}
	}
	return []string{ActionSetCacheSettings}
}

// PhaseOrDefault is phase, or PhaseRequest when it is empty.
func PhaseOrDefault(phase string) string {
	if phase == "" {
		return PhaseRequest
	}
	return phase
}
