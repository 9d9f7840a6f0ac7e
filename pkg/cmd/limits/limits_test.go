package limits

import (
	"context"
	"errors"
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
		if !tty && (strings.Contains(out, "LIMIT") || !strings.Contains(out, "URLs per request\t100\n")) {
			t.Errorf("piped table should be TSV without header:\n%s", out)
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
