#!/usr/bin/env bash
# The README's pictures of certificates for people, made from a real run:
#   docs/verify-valid.png    the page a phone opens from a valid certificate's
#                            QR code (headless chromium, 412 x 915)
#   docs/verify-revoked.png  the same for a revoked one
#   docs/certificate.png     GET /v1/certificates/{serial}.png as served
#                            (2246 x 1588, drawn by librsvg)
# It starts a throwaway PostgreSQL (scripts/pg.sh, in a temporary folder)
# and the server on a free port, makes an admin, two learners with demo
# names (张三, 李四), 8 class hours each and their certificates, revokes
# 李四's, and takes the pictures. Nothing outside docs/ is kept.
#
# The server is build/drillcamp (built first; build/ is configured as
# scripts/run.sh does when it is not yet), unless DRILLCAMP_BIN names one.
# SCREENSHOT_PUBLIC_URL (default https://drillcamp.example.cn) is the
# public URL printed on the certificate and carried by its QR code; the
# pages themselves are taken from the local server. Needs chromium,
# python3, openssl and PostgreSQL 15 (scripts/install-deps.sh installs
# them); zbarimg, when there, reads the QR code back.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for c in chromium python3 openssl; do
  command -v "$c" >/dev/null 2>&1 ||
    { echo "screenshots: $c is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

bin=${DRILLCAMP_BIN:-}
if [ -z "$bin" ]; then
  # build/ as it is configured, or configured as scripts/run.sh does
  if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRILLCAMP_TESTS=OFF >/dev/null
  fi
  cmake --build build -j"$(nproc)" --target drillcamp >/dev/null
  bin="$root/build/drillcamp"
fi
[ -x "$bin" ] || { echo "screenshots: no server binary at $bin" >&2; exit 1; }

tmp=$(mktemp -d /tmp/drillcamp-screenshots.XXXXXX)
chmod 755 "$tmp"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  scripts/pg.sh stop "$tmp/pg" immediate || true
  rm -rf "$tmp"
}
trap cleanup EXIT

DATABASE_URL=$(PG_FSYNC=off scripts/pg.sh start "$tmp/pg")
export DATABASE_URL
(umask 077 && openssl genpkey -algorithm ed25519 -out "$tmp/signing.pem")
export DRILLCAMP_SIGNING_KEY="$tmp/signing.pem"
DRILLCAMP_PARTNER_KEY=$(openssl rand -hex 32)
export DRILLCAMP_PARTNER_KEY
export DRILLCAMP_PUBLIC_URL=${SCREENSHOT_PUBLIC_URL:-https://drillcamp.example.cn}
# a free port of the kernel's choosing
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DRILLCAMP_BIND=127.0.0.1 DRILLCAMP_PORT=$port
base="http://127.0.0.1:$port"

# http METHOD URL [TOKEN [JSON [OUT]]]: the answer's body on standard
# output (or into OUT); fails, saying so, on no answer or a status >= 400
cat >"$tmp/fetch.py" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
token = sys.argv[3] if len(sys.argv) > 3 else ""
body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else None
req = urllib.request.Request(url, data=body, method=method)
if body is not None:
    req.add_header("Content-Type", "application/json")
if token:
    req.add_header("Authorization", "Bearer " + token)
try:
    data = urllib.request.urlopen(req, timeout=30).read()
except (urllib.error.URLError, OSError) as e:
    detail = e.read().decode(errors="replace") if isinstance(e, urllib.error.HTTPError) else ""
    sys.exit("screenshots: %s %s: %s %s" % (method, url, e, detail))
if len(sys.argv) > 5:
    open(sys.argv[5], "wb").write(data)
else:
    sys.stdout.write(data.decode())
PY
http() { python3 "$tmp/fetch.py" "$@"; }
api() { http "$1" "$base$2" "${3:-}" "${4:-}"; }
# member NAME: that member of the JSON object on standard input
member() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

"$bin" serve --migrate >"$tmp/server.log" 2>&1 &
server_pid=$!
up=""
for _ in $(seq 1 300); do
  if http GET "$base/healthz" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$server_pid" 2>/dev/null ||
    { echo "screenshots: the server exited:" >&2; cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$up" ] || { echo "screenshots: the server did not answer /healthz" >&2; exit 1; }

DRILLCAMP_ADMIN_PASSWORD='screenshots admin 1' "$bin" create-admin --phone 13900000001 >/dev/null
admin=$(api POST /v1/sessions "" '{"phone":"13900000001","password":"screenshots admin 1"}' |
  member token)

# the campaign live (launched yesterday, ends in 30 days), 8 class hours of
# 3600 s, no check-in needed
now=$(date -u +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
api PATCH /v1/admin/campaign "$admin" "{\"warmup_at\":\"$(iso $((now - 2 * 86400)))\",
  \"launch_at\":\"$(iso $((now - 86400)))\",\"ends_at\":\"$(iso $((now + 30 * 86400)))\",
  \"rules\":{\"class_hour_seconds\":3600,\"required_class_hours\":8,\"require_checkin\":false,
  \"max_playback_rate\":1000}}" >/dev/null

# certificate PHONE NAME: registers, learns 8 hours, claims; prints the
# serial (PHONE and NAME go into JSON as they are: no quotes in them)
certificate() {
  api POST /v1/accounts "" "{\"phone\":\"$1\",\"password\":\"correct horse 1\",
    \"display_name\":\"$2\",\"kind\":\"individual\",\"region_code\":\"350100\"}" >/dev/null
  local token lesson
  token=$(api POST /v1/sessions "" "{\"phone\":\"$1\",\"password\":\"correct horse 1\"}" |
    member token)
  lesson=$(api POST /v1/admin/lessons "$admin" '{"title":"火场逃生要点","category":"fire",
    "duration_seconds":28800,"video_url":"https://video.example.cn/l.mp4"}' | member id)
  api POST /v1/progress "$token" "{\"items\":[{\"content_type\":\"lesson\",
    \"content_id\":\"$lesson\",\"from_second\":0,\"to_second\":28800}]}" >/dev/null
  api POST /v1/me/certificate "$token" | member serial
}

valid=$(certificate 13900000002 张三)
revoked=$(certificate 13900000003 李四)
api POST "/v1/admin/certificates/$revoked/revoke" "$admin" '{"reason":"学时记录有误，经核实撤销"}' >/dev/null

# shot URL WIDTH HEIGHT FILE: a headless chromium screenshot (own HOME and
# profile, killed after 60 s)
shot() {
  local home="$tmp/chromium-$RANDOM"
  mkdir -p "$home"
  HOME="$home" timeout -k 5 60 chromium --headless=new --no-sandbox --disable-gpu \
    --hide-scrollbars --no-first-run --disable-extensions --disable-background-networking \
    --disable-component-update --disable-sync --force-device-scale-factor=1 \
    --user-data-dir="$home/profile" --window-size="$2,$3" --screenshot="$4" "$1" \
    >>"$tmp/chromium.log" 2>&1 ||
    { echo "screenshots: chromium failed on $1:" >&2; tail -n 20 "$tmp/chromium.log" >&2; exit 1; }
}

mkdir -p docs
shot "$base/verify/$valid" 412 915 docs/verify-valid.png
shot "$base/verify/$revoked" 412 915 docs/verify-revoked.png
http GET "$base/v1/certificates/$valid.png" "" "" docs/certificate.png
# kept small for the repository: the 2x PNG, or the SVG drawn at 1x
if [ "$(stat -c %s docs/certificate.png)" -gt 300000 ]; then
  shot "$base/v1/certificates/$valid.svg" 1123 794 docs/certificate.png
fi
if command -v zbarimg >/dev/null 2>&1; then
  echo "screenshots: the QR code in docs/certificate.png reads $(zbarimg -q --raw docs/certificate.png 2>/dev/null)"
fi
for f in docs/verify-valid.png docs/verify-revoked.png docs/certificate.png; do
  echo "screenshots: $f ($(stat -c %s "$f") bytes)"
done
