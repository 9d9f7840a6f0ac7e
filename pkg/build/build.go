// Package build carries the version stamped in at link time:
//
//	go build -ldflags "-X github.com/cfcache/cfcache/pkg/build.Version=v1.2.3 ..."
//
// `make build` and goreleaser (goreleaser.yaml) set Version, Commit and Date;
// a plain `go build` or `go install` sets none of them, and Info falls back to
// what the Go toolchain records in the binary.
package build

import (
	"runtime/debug"
)

// Set by -ldflags -X at release time; the defaults describe a plain `go build`.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// Info returns version, commit and date, falling back to the module and VCS
// data that `go build`/`go install` record, so a dev build still says what it is.
func Info() (version, commit, date string) {
	bi, _ := debug.ReadBuildInfo()
	return info(Version, Commit, Date, bi)
}

// info fills what -ldflags left unset from bi (nil: nothing recorded): the
// module version of `go install ...@v1.2.3`, and vcs.revision / vcs.time of a
// build inside a git checkout (absent with -buildvcs=false).
func info(version, commit, date string, bi *debug.BuildInfo) (string, string, string) {
	if bi == nil {
		return version, commit, date
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
	return version, commit, date
}

// Summary is the one line `cfcache version` and `cfcache --version` print:
// "cfcache version v1.2.3 (commit 0123456789ab of 2026-01-02T03:04:05Z)", the
// date being the commit's (make build, goreleaser), so rebuilding changes nothing.
func Summary() string {
	return summary(Info())
}

func summary(version, commit, date string) string {
	line := "cfcache version " + version
	if commit != "" {
		line += " (commit " + shortCommit(commit)
		if date != "" {
			line += " of " + date
		}
		line += ")"
	}
	return line
}

// shortCommit keeps 12 hex digits: unambiguous, and the same whether the
// full hash (goreleaser, vcs.revision) or a short one (make build) was stamped.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// UserAgent is sent on every API request.
func UserAgent() string {
	v, _, _ := Info()
	return "cfcache/" + v
}
