package limits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/cmdtest"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/limits"
)

func TestArgvToOptions(t *testing.T) {
	f, _ := cmdtest.NewFactory(t, nil, "", false)
	var got *LimitsOptions
	cmd := NewCmdLimits(f, func(o *LimitsOptions) error { got = o; return nil })
	if err := cmdtest.Run(context.Background(), cmd, "--plan", "Pro"); err != nil {
		t.Fatal(err)
	}
	if got.Plan != "pro" {
		t.Fatalf("plan = %q", got.Plan)
	}
	err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil), "--plan", "gold")
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("want a usage error, got %v", err)
	}
}

func TestTableTTYAndPiped(t *testing.T) {
	for _, tty := range []bool{true, false} {
		f, st := cmdtest.NewFactory(t, nil, "", tty)
		if err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil), "--plan", "free"); err != nil {
			t.Fatal(err)
		}
		out := st.Out.String()
		if strings.Contains(out, "\x1b[") {
			t.Errorf("tty=%v: colour codes in table", tty)
		}
		if tty && (!strings.HasPrefix(out, "LIMIT") || strings.Contains(out, "\t")) {
			t.Errorf("tty table should be aligned with a header:\n%s", out)
		}
		// A matrix keeps its header row when piped: its columns are plans.
		if !tty && (!strings.HasPrefix(out, "LIMIT\tfree\n") || !strings.Contains(out, "URLs per request\t100\n")) {
			t.Errorf("piped table should be TSV with its header row:\n%s", out)
		}
		if strings.Contains(out+st.Err.String(), "*") {
			t.Errorf("tty=%v: nothing is overridden, yet a value is marked:\n%s%s", tty, out, st.Err.String())
		}
	}
}

func TestConfigOverridesShow(t *testing.T) {
	f, st := cmdtest.NewFactory(t, nil, "", false)
	tbl, err := limits.Default().WithOverrides(map[string]map[string]any{"free": {"urls_per_request": 30}})
	if err != nil {
		t.Fatal(err)
	}
	f.Settings.Limits = tbl
	f.Settings.Output = "json"
	if err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil), "--plan", "free"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Out.String(), `"urls_per_request": 30`) {
		t.Fatalf("override not shown:\n%s", st.Out.String())
	}
}

func TestOverriddenValuesMarked(t *testing.T) {
	tbl, err := limits.Default().WithOverrides(map[string]map[string]any{"free": {"urls_per_request": 30, "api_window_seconds": 60}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tty := range []bool{true, false} {
		f, st := cmdtest.NewFactory(t, nil, "", tty)
		f.Settings.Limits = tbl
		f.Settings.ConfigFile = "/home/u/.config/cfcache/config.yaml"
		if err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil)); err != nil {
			t.Fatal(err)
		}
		out, errOut := st.Out.String(), st.Err.String()
		sep := "\t"
		if tty {
			sep = " "
		}
		for _, want := range []string{"URLs per request" + sep, "30*", "1200 per 60s*"} {
			if !strings.Contains(out, want) {
				t.Errorf("tty=%v: want %q in\n%s", tty, want, out)
			}
		}
		table, _, _ := strings.Cut(out, "* set in")
		if n := strings.Count(table, "*"); n != 2 {
			t.Errorf("tty=%v: %d values marked, want 2 (free's only):\n%s", tty, n, out)
		}
		note, other := out, errOut
		if !tty {
			note, other = errOut, out // stdout stays the matrix
		}
		if !strings.Contains(note, "* set in /home/u/.config/cfcache/config.yaml (limits:)") || strings.Contains(other, "set in") {
			t.Errorf("tty=%v: footnote naming the file missing or misplaced:\nstdout:\n%s\nstderr:\n%s", tty, out, errOut)
		}
	}
}

func TestOverriddenInJSON(t *testing.T) {
	tbl, err := limits.Default().WithOverrides(map[string]map[string]any{"pro": {"rules_per_zone": 20}})
	if err != nil {
		t.Fatal(err)
	}
	f, st := cmdtest.NewFactory(t, nil, "", false)
	f.Settings.Limits = tbl
	f.Settings.Output = "json"
	if err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Plans []struct {
			Plan         string   `json:"plan"`
			RulesPerZone int      `json:"rules_per_zone"`
			Overridden   []string `json:"overridden"`
		} `json:"plans"`
	}
	if err := json.Unmarshal(st.Out.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, st.Out.String())
	}
	if len(doc.Plans) != 4 {
		t.Fatalf("plans: %+v", doc.Plans)
	}
	for _, p := range doc.Plans {
		want := "[]"
		if p.Plan == "pro" {
			want = "[rules_per_zone]"
		}
		if got := fmt.Sprint(p.Overridden); got != want || p.Overridden == nil {
			t.Errorf("%s: overridden = %s, want %s", p.Plan, got, want)
		}
	}
	if !strings.Contains(st.Out.String(), `"overridden": []`) {
		t.Errorf("an unchanged plan should say overridden: [] (not null or absent):\n%s", st.Out.String())
	}
}

// TestEveryLimitHasARow: a limit added to pkg/limits is shown, and can be
// marked as overridden, only if a row names its key.
func TestEveryLimitHasARow(t *testing.T) {
	var all map[string]any
	raw, _ := json.Marshal(limits.Default().For(limits.Free))
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	delete(all, "plan")
	for _, r := range rows {
		for _, k := range r.keys {
			if _, ok := all[k]; !ok {
				t.Errorf("row %q names unknown key %s", r.label, k)
			}
			delete(all, k)
		}
	}
	for k := range all {
		t.Errorf("limit %s has no row", k)
	}
}

// The response phase's rule counts have their own row and JSON key (issue
// 12 review nit: `limits` did not list them).
func TestResponseRulesRow(t *testing.T) {
	f, st := cmdtest.NewFactory(t, nil, "", false)
	if err := cmdtest.Run(context.Background(), NewCmdLimits(f, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Out.String(), "cache response rules per zone\t10\t25\t50\t300\n") {
		t.Errorf("no response rules row:\n%s", st.Out)
	}
	b, err := json.Marshal(limits.Default().For(limits.Pro))
	if err != nil || !strings.Contains(string(b), `"response_rules_per_zone":25`) {
		t.Errorf("json %s (%v)", b, err)
	}
}
