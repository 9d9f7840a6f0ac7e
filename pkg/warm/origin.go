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
// Every refusal is one line that says what to give: url.Parse's own errors
// ("first path segment in URL cannot contain colon" for 127.0.0.1:8080) name
// the parser's problem, not the user's.
func ParseOrigin(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Opaque != "":
		return nil, fmt.Errorf("--origin-url %q: want an absolute http:// or https:// URL, e.g. http://%s", s, exampleOrigin(s))
	case u.Host == "":
		return nil, fmt.Errorf("--origin-url %q: no host: want scheme://host[:port], e.g. http://127.0.0.1:8080", s)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return nil, fmt.Errorf("--origin-url %q: give only scheme, host and port; the path comes from each URL", s)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// exampleOrigin suggests the value with a scheme when s looks like a bare
// host[:port], else a generic example.
func exampleOrigin(s string) string {
	if u, err := url.Parse("http://" + s); err == nil && u.Host == s {
		return s
	}
	return "127.0.0.1:8080"
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
