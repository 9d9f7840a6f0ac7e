package rules

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesValidate: every file in examples/rules/ validates without
// errors or warnings on the plan its first line names ("# plan: pro"; JSON
// files, which cannot have comments, are checked against Enterprise).
func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "rules", "*"))
	if err != nil || len(files) < 6 {
		t.Fatalf("want the example rule files, found %d (%v)", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			plan := "enterprise"
			line, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), "# plan:"); ok {
				plan = strings.TrimSpace(p)
			}
			f, probs := Check(filepath.Base(path), data, Options{Limits: limitsFor(plan)})
			if len(probs) > 0 {
				t.Errorf("plan %s:\n%s", plan, probs)
			}
			if len(f.Rules) == 0 {
				t.Error("no rules")
			}
			// The example must also survive export → parse unchanged.
			out, err := ExportPhase(f.Phase, f.Rules, f.Format)
			if err != nil {
				t.Fatal(err)
			}
			back, _ := Parse("again."+string(f.Format), out)
			if back.Phase != f.Phase {
				t.Errorf("round trip: phase %s became %s", f.Phase, back.Phase)
			}
			if d := Compute(f.Rules, back.Rules); d.HasChanges() {
				t.Errorf("round trip:\n%s", d.Text(nil))
			}
		})
	}
}
