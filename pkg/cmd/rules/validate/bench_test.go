package validate

import (
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
)

func TestRules300Valid(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	path := rulestest.WriteFile(t, "300.yaml", rulestest.Rules300(0))
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdValidate(f, nil), path, "--plan", "enterprise", "--strict"); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
}

// BenchmarkValidate300 is `cfcache rules validate 300.yaml --plan
// enterprise` through the command: read the file, parse, validate every
// rule with the full expression checker, print the verdict.
func BenchmarkValidate300(b *testing.B) {
	e := rulestest.New(b, limits.Enterprise)
	path := rulestest.WriteFile(b, "300.yaml", rulestest.Rules300(0))
	for b.Loop() {
		expr.ForgetParsed() // a fresh process parses every expression
		f, io := e.Factory(false, false)
		if err := rulestest.Run(NewCmdValidate(f, nil), path, "--plan", "enterprise"); err != nil {
			b.Fatalf("%v\n%s", err, io.ErrOut)
		}
	}
}
