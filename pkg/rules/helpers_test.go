package rules

import "github.com/cfcache/cfcache/pkg/limits"

func limitsFor(p string) limits.Limits {
	plan, err := limits.ParsePlan(p)
	if err != nil {
		panic(err)
	}
	return limits.Default().For(plan)
}
