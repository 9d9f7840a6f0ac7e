package warm

import (
	"net/http"
	"net/url"
	"time"
)

// NewClient returns the client a warm run uses: keep-alive connections for
// as many requests as run at once (Go's default keeps two idle per host, so
// a warm at concurrency 64 would reconnect constantly), every request sent
// to origin when it is set (see OriginTransport), and no client-wide
// timeout (Config.Timeout bounds each request). base nil means a clone of
// http.DefaultTransport.
func NewClient(concurrency int, origin *url.URL, base http.RoundTripper) *http.Client {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = max(100, concurrency)
		t.MaxIdleConnsPerHost = max(2, concurrency)
		t.IdleConnTimeout = 30 * time.Second
		base = t
	}
	if origin != nil {
		base = &OriginTransport{Origin: origin, Base: base}
	}
	return &http.Client{Transport: base}
}
