package cfapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/option"
)

// Purge sends one POST /zones/{id}/purge_cache with the given JSON body and
// returns the response headers (for the Ratelimit header). It never retries:
// the purge engine owns retries, pacing and batch splitting.
func (c *Client) Purge(ctx context.Context, zoneID string, body []byte) (http.Header, error) {
	var p cache.CachePurgeParams
	p.ZoneID.Value, p.ZoneID.Present = zoneID, true
	var resp *http.Response
	var raw []byte
	_, err := c.cache.Purge(ctx, p, option.WithRequestBody("application/json", body),
		option.WithResponseInto(&resp), option.WithResponseBodyInto(&raw))
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("purge: no response")
	}
	return resp.Header, nil
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }
