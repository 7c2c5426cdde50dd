#!/usr/bin/env bash
# Installs the Debian 12 packages drillcamp needs to build, run and test,
# skipping what is already installed. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ca-certificates
      libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev openssl
      libqrencode-dev librsvg2-dev fonts-noto-cjk
      postgresql-15 postgresql-client-15
      check libsubunit-dev libcurl4-openssl-dev
      python3 python3-yaml haproxy pgbouncer
      chromium zbar-tools
      clang libclang-rt-14-dev valgrind cppcheck clang-tidy)
# npm (for the OpenAPI linter) may come from Debian or from NodeSource: only
# when no npm command exists is Debian's taken
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
