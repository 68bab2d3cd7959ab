#!/usr/bin/env bash
# `npm test` after the build: starts what the tests need (a private Docker engine when we are
# root, see scripts/docker-engine.sh), runs every test with vitest, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/docker-engine.sh ] && [ "$(id -u)" = 0 ] && [ -z "${VIGIL_NO_DOCKER:-}" ]; then
  if sock=$(bash scripts/docker-engine.sh start); then
    export VIGIL_DOCKER_SOCK="$sock"
    trap 'bash scripts/docker-engine.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "vigil: could not start the test Docker engine; the Docker tests will report it" >&2
  fi
fi
node_modules/.bin/vitest run "$@"
