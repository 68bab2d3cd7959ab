#!/usr/bin/env bash
# `npm test` after the build: runs every test with vitest. Tests start what they need
# themselves and stop it (real collector and agent processes, and, as root, a private
# Docker engine per Docker test file through scripts/docker-engine.sh, which also
# installs Debian's docker.io and busybox-static when they are missing).
# The run gets an id (VIGIL_TEST_RUN_ID); vitest's global setup (test/global-setup.ts) marks
# every process the suite starts with VIGIL_TEST_RUN=<id> and fails the run if one is left.
# After vitest, this checks once more that nothing with the mark runs (and stops it if so).
set -euo pipefail
cd "$(dirname "$0")/.."
export VIGIL_TEST_RUN_ID=${VIGIL_TEST_RUN_ID:-$(date +%s)-$$}
rc=0
node_modules/.bin/vitest run "$@" || rc=$?

left=()
for env in /proc/[0-9]*/environ; do
  pid=${env#/proc/}; pid=${pid%/environ}
  while IFS= read -r -d '' v; do
    if [ "$v" = "VIGIL_TEST_RUN=$VIGIL_TEST_RUN_ID" ]; then left+=("$pid"); break; fi
  done 2>/dev/null <"$env" || true
done
if [ ${#left[@]} -gt 0 ]; then
  echo "test.sh: still running after the suite (run $VIGIL_TEST_RUN_ID), stopping them:" >&2
  for pid in "${left[@]}"; do
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    echo "  pid $pid ${cmd:0:200}" >&2
    if [[ $cmd =~ ^dockerd\ .*--pidfile\ ([^ ]+)/pid ]]; then bash scripts/docker-engine.sh stop "${BASH_REMATCH[1]}" || true; fi
  done
  kill -9 "${left[@]}" 2>/dev/null || true
  exit 1
fi
exit "$rc"
