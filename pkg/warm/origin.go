package warm

import (
	"fmt"
	"net/http"
	"net/url"
)

// OriginTransport sends every request to Origin instead of the host in its
// URL, keeping that host in the Host header (and so in TLS SNI only when
// Origin is https with the same name). It is curl's --connect-to for a
// whole run: warm or verify a staging origin, or a local test server, under
// the production URLs.
type OriginTransport struct {
	Origin *url.URL
	Base   http.RoundTripper // nil means http.DefaultTransport
}

// ParseOrigin checks an --origin-url value: http or https, a host, no path.
func ParseOrigin(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("--origin-url %q: %v", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("--origin-url %q: want http:// or https://", s)
	case u.Host == "":
		return nil, fmt.Errorf("--origin-url %q: no host", s)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return nil, fmt.Errorf("--origin-url %q: give only scheme, host and port; the path comes from each URL", s)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *OriginTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.URL.Scheme, r.URL.Host = t.Origin.Scheme, t.Origin.Host
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
