package rules_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/expr"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// exprChecker is the checker `rules validate` uses (pkg/cmd/rules/shared):
// the full parser and type checker of pkg/expr, adapted to rules.
type exprChecker struct{}

func (e exprChecker) Check(src string, l limits.Limits) []rules.ExprProblem {
	return e.CheckPhase(src, l, rules.PhaseRequest)
}

func (exprChecker) CheckPhase(src string, l limits.Limits, phase string) []rules.ExprProblem {
	return exprCheck(src, l, expr.Options{ResponsePhase: phase == rules.PhaseResponse})
}

func (exprChecker) CheckValue(src string, l limits.Limits, phase string) []rules.ExprProblem {
	return exprCheck(src, l, expr.Options{ResponsePhase: phase == rules.PhaseResponse, Value: true})
}

func exprCheck(src string, l limits.Limits, opts expr.Options) []rules.ExprProblem {
	lim := l
	lim.ExpressionMaxLength = 0
	opts.Plan, opts.Limits = l.Plan, lim
	var out []rules.ExprProblem
	for _, p := range expr.CheckExpressionWith(src, opts) {
		out = append(out, rules.ExprProblem{Line: p.Line, Col: p.Col, Message: p.Message, Warning: p.Warning})
	}
	return out
}

// corpusCase is a file's header: where it came from and what the
// validator must say about it.
type corpusCase struct {
	source, plan string
	valid        bool
	expect       []string // "error 12 rules[0].path" or "error 3:30 rules[0].expression"
}

// readCorpusHeader reads the `# key: value` lines at the top of a YAML file,
// or of FILE.expect beside a JSON file (JSON has no comments).
func readCorpusHeader(t *testing.T, path string) corpusCase {
	t.Helper()
	hdr := path
	if strings.HasSuffix(path, ".json") {
		hdr = path + ".expect"
	}
	data, err := os.ReadFile(hdr)
	if err != nil {
		t.Fatal(err)
	}
	c := corpusCase{plan: "enterprise"}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") {
			break
		}
		key, val, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "source":
			c.source = val
		case "plan":
			c.plan = val
		case "expect":
			if val == "valid" {
				c.valid = true
			} else {
				c.expect = append(c.expect, val)
			}
		}
	}
	return c
}

// TestCorpus runs the validator over real and broken rulesets from
// Cloudflare's docs, the Terraform provider's acceptance tests and public
// repositories (testdata/corpus; each file names its source) and compares
// every problem's severity, line, column and path with the file's verdict.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".expect") {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			c := readCorpusHeader(t, path)
			if c.source == "" {
				t.Fatal("no `# source:` line: every corpus file names where it came from")
			}
			if !c.valid && len(c.expect) == 0 {
				t.Fatal("no verdict: say `# expect: valid` or list the problems")
			}
			plan, err := limits.ParsePlan(c.plan)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, probs := rules.Check(filepath.Base(path), data, rules.Options{Limits: limits.Default().For(plan), Checker: exprChecker{}})
			var got []string
			for _, p := range probs {
				at := fmt.Sprint(p.Line)
				if p.Col > 0 {
					at = fmt.Sprintf("%d:%d", p.Line, p.Col)
				}
				got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s %s", p.Severity, at, p.Path)))
			}
			want := append([]string(nil), c.expect...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				var full []string
				for _, p := range probs {
					full = append(full, p.String())
				}
				t.Errorf("plan %s:\n got: %s\nwant: %s\n(%s)", c.plan, strings.Join(got, "\n      "), strings.Join(want, "\n      "), strings.Join(full, "\n "))
			}
			if c.valid && probs.HasErrors() {
				t.Errorf("marked valid but has errors")
			}
		})
	}
	if n < 30 {
		t.Errorf("the corpus has %d files; keep at least 30", n)
	}
}
