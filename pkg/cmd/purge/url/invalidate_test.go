package url

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
	"github.com/cfcache/cfcache/pkg/warm/warmtest"
)

// After an invalidation, REVALIDATED, EXPIRED and UPDATING prove it took
// (the stale copy was revalidated), whatever their Age; a HIT with an Age
// older than the invalidation is a copy still served as fresh: flagged.
func TestVerifyAfterInvalidate(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Answer("/reval", "REVALIDATED", 3600)
	o.Answer("/expired", "EXPIRED", 3600)
	o.Answer("/updating", "UPDATING", 3600)
	o.KeepHit("/stuck", 3600)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut := purgeURL(t, sb, "https://example.com/reval", "https://example.com/expired", "https://example.com/updating",
		"https://example.com/stuck", "--invalidate", "--verify", "--origin-url", srv.URL)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	if m["mode"] != "invalidate" || sb.Requests(sandbox.EndpointInvalidate) != 1 || sb.Requests(sandbox.EndpointPurge) != 0 {
		t.Fatalf("report %v; %d invalidate_cache, %d purge_cache", m, sb.Requests(sandbox.EndpointInvalidate), sb.Requests(sandbox.EndpointPurge))
	}
	v := m["verify"].(map[string]any)
	if fmt.Sprint(v["still_cached"]) != "[https://example.com/stuck]" {
		t.Fatalf("verify %v\n%s", v, errOut)
	}
	for _, want := range []string{"Invalidated 4 of 4 URLs", "older than the invalidation", "still cached: https://example.com/stuck: HIT, Age 3600 s"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "Purged") {
		t.Errorf("stderr says Purged:\n%s", errOut)
	}

	// The same answers after a purge: UPDATING with an old Age is a copy
	// from before it.
	sb2 := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, m, errOut = purgeURL(t, sb2, "https://example.com/reval", "https://example.com/updating", "--verify", "--origin-url", srv.URL)
	if code != 3 || fmt.Sprint(m["verify"].(map[string]any)["still_cached"]) != "[https://example.com/updating]" || m["mode"] != "purge" {
		t.Fatalf("purge: exit %d %v\n%s", code, m, errOut)
	}
}

func TestVerifyAfterInvalidatePasses(t *testing.T) {
	o, srv := warmtest.Start(t)
	o.Answer("/a", "REVALIDATED", 7200)
	sb := cmdtest.NewSandbox(t, limits.Enterprise, nil)
	code, _, errOut := purgeURL(t, sb, "https://example.com/a", "https://example.com/fresh", "--invalidate", "--verify", "--origin-url", srv.URL)
	if code != 0 || !strings.Contains(errOut, "Verified 2 invalidated URLs: none served as a HIT from before the invalidation (1 REVALIDATED, 1 MISS)") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
