#!/usr/bin/env bash
# Installs what is missing and builds: pnpm (pinned, through npm), the workspace's
# dependencies (better-sqlite3 compiles against the system's Node headers, see .npmrc),
# then the TypeScript project references. Idempotent and quiet when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "vigil: installing pnpm@$PNPM_VERSION with npm" >&2
  npm install -g "pnpm@$PNPM_VERSION" >&2
fi
stamp=node_modules/.vigil-install-stamp
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "vigil: installing dependencies" >&2
  pnpm install --frozen-lockfile >&2
  touch "$stamp"
fi
echo "vigil: building" >&2
node_modules/.bin/tsc -b >&2
