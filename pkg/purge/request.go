package purge

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Sender makes one purge API call. The command implements it over the real
// API (or the sandbox); tests use a fake.
//
// Errors must be an *APIError when Cloudflare answered with an error status
// (NewAPIError builds one), or the transport's own error otherwise (net
// errors, context.DeadlineExceeded, io.EOF, ECONNRESET: see Retryable). The
// Sender must not retry on its own: the engine's retries and pacing would
// multiply with it (configure the SDK with zero retries).
type Sender interface {
	Send(ctx context.Context, req Request) (*Response, error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, req Request) (*Response, error)

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, req Request) (*Response, error) { return f(ctx, req) }

// Request is the content of one purge_cache call.
type Request struct {
	Kind  Kind
	Items []WireItem // empty for KindEverything
}

// WireItem is one value in a purge call: a URL (with its cache-key headers,
// if any), a tag, a host or a prefix.
type WireItem struct {
	Value   string
	Headers []Header
}

// Response is what the engine needs from a successful call: the header, for
// the Ratelimit and Ratelimit-Policy fields.
type Response struct {
	Header http.Header
}

// Body returns the JSON body of the call, exactly one of
// {"purge_everything":true}, {"files":[...]}, {"tags":[...]},
// {"hosts":[...]}, {"prefixes":[...]}. URL items are plain strings unless
// one of the batch has headers; then all are {"url": ..., "headers": {...}}.
func (r Request) Body() ([]byte, error) {
	var body any
	values := func() []string {
		out := make([]string, len(r.Items))
		for i, it := range r.Items {
			out[i] = it.Value
		}
		return out
	}
	switch r.Kind {
	case KindEverything:
		body = map[string]bool{"purge_everything": true}
	case KindTag:
		body = map[string][]string{"tags": values()}
	case KindHost:
		body = map[string][]string{"hosts": values()}
	case KindPrefix:
		body = map[string][]string{"prefixes": values()}
	default:
		withHeaders := false
		for _, it := range r.Items {
			withHeaders = withHeaders || len(it.Headers) > 0
		}
		if !withHeaders {
			body = map[string][]string{"files": values()}
			break
		}
		type file struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers,omitempty"`
		}
		files := make([]file, len(r.Items))
		for i, it := range r.Items {
			files[i].URL = it.Value
			if len(it.Headers) > 0 {
				files[i].Headers = make(map[string]string, len(it.Headers))
				for _, h := range it.Headers {
					files[i].Headers[h.Name] = h.Value
				}
			}
		}
		body = map[string][]file{"files": files}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & < > in URLs readable in verbose logs
	if err := enc.Encode(body); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Clock is the engine's view of time, injectable so tests never sleep.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the engine uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the real clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                 { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
