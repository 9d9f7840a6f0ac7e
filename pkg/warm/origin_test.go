package warm_test

import (
	"testing"

	"github.com/cfcache/cfcache/pkg/warm"
)

// issue 9 #14: a bad --origin-url is one line saying what to give, never
// url.Parse's "first path segment in URL cannot contain colon".
func TestParseOriginMessages(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:18080":        `--origin-url "127.0.0.1:18080": want an absolute http:// or https:// URL, e.g. http://127.0.0.1:18080`,
		"localhost:8080":         `--origin-url "localhost:8080": want an absolute http:// or https:// URL, e.g. http://localhost:8080`,
		"staging.example.com":    `--origin-url "staging.example.com": want an absolute http:// or https:// URL, e.g. http://staging.example.com`,
		"ftp://x":                `--origin-url "ftp://x": want an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080`,
		"http:x":                 `--origin-url "http:x": want an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080`,
		"http://":                `--origin-url "http://": no host: want scheme://host[:port], e.g. http://127.0.0.1:8080`,
		"http://127.0.0.1:1/a/b": `--origin-url "http://127.0.0.1:1/a/b": give only scheme, host and port; the path comes from each URL`,
	} {
		_, err := warm.ParseOrigin(in)
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v\nwant %s", in, err, want)
		}
	}
	if u, err := warm.ParseOrigin("http://127.0.0.1:18080/"); err != nil || u.String() != "http://127.0.0.1:18080" {
		t.Errorf("good origin: %v %v", u, err)
	}
}
