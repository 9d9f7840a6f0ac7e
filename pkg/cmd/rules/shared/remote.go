package shared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Remote is the zone's Cache Rules entrypoint ruleset as last read.
type Remote struct {
	// Exists is false when the zone has no entrypoint yet (404 / 10003):
	// that reads as an empty rule list, and a PUT creates it.
	Exists  bool
	Ruleset *rules.Ruleset
	// Raw is the API's `result` exactly as received, for backups.
	Raw json.RawMessage
}

// Rules returns the remote rules, none when there is no ruleset.
func (r *Remote) Rules() []*rules.Rule {
	if r == nil || r.Ruleset == nil {
		return nil
	}
	return r.Ruleset.Rules
}

// Version is the ruleset's version, "" when there is none.
func (r *Remote) Version() string {
	if r == nil || r.Ruleset == nil {
		return ""
	}
	return r.Ruleset.Version
}

// LastUpdated is when the ruleset last changed, "" when there is none.
func (r *Remote) LastUpdated() string {
	if r == nil || r.Ruleset == nil {
		return ""
	}
	return r.Ruleset.LastUpdated
}

// Describe names the version for messages: "version 7 (last updated ...)",
// or "no ruleset" when the zone has none.
func (r *Remote) Describe() string {
	if !r.Exists {
		return "no Cache Rules ruleset"
	}
	s := "version " + r.Version()
	if lu := r.LastUpdated(); lu != "" {
		// Cloudflare gives microseconds; people and logs want seconds.
		if t, err := time.Parse(time.RFC3339Nano, lu); err == nil {
			lu = t.UTC().Format(time.RFC3339)
		}
		s += " (last updated " + lu + ")"
	}
	return s
}

// FetchRemote reads the zone's entrypoint ruleset. API errors come back
// with their exit codes (auth → 4).
func FetchRemote(ctx context.Context, c *cfapi.Client, zoneID string) (*Remote, error) {
	raw, err := c.GetEntrypoint(ctx, zoneID)
	if errors.Is(err, cfapi.ErrNoEntrypoint) {
		return &Remote{}, nil
	}
	if err != nil {
		return nil, cmdutil.WrapAPIError(fmt.Errorf("reading the zone's cache rules: %w", err))
	}
	return parseRemote(raw)
}

// FetchVersion reads one stored version of the entrypoint ruleset.
func FetchVersion(ctx context.Context, c *cfapi.Client, zoneID, version string) (*Remote, error) {
	raw, err := c.GetVersion(ctx, zoneID, version)
	if err != nil {
		return nil, err
	}
	return parseRemote(raw)
}

func parseRemote(raw json.RawMessage) (*Remote, error) {
	rs, err := rules.ParseRuleset(raw)
	if err != nil {
		return nil, fmt.Errorf("the API's ruleset could not be read: %w", err)
	}
	return &Remote{Exists: true, Ruleset: rs, Raw: raw}, nil
}
