// Package iostreams owns the process's standard streams: TTY detection, the
// colour decision, prompting and the theme.
//
// The stream policy, the same for every command (README "Output"):
//
//   - stdout (Out) carries the command's data and nothing else: JSON
//     documents, lists, tables, exports, diffs (rules diff, and the diff
//     deploy and rollback show), `purge --dry-run --list` entries. It can
//     be piped or redirected to a file and read back.
//   - stderr (ErrOut) carries everything about how the run went: progress,
//     warnings, errors, and the summaries of what was done or would be done
//     (purge's result and its dry-run plan, rules deploy/rollback's result
//     line, "No changes.").
//   - A prompt needs an interactive stdin, not a terminal on stderr: its
//     question is written to stderr when that is a terminal, else to the
//     terminal itself (/dev/tty), so `cfcache rules deploy f.yaml 2>log`
//     still asks. Without a terminal on stdin nothing is asked: a write
//     then needs --yes (exit 2 otherwise).
package iostreams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// ColorMode is the value of --color.
type ColorMode string

const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// ParseColorMode validates a --color value.
func ParseColorMode(s string) (ColorMode, error) {
	switch m := ColorMode(strings.ToLower(s)); m {
	case ColorAuto, ColorAlways, ColorNever:
		return m, nil
	}
	return "", fmt.Errorf("invalid --color %q: want auto, always or never", s)
}

// IOStreams is the one place the program reads and writes through.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	termWidth                      int

	colorMode  ColorMode
	noColor    bool // NO_COLOR set
	forceColor bool // CLICOLOR_FORCE set to a non-zero value
	quiet      bool

	// theme and errTheme are built on first use, and stdout's serves
	// stderr too when both take colour alike: a theme is ten lipgloss
	// styles, and rules explain asked for two (docs/performance.md).
	// Atomic: stderr is written from goroutines.
	theme, errTheme atomic.Pointer[Theme]
	ctx             context.Context // bound by the root command; prompts return when it is done

	// promptOut is where a prompt's question goes; nil: stderr when it is
	// a terminal, else the terminal itself (openTTY), else stderr.
	promptOut io.Writer
	openTTY   func() (io.Writer, error)
}

// System wires the process's real streams.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    &lockedWriter{w: os.Stderr},
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		colorMode: ColorAuto,
		openTTY: func() (io.Writer, error) {
			return os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		},
	}
	// no-color.org: set and not empty.
	s.noColor = os.Getenv("NO_COLOR") != ""
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		s.forceColor = true
	}
	if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil {
		s.termWidth = w
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams over buffers, not a TTY: tests read what was written.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: &lockedWriter{w: errOut}, colorMode: ColorAuto}, in, out, errOut
}

// lockedWriter serialises writes to stderr. Status lines, warnings, the
// progress bar and the -v logs of the API and site clients are written from
// several goroutines at once (warm reads sitemaps while it reports; purge
// workers log while the bar redraws); each Write is one line or one frame,
// so a lock per Write keeps lines whole and is the one place that needs it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// SetTTY marks all three streams as terminals or not (tests).
func (s *IOStreams) SetTTY(tty bool) { s.SetTTYs(tty, tty, tty) }

// SetTTYs marks each stream as a terminal or not (tests).
func (s *IOStreams) SetTTYs(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
	s.forgetThemes()
}

// forgetThemes drops the themes built for the previous settings; the
// next Theme or ErrTheme builds them again.
func (s *IOStreams) forgetThemes() {
	s.theme.Store(nil)
	s.errTheme.Store(nil)
}

// SetPromptOut sends prompts' questions to w (tests: the terminal that
// /dev/tty would be).
func (s *IOStreams) SetPromptOut(w io.Writer) { s.promptOut = w }

// SetColorEnv sets what NO_COLOR and CLICOLOR_FORCE said (tests).
func (s *IOStreams) SetColorEnv(noColor, force bool) {
	s.noColor, s.forceColor = noColor, force
	s.forgetThemes()
}

// SetColorMode applies --color.
func (s *IOStreams) SetColorMode(m ColorMode) {
	s.colorMode = m
	s.forgetThemes()
}

// SetQuiet applies -q: status and progress are dropped, errors still go out.
func (s *IOStreams) SetQuiet(q bool) { s.quiet = q }

func (s *IOStreams) IsQuiet() bool     { return s.quiet }
func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether a question can be answered: stdin is a
// terminal. Stderr need not be one: `cfcache rules deploy f.yaml 2>log` in
// a terminal still asks, the question written to the terminal itself
// (promptWriter). A script or CI job (stdin not a terminal) is never asked.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY }

// promptWriter is where a prompt's question is shown: stderr when it is a
// terminal; otherwise the terminal stdin reads from (/dev/tty), so the
// question is seen and not buried in a redirected log; stderr again when
// there is no /dev/tty to open (Windows, some containers).
func (s *IOStreams) promptWriter() io.Writer {
	if s.promptOut != nil {
		return s.promptOut
	}
	if !s.stderrTTY && s.openTTY != nil {
		if w, err := s.openTTY(); err == nil {
			s.promptOut = w
			return w
		}
	}
	s.promptOut = s.ErrOut
	return s.promptOut
}
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth > 0 {
		return s.termWidth
	}
	return 80
}

// ColorEnabled decides colour for a stream that is (or is not) a terminal.
// --color always/never win; then NO_COLOR (off) and CLICOLOR_FORCE (on); else TTY only.
func (s *IOStreams) colorEnabled(tty bool) bool {
	switch s.colorMode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if s.noColor {
		return false
	}
	if s.forceColor {
		return true
	}
	return tty
}

// ColorEnabled reports whether stdout output may carry colour.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled(s.stdoutTTY) }

// ErrColorEnabled reports whether stderr output may carry colour.
func (s *IOStreams) ErrColorEnabled() bool { return s.colorEnabled(s.stderrTTY) }

// Theme returns the styles for stdout; plain when colour is off.
func (s *IOStreams) Theme() *Theme {
	if t := s.theme.Load(); t != nil {
		return t
	}
	t := newTheme(s.ColorEnabled())
	s.theme.Store(t)
	return t
}

// ErrTheme returns the styles for stderr.
func (s *IOStreams) ErrTheme() *Theme {
	if s.ErrColorEnabled() == s.ColorEnabled() {
		return s.Theme()
	}
	if t := s.errTheme.Load(); t != nil {
		return t
	}
	t := newTheme(s.ErrColorEnabled())
	s.errTheme.Store(t)
	return t
}

// Status writes a status line to stderr unless quiet.
func (s *IOStreams) Status(format string, args ...any) {
	if s.quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Warn writes a warning to stderr unless quiet.
func (s *IOStreams) Warn(format string, args ...any) {
	if s.quiet {
		return
	}
	t := s.ErrTheme()
	fmt.Fprintf(s.ErrOut, "%s %s\n", t.Warning.Render("warning:"), fmt.Sprintf(format, args...))
}

// ErrNotInteractive is returned by prompts when stdin is not a terminal.
var ErrNotInteractive = errors.New("cannot prompt: not running interactively")

// ErrNoAnswer is returned by prompts when input ends (Ctrl-D, a closed pipe)
// before a line was typed. It is a refusal, never a yes; it wraps io.EOF so
// callers that test for end of input keep working.
var ErrNoAnswer error = noAnswer{}

type noAnswer struct{}

func (noAnswer) Error() string { return "no answer (end of input)" }
func (noAnswer) Unwrap() error { return io.EOF }

// PromptInterruptedError means the context was cancelled (Ctrl-C) while a
// prompt waited for an answer; it unwraps to the context's error.
type PromptInterruptedError struct{ Err error }

func (e *PromptInterruptedError) Error() string { return "interrupted at the prompt" }
func (e *PromptInterruptedError) Unwrap() error { return e.Err }

// BindContext makes prompts return when ctx is cancelled (Ctrl-C) instead of
// waiting for Enter. The root command binds the run's context once, so every
// prompt of every command is interruptible without passing it along.
func (s *IOStreams) BindContext(ctx context.Context) { s.ctx = ctx }

// Prompt asks a question on stderr and reads one line from stdin. It returns
// a *PromptInterruptedError as soon as the bound context is cancelled, and
// ErrNoAnswer when input ends before a line.
func (s *IOStreams) Prompt(question string) (string, error) {
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return s.PromptContext(ctx, question)
}

// PromptContext is Prompt with an explicit context. The read runs in a
// goroutine so that a cancelled context answers at once: a read from a
// terminal cannot itself be interrupted, and the process is about to exit.
func (s *IOStreams) PromptContext(ctx context.Context, question string) (string, error) {
	if !s.CanPrompt() {
		return "", ErrNotInteractive
	}
	if err := ctx.Err(); err != nil {
		return "", &PromptInterruptedError{Err: err}
	}
	pw := s.promptWriter()
	fmt.Fprint(pw, question)
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1) // buffered: the reader never blocks on a caller that left
	go func() {
		line, err := readLine(s.In)
		ch <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(pw) // end the prompt's line so the next message starts clean
		return "", &PromptInterruptedError{Err: ctx.Err()}
	case a := <-ch:
		switch {
		case a.err == nil, errors.Is(a.err, io.EOF) && a.line != "":
			return strings.TrimSpace(a.line), nil
		case errors.Is(a.err, io.EOF):
			fmt.Fprintln(pw)
			return "", ErrNoAnswer
		}
		return "", a.err
	}
}

// readLine reads up to and including '\n' one byte at a time, so nothing
// after the answer is consumed from stdin (a buffered reader would swallow
// input meant for whatever reads stdin next).
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if buf[0] == '\n' {
				return b.String(), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			return b.String(), err
		}
	}
}

// Confirm asks a yes/no question; only "y" or "yes" is yes.
func (s *IOStreams) Confirm(question string) (bool, error) {
	ans, err := s.Prompt(question + " [y/N] ")
	if err != nil {
		return false, err
	}
	ans = strings.ToLower(ans)
	return ans == "y" || ans == "yes", nil
}

// Theme is the one set of lipgloss styles the program uses. With colour off
// every style renders plain text, so callers never branch on colour.
type Theme struct {
	Colored bool
	Success lipgloss.Style
	Warning lipgloss.Style
	Error   lipgloss.Style
	Added   lipgloss.Style
	Removed lipgloss.Style
	Changed lipgloss.Style
	Moved   lipgloss.Style
	Muted   lipgloss.Style
	Bold    lipgloss.Style
}

func newTheme(colored bool) *Theme {
	r := lipgloss.NewRenderer(io.Discard)
	if colored {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	st := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	return &Theme{
		Colored: colored,
		Success: st("2"),
		Warning: st("3"),
		Error:   st("1"),
		Added:   st("2"),
		Removed: st("1"),
		Changed: st("3"),
		Moved:   st("6"),
		Muted:   st("8"),
		Bold:    r.NewStyle().Bold(true),
	}
}
