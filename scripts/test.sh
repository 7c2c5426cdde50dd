#!/usr/bin/env bash
# The test command: installs what is missing, then
#   1. builds with gcc -Werror and runs the unit tests, cppcheck and
#      clang-tidy (scripts/lint-c.sh) and the OpenAPI lint;
#   2. builds with clang under AddressSanitizer + UndefinedBehaviorSanitizer
#      and runs every test (unit and integration, against a throwaway
#      PostgreSQL) with zero sanitizer reports allowed, the server's leaks
#      included;
#   3. valgrind memcheck over the unit tests and a server session;
#   4. each libFuzzer harness for a few seconds on its corpus;
#   5. the topology test (scripts/topology.sh): a primary and a streaming
#      replica, PgBouncer, two instances and HAProxy on loopback.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
step() { echo "==== $* ($(($(date +%s) - started)) s)"; }

scripts/install-deps.sh
step "build: gcc -Werror"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DDRILLCAMP_WERROR=ON \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build build-test -j"$(nproc)"
step "build: clang, AddressSanitizer + UndefinedBehaviorSanitizer (+ the fuzz harnesses)"
# fuzzer-no-link only adds libFuzzer's coverage counters: the same objects
# serve the sanitizer test run and the harnesses
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DDRILLCAMP_WERROR=ON -DDRILLCAMP_FUZZ=ON \
  -DCMAKE_C_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >/dev/null
cmake --build build-asan -j"$(nproc)"

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
mkdir -p "$DC_TEST_LOG_DIR" "$tmp/sanitizers"

# Check's per-test default of 4 s is for quick unit tests on an idle
# machine; sanitizers and a busy CI runner are neither
export CK_DEFAULT_TIMEOUT=120

status=0
step "lint: OpenAPI, cppcheck, clang-tidy"
scripts/lint-openapi.sh || status=1
scripts/lint-c.sh build-test || status=1

step "unit tests (gcc build)"
(cd build-test && ctest --output-on-failure -L unit --timeout 300) || status=1

step "all tests under ASan + UBSan"
# reports go to files; the tests themselves are not leak-checked, the
# server (and the CLI it runs) is
export ASAN_OPTIONS="detect_leaks=0:log_path=$tmp/sanitizers/asan-test"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$tmp/sanitizers/ubsan"
export DC_SERVER_ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=32:log_path=$tmp/sanitizers/asan-server"
# what is not ours to free (tests/lsan.supp says why), silently
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
# each integration program has its own database: three at a time
(cd build-asan && ctest --output-on-failure --timeout 600 -j3) || status=1
unset ASAN_OPTIONS UBSAN_OPTIONS DC_SERVER_ASAN_OPTIONS LSAN_OPTIONS
if compgen -G "$tmp/sanitizers/*" >/dev/null; then
  echo "sanitizer reports:"; head -n 60 "$tmp"/sanitizers/*; status=1
else
  echo "sanitizers: no report"
fi

step "valgrind"
scripts/valgrind.sh build-test || status=1

step "fuzzing: each harness a few seconds on its corpus"
FUZZ_BUILD=build-asan scripts/fuzz.sh --smoke || status=1

step "topology: replica, PgBouncer, two instances, HAProxy"
DRILLCAMP_BIN="$PWD/build-test/drillcamp" scripts/topology.sh || status=1

if [ "$status" -ne 0 ] && compgen -G "$DC_TEST_LOG_DIR/*.log" >/dev/null; then
  echo "---- server logs (last lines) ----"
  tail -n 30 "$DC_TEST_LOG_DIR"/*.log || true
fi
step "done: status $status"
exit "$status"
