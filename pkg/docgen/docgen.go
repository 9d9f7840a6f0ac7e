// Package docgen writes the generated reference: Markdown CLI docs, man
// pages and shell completions. Output is deterministic so the committed
// files can be checked for staleness.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/cfcache/cfcache/pkg/cmd/completion"
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
	header := &doc.GenManHeader{Title: "CFCACHE", Section: "1", Source: "cfcache", Manual: "cfcache manual", Date: &manDate}
	if err := doc.GenManTree(root, header, filepath.Join(base, d.Man)); err != nil {
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
