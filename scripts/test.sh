#!/usr/bin/env bash
# The test command: installs what is missing, builds with -Werror, starts a
# throwaway PostgreSQL in a temporary folder, runs every test (unit,
# integration, the OpenAPI lint) and removes the database again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DDRILLCAMP_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"

tmp=$(mktemp -d /tmp/drillcamp-test.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  scripts/pg.sh stop "$tmp/pg" immediate || true
  rm -rf "$tmp"
}
trap cleanup EXIT

export DATABASE_URL
DATABASE_URL=$(PG_FSYNC=off scripts/pg.sh start "$tmp/pg")
export DC_TEST_PGDIR="$tmp/pg"
export DC_TEST_LOG_DIR="$tmp/logs"

scripts/lint-openapi.sh

status=0
(cd build-test && ctest --output-on-failure --timeout 600) || status=$?
if [ "$status" -ne 0 ] && [ -d "$DC_TEST_LOG_DIR" ]; then
  echo "---- server logs (last lines) ----"
  tail -n 30 "$DC_TEST_LOG_DIR"/*.log || true
fi
exit "$status"
