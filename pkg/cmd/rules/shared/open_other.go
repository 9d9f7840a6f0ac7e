//go:build !unix

package shared

import "os"

// openInput is os.Open where the unix variant's raw open does not apply.
func openInput(path string) (*os.File, error) { return os.Open(path) }
