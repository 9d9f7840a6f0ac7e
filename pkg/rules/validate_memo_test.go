package rules

import (
	"reflect"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// countingChecker counts the expressions it is asked about.
type countingChecker struct{ n *int }

func (c countingChecker) Check(expression string, l limits.Limits) []ExprProblem {
	*c.n++
	return NewDefaultChecker().Check(expression, l)
}

// TestValidateRemembersLastAnswer: validating a file again with the same
// plan, phase and checker (diff and deploy: the loosest plan before the
// zone lookup, then an Enterprise zone's) answers without checking again,
// and gives the same problems; another plan checks again.
func TestValidateRemembersLastAnswer(t *testing.T) {
	src := rule1("      cache: true\n      edge_ttl: {mode: override_origin, default: 30}\n      browser_ttl: {mode: override_origin}\n")
	f, probs := Parse("cache.yaml", []byte(src))
	if probs.HasErrors() {
		t.Fatal(probs)
	}
	n := 0
	check := countingChecker{&n}
	ent := Options{Limits: limitsFor("enterprise"), Checker: check}
	first := Validate(f, ent)
	if n != 1 || len(first) == 0 {
		t.Fatalf("first pass: %d checks, problems %v", n, first)
	}
	first[0].Message = "changed by the caller"
	again := Validate(f, ent)
	if n != 1 {
		t.Errorf("the same question checked the expressions again (%d checks)", n)
	}
	if again[0].Message == "changed by the caller" {
		t.Error("a caller's change to the answer reached the remembered one")
	}
	fresh, _ := Parse("cache.yaml", []byte(src))
	if want := Validate(fresh, Options{Limits: limitsFor("enterprise"), Checker: countingChecker{new(int)}}); !reflect.DeepEqual(again, want) {
		t.Errorf("remembered %v, fresh %v", again, want)
	}
	free := Validate(f, Options{Limits: limitsFor("free"), Checker: check})
	if n != 2 || reflect.DeepEqual(free, again) {
		t.Errorf("another plan: %d checks, problems %v", n, free)
	}
	Validate(f, Options{Limits: limitsFor("free"), Checker: countingChecker{new(int)}})
	if n != 2 {
		t.Errorf("another checker's pass counted here: %d", n)
	}
}
