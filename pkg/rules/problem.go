package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a problem makes the file invalid.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one thing wrong with a rules file. Line is 0 when the rule did
// not come from a file (for example rules read from the API). Col is only set
// for problems inside an expression, where the line alone is not enough.
type Problem struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col,omitempty"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
	// Code is the problem's class, stable across versions (code.go); SARIF
	// reports it as the ruleId.
	Code string `json:"code"`
}

// String formats the problem as FILE:LINE: PATH: REASON (FILE:LINE:COL: for
// expression problems); warnings say so before the reason.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems in file order.
type Problems []Problem

// HasErrors reports whether any problem is an error (not a warning).
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors and Warnings split the list by severity.
func (ps Problems) Errors() Problems   { return ps.filter(SeverityError) }
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// String prints one problem per line.
func (ps Problems) String() string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Sort orders problems by line and column, keeping discovery order otherwise.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Col < ps[j].Col
	})
}

// ValidationError wraps problems so a command can return them as an error
// and map them to exit code 2.
type ValidationError struct{ Problems Problems }

func (e *ValidationError) Error() string {
	n := len(e.Problems.Errors())
	if n == 1 {
		return "1 problem: " + e.Problems.Errors()[0].String()
	}
	return fmt.Sprintf("%d problems", n)
}

// suggest returns " (did you mean X?)"-style help for a misspelt name, or "".
func suggest(name string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		d := editDistance(strings.ToLower(name), k)
		if d < bestD {
			best, bestD = k, d
		}
	}
	// Allow roughly one typo per four characters, at least one: closer than
	// that and the suggestion is noise rather than help.
	limit := len(name) / 4
	if limit < 1 {
		limit = 1
	}
	if best != "" && bestD <= limit {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// editDistance is the Levenshtein distance, with a swap of two neighbours
// counted as one edit since that is the commonest typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
