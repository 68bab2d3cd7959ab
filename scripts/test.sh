#!/usr/bin/env bash
# `npm test` after the build: runs every test with vitest. Tests start what they need
# themselves and stop it (real collector and agent processes, and, as root, a private
# Docker engine per Docker test file through scripts/docker-engine.sh, which also
# installs Debian's docker.io and busybox-static when they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/vitest run "$@"
