//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package budget

import (
	"os"

	"github.com/gofrs/flock"
)

// newFileLock: where flock(2) is not the system's lock (Windows, Solaris,
// AIX), gofrs/flock's, which opens the lock file at each lock.
func newFileLock(path string) locker {
	return flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow), flock.SetPermissions(0o600))
}
