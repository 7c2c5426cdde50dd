#!/usr/bin/env bash
# Static checks of the C sources, configured by files in the repository:
# cppcheck (flags below; inline `cppcheck-suppress` comments) and clang-tidy
# (.clang-tidy). Any finding fails. Usage: scripts/lint-c.sh BUILD_DIR (a
# build configured with CMAKE_EXPORT_COMPILE_COMMANDS=ON).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build-test}

echo "lint-c: cppcheck"
cppcheck --enable=warning,performance,portability,style --std=c11 --inline-suppr \
  --error-exitcode=1 -q -I include src

echo "lint-c: clang-tidy"
ls src/*/*.c src/main.c | xargs -P"$(nproc)" -n4 clang-tidy -p "$build" --quiet 2>/dev/null \
  >"$build/clang-tidy.out" || { grep -E "(warning|error):" "$build/clang-tidy.out"; exit 1; }
echo "lint-c: clean"
