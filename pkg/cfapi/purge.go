package cfapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// PurgeTarget says where a purge body goes: the zone's purge_cache, or its
// invalidate_cache (soft purge: content marked stale, revalidated by the
// next request), either for the whole zone or for one of its environments.
type PurgeTarget struct {
	ZoneID string
	// Environment is an environment's ref; "" purges at the zone level.
	Environment string
	// Invalidate sends to invalidate_cache instead of purge_cache.
	Invalidate bool
}

// Path is the API path of the target, relative to the base URL.
func (t PurgeTarget) Path() string {
	p := "zones/" + url.PathEscape(t.ZoneID)
	if t.Environment != "" {
		p += "/environments/" + url.PathEscape(t.Environment)
	}
	if t.Invalidate {
		return p + "/invalidate_cache"
	}
	return p + "/purge_cache"
}

// Purge sends one POST /zones/{id}/purge_cache with the given JSON body and
// returns the response headers (for the Ratelimit header). It never retries:
// the purge engine owns retries, pacing and batch splitting.
func (c *Client) Purge(ctx context.Context, zoneID string, body []byte) (http.Header, error) {
	return c.PurgeTo(ctx, PurgeTarget{ZoneID: zoneID}, body)
}

// PurgeTo sends one purge or invalidation body to t, like Purge.
// cloudflare-go v7 has purge_cache for zones and environments but no
// invalidate_cache (2026-09-28, newer than the SDK's spec), so those go as
// a raw request through the same HTTP client, credentials and middlewares.
func (c *Client) PurgeTo(ctx context.Context, t PurgeTarget, body []byte) (http.Header, error) {
	if t.ZoneID == "" {
		return nil, errors.New("purge: no zone id")
	}
	if t.Invalidate {
		return c.rawPost(ctx, t.Path(), body)
	}
	var resp *http.Response
	var raw []byte
	var err error
	opts := []option.RequestOption{option.WithRequestBody("application/json", body),
		option.WithResponseInto(&resp), option.WithResponseBodyInto(&raw)}
	if t.Environment != "" {
		var p cache.CachePurgeEnvironmentParams
		p.ZoneID.Value, p.ZoneID.Present = t.ZoneID, true
		_, err = c.cache.PurgeEnvironment(ctx, t.Environment, p, opts...)
	} else {
		var p cache.CachePurgeParams
		p.ZoneID.Value, p.ZoneID.Present = t.ZoneID, true
		_, err = c.cache.Purge(ctx, p, opts...)
	}
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("purge: no response")
	}
	return resp.Header, nil
}

// rawPost sends a JSON body to path (relative to the base URL) the way the
// SDK's services do: same HTTP client, credentials, User-Agent, timeout,
// verbose log and error mapping. It returns the response headers of a
// success (HTTP 2xx with "success": true).
func (c *Client) rawPost(ctx context.Context, path string, body []byte) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	c.authorize(req.Header)
	resp, err := c.logMiddleware(req, func(r *http.Request) (*http.Response, error) {
		return errorMiddleware(r, c.hc.Do)
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var env struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("POST /%s: unexpected API answer: %w", path, err)
	}
	if !env.Success {
		// Typed like an HTTP error, so the purge engine classifies it.
		return nil, apiErrorFrom(req, resp, raw)
	}
	return resp.Header, nil
}

// Environment is one of a zone's environments (zone versioning).
type Environment struct {
	Ref  string `json:"ref"`
	Name string `json:"name"`
}

// ListEnvironments lists the zone's environments (GET
// /zones/{id}/environments); a zone without any has none.
func (c *Client) ListEnvironments(ctx context.Context, zoneID string) ([]Environment, error) {
	var p zones.EnvironmentListParams
	p.ZoneID.Value, p.ZoneID.Present = zoneID, true
	var out []Environment
	err := c.retryRead(ctx, func() error {
		res, e := c.envs.List(ctx, p)
		if e != nil {
			return e
		}
		out = out[:0]
		for _, env := range res.Environments {
			out = append(out, Environment{Ref: env.Ref, Name: env.Name})
		}
		return nil
	})
	return out, err
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }

// CheckEnvironment refuses, before any request, an environment name or ref
// that no zone can have: it goes into a URL path, so 1 to 64 letters,
// digits, '-', '_' or '.'.
func CheckEnvironment(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("invalid --environment %q: want a name or ref of 1 to 64 characters", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("invalid --environment %q: only letters, digits, '-', '_' and '.' (a name or ref as GET /zones/{id}/environments lists it)", s)
		}
	}
	if s == "." || s == ".." {
		return fmt.Errorf("invalid --environment %q: not a name or ref", s)
	}
	return nil
}

// UnknownEnvironmentError is an --environment the zone does not have.
type UnknownEnvironmentError struct {
	Query string
	Zone  string
	Have  []Environment
}

func (e *UnknownEnvironmentError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("unknown environment %q: zone %s has no environments", e.Query, e.Zone)
	}
	names := make([]string, len(e.Have))
	for i, env := range e.Have {
		names[i] = env.Name + " (ref " + env.Ref + ")"
	}
	return fmt.Sprintf("unknown environment %q in zone %s; it has: %s", e.Query, e.Zone, strings.Join(names, ", "))
}

// FindEnvironment picks q among envs: a ref exactly, else a name exactly,
// else a name ignoring case when only one matches.
func FindEnvironment(envs []Environment, q, zone string) (Environment, error) {
	for _, e := range envs {
		if e.Ref == q {
			return e, nil
		}
	}
	for _, e := range envs {
		if e.Name == q {
			return e, nil
		}
	}
	var found []Environment
	for _, e := range envs {
		if strings.EqualFold(e.Name, q) {
			found = append(found, e)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return Environment{}, &UnknownEnvironmentError{Query: q, Zone: zone, Have: envs}
}
