// Package export implements `cfcache rules export`.
package export

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cfapi"
	"github.com/cfcache/cfcache/pkg/cmd/rules/shared"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/fileout"
	"github.com/cfcache/cfcache/pkg/iostreams"
	"github.com/cfcache/cfcache/pkg/rules"
)

// ExportOptions are the parsed inputs of `cfcache rules export`.
type ExportOptions struct {
	IO          *iostreams.IOStreams
	Client      func() (*cfapi.Client, error)
	ResolveZone func(context.Context) (cfapi.Zone, error)
	JSON        func() bool
	Ctx         context.Context

	// Format is yaml or json; "" picks by --file's extension (or -o json),
	// YAML otherwise.
	Format rules.Format
	File   string // "" or "-": stdout
	// Phase is --phase: request (Cache Rules) or response (Cache Response
	// Rules). The file says which with its top-level `phase:`.
	Phase string
}

// NewCmdExport builds the command; runF replaces the run in tests.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams, Client: f.Client, ResolveZone: f.ResolveZone, JSON: f.OutputJSON}
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the zone's cache rules as a rules file",
		Long: `Write the zone's live cache rules as a rules file that validate, diff and
deploy read back unchanged: every rule has a ref (its id when it had none),
read-only fields (id, version, last_updated) are left out, and keys come in
a fixed order, so exports diff cleanly in git. The file starts with
"phase: request" (Cache Rules) or, with --phase response, "phase: response"
(Cache Response Rules), which diff and deploy follow.

YAML by default; JSON with --format json, with a --file ending in .json, or
with -o json. --file writes the file instead of printing it: a regular
file is replaced atomically, a FIFO or device is written through, and the
file is created 0600 at most (the umask applies): rules can reveal internal
hosts. A directory is refused before the zone is read. A zone with no cache
rules exports an empty list.

It never writes to the zone. It refuses --format yaml on stdout together
with -o json, which promises JSON and nothing else there.`,
		Example: `  cfcache rules export --zone example.com > cache-rules.yaml
  cfcache rules export --file cache-rules.json
  cfcache rules export --file cache-rules.yaml && cfcache rules diff cache-rules.yaml
  cfcache rules export --phase response --file cache-response-rules.yaml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if cmd.Flags().Changed("format") {
				// Checked as parsed (cmdutil.StringEnumFlag); yml is
				// yaml's other name.
				ft, _ := rules.ParseFormat(format)
				opts.Format = ft
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	cmdutil.StringEnumFlag(cmd, &format, "format", "", "", []string{"yaml", "json", "yml"}, "file format (default: by --file's extension, else yaml)")
	cmd.Flags().StringVar(&opts.File, "file", "", "write to `OUT` instead of stdout")
	shared.PhaseFlag(cmd, &opts.Phase)
	return cmd
}

type jsonResult struct {
	ZoneID   string       `json:"zone_id"`
	ZoneName string       `json:"zone_name"`
	Phase    string       `json:"phase"`
	Version  string       `json:"version"`
	File     string       `json:"file"`
	Format   rules.Format `json:"format"`
	Rules    int          `json:"rules"`
}

func exportRun(opts *ExportOptions) error {
	toStdout := opts.File == "" || opts.File == "-"
	format := opts.Format
	if format == "" {
		switch {
		case !toStdout && strings.EqualFold(filepath.Ext(opts.File), ".json"):
			format = rules.JSON
		case toStdout && opts.JSON():
			format = rules.JSON
		default:
			format = rules.YAML
		}
	}
	// -o json promises one JSON document on stdout and nothing else.
	if toStdout && opts.JSON() && format != rules.JSON {
		return cmdutil.FlagErrorf("--format %s prints YAML on stdout, which -o json forbids: use --file OUT, or drop one of them", format)
	}

	// The output path is checked before the zone is read: a directory (or a
	// missing directory) is a one-line exit 2, not a rename error after the
	// API calls (contract, "Files cfcache writes").
	var out *fileout.Target
	if !toStdout {
		var err error
		if out, err = fileout.Check(opts.File, fileout.Private); err != nil {
			return &cmdutil.ValidationError{Err: fmt.Errorf("--file %w; nothing was read from the zone", err)}
		}
	}

	phase := shared.FullPhase(opts.Phase)
	zone, _, remote, err := shared.ZonePhaseRules(opts.Ctx, opts.ResolveZone, opts.Client, phase)
	if err != nil {
		return err
	}
	data, err := rules.ExportPhase(phase, remote.Rules(), format)
	if err != nil {
		return err
	}
	if !remote.Exists {
		opts.IO.Status("%s has no %s ruleset yet: exporting an empty rule list.", zone.Name, rules.PhaseTitle(phase))
	}
	if toStdout {
		_, err := opts.IO.Out.Write(data)
		return err
	}
	if err := out.Write(opts.Ctx, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return fmt.Errorf("writing %s: %w", opts.File, err)
	}
	if opts.JSON() {
		return cmdutil.WriteJSON(opts.IO.Out, jsonResult{ZoneID: zone.ID, ZoneName: zone.Name, Phase: rules.PhaseShort(phase), Version: remote.Version(),
			File: opts.File, Format: format, Rules: len(remote.Rules())})
	}
	opts.IO.Status("Exported %s of %s to %s: %s.", shared.Plural(len(remote.Rules()), "rule"), zone.Name, opts.File, remote.Describe())
	return nil
}
