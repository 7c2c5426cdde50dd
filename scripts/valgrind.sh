#!/usr/bin/env bash
# valgrind memcheck over every unit test program and over one server
# session through the main flows (tests/integration/test_session.c, with the
# server under valgrind). Zero errors and zero definite leaks, else it fails.
# Usage: scripts/valgrind.sh BUILD_DIR (a gcc build; DATABASE_URL and the
# other integration variables set, as scripts/test.sh does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build-test}
logs=${DC_TEST_LOG_DIR:-/tmp}/valgrind
mkdir -p "$logs"
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

status=0
# the server under valgrind for one session, beside the unit programs; the
# test asserts its exit 0, which valgrind turns into 99 on any error or
# definite leak
DC_SERVER_WRAPPER="${vg[*]} --log-file=$logs/server-%p.log" "$build/test_session" \
  >"$logs/session.out" 2>&1 &
session=$!

# the unit programs, in one process each (Check would fork per test)
for t in $(cd "$build" && ctest -N -L unit | sed -n 's/.*Test *#[0-9]*: unit_//p'); do
  if ! CK_FORK=no "${vg[@]}" --log-file="$logs/$t.log" "$build/$t" >"$logs/$t.out" 2>&1; then
    echo "valgrind: $t failed"; cat "$logs/$t.out" "$logs/$t.log"; status=1
  fi
done
echo "valgrind: $(ls "$logs"/*.out | grep -vc session.out) unit programs checked"

if ! wait "$session"; then
  echo "valgrind: the server session failed"; cat "$logs/session.out" "$logs"/server-*.log
  status=1
fi
if grep -l . "$logs"/*.log >/dev/null 2>&1; then
  echo "valgrind: reports:"; grep -H . "$logs"/*.log | head -100; status=1
fi
[ "$status" -eq 0 ] && echo "valgrind: clean (units and a server session)"
exit "$status"
