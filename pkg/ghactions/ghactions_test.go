package ghactions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestAnnotationEscapes(t *testing.T) {
	a := Annotation{Level: Error, File: "dir/a,b:c.yaml", Line: 4, Col: 7,
		Message: "100% wrong\r\nnext: line, here"}
	want := "::error file=dir/a%2Cb%3Ac.yaml,line=4,col=7::100%25 wrong%0D%0Anext: line, here"
	if got := a.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	w := Annotation{Level: Warning, File: "x.yaml", Message: "m"}
	if got := w.String(); got != "::warning file=x.yaml::m" {
		t.Fatalf("got %s", got)
	}
	if got := (Annotation{Level: Error, Message: "m"}).String(); got != "::error::m" {
		t.Fatalf("got %s", got)
	}
}

func TestOnlyInActions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "summary.md")
	if Actions(env(map[string]string{"GITHUB_ACTIONS": "false"})) || Actions(nil) {
		t.Fatal("Actions outside a job")
	}
	// A summary file named outside Actions is not written.
	if err := AppendSummary(env(map[string]string{"GITHUB_STEP_SUMMARY": p}), "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("summary written outside Actions: %v", err)
	}
	e := env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": p})
	if err := os.WriteFile(p, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(e, "## one"); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(e, "## two\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "earlier\n## one\n## two\n" {
		t.Fatalf("summary %q", got)
	}
}

func TestTableEscapes(t *testing.T) {
	got := Table([]string{"a", "b"}, [][]string{{"x|y", "1\n2"}, {Code("c`d"), ""}})
	want := "| a | b |\n| --- | --- |\n| x\\|y | 1<br>2 |\n| ``c`d`` |  |\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.HasPrefix(Code("`x"), "`` `x") {
		t.Fatalf("code %q", Code("`x"))
	}
}

// issue 13 #10: one wording for a summary that cannot be written, whichever
// command hits it: the variable, the file once, the reason.
func TestAppendSummaryErrorWording(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{dir, filepath.Join(dir, "nodir", "summary.md")} {
		err := AppendSummary(env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": p}), "x")
		if err == nil {
			t.Fatalf("%s: no error", p)
		}
		want := "cannot write the job summary to GITHUB_STEP_SUMMARY " + p + ": "
		if got := err.Error(); !strings.HasPrefix(got, want) || strings.Count(got, p) != 1 {
			t.Errorf("got %q, want it to begin %q and name the file once", got, want)
		}
	}
}
