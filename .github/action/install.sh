#!/usr/bin/env bash
# Installs cfcache for the action (action.yml): the release archive for the
# runner's OS and architecture, its SHA-256 checked against the release's
# checksums.txt, or, when there is no archive to download (no release for
# this ref, an OS or architecture without one), `go install` at the action's
# ref. A checksum that does not match is an error, never a reason to fall
# back: the download was tampered with or truncated.
#
# Environment (set by action.yml; the e2e test sets them itself):
#   CFCACHE_VERSION        release to install: v1.2.3, 1.2.3, v1 or v1.2 (the
#                          newest release of that line), "latest", or empty
#                          for the action's own ref when it is a tag
#   CFCACHE_ACTION_REF     the ref the action was used at (github.action_ref)
#   CFCACHE_DOWNLOAD_BASE  where releases live: BASE/TAG/FILE
#                          (default https://github.com/cfcache/cfcache/releases/download);
#                          the list of releases is BASE without /download, plus
#                          .atom (GitHub's releases feed: .../releases.atom)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, RUNNER_TOOL_CACHE, GITHUB_OUTPUT, GITHUB_PATH
# Writes the installed binary's path as the step output "path" and adds its
# directory to GITHUB_PATH for the job's later steps.
set -euo pipefail

module=github.com/cfcache/cfcache
base=${CFCACHE_DOWNLOAD_BASE:-https://github.com/cfcache/cfcache/releases/download}
base=${base%/}
ref=${CFCACHE_ACTION_REF:-}
version=${CFCACHE_VERSION:-}

say() { printf 'cfcache-action: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The archive names are goreleaser's (goreleaser.yaml, archives.name_template):
# cfcache_<version without v>_<os>_<arch>.tar.gz, .zip on Windows.
case "${RUNNER_OS:-}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows ;;
  *) os= ;;
esac
case "${RUNNER_ARCH:-}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) arch= ;;
esac
ext=tar.gz
exe=cfcache
if [ "$os" = windows ]; then
  ext=zip
  exe=cfcache.exe
fi

if [ -z "$version" ]; then
  # The action used at a release tag installs that release, and at a moving
  # major or minor tag (the usual `uses: cfcache/cfcache@v1`) the newest
  # release of that line; at a branch or commit there is no archive, and go
  # install builds that very ref.
  if [[ $ref =~ ^v[0-9]+(\.[0-9]+){0,2}(-.*)?$ ]]; then
    version=$ref
  fi
fi

# A partial version (v1, v1.2) or "latest" is resolved against the releases
# the download base lists, so a mirror given as download-base is asked, not
# github.com. The list is BASE without its /download, plus .atom: GitHub
# serves https://github.com/cfcache/cfcache/releases.atom, whose entries
# link .../releases/tag/vX.Y.Z. Pre-releases (vX.Y.Z-rc1) never match. A
# version that cannot be resolved is an error, never a quiet go install of
# a moving tag (no checksum, needs Go on the runner).
if [ "$version" = latest ] || [[ $version =~ ^v?[0-9]+(\.[0-9]+)?$ ]]; then
  list=${base%/download}.atom
  want=${version#v}
  prefix=
  [ "$version" = latest ] || prefix=$want.
  feed=$(curl -fsSL --retry 3 "$list") ||
    die "cannot list the releases at $list to resolve version $version; give version: vX.Y.Z"
  resolved=$(printf '%s\n' "$feed" | grep -oE '/tag/v[0-9]+\.[0-9]+\.[0-9]+"' |
    sed -e 's,^/tag/v,,' -e 's,"$,,' | awk -v p="$prefix" 'index($0, p) == 1' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1) || true
  [ -n "$resolved" ] ||
    die "no release matching $version is listed at $list; give version: vX.Y.Z"
  say "version $version resolves to v$resolved (from $list)"
  version=v$resolved
fi

tool_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:?RUNNER_TEMP is not set}}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

installed=
if [ -n "$version" ] && [ -n "$os" ] && [ -n "$arch" ]; then
  tag=v${version#v}
  archive=cfcache_${tag#v}_${os}_${arch}.${ext}
  dir=$tool_root/cfcache/${tag#v}/$arch
  tmp=$(mktemp -d "${RUNNER_TEMP:-/tmp}/cfcache-dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $base/$tag/$archive"
  if curl -fsSL --retry 3 -o "$tmp/$archive" "$base/$tag/$archive"; then
    # An archive without its checksums is not installed unchecked, nor
    # replaced by a build from source: the release is broken or the mirror
    # incomplete, and the job should say so.
    curl -fsSL --retry 3 -o "$tmp/checksums.txt" "$base/$tag/checksums.txt" ||
      die "$base/$tag/checksums.txt cannot be downloaded, so $archive cannot be verified; not installing"
    want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
    [ -n "$want" ] || die "checksums.txt of $tag lists no $archive; not installing"
    got=$(sha256 "$tmp/$archive")
    [ "$got" = "$want" ] || die "checksum mismatch for $archive: checksums.txt says $want, the download is $got; not installing"
    mkdir -p "$dir"
    if [ "$ext" = zip ]; then
      unzip -oq "$tmp/$archive" "$exe" -d "$dir"
    else
      tar -xzf "$tmp/$archive" -C "$dir" "$exe"
    fi
    installed=$dir/$exe
    say "installed cfcache $tag ($os/$arch, sha256 $got)"
  else
    say "no release archive $archive at $base/$tag; falling back to go install"
  fi
elif [ -n "$version" ]; then
  say "no release archive for RUNNER_OS=${RUNNER_OS:-?} RUNNER_ARCH=${RUNNER_ARCH:-?}; falling back to go install"
fi

if [ -z "$installed" ]; then
  at=${version:-${ref:-latest}}
  command -v go >/dev/null 2>&1 ||
    die "go is not installed, so cfcache cannot be built at $at: add actions/setup-go before this action, or give version: with a release"
  dir=$tool_root/cfcache/go-install/${at//\//_}
  mkdir -p "$dir"
  say "go install $module/cmd/cfcache@$at"
  GOBIN=$dir go install "$module/cmd/cfcache@$at" || die "go install $module/cmd/cfcache@$at failed"
  installed=$dir/$exe
fi

[ -x "$installed" ] || die "$installed is not an executable"
if [ -n "${GITHUB_PATH:-}" ]; then
  dirname "$installed" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf 'path=%s\n' "$installed" >>"$GITHUB_OUTPUT"
fi
"$installed" version >&2 || true
