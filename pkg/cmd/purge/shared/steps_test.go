package shared

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/budget"
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/purge"
	"github.com/cfcache/cfcache/pkg/sandbox"
)

// A zone given by id with --plan is paced by the budget BudgetKey names
// ("zone-" and its id), so a dry run estimates with the cap learned there,
// not with the smallest cap of the machine (it looked the cap up by the
// account id, which such a zone has not).
func TestLearnedCapOfAZoneGivenByID(t *testing.T) {
	free := limits.Default().For(limits.Free)
	reg := budget.NewRegistry(budget.Options{Dir: t.TempDir()})
	zone := cfapi.Zone{ID: sandbox.DefaultZoneID}
	learn := func(key string, size int) {
		b, err := reg.For(key, limits.Free, free)
		if err != nil {
			t.Fatal(err)
		}
		b.LearnBatchSize(purge.KindURL, purge.Cap{Size: size})
	}
	learn(BudgetKey(zone), 30)
	learn("0123456789abcdef0123456789abcdef", 10) // another account of the machine

	io, _, _, errOut := iostreams.Test()
	c := &Common{IO: io, Kind: purge.KindURL, Budgets: func() (*budget.Registry, error) { return reg, nil }}
	z := &ZoneRun{Zone: zone, Plan: limits.Free, Limits: free}
	if n := c.learnedCap(z); n != 30 {
		t.Errorf("learned cap %d, want 30 (the zone's budget's)", n)
	}
	if strings.Contains(errOut.String(), "no account known") {
		t.Errorf("stderr: %s", errOut.String())
	}
	// Offline (no zone known): the smallest of the machine, said.
	if n := c.learnedCap(&ZoneRun{Plan: limits.Free, Limits: free}); n != 10 || !strings.Contains(errOut.String(), "no account known") {
		t.Errorf("offline: learned cap %d, want 10; stderr %q", n, errOut.String())
	}
}
