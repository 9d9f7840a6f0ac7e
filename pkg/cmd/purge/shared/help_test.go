package shared

import (
	"context"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A cap cut by the engine is remembered per account: the warning no longer
// sends the user to the config file's limits: section (review of issue 10,
// #12).
func TestCutBatchWarningIsCurrent(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	j := NewJob(&Common{IO: io, Kind: purge.KindURL}, &Items{}, nil, "")
	j.printSummary(Report{Items: 100, Purged: 100, Entries: 100, BatchSize: 100}, purge.Result{Total: 100, Purged: 100, Requests: 4, BatchSize: 30})
	got := errOut.String()
	if !strings.Contains(got, "Cloudflare refused batches of 100 as too large; cut to 30 items, remembered for later runs on this account") || strings.Contains(got, "limits: section") {
		t.Errorf("warning:\n%s", got)
	}
}

// --account-id is 32 hex digits: anything else is refused (exit 2) naming
// where it came from, before any request (it would be sent as a filter of
// the zone list).
func TestBadAccountIDRefused(t *testing.T) {
	sb := cmdtest.NewSandbox(t, "", nil)
	for _, id := range []string{"0123", "0123456789abcdef0123456789abcdeg", sandbox.DefaultAccountID + "0"} {
		f, st := cmdtest.NewFactory(t, sb, "", false)
		f.Settings.AccountID = id
		err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "https://example.com/a")
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `invalid --account-id "`+id+`": an account id is 32 hex digits`) {
			t.Errorf("%s: got %v (exit %d)\n%s", id, err, cmdutil.ExitCode(err), st.Err.String())
		}
	}
	if n := sb.Server.Stats().Total; n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
	f, st := cmdtest.NewFactory(t, sb, "", false)
	f.Settings.AccountID = sandbox.DefaultAccountID
	if err := cmdtest.Run(context.Background(), newCmd(f, purge.KindURL), "https://example.com/a"); err != nil {
		t.Fatalf("a good account id: %v\n%s", err, st.Err.String())
	}
}
