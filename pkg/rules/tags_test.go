package rules_test

import (
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// TestTagExpressionChecked: set_cache_tags' expression goes through the
// phase's checker as a value expression, with problems placed in the file
// like a rule expression's (review of issue 12, finding 1: these all
// validated as "3 rules valid").
func TestTagExpressionChecked(t *testing.T) {
	file := func(tagExpr string) string {
		return "phase: response\nrules:\n  - ref: t\n    expression: http.response.code eq 200\n    action: set_cache_tags\n" +
			"    action_parameters:\n      operation: add\n      expression: " + tagExpr + "\n"
	}
	cases := []struct {
		name, plan, expr string
		want             []string // "LINE:COL: PATH: part of the message"; none = valid
	}{
		{"unclosed call", "pro", `'concat("a", http.nope.field'`,
			[]string{"8:47: rules[0].action_parameters.expression: found the end of the expression"}},
		{"unknown field", "pro", `'concat("a", http.nope.field)'`,
			[]string{"8:32: rules[0].action_parameters.expression: unknown field `http.nope.field`"}},
		{"tab", "pro", "\"concat(\\\"a\\\",\\thttp.request.uri.path)\"",
			[]string{"8:33: rules[0].action_parameters.expression: a tab"}},
		{"a condition, not tags", "pro", `http.response.code eq 200`,
			[]string{"8:19: rules[0].action_parameters.expression: a tag expression must produce a String or an Array of Strings"}},
		{"regex_replace below Business", "free", `'regex_replace(http.request.uri.path, "^/([^/]+).*", "${1}")'`,
			[]string{"8:20: rules[0].action_parameters.expression: function `regex_replace()` uses a regular expression"}},
		{"regex_replace on Business", "business", `'regex_replace(http.request.uri.path, "^/([^/]+).*", "${1}")'`, nil},
		// cloudflare-docs cache/how-to/cache-response-rules/settings.mdx's example.
		{"split of a response header", "free", `'split(http.response.headers["surrogate-keys"][0], ",", 1)'`, nil},
		{"concat", "free", `'concat("post-", http.request.uri.path)'`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := limits.ParsePlan(tc.plan)
			if err != nil {
				t.Fatal(err)
			}
			_, probs := rules.Check("r.yaml", []byte(file(tc.expr)), rules.Options{Limits: limits.Default().For(plan), Checker: exprChecker{}})
			var got []string
			for _, p := range probs.Errors() {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("want %d errors, got:\n%s", len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				at, msg, _ := strings.Cut(w, ".expression: ")
				if !strings.HasPrefix(got[i], "r.yaml:"+at+".expression: ") || !strings.Contains(got[i], msg) {
					t.Errorf("want r.yaml:%s.expression: …%s…, got %s", at, msg, got[i])
				}
			}
		})
	}
}
