package shared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Remote is a zone's entrypoint ruleset of one phase as last read.
type Remote = rules.Remote

// API binds the client to one zone's entrypoint of phase: the
// rules.RulesetAPI that pkg/rules' deploy protocol talks to. Read errors
// come back with their exit codes (auth → 4).
func API(c *cfapi.Client, zoneID, phase string) rules.RulesetAPI {
	return phaseAPI{c: c, zoneID: zoneID, phase: rules.PhaseOrDefault(phase)}
}

type phaseAPI struct {
	c             *cfapi.Client
	zoneID, phase string
}

func (a phaseAPI) Entrypoint(ctx context.Context) (json.RawMessage, error) {
	raw, err := a.c.GetPhaseEntrypoint(ctx, a.zoneID, a.phase)
	if errors.Is(err, cfapi.ErrNoEntrypoint) {
		return nil, nil
	}
	if err != nil {
		return nil, cmdutil.WrapAPIError(fmt.Errorf("reading the zone's %s: %w", noun(a.phase), err))
	}
	return raw, nil
}

func (a phaseAPI) Put(ctx context.Context, body []byte) (json.RawMessage, error) {
	raw, err := a.c.PutPhaseEntrypoint(ctx, a.zoneID, a.phase, body)
	var apiErr *cfapi.APIError
	if err != nil && errors.As(err, &apiErr) && apiErr.Status < 500 {
		// A 4xx is a refusal: the ruleset was not replaced.
		return nil, &rules.RefusedError{Err: err}
	}
	return raw, err
}

func (a phaseAPI) Version(ctx context.Context, version string) (json.RawMessage, error) {
	return a.c.GetPhaseVersion(ctx, a.zoneID, a.phase, version)
}

// noun names a phase's rules in running text.
func noun(phase string) string {
	if phase == rules.PhaseResponse {
		return "cache response rules"
	}
	return "cache rules"
}

// FetchPhase reads the zone's entrypoint ruleset of phase.
func FetchPhase(ctx context.Context, c *cfapi.Client, zoneID, phase string) (*Remote, error) {
	return rules.ReadRemote(ctx, API(c, zoneID, phase), phase)
}

// FetchVersion reads one stored version of phase's entrypoint ruleset.
func FetchVersion(ctx context.Context, c *cfapi.Client, zoneID, phase, version string) (*Remote, error) {
	return rules.ReadVersion(ctx, API(c, zoneID, phase), phase, version)
}
