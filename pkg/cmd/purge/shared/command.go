package shared

import (
	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/purge"
)

// Spec is what distinguishes one purge verb from another.
type Spec struct {
	Kind    purge.Kind
	Use     string
	Short   string
	Long    string
	Example string
}

// NewCmd builds a purge verb: the common flags, and a RunE that hands the
// options to runF (tests) or Run. It returns the options so a verb can add
// its own flags.
func NewCmd(f *cmdutil.Factory, spec Spec, runF func(*PurgeOptions) error) (*cobra.Command, *PurgeOptions) {
	opts := NewOptions(f, spec.Kind)
	cmd := &cobra.Command{
		Use:     spec.Use,
		Short:   spec.Short,
		Long:    spec.Long,
		Example: spec.Example,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Finish(f, cmd, args)
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	withInput := spec.Kind != purge.KindEverything
	if !withInput {
		cmd.Args = cmdutil.NoArgs
	}
	AddCommonFlags(cmd, opts, withInput)
	return cmd, opts
}

// InputHelp is the part of every item verb's help about input, validation,
// pacing and exit codes.
const InputHelp = `One item per line in files (-f FILE, -f - for stdin); blank lines and lines
starting with # are skipped. Every item is validated before the first
request; invalid items are all listed as SOURCE:LINE: ITEM: REASON and nothing
is sent (exit 2). Items are sent in batches of the plan's size, paced to its
rate limits (a bucket of requests, slow on the free plan: see cfcache limits)
and retried on 5xx (--max-retries). A 429 is waited out, not counted as a
retry, unless Cloudflare asks to wait longer than --max-wait: the run then
stops there. A file that is not text is refused whole. Exit 0 when all were
purged, 3 when some were not (all listed, and written to --failed-file), 1
when none were.`
