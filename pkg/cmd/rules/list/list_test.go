package list

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cfcache/cfcache/pkg/cmd/rules/internal/rulestest"
	"github.com/cfcache/cfcache/pkg/limits"
)

const seeded = `[
  {"ref": "static", "description": "Static assets under /assets/ and /static/, for a day at the edge",
   "expression": "starts_with(http.request.uri.path, \"/assets/\")\n  or starts_with(http.request.uri.path, \"/static/\")",
   "action_parameters": {"cache": true, "edge_ttl": {"mode": "override_origin", "default": 86400},
     "browser_ttl": {"mode": "respect_origin"}, "cache_key": {"cache_by_device_type": true}}, "enabled": true},
  {"ref": "api", "description": "Never cache the API", "expression": "starts_with(http.request.uri.path, \"/api/\")",
   "action_parameters": {"cache": false}, "enabled": false}
]`

func TestListFlags(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	f, _ := e.Factory(false, false)
	called := false
	if err := rulestest.Run(NewCmdList(f, func(*ListOptions) error { called = true; return nil })); err != nil || !called {
		t.Fatalf("list: %v", err)
	}
	f, _ = e.Factory(false, false)
	err := rulestest.Run(NewCmdList(f, func(*ListOptions) error { return nil }), "extra")
	if code := rulestest.ExitCode(err); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}

func TestListTTY(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(seeded)
	f, io := e.Factory(true, false)
	f.IOStreams.SetTerminalWidth(200) // wide enough for every column: TestListFitsTheTerminal narrows it
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	rulestest.Golden(t, "list-tty", io.Out.String())
	if !strings.Contains(io.ErrOut.String(), "2 rules in example.com, version 1") {
		t.Errorf("stderr:\n%s", io.ErrOut)
	}
}

// TestListFitsTheTerminal: on a terminal every line fits its width, the
// long columns cut with "…" (SETTINGS wrapped on 120 columns, issue 13);
// piped, nothing is cut whatever the width.
func TestListFitsTheTerminal(t *testing.T) {
	const settings = "cache · edge 1d (override) · browser respect · key: device"
	for _, width := range []int{80, 120} {
		e := rulestest.New(t, limits.Enterprise)
		e.Seed(seeded)
		f, io := e.Factory(true, false)
		f.IOStreams.SetTerminalWidth(width)
		if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
			t.Fatal(err)
		}
		lines := rulestest.Lines(io.Out.String())
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "#  REF") || !strings.HasSuffix(lines[0], "SETTINGS") {
			t.Fatalf("width %d:\n%s", width, io.Out.String())
		}
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: a line of %d columns: %q", width, n, l)
			}
		}
		if strings.Contains(lines[1], settings) || !strings.HasSuffix(lines[1], "…") || !strings.Contains(lines[1], "cache · edge") {
			t.Errorf("width %d: SETTINGS should be cut with …: %q", width, lines[1])
		}
		if !strings.HasSuffix(lines[2], "bypass cache") {
			t.Errorf("width %d: a short SETTINGS is left whole: %q", width, lines[2])
		}

		e = rulestest.New(t, limits.Enterprise)
		e.Seed(seeded)
		f, io = e.Factory(false, false)
		f.IOStreams.SetTerminalWidth(width)
		if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
			t.Fatal(err)
		}
		if out := io.Out.String(); !strings.Contains(out, "\t"+settings+"\n") || strings.Contains(out, "…") {
			t.Errorf("width %d piped: cut:\n%s", width, out)
		}
	}
}

func TestListPiped(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(seeded)
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	out := io.Out.String()
	rulestest.NoANSI(t, "stdout", out)
	lines := rulestest.Lines(out)
	if len(lines) != 2 {
		t.Fatalf("want 2 rows and no header, got:\n%s", out)
	}
	cells := strings.Split(lines[0], "\t")
	want := []string{"1", "static", "yes", "Static assets under /assets/ and /static/, for a day at the edge",
		`starts_with(http.request.uri.path, "/assets/") or starts_with(http.request.uri.path, "/static/")`,
		"cache · edge 1d (override) · browser respect · key: device"}
	if strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("row 1:\n got %q\nwant %q", cells, want)
	}
	if !strings.HasPrefix(lines[1], "2\tapi\tno\t") {
		t.Errorf("row 2: %q", lines[1])
	}
	if io.ErrOut.Len() != 0 {
		t.Errorf("stderr when piped: %q", io.ErrOut)
	}
}

func TestListJSON(t *testing.T) {
	e := rulestest.New(t, limits.Enterprise)
	e.Seed(seeded)
	f, io := e.Factory(false, true)
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ZoneID  string `json:"zone_id"`
		Version string
		Rules   []struct {
			Position         int
			ID, Ref          string
			Enabled          bool
			ActionParameters map[string]any `json:"action_parameters"`
			Settings         string         `json:"settings_summary"`
		}
	}
	if err := json.Unmarshal(io.Out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, io.Out)
	}
	if doc.Version != "1" || len(doc.Rules) != 2 || doc.Rules[0].ID == "" || doc.Rules[1].Position != 2 || doc.Rules[1].Enabled ||
		doc.Rules[0].ActionParameters["edge_ttl"] == nil || doc.Rules[1].Settings != "bypass cache" {
		t.Errorf("doc %+v", doc)
	}
}

func TestListEmpty(t *testing.T) {
	e := rulestest.New(t, limits.Free)
	f, io := e.Factory(false, false)
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	if io.Out.Len() != 0 || !strings.Contains(io.ErrOut.String(), "no Cache Rules ruleset yet") {
		t.Errorf("stdout %q stderr %q", io.Out, io.ErrOut)
	}
	f, io = e.Factory(false, true)
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(io.Out.String(), `"rules": []`) || !strings.Contains(io.Out.String(), `"exists": false`) {
		t.Errorf("json:\n%s", io.Out)
	}
	// A ruleset emptied by a deploy is said differently from none at all.
	e.Seed(`[]`)
	f, io = e.Factory(false, false)
	if err := rulestest.Run(NewCmdList(f, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(io.ErrOut.String(), "No cache rules in example.com (version 1)") {
		t.Errorf("stderr %q", io.ErrOut)
	}
}
