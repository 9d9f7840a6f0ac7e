package rules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/limits"
)

// The rules-file half of issue 9's hostile-input suite (the binary is driven
// by e2e/hostile_test.go). Each case is one file through Check, the path of
// `rules validate`, `diff`, `deploy` and `explain`, and asserts that it is
// refused (an error-severity Problem) at the line and path at fault, with the
// reason. Cases marked with an issue-9 defect wait for its fix.
func TestHostileRulesFiles(t *testing.T) {
	valid := "rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n"
	many := "rules:\n"
	for i := 0; i < 11; i++ {
		many += fmt.Sprintf("  - ref: r%d\n    expression: 'http.host eq \"h%d.example.com\"'\n    action_parameters: {cache: true}\n", i, i)
	}
	cases := []struct {
		name, file, body string
		line             int
		path, reason     string
		defect           int
	}{
		{"rules-null", "r.yaml", "rules:\n", 1, "rules", "", 3},
		{"rules-tilde", "r.yaml", "rules: ~\n", 1, "rules", "", 3},
		{"rules-json-null", "r.json", `{"rules": null}`, 1, "rules", "", 3},
		{"rules-missing", "r.yaml", "phase: http_request_cache_settings\n", 1, "rules", "missing rules", 0},
		{"rules-mapping", "r.yaml", "rules: {ref: a}\n", 1, "rules", "want a list of rules", 0},
		{"top-level-list", "r.yaml", "- ref: a\n", 1, "", "want a mapping", 0},
		{"empty", "r.yaml", "", 1, "", "empty", 0},
		{"ref-number", "r.yaml", strings.Replace(valid, "ref: a", "ref: 5", 1), 2, "rules[0].ref", "want a string", 0},
		{"enabled-string", "r.yaml", valid + "    enabled: \"no\"\n", 5, "rules[0].enabled", "want true or false", 0},
		{"params-list", "r.yaml", strings.Replace(valid, "{cache: true}", "[1]", 1), 4, "rules[0].action_parameters", "want a mapping", 0},
		{"unknown-top-key", "r.yaml", "rulez: []\n" + valid, 1, "rulez", "unknown field", 0},
		{"unknown-rule-key", "r.yaml", valid + "    expresion: x\n", 5, "rules[0].expresion", `did you mean "expression"`, 0},
		{"duplicate-ref", "r.yaml", valid + "  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n", 5, "rules[1].ref", `duplicate ref "a"`, 0},
		{"duplicate-key", "r.yaml", strings.Replace(valid, "ref: a\n", "ref: a\n    ref: b\n", 1), 3, "rules[0].ref", "duplicate key", 0},
		{"nul-in-ref-yaml", "r.yaml", strings.Replace(valid, "ref: a", `ref: "a\0b"`, 1), 2, "rules[0].ref", "", 17},
		{"nul-in-ref-json", "r.json", `{"rules": [{"ref": "a\u0000b", "expression": "true", "action_parameters": {"cache": true}}]}`, 1, "rules[0].ref", "", 17},
		{"control-in-ref", "r.yaml", strings.Replace(valid, "ref: a", `ref: "a\x1bb"`, 1), 2, "rules[0].ref", "", 17},
		{"two-documents", "r.yaml", valid + "---\n" + valid, 5, "", "", 17},
		{"two-documents-second-empty-rules", "r.yaml", valid + "---\nrules: []\n", 5, "", "", 17},
		{"deep-yaml", "r.yaml", "rules: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", 1, "", "", 0},
		{"deep-json", "r.json", `{"rules": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}", 1, "", "", 0},
		{"over-plan", "r.yaml", many, 32, "rules", "11 rules exceed the free plan's limit of 10", 0},
		{"invalid-yaml", "r.yaml", "rules:\n  - ref: a\n   expression: x\n", 3, "", "", 0},
	}
	free := Options{Limits: limits.Default().For(limits.Free)}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, probs := Check(c.file, []byte(c.body), free)
			errs := probs.Errors()
			if len(errs) == 0 {
				t.Fatalf("accepted; want an error%s", waits(c.defect))
			}
			if c.line == 0 { // anywhere, as long as it names the file
				if !strings.HasPrefix(errs[0].String(), c.file) {
					t.Errorf("%q does not name %s%s", errs[0], c.file, waits(c.defect))
				}
				return
			}
			for _, p := range errs {
				if p.File == c.file && p.Line == c.line && (c.path == "" || p.Path == c.path) && strings.Contains(p.Message, c.reason) {
					return
				}
			}
			t.Errorf("no error at %s:%d %s containing %q; got:\n%s%s", c.file, c.line, c.path, c.reason, errs, waits(c.defect))
		})
	}
}

func waits(defect int) string {
	if defect == 0 {
		return ""
	}
	return fmt.Sprintf(" [regression: issue-9 defect #%d]", defect)
}

// A refused file is returned as the error class the commands map to exit 2.
func TestHostileRulesErrorClass(t *testing.T) {
	_, probs := Check("r.yaml", []byte("rules: {}\n"), Options{})
	var err error = &ValidationError{Problems: probs}
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "r.yaml:1: rules: want a list of rules") {
		t.Fatalf("%v", err)
	}
}

// FuzzParseLines: the rules reader never panics, and every problem it
// reports names the file with a line within it.
func FuzzParseLines(f *testing.F) {
	for _, s := range []string{
		"rules:\n  - ref: a\n    expression: \"true\"\n    action_parameters: {cache: true}\n",
		`{"rules": [{"ref": "a", "expression": "true"}]}`,
		"rules:\n", "---\nrules: []\n---\n", "a: &a [1]\nb: [*a, *a]\n", "\ufeffrules: []\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 1<<16 {
			return
		}
		_, probs := Parse("f.yaml", []byte(doc))
		// YAML ends a line at LF, CRLF or a lone CR (an old Mac file).
		lines := strings.Count(strings.ReplaceAll(doc, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(doc, "\r\n", ""), "\r") + 1
		for _, p := range probs {
			if p.File != "f.yaml" || p.Line < 1 || p.Line > lines {
				t.Fatalf("problem %q: line %d outside 1..%d", p, p.Line, lines)
			}
		}
	})
}

// aliasBomb is "billion laughs": 9 levels of 9 aliases, about 500 bytes that
// expand to 9^9 strings.
func aliasBomb() string {
	bomb := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += fmt.Sprintf("%s: &%s [*%[3]s,*%[3]s,*%[3]s,*%[3]s,*%[3]s,*%[3]s,*%[3]s,*%[3]s,*%[3]s]\n", n, n, prev)
		prev = n
	}
	return bomb + "rules:\n  - ref: a\n    expression: \"true\"\n    description: *i\n"
}

// The alias bomb is refused at once, naming the file (issue 9 defect #1).
// Unbounded expansion eats gigabytes, so it runs in a child process that is
// killed if it is not done in time, rather than in this one.
func TestHostileAliasBomb(t *testing.T) {
	if os.Getenv("CFCACHE_ALIAS_BOMB_CHILD") == "1" {
		_, probs := Check("bomb.yaml", []byte(aliasBomb()), Options{})
		errs := probs.Errors()
		if len(errs) == 0 || !strings.HasPrefix(errs[0].String(), "bomb.yaml") {
			fmt.Fprintf(os.Stderr, "accepted or not naming the file: %v\n", probs)
			os.Exit(1)
		}
		os.Exit(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileAliasBomb$")
	cmd.Env = append(os.Environ(), "CFCACHE_ALIAS_BOMB_CHILD=1")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("Check on a 600-byte alias bomb still running after 10s [regression: issue-9 defect #1]")
	}
	if err != nil {
		t.Fatalf("%v\n%s [regression: issue-9 defect #1]", err, out)
	}
}
