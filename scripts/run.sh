#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts the local
# PostgreSQL under var/ (created on first run, reused after), migrates,
# seeds demo data and serves on http://127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRILLCAMP_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

mkdir -p var
# a development certificate-signing key, made once and kept
if [ -z "${DRILLCAMP_SIGNING_KEY:-}" ]; then
  if [ ! -f var/signing-key.pem ]; then
    (umask 077 && openssl genpkey -algorithm ed25519 -out var/signing-key.pem)
  fi
  export DRILLCAMP_SIGNING_KEY="$root/var/signing-key.pem"
fi
export DATABASE_URL=${DATABASE_URL:-$(scripts/pg.sh start var/pg)}
# and the key that seals partner secrets at rest
if [ -z "${DRILLCAMP_PARTNER_KEY:-}" ]; then
  if [ ! -f var/partner-key.hex ]; then
    (umask 077 && openssl rand -hex 32 > var/partner-key.hex)
  fi
  DRILLCAMP_PARTNER_KEY=$(cat var/partner-key.hex)
  export DRILLCAMP_PARTNER_KEY
fi
build/drillcamp migrate
build/drillcamp seed-demo
echo "drillcamp: serving on http://${DRILLCAMP_BIND:-127.0.0.1}:${DRILLCAMP_PORT:-8080} (Ctrl-C stops; PostgreSQL keeps running: scripts/pg.sh stop var/pg)"
exec build/drillcamp serve
