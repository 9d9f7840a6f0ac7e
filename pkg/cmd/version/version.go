// Package version implements `cfcache version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/cfcache/cfcache/pkg/build"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

// VersionOptions are the parsed inputs of `cfcache version`.
type VersionOptions struct {
	IO   *iostreams.IOStreams
	JSON func() bool
}

// NewCmdVersion builds the command; runF replaces the run in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IOStreams, JSON: f.OutputJSON}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and commit date",
		Long:    "Print cfcache's version, the commit it was built from and that commit's date (UTC). Needs no credentials, network or config file.",
		Example: "  cfcache version\n  cfcache version -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(opts *VersionOptions) error {
	if opts.JSON() {
		v, commit, date := build.Info()
		return cmdutil.WriteJSON(opts.IO.Out, map[string]string{"version": v, "commit": commit, "date": date, "go": runtime.Version()})
	}
	// The same line as `cfcache --version` (root.go).
	_, err := fmt.Fprintln(opts.IO.Out, build.Summary())
	return err
}
