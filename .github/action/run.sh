#!/usr/bin/env bash
# Runs the cfcache command line given to the action (action.yml) and sets
# its outputs: exit-code, and json (the command's stdout when it is one JSON
# document, e.g. with -o json). Stdout still shows in the log; stderr passes
# through. The step fails with the command's exit code unless
# fail-on-error is false, so a workflow can branch on exit-code (5 is
# `rules diff --exit-code`'s "differences present").
#
# Environment (set by action.yml):
#   CFCACHE_BIN            the cfcache binary (install.sh's output "path")
#   CFCACHE_ARGS           the command line, without "cfcache"; quoted as in
#                          a shell ('...' and "..."), never evaluated
#   CFCACHE_WORKING_DIRECTORY  where to run it (default: the workspace)
#   CFCACHE_FAIL_ON_ERROR  "false" to succeed whatever the exit code
#   GITHUB_OUTPUT
# cfcache itself reads GITHUB_ACTIONS and GITHUB_STEP_SUMMARY for its
# annotations and job summary (interface.md "In CI").
set -uo pipefail

say() { printf 'cfcache-action: %s\n' "$*" >&2; }

bin=${CFCACHE_BIN:-cfcache}
if [ -n "${CFCACHE_WORKING_DIRECTORY:-}" ]; then
  cd "$CFCACHE_WORKING_DIRECTORY" || { say "error: cannot enter working-directory $CFCACHE_WORKING_DIRECTORY"; exit 1; }
fi

# xargs splits the way a shell does (quotes and backslashes) and runs
# nothing but printf: $(...) or ; in the input stay literal text.
args=()
if [ -n "${CFCACHE_ARGS//[[:space:]]/}" ]; then
  parsed=$(mktemp "${RUNNER_TEMP:-/tmp}/cfcache-args.XXXXXX")
  # A backslash at the end of a line continues it, as in a shell: the usual
  # multi-line `args: |` with `\` continuations. xargs would instead keep
  # the escaped newline as an argument of its own, so the pairs (and
  # backslash-CRLF) go before splitting.
  joined=${CFCACHE_ARGS//$'\\\r\n'/}
  joined=${joined//$'\\\n'/}
  if ! printf '%s\n' "$joined" | xargs printf '%s\0' >"$parsed"; then
    rm -f "$parsed"
    say "error: cannot split args (an unmatched quote?): $CFCACHE_ARGS"
    exit 2
  fi
  while IFS= read -r -d '' a; do
    args+=("$a")
  done <"$parsed"
  rm -f "$parsed"
fi
if [ "${#args[@]}" -gt 0 ] && [ "${args[0]}" = cfcache ]; then
  args=("${args[@]:1}")
fi
if [ "${#args[@]}" -eq 0 ]; then
  say "error: args is empty: give the cfcache command line, e.g. args: purge url https://example.com/"
  exit 2
fi

out=$(mktemp "${RUNNER_TEMP:-/tmp}/cfcache-stdout.XXXXXX")
trap 'rm -f "$out"' EXIT
"$bin" "${args[@]}" >"$out"
code=$?
cat "$out"

json=false
# One JSON document: what -o json prints. Checked by its first and last
# characters (no jq needed on the runner); anything else is not an output.
first=$(tr -d ' \t\r\n' <"$out" | head -c 1)
last=$(tr -d ' \t\r\n' <"$out" | tail -c 1)
case "$first$last" in
  '{}' | '[]') json=true ;;
esac

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf 'exit-code=%s\n' "$code" >>"$GITHUB_OUTPUT"
  if [ "$json" = true ]; then
    # A multi-line value goes through the heredoc form, with a random
    # delimiter that the value cannot contain (GitHub's docs, "Multiline
    # strings").
    delim=cfcache_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    if grep -qF "$delim" "$out"; then
      say "error: the output holds the random delimiter; not setting json"
    else
      {
        printf 'json<<%s\n' "$delim"
        cat "$out"
        [ -z "$(tail -c 1 "$out")" ] || printf '\n'
        printf '%s\n' "$delim"
      } >>"$GITHUB_OUTPUT"
    fi
  else
    printf 'json=\n' >>"$GITHUB_OUTPUT"
  fi
fi

if [ "$code" -ne 0 ] && [ "${CFCACHE_FAIL_ON_ERROR:-true}" != false ]; then
  say "cfcache exited $code"
  exit "$code"
fi
exit 0
