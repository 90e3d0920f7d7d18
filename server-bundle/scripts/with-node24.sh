#!/usr/bin/env bash
# Run a command with Node 24 first on PATH and node-gyp pointed at Node 24 headers (see node24.sh).
# Usage: scripts/with-node24.sh node script.js ...   |   scripts/with-node24.sh npm ci
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE24_DIR="$("$HERE/node24.sh")"
export PATH="$NODE24_DIR/bin:$PATH"
export npm_config_nodedir="$("$HERE/node24.sh" --headers)"
exec "$@"
