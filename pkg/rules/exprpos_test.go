package rules

import (
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// endChecker reports a problem just past the end of every expression, as a
// parser does for an unclosed parenthesis.
type endChecker struct{}

func (endChecker) Check(expr string, _ limits.Limits) []ExprProblem {
	return []ExprProblem{{Line: 1, Col: len([]rune(expr)) + 1, Message: "unexpected end"}}
}

// A problem at the end of the expression points just past its last
// character, whatever the scalar style (this used to index out of range).
func TestExprProblemPastTheEnd(t *testing.T) {
	for _, c := range []struct{ name, doc string }{
		{"plain", "rules:\n  - ref: a\n    expression: starts_with(x, \"/a\"\n    action_parameters: {cache: true}\n"},
		{"double", "rules:\n  - ref: a\n    expression: \"starts_with(x, \\\"/a\\\"\"\n    action_parameters: {cache: true}\n"},
		{"single", "rules:\n  - ref: a\n    expression: 'starts_with(x, \"/a\"'\n    action_parameters: {cache: true}\n"},
		{"json", `{"rules": [{"ref": "a", "expression": "starts_with(x, \"/a\"", "action_parameters": {"cache": true}}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, probs := Check("r", []byte(c.doc), Options{Checker: endChecker{}})
			var got *Problem
			for i := range probs {
				if probs[i].Message == "unexpected end" {
					got = &probs[i]
				}
			}
			if got == nil || got.Line == 0 {
				t.Fatalf("problems: %v", probs)
			}
		})
	}
}
