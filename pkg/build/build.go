// Package build carries the version stamped in at link time:
//
//	go build -ldflags "-X github.com/cfcache/cfcache/pkg/build.Version=v1.2.3 ..."
package build

import "runtime/debug"

// Set by -ldflags -X at release time; the defaults describe a plain `go build`.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info returns version, commit and date, falling back to the module and VCS
// data that `go build`/`go install` record, so a dev build still says what it is.
func Info() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && commit == "":
			commit = s.Value
		case s.Key == "vcs.time" && date == "":
			date = s.Value
		}
	}
	return
}

// UserAgent is sent on every API request.
func UserAgent() string {
	v, _, _ := Info()
	return "cfcache/" + v
}
