// Command gen-docs writes the CLI reference (docs/cli), man pages (docs/man)
// and shell completions (completions/). Run it from the repository root:
//
//	go run ./cmd/gen-docs
package main

import (
	"fmt"
	"os"

	"github.com/cfcache/cfcache/pkg/cmd/root"
	"github.com/cfcache/cfcache/pkg/cmdutil"
	"github.com/cfcache/cfcache/pkg/docgen"
	"github.com/cfcache/cfcache/pkg/iostreams"
)

func main() {
	base := "."
	if len(os.Args) > 1 {
		base = os.Args[1]
	}
	io, _, _, _ := iostreams.Test()
	if err := docgen.Generate(root.NewCmdRoot(&cmdutil.Factory{IOStreams: io}), base, docgen.DefaultDirs); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}
