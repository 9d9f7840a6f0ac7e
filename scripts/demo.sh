#!/usr/bin/env bash
# make demo: start the sandbox on a free loopback port, purge examples/urls.txt
# through it the way a user would, show the results, stop the sandbox.
set -euo pipefail
bin=${1:-bin/cfcache}
work=$(mktemp -d)
sandbox_pid=
stop_sandbox() {
  # The sandbox exits 130 when stopped by a signal, as every cfcache command does.
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=
  fi
}
trap 'stop_sandbox; rm -rf "$work"' EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

"$bin" sandbox --addr 127.0.0.1:0 --plan free >"$work/env" 2>"$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 50); do
  [ "$(wc -l <"$work/env")" -ge 3 ] && break
  sleep 0.1
done
[ "$(wc -l <"$work/env")" -ge 3 ] || { cat "$work/sandbox.log"; echo "demo: the sandbox did not start" >&2; exit 1; }
# shellcheck disable=SC1090
source "$work/env"
echo "Sandbox running at $CLOUDFLARE_BASE_URL (zone $CFCACHE_ZONE, free plan)."

step cfcache zones list
"$bin" zones list

step cfcache purge url -f examples/urls.txt --device all --dry-run
"$bin" purge url -f examples/urls.txt --device all --dry-run

step cfcache purge url -f examples/urls.txt --device all --failed-file failed.txt
"$bin" purge url -f examples/urls.txt --device all --failed-file "$work/failed.txt"

step cfcache purge tag -f examples/tags.txt -o json
"$bin" purge tag -f examples/tags.txt -o json

step 'cfcache purge url https://example.com/ "https://other.org/x"   # refused before anything is sent'
"$bin" purge url https://example.com/ https://other.org/x || echo "(exit $?)"

step 'cfcache purge everything   # off a terminal: needs --yes'
"$bin" purge everything </dev/null || echo "(exit $?)"

step cfcache rules deploy examples/rules/free-plan.yaml --yes
"$bin" rules deploy examples/rules/free-plan.yaml --yes

step cfcache rules explain --url https://example.com/blog/ --device mobile
"$bin" rules explain --url https://example.com/blog/ --device mobile

stop_sandbox
step "sandbox log (last lines)"
tail -n 4 "$work/sandbox.log"
