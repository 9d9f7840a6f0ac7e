// Package shared holds what the `cfcache rules` verbs have in common:
// reading and checking a rules file, fetching the zone's ruleset, rendering
// a diff with the theme, asking before a write, backups, and the guarded
// write that deploy and rollback both use.
package shared

import (
	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// ExprChecker checks rule expressions with the full Rules-language parser
// and type checker (pkg/expr) instead of rules.DefaultChecker's token scan.
type ExprChecker struct {
	// Once is set by a command that parses each expression only to check
	// it and evaluates none (`rules validate`, `diff`, `deploy`; see
	// ValidateOnceOptions): expr.Parse's memory of trees, which `explain`
	// reuses (validate, then compile), is then left alone, and each tree's
	// nodes serve the next expression (expr.Options.Once).
	Once bool
}

// NewChecker returns the expression checker the commands validate with.
func NewChecker() rules.ExpressionChecker { return ExprChecker{} }

// Check implements rules.ExpressionChecker (request phase).
func (e ExprChecker) Check(expression string, l limits.Limits) []rules.ExprProblem {
	return e.CheckPhase(expression, l, rules.PhaseRequest)
}

// CheckPhase implements rules.PhaseExpressionChecker: response-phase
// expressions may use the response fields.
func (e ExprChecker) CheckPhase(expression string, l limits.Limits, phase string) []rules.ExprProblem {
	return check(expression, l, phase, false, e.Once)
}

// CheckValue implements rules.ValueExpressionChecker: set_cache_tags'
// expression must produce a String or an Array of Strings, and may use the
// phase's fields and functions (expr.Options.Value).
func (e ExprChecker) CheckValue(expression string, l limits.Limits, phase string) []rules.ExprProblem {
	return check(expression, l, phase, true, e.Once)
}

func check(expression string, l limits.Limits, phase string, value, once bool) []rules.ExprProblem {
	// rules.Validate reports the length limit itself, at the expression's
	// position in the file; a zero maximum turns expr's own copy of that
	// check off so the problem is not reported twice.
	lim := l
	lim.ExpressionMaxLength = 0
	probs := expr.CheckExpressionWith(expression, expr.Options{Plan: l.Plan, Limits: lim, ResponsePhase: phase == rules.PhaseResponse, Value: value, Once: once})
	if len(probs) == 0 {
		return nil
	}
	out := make([]rules.ExprProblem, len(probs))
	for i, p := range probs {
		out[i] = rules.ExprProblem{Line: p.Line, Col: p.Col, Message: p.Message, Warning: p.Warning}
	}
	return out
}
