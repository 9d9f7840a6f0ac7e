// Package docgen writes the generated reference: Markdown CLI docs, man
// pages and shell completions. Output is deterministic so the committed
// files can be checked for staleness.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/cfcache/cfcache/pkg/cmd/completion"
	"github.com/cfcache/cfcache/pkg/cmdutil"
)

// Dirs are where each kind of file goes, relative to the repository root.
type Dirs struct {
	Markdown    string // docs/cli
	Man         string // docs/man
	Completions string // completions
}

// DefaultDirs is the repository layout.
var DefaultDirs = Dirs{Markdown: "docs/cli", Man: "docs/man", Completions: "completions"}

// manDate is fixed so regenerating does not change the files.
var manDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Generate writes every generated file under base, replacing what was there.
func Generate(root *cobra.Command, base string, d Dirs) error {
	root.DisableAutoGenTag = true
	for _, dir := range []string{d.Markdown, d.Man, d.Completions} {
		p := filepath.Join(base, dir)
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(root, filepath.Join(base, d.Markdown)); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	if err := genManTree(root, filepath.Join(base, d.Man)); err != nil {
		return fmt.Errorf("man: %w", err)
	}
	files := map[string]string{"bash": "cfcache.bash", "zsh": "_cfcache", "fish": "cfcache.fish", "powershell": "cfcache.ps1"}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var buf bytes.Buffer
		if err := completion.Write(root, shell, &buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(base, d.Completions, files[shell]), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// genManTree writes one page per command, cfcache-purge-url.1 and so on.
// Unlike doc.GenManTree with a shared header, each page is titled by its own
// command (cfcache-purge-url(1), not CFCACHE(1) on every page), and each gets
// an EXIT STATUS section from cmdutil.ExitCodes.
func genManTree(cmd *cobra.Command, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := genManTree(c, dir); err != nil {
			return err
		}
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-")
	header := &doc.GenManHeader{Title: name, Section: "1", Source: "cfcache", Manual: "cfcache manual", Date: &manDate}
	var buf bytes.Buffer
	if err := doc.GenMan(cmd, header, &buf); err != nil {
		return err
	}
	page, err := withExitStatus(buf.String())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.WriteFile(filepath.Join(dir, name+".1"), []byte(page), 0o644)
}

// withExitStatus adds the EXIT STATUS section to a page rendered by cobra,
// where man-pages(7) puts it: after the options and examples, before SEE
// ALSO (or at the end of a page without one).
func withExitStatus(page string) (string, error) {
	var sec strings.Builder
	sec.WriteString(".SH EXIT STATUS\n")
	for _, e := range cmdutil.ExitCodes {
		fmt.Fprintf(&sec, ".TP\n\\fB%d\\fP\n%s\n\n", e.Code, roffText(e.Meaning))
	}
	if i := strings.Index(page, "\n.SH SEE ALSO\n"); i >= 0 {
		return page[:i+1] + sec.String() + page[i+1:], nil
	}
	if strings.Contains(page, "\n.SH ") {
		return strings.TrimRight(page, "\n") + "\n\n" + sec.String(), nil
	}
	return "", fmt.Errorf("no section found in the rendered page")
}

// roffText escapes a Markdown meaning for roff: code spans in bold, hyphens
// as \- so that flags copy and paste as typed, backslashes doubled.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	parts := strings.Split(s, "`")
	for i := 1; i < len(parts); i += 2 {
		parts[i] = `\fB` + parts[i] + `\fP`
	}
	return strings.Join(parts, "")
}
