package iostreams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestColorDecision(t *testing.T) {
	cases := []struct {
		mode         ColorMode
		tty, noColor bool
		force, want  bool
	}{
		{ColorAuto, true, false, false, true},
		{ColorAuto, false, false, false, false},
		{ColorAuto, true, true, false, false},   // NO_COLOR
		{ColorAuto, false, false, true, true},   // CLICOLOR_FORCE
		{ColorAuto, true, true, true, false},    // NO_COLOR wins over CLICOLOR_FORCE
		{ColorAlways, false, true, false, true}, // the flag wins over the environment
		{ColorNever, true, false, true, false},
	}
	for _, c := range cases {
		s, _, out, _ := Test()
		s.SetTTY(c.tty)
		s.SetColorEnv(c.noColor, c.force)
		s.SetColorMode(c.mode)
		if got := s.ColorEnabled(); got != c.want {
			t.Errorf("%+v: ColorEnabled = %v", c, got)
		}
		s.Out.Write([]byte(s.Theme().Success.Render("ok")))
		if has := strings.Contains(out.String(), "\x1b["); has != c.want {
			t.Errorf("%+v: escape codes present = %v in %q", c, has, out.String())
		}
	}
}

func TestTablePrinter(t *testing.T) {
	s, _, out, _ := Test()
	tp := s.NewTablePrinter("NAME", "PLAN")
	tp.AddRow("example.com", "free")
	tp.AddRow("a-much-longer-name.example", "enterprise")
	if err := tp.Render(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "example.com\tfree\na-much-longer-name.example\tenterprise\n" {
		t.Fatalf("piped: %q", got)
	}
	s, _, out, _ = Test()
	s.SetTTY(true)
	tp = s.NewTablePrinter("NAME", "PLAN")
	tp.AddRow("example.com", "free")
	if err := tp.Render(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "NAME         PLAN\nexample.com  free\n" {
		t.Fatalf("tty: %q", got)
	}
}

func TestPromptRefusesWithoutTerminal(t *testing.T) {
	s, _, _, _ := Test()
	if _, err := s.Confirm("sure?"); err != ErrNotInteractive {
		t.Fatalf("got %v", err)
	}
}

func TestBar(t *testing.T) {
	if got := Bar(5, 10, 4); got != "██░░" {
		t.Fatalf("got %q", got)
	}
	if Bar(1, 0, 4) != "" {
		t.Fatal("zero total")
	}
}

// no-color.org: NO_COLOR counts only when set and not empty.
func TestSystemReadsNoColor(t *testing.T) {
	for _, c := range []struct {
		value string
		want  bool
	}{{"", false}, {"1", true}} {
		t.Setenv("NO_COLOR", c.value)
		if got := System().noColor; got != c.want {
			t.Errorf("NO_COLOR=%q: noColor %v, want %v", c.value, got, c.want)
		}
	}
}

// issue 9 #13: a prompt returns as soon as the context is cancelled, without
// waiting for a line that never comes.
func TestPromptReturnsOnCancel(t *testing.T) {
	s, _, _, _ := Test()
	s.SetTTY(true)
	r, w := io.Pipe() // nothing is ever typed
	defer w.Close()
	s.In = r
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.PromptContext(ctx, "name? ")
	var pe *PromptInterruptedError
	if !errors.As(err, &pe) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want a PromptInterruptedError wrapping context.Canceled", err)
	}
	// The bound context is what Prompt (without one) uses.
	s.BindContext(ctx)
	if _, err := s.Confirm("sure?"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Confirm with a cancelled bound context: %v", err)
	}
}

// issue 9 #13: end of input (Ctrl-D) is "no answer", a refusal that still
// reads as io.EOF; a last line without a newline is still an answer; and
// only one line is consumed.
func TestPromptEndOfInput(t *testing.T) {
	s, in, _, _ := Test()
	s.SetTTY(true)
	if _, err := s.Prompt("q? "); err != ErrNoAnswer || !errors.Is(err, io.EOF) || err.Error() != "no answer (end of input)" {
		t.Fatalf("empty input: %v", err)
	}
	in.WriteString("yes\nrest\n")
	if ok, err := s.Confirm("sure?"); !ok || err != nil {
		t.Fatalf("yes: %v %v", ok, err)
	}
	if got := in.String(); got != "rest\n" {
		t.Fatalf("the prompt consumed more than its line: %q left", got)
	}
	in.Reset()
	in.WriteString("example.com")
	if got, err := s.Prompt("zone? "); got != "example.com" || err != nil {
		t.Fatalf("last line without newline: %q %v", got, err)
	}
}

func TestTableMatrixAndFit(t *testing.T) {
	rows := [][]string{{"a", "short", "a rather long cell that does not fit"}, {"b", "x", "ok"}}
	print := func(tty bool, width int, matrix bool) string {
		s, _, out, _ := Test()
		s.SetTTY(tty)
		tp := s.NewTablePrinter("K", "V", "NOTE").Fit(width, 2)
		if matrix {
			tp.Matrix()
		}
		for _, r := range rows {
			tp.AddRow(append([]string(nil), r...)...)
		}
		if err := tp.Render(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	// Piped: no header unless a matrix, never cut.
	if got := print(false, 20, false); got != "a\tshort\ta rather long cell that does not fit\nb\tx\tok\n" {
		t.Errorf("piped list: %q", got)
	}
	if got := print(false, 20, true); !strings.HasPrefix(got, "K\tV\tNOTE\n") || strings.Contains(got, "…") {
		t.Errorf("piped matrix: %q", got)
	}
	// Terminal: every line within the width, the long cell cut with "…".
	got := print(true, 24, false)
	want := "K  V      NOTE\na  short  a rather long…\nb  x      ok\n"
	if got != want {
		t.Errorf("fit to 24:\n got %q\nwant %q", got, want)
	}
	// Never below the header or 6 characters, even when that overflows.
	if got := print(true, 5, false); !strings.Contains(got, "a  short  a rat…\n") {
		t.Errorf("floor: %q", got)
	}
}

// issue 13 §3: a prompt needs an interactive stdin, not a terminal on
// stderr. With stderr redirected (`rules deploy f.yaml 2>log`) it still
// asks, the question on the terminal (/dev/tty), not in the log; with
// stdin not a terminal it never asks, whatever stderr is.
func TestPromptNeedsStdinNotStderr(t *testing.T) {
	for _, c := range []struct {
		name                 string
		stdin, stderr, ttyOK bool
		wantAsk              bool
		wantOn               string // "tty" or "stderr"
	}{
		{"all terminals", true, true, true, true, "stderr"},
		{"stderr redirected", true, false, true, true, "tty"},
		{"stderr redirected, no /dev/tty", true, false, false, true, "stderr"},
		{"stdin piped", false, true, true, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, in, _, errOut := Test()
			s.SetTTYs(c.stdin, false, c.stderr)
			tty := &bytes.Buffer{}
			s.openTTY = func() (io.Writer, error) {
				if !c.ttyOK {
					return nil, errors.New("no tty")
				}
				return tty, nil
			}
			in.WriteString("y\n")
			ok, err := s.Confirm("deploy?")
			if !c.wantAsk {
				if !errors.Is(err, ErrNotInteractive) || tty.Len()+errOut.Len() != 0 {
					t.Fatalf("got %v, tty %q, stderr %q; want ErrNotInteractive and nothing shown", err, tty, errOut)
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("got %v, %v; want a yes", ok, err)
			}
			shown, other := errOut.String(), tty.String()
			if c.wantOn == "tty" {
				shown, other = other, shown
			}
			if !strings.Contains(shown, "deploy? [y/N]") || other != "" {
				t.Errorf("question on %s: %q, elsewhere %q", c.wantOn, shown, other)
			}
		})
	}
}

// TestErrOutIsSafeForConcurrentWriters: status lines, warnings and the -v
// logs of the API and site clients reach stderr from several goroutines at
// once (warm reads sitemaps while the command reports). Every line must
// arrive whole and the race detector must see no unsynchronised write
// (the CI failure of TestVerboseLogsSiteRequests under make race).
func TestErrOutIsSafeForConcurrentWriters(t *testing.T) {
	s, _, _, errOut := Test()
	const writers, lines = 8, 200
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < lines; j++ {
				if i%2 == 0 {
					s.Status("status %d %d", i, j)
				} else {
					fmt.Fprintf(s.ErrOut, "* log %d %d\n", i, j)
				}
			}
		}(i)
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "status ") && !strings.HasPrefix(l, "* log ") {
			t.Fatalf("torn line %q", l)
		}
	}
}
