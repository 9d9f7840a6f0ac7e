// Command cfcache manages Cloudflare's cache. See `cfcache --help`.
package main

import (
	"os"

	"github.com/cfcache/cfcache/pkg/cmd/root"
)

func main() { os.Exit(root.Main()) }
