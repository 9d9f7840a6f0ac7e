package iostreams

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
	tw := tabwriter.NewWriter(t.out, 0, 0, 2, ' ', 0)
	if len(t.header) > 0 {
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	}
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
