#!/usr/bin/env bash
# Benchmark of `cfcache purge changed --dry-run` (docs/performance.md):
# generates a site of N small files under a temp dir (default 200,000),
# records a manifest, changes 1 % of the files, then runs, interleaved,
# `sha256sum` over the same files with the same core count (xargs -P CORES)
# and cfcache --dry-run, ROUNDS times each, printing wall time and peak RSS
# of every run (GNU time). The tree is removed at the end. With BEFORE (an
# older build), it is measured in the same rounds too, for before/after side
# by side.
#   scripts/bench-purge-changed.sh [BIN] [N] [ROUNDS] [BEFORE]
set -euo pipefail
bin=$(realpath "${1:-bin/cfcache}")
n=${2:-200000}
rounds=${3:-5}
before=${4:+$(realpath "$4")}
cores=$(nproc)
work=$(mktemp -d /tmp/cfcache-bench-changed.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir site
# 1,000 directories of N/1,000 files, 200-700 bytes each.
awk -v n="$n" 'BEGIN {
  for (d = 0; d < 1000; d++) system("mkdir -p site/d" d);
  for (i = 0; i < n; i++) {
    f = sprintf("site/d%d/page-%06d.html", i % 1000, i);
    printf "<html><body>page %d %s</body></html>\n", i, substr("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ", 1, 100 + i % 500) > f;
    close(f);
  }
}'
export CLOUDFLARE_API_TOKEN=unused-in-a-dry-run-0123456789
"$bin" purge changed site --base-url https://example.com/ --plan free -q >/dev/null
# 1 % changed
find site -type f -name 'page-*00.html' -exec sh -c 'for f; do echo changed >> "$f"; done' sh {} +
sync
find site -type f -exec cat {} + >/dev/null # warm the page cache for both
measure() { /usr/bin/time -f "%e s %M KB" "$@" 2>&1 >/dev/null | tail -1; }
for r in $(seq "$rounds"); do
  echo "round $r sha256sum: $(measure sh -c "find site -type f -print0 | xargs -0 -P$cores -n 5000 sha256sum")"
  echo "round $r cfcache:   $(measure "$bin" purge changed site --base-url https://example.com/ --plan free --dry-run -q)"
  if [ -n "$before" ]; then
    echo "round $r before:    $(measure "$before" purge changed site --base-url https://example.com/ --plan free --dry-run -q)"
  fi
done
