package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// siteLog is the -v log of requests to sites, the counterpart of the API
// client's (cfapi.Options.Verbose): one line per exchange on stderr, with
// method, URL, status and time to the response headers. A site URL is the
// user's to give and may carry credentials (user:password@, ?token=...):
// the line shows them redacted (RedactURL), and a transport error only its
// cause, not the URL it repeats. Concurrent fetches share w, which is the
// streams' stderr and serialises whole writes (iostreams.lockedWriter).
type siteLog struct {
	base http.RoundTripper
	w    io.Writer
}

func (l *siteLog) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := l.base.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Millisecond)
	status := "error"
	switch {
	case resp != nil:
		status = strconv.Itoa(resp.StatusCode)
	case err != nil:
		status = "error: " + errorCause(err)
	}
	host := ""
	if req.Host != "" && req.Host != req.URL.Host {
		// Sent to --origin-url under the production host.
		host = " (Host " + req.Host + ")"
	}
	fmt.Fprintf(l.w, "* %s %s%s → %s (%s)\n", req.Method, RedactURL(req.URL), host, status, elapsed)
	return resp, err
}

// errorCause keeps a transport error's cause but not the request it wraps.
func errorCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// secretParams are the query parameter names, or parts of names, whose
// values RedactURL hides: what sites and signed URLs use for credentials.
var secretParams = []string{"token", "key", "secret", "pass", "pwd", "auth", "sig", "session", "credential", "jwt"}

// RedactURL renders u for a log: user information and the values of
// credential-like query parameters (token, api_key, password, signature,
// X-Amz-Signature, ...) are replaced by "REDACTED".
func RedactURL(u *url.URL) string {
	r := *u
	if r.User != nil {
		r.User = url.User("REDACTED")
	}
	if r.RawQuery != "" {
		parts := strings.Split(r.RawQuery, "&")
		for i, p := range parts {
			name, _, hasValue := strings.Cut(p, "=")
			if !hasValue {
				continue
			}
			n := strings.ToLower(name)
			if un, err := url.QueryUnescape(name); err == nil {
				n = strings.ToLower(un)
			}
			for _, s := range secretParams {
				if strings.Contains(n, s) {
					parts[i] = name + "=REDACTED"
					break
				}
			}
		}
		r.RawQuery = strings.Join(parts, "&")
	}
	return r.String()
}
