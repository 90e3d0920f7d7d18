#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs what it needs, starts the
# test bed (dockerd, Redis, a VPS in a network namespace), runs lint, typecheck, unit, integration,
# E2E and the server bundle's tests, then stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}" FORCE_COLOR=0 NO_COLOR=1
mkdir -p test-results

step() { printf '\n== %s\n' "$*"; }
cleanup() { step "Stopping the test bed"; bash tests/infra/teardown.sh || true; }
trap cleanup EXIT

step "Test bed: system packages, dockerd, base image, Redis"
bash tests/infra/setup.sh
# Every VPS starts from a blank disk, as on a fresh machine: an interrupted earlier run may have left
# a stack that Docker would restart with the VPS.
for n in $(seq 1 14); do bash tests/infra/vps.sh down "$n" --purge >/dev/null; done

step "Desktop dependencies"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "Server bundle dependencies (Node 24)"
bash server-bundle/scripts/setup.sh

step "Lint and typecheck"
npm run --silent lint
npm run --silent typecheck
(cd server-bundle && npm run --silent typecheck)

step "Build"
npx electron-vite build --logLevel warn

status=0
step "Desktop tests: unit, integration (real sshd + dockerd VPS), E2E (Chromium)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/desktop.json || status=1

step "Server bundle tests"
(cd server-bundle && npm test -- --reporter=default --reporter=json --outputFile.json=../test-results/server-bundle.json) || status=1

node scripts/test-summary.mjs test-results/desktop.json test-results/server-bundle.json || status=1
exit $status
