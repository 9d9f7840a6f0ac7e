package url

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A zone given by id with --plan is not looked up, so its account is not
// known: its purges are still paced by a budget shared with the machine's
// other runs (keyed by the zone) and counted in the token's API window,
// both kept in the state directory (review of issue 10, #4). Before, such a
// run paced alone and its purges were counted nowhere: no state file.
func TestZoneByIDWithPlanSharesABudget(t *testing.T) {
	sb := cmdtest.NewSandbox(t, limits.Free, nil)
	f, st := cmdtest.NewFactory(t, sb, sandbox.DefaultZoneID, false)
	if err := runURL(t, f, "https://example.com/a", "--plan", "free"); err != nil {
		t.Fatalf("%v\n%s", err, st.Err.String())
	}
	if n := sb.Requests(sandbox.EndpointZones); n != 0 {
		t.Fatalf("the zone was looked up (%d request(s))", n)
	}
	state, _ := f.Env("XDG_STATE_HOME")
	dir := filepath.Join(state, "cfcache")
	if _, err := os.Stat(filepath.Join(dir, "purge-zone-"+sandbox.DefaultZoneID+"-free.json")); err != nil {
		names, _ := os.ReadDir(dir)
		t.Fatalf("no budget of the zone: %v (state: %v)", err, names)
	}
	names, _ := os.ReadDir(dir)
	api := false
	for _, n := range names {
		api = api || strings.HasPrefix(n.Name(), "api-")
	}
	if !api {
		t.Errorf("the purge was not counted in the token's API window (state: %v)", names)
	}
}
