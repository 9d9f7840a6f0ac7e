package cmdutil

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/iostreams"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func ok200(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}, nil
}

// With -v every request to a site is one line on stderr, credentials in
// its URL redacted; without, nothing. The client is built once, over the
// injected transport.
func TestSiteClientLogsRequestsRedacted(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	sent := 0
	f := &Factory{IOStreams: io, Verbose: true, SiteTransport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent++
		if r.URL.Path == "/down" {
			return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: errors.New("connection refused")}
		}
		return ok200(r)
	})}
	c, err := f.SiteClient()
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := f.SiteClient(); c2 != c {
		t.Fatal("SiteClient built twice")
	}
	for _, u := range []string{
		"https://bob:hunter2@example.com/page?p=2&token=s3cr3t&X-Amz-Signature=abc123&api_key=k3y",
		"https://example.com/down?access_token=s3cr3t",
	} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
		}
	}
	log := errOut.String()
	for _, secret := range []string{"bob", "hunter2", "s3cr3t", "abc123", "k3y"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if sent != 2 || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "* GET https://REDACTED@example.com/page?p=2&token=REDACTED&X-Amz-Signature=REDACTED&api_key=REDACTED → 200 (") ||
		!strings.HasPrefix(lines[1], "* GET https://example.com/down?access_token=REDACTED → error: connection refused (") {
		t.Fatalf("log:\n%s", log)
	}

	io, _, _, errOut = iostreams.Test()
	f = &Factory{IOStreams: io, SiteTransport: roundTripFunc(ok200)}
	c, _ = f.SiteClient()
	if resp, err := c.Get("https://example.com/"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if errOut.Len() != 0 {
		t.Fatalf("logged without -v: %q", errOut.String())
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://example.com/a?page=2":                  "https://example.com/a?page=2",
		"https://example.com/a?Password=x&sessionid=y":  "https://example.com/a?Password=REDACTED&sessionid=REDACTED",
		"https://u@example.com/":                        "https://REDACTED@example.com/",
		"http://127.0.0.1:8080/wp-json/?rest_route=/wp": "http://127.0.0.1:8080/wp-json/?rest_route=/wp",
		"https://example.com/?%74oken=x":                "https://example.com/?%74oken=REDACTED",
	}
	for in, want := range cases {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}
