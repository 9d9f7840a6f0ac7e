package shared

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/config"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/warm"
)

// TestWarnRealSite: --verify/--warm go to the real site; when the API is
// not Cloudflare's that is said once, naming both, and never with
// --origin-url or against Cloudflare's own API.
func TestWarnRealSite(t *testing.T) {
	targets := []warm.Target{{URL: "https://example.com/a?token=s3cr3t"}, {URL: "https://example.com/b"}}
	for _, tt := range []struct {
		api, origin  string
		verify, warm bool
		want         string
	}{
		{api: "http://127.0.0.1:8787/client/v4", verify: true,
			want: "--verify requests the real https://example.com/... while the API is http://127.0.0.1:8787 (a sandbox); use --origin-url to point them elsewhere"},
		{api: "http://localhost:8787", verify: true, warm: true, want: "--verify and --warm request the real https://example.com/... while the API is http://localhost:8787 (a sandbox)"},
		{api: "https://user:pw@cf-proxy.internal/client/v4", warm: true, want: "--warm requests the real https://example.com/... while the API is https://cf-proxy.internal (not Cloudflare's)"},
		{api: config.DefaultAPIURL, verify: true},
		{api: "https://API.cloudflare.com/client/v4", warm: true},
		{api: "http://127.0.0.1:8787", origin: "http://127.0.0.1:9000", verify: true},
	} {
		io, _, _, errOut := iostreams.Test()
		j := &Job{Common: &Common{IO: io}, URLOptions: &URLOptions{Verify: tt.verify, Warm: tt.warm, OriginURL: tt.origin, APIURL: func() string { return tt.api }}}
		j.warnRealSite(targets)
		got := errOut.String()
		if tt.want == "" {
			if got != "" {
				t.Errorf("%s origin=%q: want nothing, got %q", tt.api, tt.origin, got)
			}
			continue
		}
		if !strings.Contains(got, tt.want) || strings.Count(got, "\n") != 1 || strings.Contains(got, "s3cr3t") || strings.Contains(got, "pw") {
			t.Errorf("%s: got %q, want one line with %q", tt.api, got, tt.want)
		}
	}
}
