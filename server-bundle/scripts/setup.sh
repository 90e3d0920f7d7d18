#!/usr/bin/env bash
# Idempotent setup of the server bundle: fetch Node 24, then `npm ci` with native addons built
# against Node 24's headers. Skipped when node_modules matches the lockfile and Node version.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE24_DIR="$(scripts/node24.sh)"
export PATH="$NODE24_DIR/bin:$PATH"
export npm_config_nodedir="$(scripts/node24.sh --headers)"

STAMP=node_modules/.facteur-setup-stamp
WANT="$(sha256sum package-lock.json | cut -d' ' -f1) $(node -p 'process.version + " abi" + process.versions.modules') headers:$(basename "$npm_config_nodedir")"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] \
  && node -e 'require("better-sqlite3-multiple-ciphers")(":memory:").close()' 2>/dev/null; then
  echo "server-bundle: dependencies up to date ($(node -v))"
  exit 0
fi
# No prebuilt binaries can be downloaded here; build from source against Node 24's headers.
npm_config_build_from_source=true npm ci --no-audit --no-fund
node -e 'require("better-sqlite3-multiple-ciphers")(":memory:").close()'
echo "$WANT" > "$STAMP"
echo "server-bundle: dependencies installed ($(node -v))"
