package shared

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

// TestExamplesValidateFullChecker: every file in examples/rules passes the
// checker the commands use (pkg/expr's parser and type checker, by the
// file's phase) on the plan its first line names, as `rules validate` would
// report it. pkg/rules' own example test uses the token-scan checker.
func TestExamplesValidateFullChecker(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "examples", "rules", "*"))
	if err != nil || len(files) < 9 {
		t.Fatalf("want the example rule files of both phases, found %d (%v)", len(files), err)
	}
	phases := map[string]int{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		plan := limits.Enterprise
		line, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "# plan:"); ok {
			if plan, err = limits.ParsePlan(strings.TrimSpace(p)); err != nil {
				t.Fatal(err)
			}
		}
		f, probs := rules.Check(filepath.Base(path), data, ValidateOptions(limits.Default().For(plan)))
		if len(probs) > 0 {
			t.Errorf("%s (plan %s):\n%s", path, plan, probs)
		}
		phases[f.Phase]++
	}
	if phases[rules.PhaseRequest] == 0 || phases[rules.PhaseResponse] < 3 {
		t.Errorf("examples per phase: %v", phases)
	}
}
