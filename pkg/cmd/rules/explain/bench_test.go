package explain

import (
	"fmt"
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
		f.Settings.Zone = "" // offline: no zone, so no live response phase
		if err := rulestest.Run(NewCmdExplain(f, nil), args...); err != nil {
			b.Fatalf("%v\n%s", err, io.ErrOut)
		}
	}
}

// response300 is a 300-rule Cache Response Rules file cycling through the
// three actions, with request and response fields in the expressions.
func response300() string {
	var b strings.Builder
	b.WriteString("phase: response\nrules:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  - ref: r%d\n", i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "    expression: http.response.code eq %d or starts_with(http.request.uri.path, \"/c/%d\")\n", 200+i%5, i)
			b.WriteString("    action: set_cache_control\n    action_parameters:\n      s-maxage: {operation: set, value: 300, cloudflare_only: true}\n      private: {operation: remove}\n")
		case 1:
			fmt.Fprintf(&b, "    expression: http.response.content_type.media_type eq \"text/html\" and http.host eq \"shop%d.example.com\"\n", i%7)
			fmt.Fprintf(&b, "    action: set_cache_tags\n    action_parameters: {operation: add, values: [t%d]}\n", i)
		default:
			fmt.Fprintf(&b, "    expression: any(http.response.headers.names[*] eq \"X-R%d\")\n", i)
			b.WriteString("    action: set_cache_settings\n    action_parameters: {strip_etags: true}\n")
		}
	}
	return b.String()
}

// BenchmarkExplain300BothPhases is BenchmarkExplain300 with a 300-rule
// response-phase file beside the request-phase one (issue 12's
// "explain (both phases) on a 300-rule file").
func BenchmarkExplain300BothPhases(b *testing.B) {
	e := rulestest.New(b, limits.Enterprise)
	req := rulestest.WriteFile(b, "300.yaml", rulestest.Rules300(0))
	resp := rulestest.WriteFile(b, "300-response.yaml", response300())
	args := append([]string{req, resp}, explain300...)
	args = append(args, "--response-header", "Content-Type: text/html", "--response-header", "Cache-Control: private, max-age=60")
	for b.Loop() {
		f, io := e.Factory(false, false)
		f.Settings.Zone = ""
		if err := rulestest.Run(NewCmdExplain(f, nil), args...); err != nil {
			b.Fatalf("%v\n%s", err, io.ErrOut)
		}
		if !strings.Contains(io.Out.String(), "Response rules") {
			b.Fatal("no response rules in the output")
		}
	}
}

// awk300 is docs/performance.md's rules300.yaml, the file issue 12's
// performance bar is measured on.
func awk300() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  - ref: rule-%03d\n    description: Rule %d\n    expression: starts_with(http.request.uri.path, \"/section-%d/\") and http.request.uri.path.extension in {\"css\" \"js\" \"png\"}\n    action_parameters:\n      cache: true\n      edge_ttl:\n        mode: override_origin\n        default: %d\n      browser_ttl:\n        mode: respect_origin\n      cache_key:\n        cache_deception_armor: true\n        custom_key:\n          query_string:\n            exclude:\n              list: [\"utm_source\", \"utm_medium\"]\n", i, i, i, 3600+i)
	}
	return b.String()
}

// BenchmarkExplainAwk300 is the measured command, `cfcache rules explain
// rules300.yaml --plan enterprise --url https://example.com/section-150/app.css`,
// through the command in a fresh process's state.
func BenchmarkExplainAwk300(b *testing.B) {
	e := rulestest.New(b, limits.Enterprise)
	path := rulestest.WriteFile(b, "rules300.yaml", awk300())
	args := []string{path, "--plan", "enterprise", "--url", "https://example.com/section-150/app.css"}
	for b.Loop() {
		expr.ForgetParsed()
		f, io := e.Factory(false, false)
		f.Settings.Zone = ""
		if err := rulestest.Run(NewCmdExplain(f, nil), args...); err != nil {
			b.Fatalf("%v\n%s", err, io.ErrOut)
		}
	}
}
