#!/usr/bin/env bash
# The benchmark command (bench/README.md): loads a national-scale data set
# into a throwaway PostgreSQL, starts `drillcamp serve` as scripts/run.sh
# does, drives it with wrk, measures the ceilings (a minimal libmicrohttpd
# server, the Ulfius peer, pgbench running the write endpoints' SQL, one
# scrypt hash), prints one table and writes bench/results/<timestamp>.json.
#
#   bench/run.sh [--scale national|small] [--duration SECONDS] [--connections N]
#                [--only SCENARIO,...] [--keep-db DIR]
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
cd "$root"
run_start=$(date +%s.%N)

usage() {
  cat >&2 <<'EOF'
usage: bench/run.sh [--scale national|small] [--duration SECONDS] [--connections N]
                    [--only SCENARIO,...] [--keep-db DIR]
  --scale        national (default: 1M accounts, 10M likes, 5M progress rows) or small (1/100)
  --duration     seconds each scenario is measured (default 30; a 3 s warm-up precedes it)
  --connections  wrk connections and pgbench clients (default 64; login uses 16)
  --only         a comma-separated subset of: leaderboard campaign submissions_likes_anon
                 submissions_likes_user me_progress verify_page certificate_png like_spread
                 like_hot progress login mhd ulfius mhd_png pgbench_like_spread
                 pgbench_like_hot pgbench_progress
  --keep-db DIR  keep the loaded PostgreSQL in DIR and reuse it on the next run with the
                 same DIR (no reload); DIR must be reachable by the postgres user
EOF
  exit 2
}

ALL="leaderboard campaign submissions_likes_anon submissions_likes_user me_progress verify_page certificate_png like_spread like_hot progress login mhd ulfius mhd_png pgbench_like_spread pgbench_like_hot pgbench_progress"
scale=national duration=30 conns=64 only="" keep_db=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=${2:-}; shift 2 ;;
    --duration) duration=${2:-}; shift 2 ;;
    --connections) conns=${2:-}; shift 2 ;;
    --only) only=${2:-}; shift 2 ;;
    --keep-db) keep_db=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench: unknown option $1" >&2; usage ;;
  esac
done
[[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -ge 1 ] || { echo "bench: --duration must be a whole number of seconds" >&2; exit 2; }
[[ "$conns" =~ ^[0-9]+$ ]] && [ "$conns" -ge 2 ] || { echo "bench: --connections must be 2 or more" >&2; exit 2; }
scenarios=$ALL
if [ -n "$only" ]; then
  scenarios=${only//,/ }
  for s in $scenarios; do
    [[ " $ALL " == *" $s "* ]] || { echo "bench: unknown scenario $s" >&2; usage; }
  done
fi
wants() { [[ " $scenarios " == *" $1 "* ]]; }

# sizes: the issue's national data set, or 1/100 of it (the catalogue stays)
case "$scale" in
  national) accounts=1000000 orgs=2000 lessons=500 livestreams=50 progress=5000000
            submissions=100000 likes=10000000 sessions=100000 logins=1000 pgb=200000
            certs=200000 ;;
  small)    accounts=10000 orgs=20 lessons=500 livestreams=50 progress=50000
            submissions=1000 likes=100000 sessions=4000 logins=1000 pgb=2000 certs=2000 ;;
  *) echo "bench: --scale must be national or small" >&2; exit 2 ;;
esac
hot=1                      # load.sql makes submission 1 the most liked
png_serials=64             # certificate_png: certificates 1..64, cached (the server keeps 128)
png_uncached=20            # the uncached drawing is timed on certificates 1001..1020
password=bench-pass-2026   # the login block's password
admin_phone=19900000000    # outside load.sql's 13x-18x phones
threads=2                  # wrk threads (-t2)
login_conns=16             # login: 16 connections (see bench/README.md)
pg_conns=$conns            # pgbench clients = wrk connections; PostgreSQL allows 200
if [ "$pg_conns" -gt 180 ]; then pg_conns=180; fi

say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# --- packages --------------------------------------------------------------
say "packages"
scripts/install-deps.sh
# Ulfius: the runtime library and what its header includes. Not
# libulfius-dev itself: it depends on libcurl4-gnutls-dev, which conflicts
# with (and would remove) the libcurl4-openssl-dev the tests need; its
# headers are unpacked under bench/build instead (below).
need=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
command -v wrk >/dev/null 2>&1 || need+=(wrk)
for p in libulfius2.7 liborcania-dev libyder-dev libgnutls28-dev zlib1g-dev; do
  installed $p || need+=($p)
done
command -v pgbench >/dev/null 2>&1 || need+=(postgresql-contrib)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- the temporary directory and the clean-up --------------------------------
tmp=$(mktemp -d /tmp/drillcamp-bench.XXXXXX)
chmod 755 "$tmp"            # the postgres user must reach the cluster inside
mkdir -p "$tmp/data"
if [ -n "$keep_db" ]; then
  mkdir -p "$keep_db"
  pgdir=$(cd "$keep_db" && pwd)
else
  pgdir=$tmp/pg
fi
server_pid="" helper_pid="" sampler_pid="" ok=0
stop_pid() { # PID [SIGNAL]: stop a process we started and wait for it
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -"${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  stop_pid "$sampler_pid"; stop_pid "$helper_pid"; stop_pid "$server_pid"
  scripts/pg.sh stop "$pgdir" >/dev/null 2>&1
  if [ "$ok" = 1 ]; then
    rm -rf "$tmp"
  else
    [ -z "$keep_db" ] && rm -rf "$pgdir"
    echo "bench: stopped before the end; logs kept in $tmp" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -----------------------------------------------------------------
say "build (RelWithDebInfo, bench/build)"
build() { # LOGNAME command...
  local log=$tmp/$1.log; shift
  if ! "$@" >"$log" 2>&1; then tail -40 "$log" >&2; echo "bench: build failed ($log)" >&2; exit 1; fi
}
build cmake-server cmake -S . -B bench/build/server -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRILLCAMP_TESTS=OFF
build make-server cmake --build bench/build/server -j2
ulfius_dev=$root/bench/build/ulfius-dev
if [ ! -f "$ulfius_dev/usr/include/ulfius.h" ]; then
  mkdir -p "$ulfius_dev"
  ( cd "$tmp" && apt-get download libulfius-dev >"$tmp/apt-download.log" 2>&1 ) ||
    { cat "$tmp/apt-download.log" >&2; echo "bench: apt-get download libulfius-dev failed" >&2; exit 1; }
  dpkg -x "$tmp"/libulfius-dev_*.deb "$ulfius_dev"
fi
build cmake-tools cmake -S bench -B bench/build/tools -DCMAKE_BUILD_TYPE=RelWithDebInfo -DULFIUS_DEV="$ulfius_dev"
build make-tools cmake --build bench/build/tools -j2
dc=$root/bench/build/server/drillcamp
tools=$root/bench/build/tools
commit=$(git rev-parse HEAD)
dirty=false
[ -n "$(git status --porcelain -- src include migrations CMakeLists.txt cmake 2>/dev/null)" ] && dirty=true
echo "drillcamp $commit$( $dirty && echo ' (with uncommitted changes in src/include/migrations)')"
# are the pgbench ceilings still the server's SQL? (bench/README.md, "When the server's SQL changes")
stale=$(python3 "$bench/check_mirrors.py" --json)
python3 "$bench/check_mirrors.py" | sed 's/^/WARNING: /'

# --- PostgreSQL --------------------------------------------------------------
say "PostgreSQL in $pgdir"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$(dirname "$pgdir")"; then
  echo "bench: the postgres user cannot reach $(dirname "$pgdir"); choose a --keep-db directory it can" >&2
  exit 1
fi
url=$(scripts/pg.sh start "$pgdir")
psqlq() { psql "$url" -X -v ON_ERROR_STOP=1 -qtA "$@"; }
# a benchmark's memory and checkpoint settings; fsync and synchronous_commit
# stay on (the server's durability is part of what is measured)
if [ "$(psqlq -c 'SHOW shared_buffers')" != "2GB" ]; then
  psqlq -c "ALTER SYSTEM SET shared_buffers = '2GB'" \
        -c "ALTER SYSTEM SET effective_cache_size = '8GB'" \
        -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" \
        -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
        -c "ALTER SYSTEM SET checkpoint_timeout = '15min'" >/dev/null
  scripts/pg.sh stop "$pgdir"
  url=$(scripts/pg.sh start "$pgdir")
fi
psqlq -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' shared_buffers=' || current_setting('shared_buffers') || ' max_connections=' || current_setting('max_connections')"
DATABASE_URL=$url "$dc" migrate

# --- the data set ------------------------------------------------------------
marker=$pgdir/bench-loaded
load_seconds="" load_note=""
if [ -f "$marker" ]; then
  # shellcheck disable=SC1090
  old_scale=$(sed -n 's/^scale=//p' "$marker")
  [ "$old_scale" = "$scale" ] || { echo "bench: $pgdir holds a $old_scale data set; use --scale $old_scale or another --keep-db" >&2; exit 1; }
  load_note="reused from $pgdir ($(tr '\n' ' ' < "$marker"))"
  say "data set: $load_note"
else
  say "loading the $scale data set (bench/load.sql)"
  # migration 0007's own back-fill of stats_cells
  awk '/^-- the counters of the data that exists already/ {f = 1; next} f {print} f && /GROUP BY 1, 2, 3, 4;/ {exit}' \
    migrations/0007_feed_and_stats.sql > "$tmp/stats_backfill.sql"
  grep -q 'INSERT INTO stats_cells' "$tmp/stats_backfill.sql" ||
    { echo "bench: migration 0007's stats_cells back-fill query was not found" >&2; exit 1; }
  t0=$(now)
  if ! psql "$url" -X -v ON_ERROR_STOP=1 -v accounts=$accounts -v orgs=$orgs -v lessons=$lessons \
      -v livestreams=$livestreams -v progress=$progress -v submissions=$submissions -v likes=$likes \
      -v sessions=$sessions -v logins=$logins -v pgb=$pgb -v certs=$certs \
      -v stats_sql="$tmp/stats_backfill.sql" \
      -f bench/load.sql > "$tmp/load.log" 2>&1; then
    tail -30 "$tmp/load.log" >&2; echo "bench: the load failed ($tmp/load.log)" >&2; exit 1
  fi
  load_seconds=$(secs "$t0" "$(now)")
  # each stage of load.sql with the time its statements took
  awk '/^== / { if (stage != "") printf "  %-80s %8.1f s\n", stage, t / 1000; stage = substr($0, 4); t = 0 }
       /^Time: / { t += $2 }
       END { if (stage != "") printf "  %-80s %8.1f s\n", stage, t / 1000 }' "$tmp/load.log"
  sed -n '/^== row counts/,$p' "$tmp/load.log" | tail -n +2
  echo "load time: ${load_seconds} s"
  printf 'scale=%s\nload_seconds=%s\nloaded_at=%s\n' "$scale" "$load_seconds" "$(date -u +%FT%TZ)" > "$marker"
fi
# certificates (bench/certificates.sql): a no-op when they are there (a fresh
# load made them); a database kept from before they existed gets them once,
# with the triggers on (the statistics' certified counts follow)
t0=$(now)
psql "$url" -X -q -v ON_ERROR_STOP=1 -v certs=$certs -f bench/certificates.sql > "$tmp/certificates.log" 2>&1 ||
  { cat "$tmp/certificates.log" >&2; echo "bench: adding the certificates failed" >&2; exit 1; }
if grep -q 'certificates: adding' "$tmp/certificates.log"; then
  echo "$(grep 'certificates: now' "$tmp/certificates.log") (added in $(secs "$t0" "$(now)") s)"
else
  cat "$tmp/certificates.log"
fi

# --- per-run preparation: an admin (one real hash), tokens, files ---------------
say "sessions, logins and the campaign"
DRILLCAMP_ADMIN_PASSWORD=$password DATABASE_URL=$url "$dc" create-admin --phone $admin_phone --name 压测管理员 --region 350100
hash=$(psqlq -c "SELECT password_hash FROM accounts WHERE phone = '$admin_phone'")
psql "$url" -X -q -v ON_ERROR_STOP=1 -v accounts=$accounts -v sessions=$sessions -v logins=$logins \
  -v pgb=$pgb -v hash="$hash" -v out="$tmp/data" -f bench/prepare.sql >/dev/null
# shellcheck disable=SC2046
eval "$(cat "$tmp/data/blocks.txt")"   # pool login_lo pgb_lo pgb_hi sess_lo approved max_submission lessons
echo "tokens: $(wc -l < "$tmp/data/tokens.txt"), login phones: $(wc -l < "$tmp/data/phones.txt"), approved submissions: $approved"
psqlq -c CHECKPOINT >/dev/null

# --- the server, started as scripts/run.sh starts it ---------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # PORT PATH: until it answers (30 s)
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1$2" && return 0
    sleep 0.1
  done
  return 1
}
(umask 077 && openssl genpkey -algorithm ed25519 -out "$tmp/signing-key.pem" 2>/dev/null && openssl rand -hex 32 > "$tmp/partner-key.hex")
port=$(free_port)
say "drillcamp serve on 127.0.0.1:$port"
# Every default as scripts/run.sh leaves it (threads = cores, pool = threads + 2,
# rate limits...), except the port and DRILLCAMP_LIMIT_LOGIN_IP: all of wrk's
# logins come from 127.0.0.1, where real logins come from many addresses.
DATABASE_URL=$url DRILLCAMP_SIGNING_KEY=$tmp/signing-key.pem \
  DRILLCAMP_PARTNER_KEY=$(cat "$tmp/partner-key.hex") DRILLCAMP_PORT=$port \
  DRILLCAMP_LIMIT_LOGIN_IP=0 "$dc" serve 2> "$tmp/server.log" &
server_pid=$!
wait_port "$port" /readyz || { tail -20 "$tmp/server.log" >&2; echo "bench: the server did not start" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/v1/leaderboard" -o "$tmp/leaderboard.json" ||
  { echo "bench: GET /v1/leaderboard failed" >&2; exit 1; }
echo "leaderboard answer: $(wc -c < "$tmp/leaderboard.json") bytes (the ceilings' body)"
curl -s "http://127.0.0.1:$port/v1/campaign" | python3 -c 'import json,sys; c=json.load(sys.stdin); print("campaign phase:", c["phase"], "max_playback_rate:", c["rules"]["max_playback_rate"])'

export BENCH_LUA=$bench/wrk BENCH_DATA=$tmp/data BENCH_THREADS=$threads BENCH_SALT=$(date +%s)
export BENCH_HOT=$hot BENCH_APPROVED=$approved BENCH_PASSWORD=$password
export BENCH_CERTS=$certs BENCH_PNG_SERIALS=$png_serials
results=$tmp/results.jsonl
: > "$results"
token1=$(head -1 "$tmp/data/tokens.txt")
phone1=$(head -1 "$tmp/data/phones.txt")
lesson1=$(head -1 "$tmp/data/lessons.txt" | cut -d' ' -f1)
# certificate n's serial (bench/certificates.sql): serials FROM TO prints them, one a line
serials() {
  python3 - "$1" "$2" <<'PY'
import sys
a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
for n in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    d = "".join(a[(n >> (5 * (15 - k))) & 31] for k in range(16))
    print("DC-" + "-".join(d[i:i + 4] for i in range(0, 16, 4)))
PY
}
if wants mhd_png; then   # the mhd_png ceiling answers certificate 1's PNG
  curl -sf "http://127.0.0.1:$port/v1/certificates/$(serials 1 1).png" -o "$tmp/certificate.png" ||
    { echo "bench: GET /v1/certificates/$(serials 1 1).png failed" >&2; exit 1; }
  echo "certificate PNG: $(wc -c < "$tmp/certificate.png") bytes (the mhd_png ceiling's body)"
fi

# Peak VmRSS of PID, sampled every 100 ms, into FILE (kB) until stopped.
start_sampler() {
  local pid=$1 file=$2
  ( peak=0
    while kill -0 "$pid" 2>/dev/null; do
      r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      if [ "${r:-0}" -gt "$peak" ]; then peak=$r; echo "$peak" > "$file"; fi
      sleep 0.1
    done ) &
  sampler_pid=$!
}

# One request with curl, to say what the scenario's requests get.
probe() { # NAME METHOD PATH [TOKEN] [BODY]
  local out=$tmp/probe-$1.txt
  local args=(-s -o "$out" -w '%{http_code}' -X "$2" "http://127.0.0.1:$port$3")
  [ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
  [ -n "${5:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$5")
  local code
  code=$(curl "${args[@]}" || echo 000)
  echo "$code"
}

record() { # NAME KIND CONNS RAWFILE RSSFILE PROBE_STATUS PROBE_FILE
  python3 - "$@" >> "$results" <<'PY'
import json, sys, os
name, kind, conns, raw, rss, status, probe = sys.argv[1:8]
text = open(raw, errors="replace").read() if os.path.exists(raw) else ""
r = {"name": name, "kind": kind, "connections": int(conns), "raw": text,
     # the machine is shared: how busy it was (1-minute load average, at the end)
     "loadavg_1m": float(open("/proc/loadavg").read().split()[0])}
if os.path.exists(rss):
    try: r["rss_peak_kb"] = int(open(rss).read().strip() or 0)
    except ValueError: pass
if status:
    r["probe_status"] = int(status) if status.isdigit() else 0
    if os.path.exists(probe):
        r["probe_body"] = open(probe, errors="replace").read()[:300]
print(json.dumps(r, ensure_ascii=False))
PY
}

# wrk against URL with SCRIPT for the duration (after a 3 s warm-up), RSS of PID sampled.
run_wrk() { # NAME SCRIPT CONNS URL PID PROBE_STATUS [BEFORE_MEASURE_COMMAND]
  local name=$1 script=$2 c=$3 target=$4 pid=$5 pstatus=$6 before=${7:-}
  echo "-- $name: ${duration} s at $c connections$( [ -n "$pstatus" ] && echo ", probe answered $pstatus")"
  wrk -t$threads -c"$c" -d3s --timeout 10s -s "$bench/wrk/$script" "$target" > "$tmp/warmup-$name.txt" 2>&1 || true
  sleep 3   # what the warm-up left queued (hashes of closed logins) drains
  [ -n "$before" ] && eval "$before"
  rm -f "$tmp/rss-$name"
  start_sampler "$pid" "$tmp/rss-$name"
  wrk -t$threads -c"$c" -d"${duration}s" --latency --timeout 10s -s "$bench/wrk/$script" "$target" \
    > "$tmp/wrk-$name.txt" 2>&1 || echo "bench: wrk failed for $name" >&2
  stop_pid "$sampler_pid"; sampler_pid=""
  grep -E 'Requests/sec|Non-2xx|Socket errors|BENCH_RESULT' "$tmp/wrk-$name.txt" | grep -v BENCH_RESULT | sed 's/^/   /' || true
  record "$name" wrk "$c" "$tmp/wrk-$name.txt" "$tmp/rss-$name" "$pstatus" "$tmp/probe-$name.txt"
}

reset_hot() {
  psql "$url" -X -q -v ON_ERROR_STOP=1 -v hot=$hot -v lo="$pgb_lo" -f "$bench/reset_hot.sql" >/dev/null
}

say "scenarios against the server (wrk -t$threads, --latency)"
srv=http://127.0.0.1:$port
if wants leaderboard; then
  run_wrk leaderboard leaderboard.lua "$conns" "$srv" "$server_pid" "$(probe leaderboard GET /v1/leaderboard)"
fi
if wants campaign; then
  run_wrk campaign campaign.lua "$conns" "$srv" "$server_pid" "$(probe campaign GET /v1/campaign)"
fi
if wants submissions_likes_anon; then
  run_wrk submissions_likes_anon submissions_likes_anon.lua "$conns" "$srv" "$server_pid" \
    "$(probe submissions_likes_anon GET '/v1/submissions?sort=likes')"
fi
if wants submissions_likes_user; then
  run_wrk submissions_likes_user submissions_likes_user.lua "$conns" "$srv" "$server_pid" \
    "$(probe submissions_likes_user GET '/v1/submissions?sort=likes' "$token1")"
fi
if wants me_progress; then
  run_wrk me_progress me_progress.lua "$conns" "$srv" "$server_pid" \
    "$(probe me_progress GET /v1/me/progress "$token1")"
fi
if wants verify_page; then
  run_wrk verify_page verify_page.lua "$conns" "$srv" "$server_pid" \
    "$(probe verify_page GET "/verify/$(serials "$certs" "$certs")")"
fi
png_draw="null"
if wants certificate_png; then
  # one drawing, timed outside wrk: certificates 1001..1020, none drawn yet,
  # fetched one at a time (curl's total time: the lookup, the SVG, the
  # drawing, ~160 KB over loopback), then each again from the cache
  draw_times=() cached_times=() png_bytes=0
  for s in $(serials 1001 $((1000 + png_uncached))); do
    out=$(curl -s -o "$tmp/uncached.png" -w '%{http_code} %{time_total}' "$srv/v1/certificates/$s.png")
    [ "${out%% *}" = 200 ] || { echo "bench: GET /v1/certificates/$s.png answered ${out%% *}" >&2; exit 1; }
    draw_times+=("${out#* }")
    png_bytes=$(wc -c < "$tmp/uncached.png")
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$srv/v1/certificates/$s.png")
    cached_times+=("${out#* }")
  done
  python3 - "$png_bytes" "${DRILLCAMP_RENDER_CONCURRENCY:-$(nproc)}" "${draw_times[*]}" \
    "${cached_times[*]}" "$tmp/png_draw.json" <<'PY'
import json, statistics, sys
size, conc = int(sys.argv[1]), int(sys.argv[2])
d = [float(x) * 1000 for x in sys.argv[3].split()]
c = [float(x) * 1000 for x in sys.argv[4].split()]
j = {"serials": len(d), "median_ms": statistics.median(d), "min_ms": min(d), "max_ms": max(d),
     "cached_median_ms": statistics.median(c), "png_bytes": size, "render_concurrency": conc,
     "all_ms": [round(x, 1) for x in d]}
json.dump(j, open(sys.argv[5], "w"))
print(f"-- one certificate PNG drawn, uncached: median {j['median_ms']:.0f} ms over {len(d)} serials"
      f" (min {j['min_ms']:.0f}, max {j['max_ms']:.0f}), {size} bytes; the same from the cache:"
      f" median {j['cached_median_ms']:.1f} ms")
PY
  png_draw=$(cat "$tmp/png_draw.json")
  # the scenario's serials, each drawn once (the cached path is measured)
  for s in $(serials 1 "$png_serials"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$srv/v1/certificates/$s.png")
    [ "$code" = 200 ] || { echo "bench: warming GET /v1/certificates/$s.png answered $code" >&2; exit 1; }
  done
  run_wrk certificate_png certificate_png.lua "$conns" "$srv" "$server_pid" \
    "$(probe certificate_png GET "/v1/certificates/$(serials 1 1).png")"
fi
if wants like_spread; then
  run_wrk like_spread like_spread.lua "$conns" "$srv" "$server_pid" \
    "$(probe like_spread PUT /v1/submissions/2/like "$token1")"
fi
if wants like_hot; then
  run_wrk like_hot like_hot.lua "$conns" "$srv" "$server_pid" \
    "$(probe like_hot PUT /v1/submissions/$hot/like "$token1")" reset_hot
fi
if wants progress; then
  run_wrk progress progress.lua "$conns" "$srv" "$server_pid" \
    "$(probe progress POST /v1/progress "$token1" "{\"items\":[{\"content_type\":\"lesson\",\"content_id\":\"$lesson1\",\"from_second\":0,\"to_second\":15}]}")"
fi
if wants login; then
  run_wrk login login.lua "$login_conns" "$srv" "$server_pid" \
    "$(probe login POST /v1/sessions "" "{\"phone\":\"$phone1\",\"password\":\"$password\"}")"
fi
server_hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
stop_pid "$server_pid"; server_pid=""
server_errors=$(grep -c '"status":5' "$tmp/server.log" || true)

say "ceilings"
for peer in mhd ulfius mhd_png; do
  wants $peer || continue
  p=$(free_port)
  if [ $peer = mhd ]; then
    "$tools/mhd_ceiling" "$p" "$tmp/leaderboard.json" 2> "$tmp/$peer.log" &
  elif [ $peer = mhd_png ]; then
    "$tools/mhd_ceiling" "$p" "$tmp/certificate.png" 2> "$tmp/$peer.log" &
  else
    "$tools/ulfius_peer" "$p" "$tmp/leaderboard.json" 2> "$tmp/$peer.log" &
  fi
  helper_pid=$!
  wait_port "$p" /v1/leaderboard || { cat "$tmp/$peer.log" >&2; echo "bench: $peer did not start" >&2; exit 1; }
  code=$(curl -s -o "$tmp/probe-$peer.txt" -w '%{http_code}' "http://127.0.0.1:$p/v1/leaderboard")
  run_wrk $peer ceiling.lua "$conns" "http://127.0.0.1:$p" "$helper_pid" "$code"
  stop_pid "$helper_pid"; helper_pid=""
done

run_pgbench() { # NAME SCRIPT VARS...
  local name=$1 script=$2; shift 2
  local vars=()
  for v in "$@"; do vars+=(-D "$v"); done
  echo "-- $name: ${duration} s, $pg_conns clients"
  pgbench -n -M prepared -c "$pg_conns" -j $threads -T 3 "${vars[@]}" -f "$bench/pgbench/$script" "$url" \
    > "$tmp/pgwarm-$name.txt" 2>&1 || true
  [ "$name" = pgbench_like_hot ] && reset_hot
  mkdir -p "$tmp/pglog-$name"
  ( cd "$tmp/pglog-$name" &&
    pgbench -n -M prepared -c "$pg_conns" -j $threads -T "$duration" -l --log-prefix=tx \
      "${vars[@]}" -f "$bench/pgbench/$script" "$url" ) > "$tmp/pgbench-$name.txt" 2>&1 ||
    echo "bench: pgbench reported a failure for $name (see the errors column)" >&2
  grep -E '^tps|failed transactions|aborted' "$tmp/pgbench-$name.txt" | sed 's/^/   /' || true
  python3 - "$tmp/pglog-$name" >> "$tmp/pgbench-$name.txt" <<'PY'
import glob, sys
lat = []
failed = 0
for f in glob.glob(sys.argv[1] + "/tx*"):
    for line in open(f):
        p = line.split()
        if len(p) >= 3:
            if p[2].isdigit(): lat.append(int(p[2]))
            else: failed += 1
lat.sort()
q = lambda x: lat[min(len(lat) - 1, int(len(lat) * x))] if lat else 0
print(f"BENCH_PGLAT p50_us={q(0.50)} p99_us={q(0.99)} n={len(lat)} failed_logged={failed}")
PY
  rm -rf "$tmp/pglog-$name"
  record "$name" pgbench "$pg_conns" "$tmp/pgbench-$name.txt" /nonexistent "" ""
}
common_vars=(sess_lo="$sess_lo" sessions="$sessions" pgb_lo="$pgb_lo" pgb_hi="$pgb_hi")
wants pgbench_like_spread && run_pgbench pgbench_like_spread like_spread.sql "${common_vars[@]}" approved="$approved"
wants pgbench_like_hot && run_pgbench pgbench_like_hot like_hot.sql "${common_vars[@]}" hot=$hot clients="$pg_conns" n=0
wants pgbench_progress && run_pgbench pgbench_progress progress.sql "${common_vars[@]}" lessons="$lessons"

hash_seconds=$("$tools/scrypt_time" 5)
echo "-- one scrypt hash (N=2^15, r=8, p=3): ${hash_seconds} s"

# --- the table and the JSON -----------------------------------------------------
# the server's settings that differ from its defaults (keys left out)
server_env=$(DRILLCAMP_PORT=$port DRILLCAMP_LIMIT_LOGIN_IP=0 python3 -c 'import os, json
print(json.dumps({k: v for k, v in sorted(os.environ.items()) if k.startswith("DRILLCAMP_")
                  and "KEY" not in k and "PASSWORD" not in k}))')
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
total_seconds=$(secs "$run_start" "$(now)")
say "results ($scale scale, ${duration} s per scenario)"
python3 "$bench/report.py" "$results" "bench/results/$stamp.json" "$tmp/server.log" <<EOF
{"started_at": "$(date -u -d @"${run_start%.*}" +%FT%TZ)", "scale": "$scale", "duration_s": $duration,
 "connections": $conns, "login_connections": $login_conns, "pgbench_clients": $pg_conns,
 "wrk_threads": $threads, "sizes": {"accounts": $accounts, "organizations": $orgs, "lessons": $lessons,
 "livestreams": $livestreams, "progress": $progress, "submissions": $submissions, "likes": $likes,
 "sessions": $sessions, "login_accounts": $logins, "pgbench_accounts": $pgb, "certificates": $certs,
 "png_serials": $png_serials},
 "load_seconds": ${load_seconds:-null}, "load_note": "$load_note",
 "commit": "$commit", "uncommitted_changes": $dirty, "hash_seconds": $hash_seconds,
 "png_draw": $png_draw,
 "server_env": $server_env, "stale_ceilings": $stale,
 "hash_concurrency": ${DRILLCAMP_HASH_CONCURRENCY:-$(nproc)},
 "server_vmhwm_kb": ${server_hwm:-0}, "server_5xx_log_lines": ${server_errors:-0},
 "total_seconds": $total_seconds,
 "machine": {"nproc": $(nproc), "mem_total_kb": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo),
   "cpu": "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)", "kernel": "$(uname -r)"}}
EOF
ok=1
