package shared

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/limits"
	"github.com/cfcache/cfcache/pkg/rules"
)

func TestBackupName(t *testing.T) {
	at := time.Date(2026, 10, 1, 14, 5, 9, 0, time.FixedZone("CEST", 2*3600))
	for _, c := range []struct{ zone, phase, version, want string }{
		{"example.com", rules.PhaseRequest, "12", "example.com-request-12-20261001T120509Z.json"},
		{"example.com", rules.PhaseResponse, "12", "example.com-response-12-20261001T120509Z.json"},
		{"../etc", "", "1", ".._etc-request-1-20261001T120509Z.json"},
		{"", rules.PhaseRequest, "a/b", "_-request-a_b-20261001T120509Z.json"},
	} {
		if got := BackupName(c.zone, c.phase, c.version, at); got != c.want {
			t.Errorf("BackupName(%q, %q) = %q, want %q", c.zone, c.version, got, c.want)
		}
	}
}

func TestWriteBackupModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "backups")
	path, err := WriteBackup(context.Background(), dir, "example.com", rules.PhaseRequest, "3", []byte(`{"version":"3","rules":[]}`), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v, dir %v", st.Mode().Perm(), dst.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if string(data) != "{\n  \"version\": \"3\",\n  \"rules\": []\n}\n" {
		t.Errorf("backup content %q", data)
	}
	// The backup reads back as a rules file.
	if f, probs := rules.Parse(path, data); probs.HasErrors() || len(f.Rules) != 0 {
		t.Errorf("backup does not parse as a rules file: %v", probs)
	}
}

func TestShortenAndOneLine(t *testing.T) {
	if got := OneLine("a\n  and\tb "); got != "a and b" {
		t.Errorf("OneLine = %q", got)
	}
	if got := Shorten("starts_with(x, \"/é\")", 8); got != "starts_…" {
		t.Errorf("Shorten = %q", got)
	}
	if got := Shorten("short", 8); got != "short" {
		t.Errorf("Shorten = %q", got)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"rules.yaml": "rules.yaml", "my rules.yaml": "'my rules.yaml'", "it's": `'it'\''s'`, "": "''"} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// The adapter leaves the length limit to rules.Validate, so a long
// expression is reported once, at its position in the file.
func TestExprCheckerLengthReportedOnce(t *testing.T) {
	long := `http.host eq "` + strings.Repeat("a", 4100) + `"`
	doc := "rules:\n  - ref: a\n    expression: '" + long + "'\n    action_parameters: {cache: true}\n"
	_, probs := rules.Check("r.yaml", []byte(doc), ValidateOptions(limits.Default().For(limits.Enterprise)))
	n := 0
	for _, p := range probs {
		if strings.Contains(p.Message, "characters long") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("length reported %d times:\n%s", n, probs)
	}
	if got := (ExprChecker{}).Check(`http.host eq "a"`, limits.Default().For(limits.Free)); len(got) != 0 {
		t.Errorf("valid expression: %v", got)
	}
	if got := (ExprChecker{}).Check(`http.host matches "a"`, limits.Default().For(limits.Free)); len(got) == 0 {
		t.Error("regex on Free not reported")
	}
}

// TestLoadForZoneRefusesOffline: what fails on every plan is refused before
// the zone is looked up (issue 9: bad input costs zero requests); only a
// limit that depends on the plan waits for the lookup.
func TestLoadForZoneRefusesOffline(t *testing.T) {
	rule := func(ref, expr string) string {
		return "  - ref: " + ref + "\n    expression: '" + expr + "'\n    action_parameters: {cache: true}\n"
	}
	many := func(n int) string {
		s := "rules:\n"
		for i := range n {
			s += rule(fmt.Sprintf("r%d", i), fmt.Sprintf(`http.host eq "h%d.example.com"`, i))
		}
		return s
	}
	for _, c := range []struct {
		name, body string
		lookups    int
		want       string
	}{
		{"expression-syntax", "rules:\n" + rule("a", "http.host eq"), 0, "rules.yaml:3:"},
		{"nul-in-ref", "rules:\n  - ref: \"a\\0b\"\n    expression: \"true\"\n    action_parameters: {cache: true}\n", 0, "rules[0].ref"},
		{"over-every-plan", many(301), 0, "301 rules exceed the enterprise plan's limit of 300"},
		{"over-free", many(11), 1, "11 rules exceed the free plan's limit of 10"},
		{"regex-on-free", "rules:\n" + rule("a", `http.request.uri.path matches "^/a"`), 1, "matches"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			ios, _, _, errOut := iostreams.Test()
			lookups := 0
			resolve := func(context.Context) (cfapi.Zone, error) {
				lookups++
				return cfapi.Zone{ID: "z", Name: "example.com", Plan: limits.Free}, nil
			}
			_, _, err := LoadForZone(context.Background(), ios, path, resolve, limits.Default())
			if code := cmdutil.ExitCode(err); code != 2 {
				t.Errorf("exit code %d (%v), want 2", code, err)
			}
			if lookups != c.lookups {
				t.Errorf("zone looked up %d times, want %d", lookups, c.lookups)
			}
			if !strings.Contains(errOut.String(), c.want) {
				t.Errorf("stderr %q does not say %q", errOut.String(), c.want)
			}
		})
	}
}

// A write to the response phase is summarised as the response phase (review
// finding 3: it used to say http_request_cache_settings for every write).
func TestWriteSummaryNamesThePhase(t *testing.T) {
	for short, full := range map[string]string{"response": rules.PhaseResponse, "request": rules.PhaseRequest} {
		res := &Result{ZoneName: "example.com", Phase: short, Outcome: &rules.Outcome{Diff: &rules.Diff{}}}
		md := WriteSummary("deploy", "f.yaml", res, nil).Markdown()
		if !strings.Contains(md, "`"+full+"`") {
			t.Errorf("phase %s: summary does not name %s:\n%s", short, full, md)
		}
	}
}
