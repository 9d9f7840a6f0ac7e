package shared

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// Paint decorates s with style when the theme has colour, and returns it
// untouched otherwise: lipgloss would still rewrite tabs in plain mode.
func Paint(t *iostreams.Theme, style lipgloss.Style, s string) string {
	if !t.Colored {
		return s
	}
	return style.TabWidth(lipgloss.NoTabConversion).Render(s)
}

// themeStyler colours diff lines with the theme; the symbols at the start of
// every line carry the meaning, so colour stays decoration.
type themeStyler struct{ t *iostreams.Theme }

func (s themeStyler) Added(l string) string   { return Paint(s.t, s.t.Added, l) }
func (s themeStyler) Removed(l string) string { return Paint(s.t, s.t.Removed, l) }
func (s themeStyler) Changed(l string) string { return Paint(s.t, s.t.Changed, l) }
func (s themeStyler) Moved(l string) string   { return Paint(s.t, s.t.Moved, l) }

// Styler returns the diff styler for stdout: nil (plain) when colour is off
// (not a TTY, NO_COLOR, --color never), so no escape sequence is written.
func Styler(ios *iostreams.IOStreams) rules.Styler {
	t := ios.Theme()
	if !t.Colored {
		return nil
	}
	return themeStyler{t}
}

// OneLine collapses an expression's line breaks and runs of spaces, so a
// multi-line expression fits a table cell or a TSV field.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Shorten cuts s to at most n characters, ending in "…" when cut.
func Shorten(s string, n int) string {
	if n < 2 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// ShellQuote quotes an argument for a command line the user may paste.
func ShellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"$`\\!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
