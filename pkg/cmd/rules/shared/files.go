package shared

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/rules"
)

// BackupName is <zone>-<phase>-<version>-<timestamp>.json, the phase as
// request or response (the two entrypoints number their versions
// independently), the timestamp in UTC (20261001T120000Z) so names sort by
// time and never hold a colon.
func BackupName(zone, phase, version string, at time.Time) string {
	return fmt.Sprintf("%s-%s-%s-%s.json", safeName(zone), rules.PhaseShort(phase), safeName(version), at.UTC().Format("20060102T150405Z"))
}

// WriteBackup saves the ruleset exactly as the API returned it (the `result`,
// version included) in dir, readable by the owner only: rules can reveal
// internal hosts and paths. The directory is created 0700 when missing. A
// backup is itself a rules file: `cfcache rules deploy BACKUP` restores it.
func WriteBackup(ctx context.Context, dir, zone, phase, version string, raw []byte, at time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the backup directory: %w", err)
	}
	path := filepath.Join(dir, BackupName(zone, phase, version, at))
	// Indented so a person can read it and git can diff it; json.Indent
	// keeps every byte of content as the API sent it.
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		b.Reset()
		b.Write(raw)
	}
	b.WriteByte('\n')
	data := b.Bytes()
	// fileout applies the umask to 0600: never wider (contract, "Files
	// cfcache writes").
	if err := fileout.WriteFile(ctx, path, data, fileout.Private); err != nil {
		return "", fmt.Errorf("writing the backup: %w", err)
	}
	return path, nil
}

// safeName keeps a zone name or version usable as part of a file name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	if s == "" || strings.Trim(s, ".") == "" {
		return "_"
	}
	return s
}
