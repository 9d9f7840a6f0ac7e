package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// TestEveryProblemHasACode reads this package's source: every format string
// given to vctx.errf/warnf or decoder.add must have a code in code.go, so a
// new check (or a reworded message) cannot reach SARIF as "rules/other".
func TestEveryProblemHasACode(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.CompositeLit); ok {
				if id, ok := lit.Type.(*ast.Ident); ok && id.Name == "Problem" {
					hasCode := false
					for _, e := range lit.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
								hasCode = true
							}
						}
					}
					if !hasCode {
						t.Errorf("%s: a Problem without a Code: give it one from code.go", fset.Position(lit.Pos()))
					}
				}
				return true
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			recv, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			var table map[string]string
			switch {
			case recv.Name == "c" && (sel.Sel.Name == "errf" || sel.Sel.Name == "warnf"):
				table = checkCodes
			case recv.Name == "d" && sel.Sel.Name == "add":
				table = decodeCodes
			default:
				return true
			}
			if len(call.Args) < 3 {
				return true
			}
			lit, ok := call.Args[2].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: %s.%s with a format that is not a literal: give it a literal so it can have a code", fset.Position(call.Pos()), recv.Name, sel.Sel.Name)
				return true
			}
			format, _ := strconv.Unquote(lit.Value)
			seen++
			code, ok := table[format]
			if !ok {
				t.Errorf("%s: no problem code for %q: add it to code.go", fset.Position(call.Pos()), format)
				return true
			}
			if CodeDescription(code) == CodeDescription("no such code") {
				t.Errorf("code %s has no description in code.go", code)
			}
			return true
		})
	}
	if seen < 50 {
		t.Fatalf("found only %d problem calls: the walk no longer sees them", seen)
	}
}

func TestProblemCodes(t *testing.T) {
	cases := []struct{ src, code string }{
		{"rules: [\n", "file/syntax"},
		{"rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true, cahce: 1}\n", "schema/unknown-key"},
		{"rules:\n  - ref: a\n    expression: (http.host eq \"a\"\n    action_parameters: {cache: true}\n", CodeExprSyntax},
		{"rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: false}\n", "ref/duplicate"},
		{"rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true, edge_ttl: {mode: override_origin, default: 1}}\n", "plan/min-ttl"},
		// An action of the other phase, or none at all: schema/action, not
		// the code of whichever check also formats its message with "%s".
		{"rules:\n  - ref: a\n    expression: \"true\"\n    action: set_cache_tags\n    action_parameters: {operation: add, values: [a]}\n", "schema/action"},
		{"rules:\n  - ref: a\n    expression: \"true\"\n    action: cache_it\n    action_parameters: {cache: true}\n", "schema/action"},
	}
	for _, c := range cases {
		_, probs := Check("f.yaml", []byte(c.src), Options{Limits: limits.Default().For(limits.Free)})
		found := false
		for _, p := range probs {
			if p.Code == "" {
				t.Errorf("%q: problem without a code: %s", c.src, p)
			}
			found = found || p.Code == c.code
		}
		if !found {
			t.Errorf("%q: want a %s problem, got %+v", c.src, c.code, probs)
		}
	}
}
