#!/usr/bin/env bash
# The fuzz command: builds the libFuzzer harnesses of tests/fuzz with clang
# (AddressSanitizer + UndefinedBehaviorSanitizer) in build-fuzz/ and runs
# each for a given time on a copy of its seed corpus.
#
#   scripts/fuzz.sh [seconds-per-harness]   (default 60)
#   scripts/fuzz.sh --smoke                 (about 5 s each; the test command)
#   FUZZ_ONLY="router csv" scripts/fuzz.sh 300   (a subset)
#   FUZZ_BUILD=build-asan scripts/fuzz.sh --smoke (reuse a clang build
#     configured with -fsanitize=...,fuzzer-no-link and -DDRILLCAMP_FUZZ=ON,
#     as the test command does)
#
# The corpus grows in build-fuzz/corpus/<name> (seeded from
# tests/fuzz/corpus/<name> on every run); crashing inputs land in
# build-fuzz/artifacts/<name>/ and the full output in build-fuzz/logs/.
# Prints per harness the executions and the final cov:/ft: figures, and
# exits non-zero if any harness crashed, leaked, timed out or broke an
# invariant.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() {
  echo "usage: scripts/fuzz.sh [seconds-per-harness | --smoke]" >&2
  exit 2
}

seconds=60
case "${1:-}" in
  "") ;;
  --smoke) seconds=5 ;;
  -h | --help) usage ;;
  *)
    [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ] || usage
    seconds=$1
    ;;
esac
[ $# -le 1 ] || usage

command -v clang >/dev/null || {
  echo "fuzz.sh: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
}

build=${FUZZ_BUILD:-build-fuzz}
harnesses=()
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  harnesses+=("${name#fuzz_}")
done
if [ -n "${FUZZ_ONLY:-}" ]; then
  read -r -a harnesses <<<"$FUZZ_ONLY"
fi

if [ -z "${FUZZ_BUILD:-}" ]; then
  cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link,address,undefined" \
    -DDRILLCAMP_FUZZ=ON -DDRILLCAMP_TESTS=OFF >/dev/null
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

# UBSan findings stop the run like ASan's; leaks are reported at the end of
# each input (libFuzzer's -detect_leaks is on by default)
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

mkdir -p "$build/logs"
failed=0
summary=()
for h in "${harnesses[@]}"; do
  bin="$build/tests/fuzz/fuzz_$h"
  corpus="$build/corpus/$h"
  artifacts="$build/artifacts/$h"
  log="$build/logs/$h.log"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "tests/fuzz/corpus/$h" ]; then
    cp -f "tests/fuzz/corpus/$h"/* "$corpus"/ 2>/dev/null || true
  fi
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
    -artifact_prefix="$artifacts/")
  [ -f "tests/fuzz/$h.dict" ] && args+=(-dict="tests/fuzz/$h.dict")
  echo "== fuzz_$h: ${seconds}s on $corpus"
  rc=0
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: [0-9]+' | tail -n 1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  status=ok
  if [ "$rc" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error: |invariant failed)' "$log"; then
    status="CRASH (exit $rc)"
    failed=1
    echo "---- fuzz_$h: last lines of $log ----"
    tail -n 40 "$log"
    ls -1 "$artifacts" 2>/dev/null | sed "s|^|  artifact: $artifacts/|"
  fi
  line=$(printf '%-16s %6ss  execs %-10s cov %-6s ft %-7s corpus %-10s %s' "$h" "$seconds" \
    "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status")
  echo "$line"
  summary+=("$line")
done

echo
echo "== fuzz summary (${seconds}s per harness)"
printf '%s\n' "${summary[@]}"
exit "$failed"
