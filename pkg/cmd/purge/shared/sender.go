package shared

import (
	"context"
	"errors"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/purge"
)

// apiSender sends the engine's requests through the API client and hands
// back what the engine needs: the response header on success (Ratelimit),
// the engine's typed error on an API error, the transport error otherwise.
type apiSender struct {
	client *cfapi.Client
	target cfapi.PurgeTarget // zone, environment, purge or invalidate
}

func (s apiSender) Send(ctx context.Context, req purge.Request) (*purge.Response, error) {
	body, err := req.Body()
	if err != nil {
		return nil, err
	}
	h, err := s.client.PurgeTo(ctx, s.target, body)
	if err == nil {
		return &purge.Response{Header: h}, nil
	}
	var apiErr *cfapi.APIError
	if errors.As(err, &apiErr) {
		return nil, &purge.APIError{
			Status:     apiErr.Status,
			Codes:      apiErr.Codes(),
			Message:    apiErr.Message(),
			RetryAfter: apiErr.RetryAfter(),
			Header:     apiErr.Header,
		}
	}
	return nil, err
}
