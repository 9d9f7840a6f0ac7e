package warm

import (
	"net/http"
	"net/url"
	"time"
)

// MaxIdlePerHost is how many idle keep-alive connections NewTransport keeps
// per host. Idle connections are at most those that were in flight at once,
// so a cap above any useful --concurrency costs nothing for a small run and
// spares a large one from reconnecting (Go's default keeps two per host: a
// warm at concurrency 64 would reconnect constantly).
const MaxIdlePerHost = 1024

// NewTransport returns the transport requests to sites go through: a clone
// of http.DefaultTransport (proxy settings, HTTP/2, dial and TLS timeouts)
// keeping connections alive for as many requests as run at once. There is
// no client-wide timeout: Config.Timeout bounds each request.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = MaxIdlePerHost
	t.MaxIdleConnsPerHost = MaxIdlePerHost
	t.IdleConnTimeout = 30 * time.Second
	return t
}

// WithOrigin returns a copy of c whose requests all go to origin, keeping
// each URL's host in the Host header (OriginTransport); nil origin returns
// c itself.
func WithOrigin(c *http.Client, origin *url.URL) *http.Client {
	if origin == nil {
		return c
	}
	oc := *c
	oc.Transport = &OriginTransport{Origin: origin, Base: c.Transport}
	return &oc
}
