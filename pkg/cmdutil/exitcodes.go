package cmdutil

import (
	"fmt"
	"strings"
)

// ExitCodeDoc documents one exit code of the contract.
type ExitCodeDoc struct {
	Code    int
	Meaning string // Markdown: `code` spans are allowed; ExitCodesText drops the backticks
}

// ExitCodes is the one table of exit codes: README's "Exit codes" table, the
// exit codes in `cfcache --help` and every man page's EXIT STATUS section are
// generated from it (or tested against it), so they cannot drift apart. The
// codes are those of docs/interface.md, returned by ExitCode.
var ExitCodes = []ExitCodeDoc{
	{ExitOK, "success"},
	{ExitError, "runtime failure: API, network"},
	{ExitUsage, "usage or validation error — nothing was sent"},
	{ExitPartial, "partial failure: some items purged, the rest reported (and in `--failed-file`)"},
	{ExitAuth, "authentication or permission failure"},
	{ExitDiff, "differences present (`rules diff --exit-code`)"},
	{ExitInterrupted, "interrupted (Ctrl-C / SIGTERM) after stopping cleanly and reporting"},
}

// ExitCodesMarkdown renders the table as README's Markdown table.
func ExitCodesMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | meaning |\n|---|---|\n")
	for _, e := range ExitCodes {
		fmt.Fprintf(&b, "| %d | %s |\n", e.Code, e.Meaning)
	}
	return b.String()
}

// ExitCodesText renders the table as plain text for a terminal, each line
// indented by indent.
func ExitCodesText(indent string) string {
	var b strings.Builder
	for _, e := range ExitCodes {
		fmt.Fprintf(&b, "%s%-4d %s\n", indent, e.Code, strings.ReplaceAll(e.Meaning, "`", ""))
	}
	return b.String()
}
