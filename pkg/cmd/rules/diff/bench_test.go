package diff

import (
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
)

// BenchmarkDiff300 is `cfcache rules diff 300.yaml` through the command
// against the in-process sandbox holding 300 rules, 75 of which differ:
// read and validate the file, resolve the zone, GET the ruleset, compute
// and render the diff. The zone lookup is cached per client, as in a run.
func BenchmarkDiff300(b *testing.B) {
	e := rulestest.New(b, limits.Enterprise)
	e.SeedFile(rulestest.Rules300(0))
	path := rulestest.WriteFile(b, "300.yaml", rulestest.Rules300(7))
	for b.Loop() {
		expr.ForgetParsed() // a fresh process parses every expression
		f, io := e.Factory(false, false)
		err := rulestest.Run(NewCmdDiff(f, nil), path, "--exit-code")
		if rulestest.ExitCode(err) != 5 {
			b.Fatalf("want differences: %v\n%s", err, io.ErrOut)
		}
	}
}
