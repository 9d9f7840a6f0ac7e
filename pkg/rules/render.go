package rules

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Styler decorates diff lines, for example with lipgloss colours on a TTY.
// Each method gets a whole line, symbol included, and returns it decorated;
// the symbol carries the meaning, so a nil Styler (pipes, NO_COLOR) loses
// nothing.
type Styler interface {
	Added(line string) string
	Removed(line string) string
	Changed(line string) string
	Moved(line string) string
}

// Symbols used at the start of every diff line.
const (
	SymbolAdd    = "+"
	SymbolRemove = "-"
	SymbolChange = "~"
	SymbolMove   = "↕"
)

type plainStyler struct{}

func (plainStyler) Added(s string) string   { return s }
func (plainStyler) Removed(s string) string { return s }
func (plainStyler) Changed(s string) string { return s }
func (plainStyler) Moved(s string) string   { return s }

// Text renders the diff for people, one symbol per line, then the plan line.
func (d *Diff) Text(s Styler) string {
	var b strings.Builder
	_ = d.Render(&b, s)
	return b.String()
}

// Render writes the diff as text; see Text.
func (d *Diff) Render(w io.Writer, s Styler) error {
	if s == nil {
		s = plainStyler{}
	}
	var b strings.Builder
	style := func(k ChangeKind) func(string) string {
		switch k {
		case Add:
			return s.Added
		case Remove:
			return s.Removed
		case Move:
			return s.Moved
		}
		return s.Changed
	}
	line := func(k ChangeKind, indent, text string) {
		b.WriteString(style(k)(indent + symbol(k) + " " + text))
		b.WriteByte('\n')
	}
	for _, rd := range d.Rules {
		head := fmt.Sprintf("rule %q", rd.Ref)
		switch {
		case rd.Action == Add:
			head += fmt.Sprintf(" (new, position %d)", rd.NewPosition)
		case rd.Action == Remove:
			head += fmt.Sprintf(" (was position %d)", rd.OldPosition)
		case rd.Moved:
			head += fmt.Sprintf(" (position %d → %d)", rd.OldPosition, rd.NewPosition)
		default:
			head += fmt.Sprintf(" (position %d)", rd.NewPosition)
		}
		// Added and removed rules list their description as a field already.
		if rd.Description != "" && (rd.Action == Change || rd.Action == Move) {
			head += ": " + rd.Description
		}
		line(rd.Action, "", head)
		if rd.Moved && rd.Action == Change {
			line(Move, "    ", fmt.Sprintf("moved: position %d → %d (later rules win)", rd.OldPosition, rd.NewPosition))
		}
		for _, f := range rd.Fields {
			switch f.Action {
			case Add:
				line(Add, "    ", f.Path+": "+f.New.display())
			case Remove:
				line(Remove, "    ", f.Path+": "+f.Old.display())
			default:
				line(Change, "    ", f.Path+": "+f.Old.display()+" → "+f.New.display())
			}
		}
	}
	if !d.HasChanges() {
		fmt.Fprintf(&b, "No changes: %d rules are the same.\n", len(d.Unchanged))
	} else {
		b.WriteByte('\n')
	}
	b.WriteString(d.Summary.String())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func symbol(k ChangeKind) string {
	switch k {
	case Add:
		return SymbolAdd
	case Remove:
		return SymbolRemove
	case Move:
		return SymbolMove
	}
	return SymbolChange
}

// String is the plan line.
func (s Summary) String() string {
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to remove, %d to move.", s.Add, s.Change, s.Remove, s.Move)
}

// MarshalJSON gives the diff's stable JSON form (`rules diff -o json`):
// {"has_changes", "summary": {add, change, remove, move}, "rules": [{action,
// ref, description, old_position, new_position, moved, fields: [{path,
// action, old, new}], rule}], "unchanged": [ref...]}.
func (d *Diff) MarshalJSON() ([]byte, error) {
	type plain Diff
	return json.Marshal(struct {
		HasChanges bool `json:"has_changes"`
		*plain
	}{d.HasChanges(), (*plain)(d)})
}

// JSON is MarshalJSON indented, for printing.
func (d *Diff) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
