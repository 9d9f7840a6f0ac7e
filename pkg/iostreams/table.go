package iostreams

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// TablePrinter prints rows aligned with a header on a TTY, and as
// tab-separated values without a header when piped, so `cut -f` works.
type TablePrinter struct {
	out    io.Writer
	tty    bool
	header []string
	rows   [][]string
	// matrix keeps the header when piped (see Matrix).
	matrix bool
	// fitWidth and fitCols: see Fit.
	fitWidth int
	fitCols  []int
}

// SetTerminalWidth sets the width TerminalWidth reports (tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = w }

// Fit makes a terminal table at most width columns wide by truncating the
// cells of cols (indexes) with "…", the widest of them first, none below
// its header or 6 characters. A piped table is never truncated: it is data
// (issue 13: the SETTINGS column of rules list wrapped on 120 columns).
func (t *TablePrinter) Fit(width int, cols ...int) *TablePrinter {
	t.fitWidth, t.fitCols = width, cols
	return t
}

// Matrix keeps the header row when piped: for a table whose columns are
// values of something (plans, say) rather than fields of a list's items, a
// row without its header cannot be read (issue 13: headerless piped output
// suits lists, not a matrix).
func (t *TablePrinter) Matrix() *TablePrinter { t.matrix = true; return t }

// NewTablePrinter prints to s.Out, formatted for whether stdout is a terminal.
func (s *IOStreams) NewTablePrinter(header ...string) *TablePrinter {
	return &TablePrinter{out: s.Out, tty: s.stdoutTTY, header: header}
}

// AddRow adds one row; cells are printed as given.
func (t *TablePrinter) AddRow(cells ...string) { t.rows = append(t.rows, cells) }

// Render writes the table.
func (t *TablePrinter) Render() error {
	if !t.tty {
		rows := t.rows
		if t.matrix && len(t.header) > 0 {
			rows = append([][]string{t.header}, rows...)
		}
		for _, r := range rows {
			if _, err := fmt.Fprintln(t.out, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	if t.fitWidth > 0 && len(t.fitCols) > 0 {
		t.fit()
	}
	tw := tabwriter.NewWriter(t.out, 0, 0, 2, ' ', 0)
	if len(t.header) > 0 {
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	}
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fit truncates the fitCols cells so that a line (cells plus the two
// spaces between columns; the last column is not padded) fits fitWidth.
func (t *TablePrinter) fit() {
	var widths []int
	measure := func(cells []string) {
		for i, c := range cells {
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	total := 2 * max(len(widths)-1, 0)
	for _, w := range widths {
		total += w
	}
	floor := func(i int) int {
		f := 6
		if i < len(t.header) {
			f = max(f, utf8.RuneCountInString(t.header[i]))
		}
		return f
	}
	limit := append([]int(nil), widths...)
	for total > t.fitWidth {
		widest := -1
		for _, i := range t.fitCols {
			if i < len(limit) && limit[i] > floor(i) && (widest < 0 || limit[i] > limit[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break // as narrow as the columns go
		}
		limit[widest]--
		total--
	}
	for _, r := range t.rows {
		for _, i := range t.fitCols {
			if i < len(r) {
				r[i] = truncate(r[i], limit[i])
			}
		}
	}
}

// truncate shortens s to n runes, the last one "…", when it is longer.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}
