//go:build unix

package budget

import (
	"fmt"
	"os"
	"syscall"
)

// noFollow opens a state or lock file only if it is not a symbolic link: a
// link planted in the state directory must not make cfcache write through
// it to a file of the user's (review of issue 10, finding 1).
const noFollow = syscall.O_NOFOLLOW

// checkDirOwner accepts a state directory only when it belongs to this
// user and no one else may write in it: anyone who can create files there
// could otherwise plant links or states (the files in it are the user's,
// 0600).
func checkDirOwner(path string, fi os.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to another user", path)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (chmod 700 it)", path)
	}
	return nil
}
