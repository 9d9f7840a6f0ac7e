// Package ghactions writes what a GitHub Actions job shows: workflow-command
// annotations on stdout (`::error file=F,line=L,col=C::MESSAGE`) and a
// Markdown job summary appended to the file $GITHUB_STEP_SUMMARY names.
//
// interface.md ("In CI"): all of it happens only inside a job
// (GITHUB_ACTIONS=true), and nothing of it outside. The environment is read
// through the caller's lookup function (the Factory's config.Env), never
// os.Getenv, so tests drive it without touching the process's environment.
//
// It holds no cobra and no knowledge of rules or purges: `rules validate`,
// `diff`, `deploy`, `rollback` and later `purge` build their own tables.
package ghactions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Env looks a variable up; config.Env has this shape.
type Env func(key string) (string, bool)

// Actions reports whether the process runs in a GitHub Actions job: the
// runner sets GITHUB_ACTIONS=true in every step
// (docs.github.com/en/actions/reference/variables-reference).
func Actions(env Env) bool {
	if env == nil {
		return false
	}
	v, _ := env("GITHUB_ACTIONS")
	return v == "true"
}

// Level is the workflow command of an annotation.
type Level string

const (
	Error   Level = "error"
	Warning Level = "warning"
	Notice  Level = "notice"
)

// Annotation is one problem shown on the pull request. Line and Col are
// 1-based; 0 leaves them out.
type Annotation struct {
	Level   Level
	File    string
	Line    int
	Col     int
	Title   string
	Message string
}

// String formats the annotation as one workflow command line (without the
// newline), escaped as GitHub's runner unescapes it
// (actions/toolkit packages/core/src/command.ts: escapeData and
// escapeProperty): in the message %, CR and LF; in property values also
// ':' and ','.
func (a Annotation) String() string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(string(a.Level))
	sep := " "
	prop := func(k, v string) {
		b.WriteString(sep)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(EscapeProperty(v))
		sep = ","
	}
	if a.File != "" {
		prop("file", a.File)
	}
	if a.Line > 0 {
		prop("line", strconv.Itoa(a.Line))
	}
	if a.Col > 0 {
		prop("col", strconv.Itoa(a.Col))
	}
	if a.Title != "" {
		prop("title", a.Title)
	}
	b.WriteString("::")
	b.WriteString(EscapeData(a.Message))
	return b.String()
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// EscapeData escapes a workflow command's message.
func EscapeData(s string) string { return dataEscaper.Replace(s) }

// EscapeProperty escapes a workflow command's property value.
func EscapeProperty(s string) string { return propertyEscaper.Replace(s) }

// WriteAnnotations prints one workflow command a line.
func WriteAnnotations(w io.Writer, as []Annotation) error {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryPath is the job summary file, or "" outside Actions or when the
// runner gave none.
func SummaryPath(env Env) string {
	if !Actions(env) {
		return ""
	}
	p, _ := env("GITHUB_STEP_SUMMARY")
	return p
}

// AppendSummary appends Markdown to the job summary when there is one, and
// does nothing otherwise. Each step gets its own file and GitHub shows them
// in order; appending (never truncating) keeps what earlier commands of the
// same step wrote (docs.github.com "Adding a job summary").
func AppendSummary(env Env, markdown string) error {
	p := SummaryPath(env)
	if p == "" {
		return nil
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666) // umask applies, as with `echo >>`
	if err != nil {
		return summaryError(p, err)
	}
	if _, err := f.WriteString(markdown); err != nil {
		f.Close()
		return summaryError(p, err)
	}
	if err := f.Close(); err != nil {
		return summaryError(p, err)
	}
	return nil
}

// summaryError is the one wording of a job summary that cannot be written,
// whichever command wrote it (purge and rules had two; issue 13): the
// variable, the file it names, and the reason, the path said once.
func summaryError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot write the job summary to GITHUB_STEP_SUMMARY %s: %w", path, err)
}

// Table renders a GitHub-flavoured Markdown table. Cells are escaped so a
// '|' or a newline in a rule's description cannot break the table.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(Cell(c))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

var cellEscaper = strings.NewReplacer("|", `\|`, "\r\n", "<br>", "\n", "<br>", "\r", "<br>")

// Cell escapes text for one table cell.
func Cell(s string) string { return cellEscaper.Replace(s) }

// Code wraps s in a Markdown code span that s's own backticks cannot close.
func Code(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}
