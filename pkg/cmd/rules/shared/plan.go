package shared

import (
	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
)

// ZoneLimits is the limits row of the zone's plan. A plan the API names in
// a way cfcache does not know is checked as Free, the strictest row, and the
// user is told why.
func ZoneLimits(ios *iostreams.IOStreams, table limits.Table, z cfapi.Zone) limits.Limits {
	if z.Plan == "" {
		ios.Warn("the plan of zone %s (%q) is not one cfcache knows; checking the rules against the Free plan's limits", z.Name, z.PlanName)
		return table.For(limits.Free)
	}
	return table.For(z.Plan)
}
