package explain

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
)

// explain300 is the request the 300-rule measurements explain: it matches
// the css/js catch-alls of every fourth rule and one custom-key rule, so the
// key has query, header, cookie and device parts.
var explain300 = []string{"--url", "https://shop2.example.com/c/42?sort=a&page=3&utm=x",
	"-H", "Accept-Language: de-DE", "-H", "X-Tier: gold", "--cookie", "currency=EUR", "--device", "mobile", "--plan", "enterprise"}

func TestRules300Explain(t *testing.T) {
	io, run := offline(t, false, false)
	path := rulestest.WriteFile(t, "300.yaml", rulestest.Rules300(0))
	if err := run(append([]string{path}, explain300...)...); err != nil {
		t.Fatalf("%v\n%s", err, io.ErrOut)
	}
	out := io.Out.String()
	if got := strings.Count(out, "\n  ✓ ") + strings.Count(out, "\n  ✗ "); got != 300 {
		t.Errorf("%d rules listed, want 300", got)
	}
	want := "cfcache purge url 'https://shop2.example.com/c/42?sort=a&page=3&utm=x' --device mobile -H 'X-Tier: gold' -H 'Accept-Language: de-DE' -H 'Cookie: currency=EUR'"
	if !strings.Contains(out, want) {
		t.Errorf("no %q in\n%s", want, out[strings.Index(out, "Cache key:"):])
	}
}

// BenchmarkExplain300 is `cfcache rules explain 300.yaml --url ...` through
// the command: read the file, parse and validate it (full expression
// checker), compile, evaluate every rule with explanations, build the key
// and the purge command, print.
func BenchmarkExplain300(b *testing.B) {
	e := rulestest.New(b, limits.Enterprise)
	path := rulestest.WriteFile(b, "300.yaml", rulestest.Rules300(0))
	args := append([]string{path}, explain300...)
	for b.Loop() {
		expr.ForgetParsed() // a fresh process parses every expression
		f, io := e.Factory(false, false)
		if err := rulestest.Run(NewCmdExplain(f, nil), args...); err != nil {
			b.Fatalf("%v\n%s", err, io.ErrOut)
		}
	}
}
