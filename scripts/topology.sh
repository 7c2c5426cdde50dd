#!/usr/bin/env bash
# The production topology on one machine, on loopback, and what it must do.
#
#   client --HTTP--> HAProxy 2.6 (docker/haproxy.cfg) --> drillcamp app1, app2
#   app1, app2 --writes and most reads--> PgBouncer 1.18 (transaction pooling,
#       docker/pgbouncer.ini) --> PostgreSQL 15 primary
#   app1, app2 --replica-eligible reads (DATABASE_READ_URL)--> PostgreSQL 15
#       streaming replica (pg_basebackup -R, hot standby)
#
# Run as root from the repository root: scripts/topology.sh. It installs
# what is missing (scripts/install-deps.sh), builds the server with cmake
# Release into $TOPOLOGY_BUILD_DIR (default build-topology) unless
# DRILLCAMP_BIN names a binary, sets everything up in a temporary folder
# with ports free on this machine, and removes it all on exit. The same
# haproxy.cfg and pgbouncer.ini serve docker/compose.yaml. It takes about a
# minute. TOPOLOGY_KEEP_LOGS=DIR copies the logs (and the load's records)
# there before the clean-up; TOPOLOGY_LOAD_SECONDS changes the load's length.
#
# Checks (each prints `ok - ...` or `not ok - ...`; the last line is
# `N passed, M failed`, the exit status non-zero when M > 0):
#   setup  the replica streams; PgBouncer, both instances and HAProxy are up
#   a.     the user flows through HAProxy with curl: register, log in, learn
#          8 class hours, claim and verify a certificate (offline too), post
#          a submission (Idempotency-Key replayed), approve it, like it from
#          several users, see the likes on the leaderboard
#   b.     replica-eligible reads go to the replica (the instances' metrics
#          drillcamp_db_pool_acquires_total{pool="replica"} and the replica
#          cluster's own statistics); PgBouncer pools by transaction
#   e.     docker/compose.yaml agrees with this script (scripts/check-compose.py)
#   f.     HAProxy caps open connections per client address (64)
#   d.     SIGKILL of one instance under a write load (scripts/topology_load.py):
#          every acknowledged write is in the database, failures at most the
#          requests in flight, none once HAProxy marked it down; restarted,
#          it is taken back
#   c.     per-address limits see the real client through HAProxy
#          (X-Forwarded-For from a trusted proxy): 127.0.0.2 exhausts its
#          login limit, 127.0.0.1 is still served; a forged X-Forwarded-For
#          does not help 127.0.0.2
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)

PGBIN=/usr/lib/postgresql/15/bin
LOAD_SECONDS=${TOPOLOGY_LOAD_SECONDS:-15} # length of the write load (d)
LOAD_THREADS=8                            # its concurrency: the bound on failures
LOAD_RATE=400                             # its requests a second, in all
KILL_AFTER=5                              # seconds into the load when app1 dies
LOGIN_IP_LIMIT=20                         # DRILLCAMP_LIMIT_LOGIN_IP of the instances (c)
ADMIN_PHONE=13800000000
ADMIN_PASSWORD="topology admin pass"
USER_PASSWORD="topology pass 123"

passed=0
failed=0
in_checks=0 # set-up done: the checks count their own failures
finished=0  # the summary line is printed
step="start"  # what is being set up, for the message when set -e stops us

say() { echo "# $*"; }
ok() {
  echo "ok - $*"
  passed=$((passed + 1))
}
# not_ok MESSAGE [COMPONENT...]: a failed check, with the tail of each
# component's log (primary, replica, pgbouncer, app1, app2, haproxy, ...)
not_ok() {
  echo "not ok - $1"
  failed=$((failed + 1))
  shift
  local c
  for c in "$@"; do show_log "$c"; done
}
show_log() {
  local f="$T/log/$1.log"
  [ -s "$f" ] || return 0
  echo "---- last lines of $1.log ----"
  tail -n 25 "$f" | sed 's/^/    /'
}
summary() {
  finished=1
  say "done in $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
}

# ---- clean-up: every process we started, by its id; the temporary folder

T=""
PIDS=()
cleanup() {
  local rc=$?
  set +e
  if [ "$finished" -eq 0 ]; then
    # set -e (or -u) stopped us: in a set-up step or, unexpectedly, in a check
    if [ "$in_checks" -eq 0 ]; then echo "not ok - setup: $step"; else echo "not ok - the checks stopped early"; fi
    failed=$((failed + 1))
    if [ -n "$T" ] && [ "$in_checks" -eq 0 ]; then
      for c in setup primary replica pgbouncer app1 app2 haproxy; do show_log "$c"; done
    fi
    summary
    rc=1
  fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ -n "$T" ] && [ -n "${TOPOLOGY_KEEP_LOGS:-}" ]; then
    mkdir -p "$TOPOLOGY_KEEP_LOGS" && cp -r "$T/log/." "$TOPOLOGY_KEEP_LOGS/" && cp "$T"/*.env "$T"/load.json* "$TOPOLOGY_KEEP_LOGS/" 2>/dev/null
  fi
  if [ -n "$T" ]; then
    for c in replica primary; do
      [ -f "$T/$c/data/PG_VERSION" ] &&
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/$c/data" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$T"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u postgres -- "$@"; }

# ---- set-up: packages, the binary, ports, keys --------------------------

step="install packages (scripts/install-deps.sh)"
scripts/install-deps.sh
for tool in haproxy pgbouncer curl openssl python3 "$PGBIN/initdb"; do
  command -v "$tool" >/dev/null || { echo "topology: $tool is missing" >&2; exit 1; }
done

step="build the server"
if [ -n "${DRILLCAMP_BIN:-}" ]; then
  BIN=$(realpath "$DRILLCAMP_BIN")
else
  build=${TOPOLOGY_BUILD_DIR:-build-topology}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDRILLCAMP_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" >/dev/null
  BIN=$(realpath "$build/drillcamp")
fi
[ -x "$BIN" ] || { echo "topology: no binary at $BIN" >&2; exit 1; }
say "binary: $BIN ($("$BIN" --version 2>/dev/null | head -n 1 || true))"

T=$(mktemp -d /tmp/drillcamp-topology.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/log" "$T/primary" "$T/replica" "$T/pgbouncer"
touch "$T/log/primary.log" "$T/log/replica.log"
chown postgres:postgres "$T/primary" "$T/replica" "$T/pgbouncer" "$T/log/primary.log" "$T/log/replica.log"

step="find free ports"
# a port is free when nothing accepts a connection on it
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=""
for b in 15400 15500 15600 15700 15800 15900 16400 16500; do
  all=1
  for off in 0 1 2 3 4 5 6; do port_free $((b + off)) || { all=0; break; }; done
  if [ "$all" -eq 1 ]; then base=$b; break; fi
done
[ -n "$base" ]
P_PRIMARY=$base P_REPLICA=$((base + 1)) P_PGBOUNCER=$((base + 2))
P_APP1=$((base + 3)) P_APP2=$((base + 4)) P_HAPROXY=$((base + 5)) P_STATS=$((base + 6))
URL="http://127.0.0.1:$P_HAPROXY"
say "ports: primary $P_PRIMARY, replica $P_REPLICA, pgbouncer $P_PGBOUNCER, app1 $P_APP1, app2 $P_APP2, haproxy $P_HAPROXY (stats $P_STATS); logs in $T/log"

step="make keys"
DBPASS=$(openssl rand -hex 16)
(umask 077 && openssl genpkey -algorithm ed25519 -out "$T/signing-key.pem")
PARTNER_KEY=$(openssl rand -hex 32)

# ---- PostgreSQL: primary and streaming replica ---------------------------

# psql as postgres over the cluster's Unix socket (trust): psql_on primary|replica ...
psql_on() {
  local c=$1 port
  shift
  [ "$c" = primary ] && port=$P_PRIMARY || port=$P_REPLICA
  as_pg psql -h "$T/$c" -p "$port" -U postgres -d drillcamp -X -v ON_ERROR_STOP=1 -qtA "$@"
}

start_pg() { # start_pg primary|replica PORT
  as_pg "$PGBIN/pg_ctl" -D "$T/$1/data" -w -t 60 -l "$T/log/$1.log" \
    -o "-p $2 -k $T/$1" start >/dev/null
}

setup_primary() {
  step="primary: initdb and start"
  as_pg "$PGBIN/initdb" -D "$T/primary/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$T/log/setup.log" 2>&1
  # the Unix socket (ours, in $T) trusted; TCP on loopback with passwords,
  # as in compose; the replica copies this file
  cat >"$T/primary/data/pg_hba.conf" <<EOF
local all         all                  trust
host  all         all    127.0.0.1/32  scram-sha-256
host  replication all    127.0.0.1/32  scram-sha-256
EOF
  cat >>"$T/primary/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
max_connections = 200
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
EOF
  start_pg primary "$P_PRIMARY"
  as_pg psql -h "$T/primary" -p "$P_PRIMARY" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE drillcamp LOGIN PASSWORD '$DBPASS';
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$DBPASS';
CREATE DATABASE drillcamp OWNER drillcamp;
SQL
}

setup_replica() {
  step="replica: pg_basebackup -R and start"
  PGPASSWORD=$DBPASS as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P_PRIMARY" -U replicator \
    -D "$T/replica/data" -R -X stream -c fast >>"$T/log/setup.log" 2>&1
  start_pg replica "$P_REPLICA"
  step="replica: wait until it streams"
  local state=""
  for _ in $(seq 100); do
    state=$(psql_on replica -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null || true)
    [ "$state" = streaming ] && break
    sleep 0.2
  done
  [ "$state" = streaming ]
  [ "$(psql_on replica -c 'SELECT pg_is_in_recovery()')" = t ]
  ok "setup: PostgreSQL 15 primary (:$P_PRIMARY) and hot-standby replica (:$P_REPLICA) streaming"
}

# ---- PgBouncer ----------------------------------------------------------

setup_pgbouncer() {
  step="pgbouncer: config from docker/pgbouncer.ini"
  local ini="$T/pgbouncer/pgbouncer.ini"
  sed -e "s/^drillcamp = .*/drillcamp = host=127.0.0.1 port=$P_PRIMARY dbname=drillcamp/" \
    -e "s/^listen_addr = .*/listen_addr = 127.0.0.1/" \
    -e "s/^listen_port = .*/listen_port = $P_PGBOUNCER/" \
    -e "s|^auth_file = .*|auth_file = $T/pgbouncer/userlist.txt|" \
    docker/pgbouncer.ini >"$ini"
  # each substitution took, and the pooling is the file's
  grep -q "^drillcamp = host=127.0.0.1 port=$P_PRIMARY " "$ini"
  grep -q "^listen_port = $P_PGBOUNCER\$" "$ini"
  grep -q "^auth_file = $T/pgbouncer/userlist.txt\$" "$ini"
  grep -q '^pool_mode = transaction$' "$ini"
  printf '"drillcamp" "%s"\n' "$DBPASS" >"$T/pgbouncer/userlist.txt"
  chown postgres:postgres "$ini" "$T/pgbouncer/userlist.txt"
  chmod 600 "$T/pgbouncer/userlist.txt"
  step="pgbouncer: start"
  # setpriv execs (no fork), so the id we keep is PgBouncer's own
  setpriv --reuid=postgres --regid=postgres --init-groups pgbouncer "$ini" \
    >>"$T/log/pgbouncer.log" 2>&1 &
  PIDS+=($!)
  local up=0
  for _ in $(seq 50); do
    if PGPASSWORD=$DBPASS psql -h 127.0.0.1 -p "$P_PGBOUNCER" -U drillcamp -d drillcamp -X -qtAc \
      'SELECT 1' >/dev/null 2>&1; then up=1; break; fi
    sleep 0.2
  done
  [ "$up" -eq 1 ]
  ok "setup: PgBouncer (:$P_PGBOUNCER, pool_mode = transaction) answers for the primary"
}

# ---- drillcamp ------------------------------------------------------------

# The environment of instance N, one KEY=VALUE a line (check-compose.py
# reads app1's): what docker/compose.yaml gives app1 and app2, with loopback
# addresses, plus the test's lower login limit.
write_app_env() {
  local n=$1 port=$2
  cat >"$T/app$n.env" <<EOF
DATABASE_URL=host=127.0.0.1 port=$P_PGBOUNCER dbname=drillcamp user=drillcamp
DATABASE_READ_URL=host=127.0.0.1 port=$P_REPLICA dbname=drillcamp user=drillcamp
PGPASSWORD=$DBPASS
DRILLCAMP_DB_PREPARED=0
DRILLCAMP_TRUSTED_PROXIES=127.0.0.1/32
DRILLCAMP_BIND=127.0.0.1
DRILLCAMP_PORT=$port
DRILLCAMP_SIGNING_KEY=$T/signing-key.pem
DRILLCAMP_PARTNER_KEY=$PARTNER_KEY
DRILLCAMP_PUBLIC_URL=$URL
DRILLCAMP_LIMIT_LOGIN_IP=$LOGIN_IP_LIMIT
EOF
}

# app_env N: the instance's environment as env(1) arguments in APP_ENV
app_env() {
  APP_ENV=()
  local line
  while IFS= read -r line; do APP_ENV+=("$line"); done <"$T/app$1.env"
}

# the primary directly (not PgBouncer): migrate's lock is a session lock
run_direct() {
  env -i PATH=/usr/bin:/bin PGPASSWORD="$DBPASS" \
    DATABASE_URL="host=127.0.0.1 port=$P_PRIMARY dbname=drillcamp user=drillcamp" \
    DRILLCAMP_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$BIN" "$@"
}

port_of() { [ "$1" = 1 ] && echo "$P_APP1" || echo "$P_APP2"; }

start_app() { # start_app N: starts instance N, its id in APP_PID[N]
  local n=$1
  app_env "$n"
  env -i PATH=/usr/bin:/bin "${APP_ENV[@]}" "$BIN" serve >>"$T/log/app$n.log" 2>&1 &
  APP_PID[n]=$!
  PIDS+=($!)
}

wait_app_ready() { # wait_app_ready N: its own /readyz answers 200 (at most 15 s)
  local n=$1 port
  port=$(port_of "$n")
  for _ in $(seq 150); do
    kill -0 "${APP_PID[$n]}" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

declare -a APP_PID
setup_apps() {
  step="drillcamp migrate (directly against the primary)"
  run_direct migrate >>"$T/log/setup.log" 2>&1
  step="drillcamp create-admin"
  run_direct create-admin --phone "$ADMIN_PHONE" >>"$T/log/setup.log" 2>&1
  step="drillcamp: two instances (DATABASE_URL through PgBouncer, DATABASE_READ_URL on the replica)"
  write_app_env 1 "$P_APP1"
  write_app_env 2 "$P_APP2"
  start_app 1
  start_app 2
  wait_app_ready 1
  wait_app_ready 2
  ok "setup: drillcamp app1 (:$P_APP1) and app2 (:$P_APP2) ready (GET /readyz through PgBouncer)"
}

# ---- HAProxy ----------------------------------------------------------------

# HAProxy's environment (compose sets the same names): docker/haproxy.cfg
# takes the addresses and ports from it
write_haproxy_env() {
  cat >"$T/haproxy.env" <<EOF
APP1_ADDR=127.0.0.1:$P_APP1
APP2_ADDR=127.0.0.1:$P_APP2
HAPROXY_BIND=127.0.0.1:$P_HAPROXY
HAPROXY_STATS_BIND=127.0.0.1:$P_STATS
HAPROXY_STATS_SOCKET=$T/haproxy.sock
EOF
}

haproxy_env() { # HAPROXY_ENV: the file as env(1) arguments
  HAPROXY_ENV=()
  local line
  while IFS= read -r line; do HAPROXY_ENV+=("$line"); done <"$T/haproxy.env"
}

# hap_status SERVER: its status on HAProxy's stats page (UP, DOWN, "DOWN 1/2", ...)
hap_status() {
  curl -s --max-time 2 "http://127.0.0.1:$P_STATS/stats;csv" |
    awk -F, -v s="$1" '$1 == "be_drillcamp" && $2 == s { print $18 }'
}

# wait_hap SERVER STATE SECONDS: until the server's status is STATE
wait_hap() {
  local i
  for i in $(seq $(($3 * 10))); do
    [ "$(hap_status "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

setup_haproxy() {
  step="haproxy: check docker/haproxy.cfg and start"
  write_haproxy_env
  haproxy_env
  env "${HAPROXY_ENV[@]}" haproxy -c -q -f docker/haproxy.cfg >>"$T/log/haproxy.log" 2>&1
  env "${HAPROXY_ENV[@]}" haproxy -db -f docker/haproxy.cfg >>"$T/log/haproxy.log" 2>&1 &
  PIDS+=($!)
  step="haproxy: both servers UP (health checks on /readyz)"
  wait_hap app1 UP 15
  wait_hap app2 UP 15
  ok "setup: HAProxy (:$P_HAPROXY) sees app1 and app2 UP"
}

# ---- HTTP helpers (curl through HAProxy) --------------------------------------

# api METHOD PATH TOKEN BODY [curl arguments...]: CODE, RESP (body), HDRS (file)
api() {
  local method=$1 path=$2 token=$3 body=$4
  shift 4
  local args=(-sS --max-time 15 -X "$method" -o "$T/resp.body" -D "$T/resp.headers" -w '%{http_code}')
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  CODE=$(curl "${args[@]}" "$@" "$URL$path" 2>>"$T/log/curl.log") || CODE=000
  RESP=$(cat "$T/resp.body" 2>/dev/null || true)
  HDRS="$T/resp.headers"
}

# jget PATH [JSON]: a field of RESP (or of JSON): "token", "account.id",
# "entries.0.like_count"; prints nothing when it is absent
jget() {
  python3 - "$1" "${2-$RESP}" <<'PY' 2>/dev/null || true
import json, sys
v = json.loads(sys.argv[2])
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
PY
}

# why: the last answer in a line, for a failure message
why() { echo "HTTP $CODE: $(head -c 300 <<<"$RESP")"; }

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# register PHONE NAME [SOURCE]: POST /v1/accounts; then login PHONE PASSWORD [SOURCE] -> TOKEN
register() {
  api POST /v1/accounts "" "{\"phone\":\"$1\",\"password\":\"$USER_PASSWORD\",\"display_name\":\"$2\",\"kind\":\"individual\",\"region_code\":\"350200\",\"audience\":\"resident\"}" \
    --interface "${3:-127.0.0.1}"
  [ "$CODE" = 201 ]
}
login() {
  TOKEN=""
  api POST /v1/sessions "" "{\"phone\":\"$1\",\"password\":\"$2\"}" --interface "${3:-127.0.0.1}"
  [ "$CODE" = 201 ] && TOKEN=$(jget token) && [ -n "$TOKEN" ]
}

# retry_get PATH SECONDS: GET until 200 (replica-eligible reads may lag the
# primary by a moment)
retry_get() {
  local i
  for i in $(seq $(($2 * 5))); do
    api GET "$1" "" ""
    [ "$CODE" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

# ---- a. the user flows through HAProxy ---------------------------------------------

ADMIN=""
LEARNER=""
SUB_ID=""
LESSON_ID=""
CERT_SERIAL=""

check_admin_campaign() {
  local what="a1. admin logs in and opens the campaign with 8 x 60 s class hours (PATCH /v1/admin/campaign, POST /v1/admin/lessons)"
  login "$ADMIN_PHONE" "$ADMIN_PASSWORD" 127.0.2.1 || { not_ok "$what: login $(why)" app1 app2; return 1; }
  ADMIN=$TOKEN
  api PATCH /v1/admin/campaign "$ADMIN" "{\"warmup_at\":\"$(iso '-2 days')\",\"launch_at\":\"$(iso '-1 day')\",\"ends_at\":\"$(iso '+30 days')\",\"topic\":\"逃生演练训练营\",\"rules\":{\"class_hour_seconds\":60,\"required_class_hours\":8,\"require_checkin\":true,\"max_playback_rate\":1000}}"
  [ "$CODE" = 200 ] && [ "$(jget phase)" = live ] || { not_ok "$what: campaign $(why)" app1 app2; return 1; }
  api POST /v1/admin/lessons "$ADMIN" '{"title":"火场逃生要点","category":"fire","duration_seconds":480,"video_url":"https://video.example.cn/l.mp4"}'
  LESSON_ID=$(jget id)
  [ "$CODE" = 201 ] && [ -n "$LESSON_ID" ] || { not_ok "$what: lesson $(why)" app1 app2; return 1; }
  ok "$what"
}

check_register_login() {
  local what="a2. a learner registers (POST /v1/accounts) and logs in (POST /v1/sessions)"
  register 13712340001 "张三" 127.0.2.2 || { not_ok "$what: register $(why)" app1 app2; return 1; }
  login 13712340001 "$USER_PASSWORD" 127.0.2.2 || { not_ok "$what: login $(why)" app1 app2; return 1; }
  LEARNER=$TOKEN
  api GET /v1/me "$LEARNER" ""
  [ "$CODE" = 200 ] && [ "$(jget display_name)" = "张三" ] || { not_ok "$what: GET /v1/me $(why)" app1 app2; return 1; }
  ok "$what"
}

check_learning() {
  local what="a3. the learner watches 480 s of a lesson, checks in and is eligible (8 class hours)"
  [ -n "$LEARNER" ] && [ -n "$LESSON_ID" ] || { not_ok "$what: skipped (no learner or lesson)"; return 1; }
  retry_get "/v1/lessons/$LESSON_ID" 5 || { not_ok "$what: GET /v1/lessons/$LESSON_ID $(why)" app1 app2 replica; return 1; }
  api POST /v1/progress "$LEARNER" "{\"items\":[{\"content_type\":\"lesson\",\"content_id\":\"$LESSON_ID\",\"from_second\":0,\"to_second\":480}]}"
  [ "$CODE" = 200 ] && [ "$(jget total_credited_seconds)" = 480 ] ||
    { not_ok "$what: progress $(why)" app1 app2; return 1; }
  api POST /v1/checkins "$LEARNER" ""
  [ "$CODE" = 201 ] || { not_ok "$what: check-in $(why)" app1 app2; return 1; }
  api GET /v1/me/progress "$LEARNER" ""
  [ "$CODE" = 200 ] && [ "$(jget eligible)" = true ] || { not_ok "$what: GET /v1/me/progress $(why)" app1 app2; return 1; }
  ok "$what"
}

check_certificate() {
  local what="a4. the learner claims a certificate (POST /v1/me/certificate) and it verifies (GET /v1/certificates/{serial}, and offline with openssl)"
  [ -n "$LEARNER" ] || { not_ok "$what: skipped (no learner)"; return 1; }
  api POST /v1/me/certificate "$LEARNER" ""
  CERT_SERIAL=$(jget serial)
  [ "$CODE" = 201 ] && [ -n "$CERT_SERIAL" ] || { not_ok "$what: claim $(why)" app1 app2; return 1; }
  jget signed_payload | tr -d '\n' >"$T/cert.payload"
  jget signature | base64 -d >"$T/cert.sig" 2>/dev/null
  retry_get "/v1/certificates/$CERT_SERIAL" 5 || { not_ok "$what: verify $(why)" app1 app2 replica; return 1; }
  [ "$(jget valid)" = true ] || { not_ok "$what: not valid: $(why)"; return 1; }
  api GET /v1/certificates/public-key "" ""
  printf '%s\n' "$RESP" >"$T/cert.pub"
  openssl pkeyutl -verify -pubin -inkey "$T/cert.pub" -rawin -in "$T/cert.payload" \
    -sigfile "$T/cert.sig" >/dev/null 2>&1 || { not_ok "$what: the signature does not verify offline"; return 1; }
  ok "$what"
}

check_submission() {
  local what="a5. the learner posts a submission (Idempotency-Key, replayed once) and the admin approves it"
  [ -n "$LEARNER" ] && [ -n "$ADMIN" ] || { not_ok "$what: skipped (no learner or admin)"; return 1; }
  local body='{"title":"我家的逃生路线","category":"fire","video_url":"https://v.example.com/1.mp4","duration_seconds":60,"format":"mp4","size_bytes":1048576,"hashtags":["#逃生演练训练营"],"original":true}'
  api POST /v1/submissions "$LEARNER" "$body" -H 'Idempotency-Key: topology-first-video'
  SUB_ID=$(jget id)
  [ "$CODE" = 201 ] && [ -n "$SUB_ID" ] || { not_ok "$what: create $(why)" app1 app2; SUB_ID=""; return 1; }
  api POST /v1/submissions "$LEARNER" "$body" -H 'Idempotency-Key: topology-first-video'
  [ "$CODE" = 201 ] && [ "$(jget id)" = "$SUB_ID" ] && grep -qi '^Idempotent-Replayed: true' "$HDRS" ||
    { not_ok "$what: the replay: $(why)" app1 app2; return 1; }
  api POST "/v1/admin/submissions/$SUB_ID/review" "$ADMIN" '{"decision":"approve"}'
  [ "$CODE" = 200 ] && [ "$(jget status)" = approved ] || { not_ok "$what: review $(why)" app1 app2; SUB_ID=""; return 1; }
  retry_get "/v1/submissions/$SUB_ID" 5 || { not_ok "$what: GET /v1/submissions/$SUB_ID $(why)" replica; return 1; }
  ok "$what"
}

LIKERS=3
check_likes() {
  local what="a6. $LIKERS users like it (PUT /v1/submissions/{id}/like) and its like_count is $LIKERS"
  [ -n "$SUB_ID" ] || { not_ok "$what: skipped (no approved submission)"; return 1; }
  local i count
  for i in $(seq "$LIKERS"); do
    register "1371234001$i" "点赞用户$i" "127.0.2.1$i" || { not_ok "$what: register liker $i $(why)" app1 app2; return 1; }
    login "1371234001$i" "$USER_PASSWORD" "127.0.2.1$i" || { not_ok "$what: login liker $i $(why)" app1 app2; return 1; }
    api PUT "/v1/submissions/$SUB_ID/like" "$TOKEN" ""
    [ "$CODE" = 200 ] && [ "$(jget liked)" = true ] && [ "$(jget like_count)" = "$i" ] ||
      { not_ok "$what: like $i $(why)" app1 app2; return 1; }
  done
  # GET /v1/submissions/{id} is exact (the replica may lag a moment)
  for _ in $(seq 25); do
    api GET "/v1/submissions/$SUB_ID" "" ""
    count=$(jget like_count)
    [ "$count" = "$LIKERS" ] && break
    sleep 0.2
  done
  [ "$count" = "$LIKERS" ] || { not_ok "$what: like_count $count: $(why)" replica; return 1; }
  ok "$what"
}

check_leaderboard() {
  local what="a7. the leaderboard (GET /v1/leaderboard) shows the submission with $LIKERS likes within 10 s"
  [ -n "$SUB_ID" ] || { not_ok "$what: skipped (no approved submission)"; return 1; }
  local found=""
  for _ in $(seq 50); do
    api GET "/v1/leaderboard?limit=10" "" ""
    found=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(next((e["like_count"] for e in d.get("entries", []) if e["submission"]["id"] == sys.argv[2]), ""))' \
      "$RESP" "$SUB_ID" 2>/dev/null || true)
    [ "$found" = "$LIKERS" ] && break
    sleep 0.2
  done
  [ "$found" = "$LIKERS" ] || { not_ok "$what: entry like_count '$found': $(why)" app1 app2; return 1; }
  ok "$what"
}

# ---- b. reads on the replica; PgBouncer pools ----------------------------------------

# metric PORT NAME [LABEL]: the sum of the samples of NAME (with LABEL, e.g.
# pool="replica") on an instance's /metrics; "absent" when there is none
metric() {
  curl -s --max-time 5 "http://127.0.0.1:$1/metrics" |
    awk -v name="$2" -v label="${3:-}" '
      index($0, name) == 1 {
        rest = substr($0, length(name) + 1)
        if (rest !~ /^[{ ]/) next
        if (label != "" && index(rest, label) == 0) next
        sum += $NF; n++
      }
      END { if (n) printf "%d\n", sum; else print "absent" }'
}
metric_both() { # metric_both NAME [LABEL]: summed over both instances ("absent" if either lacks it)
  local a b
  a=$(metric "$P_APP1" "$@")
  b=$(metric "$P_APP2" "$@")
  if [ "$a" = absent ] || [ "$b" = absent ]; then echo absent; else echo $((a + b)); fi
}

replica_reads() { # 20 GET /v1/submissions and 20 GET /v1/lessons through HAProxy
  local i
  for i in $(seq 20); do
    curl -s -o /dev/null "$URL/v1/submissions?limit=5&sort=recent"
    curl -s -o /dev/null "$URL/v1/lessons?category=fire&limit=$((i % 5 + 1))"
  done
}

check_replica_metrics() {
  local what='b1. replica-eligible reads through HAProxy hit the replica: drillcamp_db_pool_acquires_total{pool="replica"} grows by >= 40, drillcamp_db_replica_fallbacks_total does not'
  local r0 r1 f0 f1 p0
  r0=$(metric_both drillcamp_db_pool_acquires_total 'pool="replica"')
  p0=$(metric_both drillcamp_db_pool_acquires_total 'pool="primary"')
  f0=$(metric_both drillcamp_db_replica_fallbacks_total)
  replica_reads
  r1=$(metric_both drillcamp_db_pool_acquires_total 'pool="replica"')
  f1=$(metric_both drillcamp_db_replica_fallbacks_total)
  if [ "$r0" = absent ] || [ "$p0" = absent ] || [ "$f0" = absent ]; then
    not_ok "$what: the metrics are absent from /metrics (replica=$r0 primary=$p0 fallbacks=$f0): not in this build yet?"
    return 1
  fi
  [ $((r1 - r0)) -ge 40 ] && [ "$f1" = "$f0" ] ||
    { not_ok "$what: replica acquires $r0 -> $r1, fallbacks $f0 -> $f1" app1 replica; return 1; }
  ok "$what ($r0 -> $r1)"
}

check_replica_cluster() {
  local what="b2. the replica cluster serves them: drillcamp's connections in its pg_stat_activity, its xact_commit grows by >= 40"
  local x0 x1 conns
  x0=$(psql_on replica -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'drillcamp'")
  replica_reads
  conns=$(psql_on replica -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'drillcamp' AND datname = 'drillcamp'")
  # statistics reach pg_stat_database within a second or so of the backends going idle
  for _ in $(seq 40); do
    x1=$(psql_on replica -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'drillcamp'")
    [ $((x1 - x0)) -ge 40 ] && break
    sleep 0.25
  done
  [ "$conns" -gt 0 ] && [ $((x1 - x0)) -ge 40 ] ||
    { not_ok "$what: $conns connections, xact_commit $x0 -> $x1" replica app1; return 1; }
  ok "$what ($conns connections, xact_commit $x0 -> $x1)"
}

# both instances' drillcamp_db_replica_up equal to $1 within 10 s
wait_replica_up() {
  local _
  for _ in $(seq 50); do
    [ "$(metric "$P_APP1" drillcamp_db_replica_up)" = "$1" ] &&
      [ "$(metric "$P_APP2" drillcamp_db_replica_up)" = "$1" ] && return 0
    sleep 0.2
  done
  return 1
}

check_replica_lag() {
  local what="b4. a replica that stops replaying (pg_wal_replay_pause) and falls more than DRILLCAMP_REPLICA_MAX_LAG_MS behind: reads go to the primary, counted as lagging fallbacks; back to the replica once it catches up"
  local r0 r1 f0 f1 ok_reads=0 i code
  psql_on replica -c "SELECT pg_wal_replay_pause()" >/dev/null
  # a write the replica will not replay
  psql_on primary -c "CREATE TABLE IF NOT EXISTS topology_probe (at timestamptz); INSERT INTO topology_probe VALUES (now())" >/dev/null
  if ! wait_replica_up 0; then
    psql_on replica -c "SELECT pg_wal_replay_resume()" >/dev/null
    not_ok "$what: drillcamp_db_replica_up stayed 1 with replay paused" app1 replica
    return 1
  fi
  r0=$(metric_both drillcamp_db_pool_acquires_total 'pool="replica"')
  f0=$(metric_both drillcamp_db_replica_fallbacks_total 'reason="lagging"')
  for i in $(seq 20); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/lessons?category=fire&limit=$((i % 5 + 1))")
    [ "$code" = 200 ] && ok_reads=$((ok_reads + 1))
  done
  r1=$(metric_both drillcamp_db_pool_acquires_total 'pool="replica"')
  f1=$(metric_both drillcamp_db_replica_fallbacks_total 'reason="lagging"')
  psql_on replica -c "SELECT pg_wal_replay_resume()" >/dev/null
  [ "$ok_reads" = 20 ] && [ "$r1" = "$r0" ] && [ $((f1 - f0)) -ge 20 ] ||
    { not_ok "$what: $ok_reads of 20 reads answered 200, replica acquires $r0 -> $r1, lagging fallbacks $f0 -> $f1" app1 replica; return 1; }
  wait_replica_up 1 ||
    { not_ok "$what: the replica did not come back after replay resumed" app1 replica; return 1; }
  ok "$what (20 reads answered from the primary, lagging fallbacks $f0 -> $f1, replica up again)"
}

check_pgbouncer_pools() {
  local what="b3. the instances' primary traffic goes through PgBouncer in transaction pooling (SHOW POOLS, SHOW STATS)"
  local pools stats
  pools=$(PGPASSWORD=$DBPASS psql -h 127.0.0.1 -p "$P_PGBOUNCER" -U drillcamp -d pgbouncer -X -qtA -F' ' -c 'SHOW POOLS' 2>&1 || true)
  stats=$(PGPASSWORD=$DBPASS psql -h 127.0.0.1 -p "$P_PGBOUNCER" -U drillcamp -d pgbouncer -X -qtA -F' ' -c 'SHOW STATS' 2>&1 || true)
  # SHOW POOLS: database user cl_active ... pool_mode (last); SHOW STATS: database total_xact_count ...
  local mode xacts
  mode=$(awk '$1 == "drillcamp" && $2 == "drillcamp" { print $NF }' <<<"$pools")
  xacts=$(awk '$1 == "drillcamp" { print $2 }' <<<"$stats")
  [ "$mode" = transaction ] && [ "${xacts:-0}" -gt 0 ] ||
    { not_ok "$what: pool_mode '$mode', transactions '${xacts:-}'; SHOW POOLS: $pools" pgbouncer; return 1; }
  ok "$what ($xacts transactions)"
}

# ---- e. compose agrees ---------------------------------------------------------------

check_compose() {
  local what="e. docker/compose.yaml agrees with this topology (scripts/check-compose.py)"
  local out
  # Debian's python3: python3-yaml is installed for it
  if out=$(/usr/bin/python3 scripts/check-compose.py --topology-env "$T/app1.env" \
    --topology-haproxy-env "$T/haproxy.env" --topology-haproxy docker/haproxy.cfg \
    --topology-pgbouncer "$T/pgbouncer/pgbouncer.ini" 2>&1); then
    ok "$what"
  else
    not_ok "$what"
    sed 's/^/    /' <<<"$out"
  fi
}

# ---- d. one instance killed under load -------------------------------------------------

LOAD_OK=0
KILL_AT=""
DOWN_AT=""

check_kill_under_load() {
  local what="d1. app1 killed (SIGKILL) $KILL_AFTER s into a ${LOAD_SECONDS} s write load: HAProxy marks it DOWN"
  [ -n "$ADMIN" ] || { not_ok "$what: skipped (no admin token)"; return 1; }
  if ! python3 scripts/topology_load.py setup --url "$URL" --admin-token "$ADMIN" --users 12 \
    --submissions 40 --out "$T/load-state.json" >>"$T/log/load.log" 2>&1; then
    not_ok "$what: the load's setup failed" load app1 app2
    return 1
  fi
  python3 scripts/topology_load.py run --url "$URL" --state "$T/load-state.json" \
    --seconds "$LOAD_SECONDS" --threads "$LOAD_THREADS" --rate "$LOAD_RATE" \
    --out "$T/load.json" >>"$T/log/load.log" 2>&1 &
  local load=$!
  PIDS+=("$load")
  sleep "$KILL_AFTER"
  KILL_AT=$EPOCHREALTIME # the same clock as the load's time.time(), taken just before
  kill -KILL "${APP_PID[1]}"
  wait "${APP_PID[1]}" 2>/dev/null || true
  local down=0
  for _ in $(seq 100); do
    case "$(hap_status app1)" in DOWN*) down=1; break ;; esac
    sleep 0.1
  done
  DOWN_AT=$EPOCHREALTIME
  wait "$load" && LOAD_OK=1
  [ "$LOAD_OK" -eq 1 ] || { not_ok "$what: the load generator failed" load; return 1; }
  [ "$down" -eq 1 ] || { not_ok "$what: still '$(hap_status app1)' 10 s after the kill" haproxy; return 1; }
  ok "$what $(awk -v a="$KILL_AT" -v b="$DOWN_AT" 'BEGIN { printf "after %.1f s", b - a }')"
}

check_acked_writes() {
  local what="d2. every acknowledged write of the load is in the primary"
  [ "$LOAD_OK" -eq 1 ] || { not_ok "$what: skipped (no load results)"; return 1; }
  local res
  res=$(psql_on primary <<SQL 2>&1
CREATE TEMP TABLE acked_likes (submission_id bigint, account_id bigint);
CREATE TEMP TABLE acked_subs (id bigint, title text);
\copy acked_likes FROM '$T/load.json.likes.csv' WITH (FORMAT csv)
\copy acked_subs FROM '$T/load.json.subs.csv' WITH (FORMAT csv)
SELECT (SELECT count(*) FROM acked_likes) || ' ' ||
       (SELECT count(*) FROM acked_likes a LEFT JOIN likes l USING (submission_id, account_id)
         WHERE l.account_id IS NULL) || ' ' ||
       (SELECT count(*) FROM acked_subs) || ' ' ||
       (SELECT count(*) FROM acked_subs a LEFT JOIN submissions s ON s.id = a.id AND s.title = a.title
         WHERE s.id IS NULL);
SQL
  ) || true
  local likes missing_likes subs missing_subs
  read -r likes missing_likes subs missing_subs <<<"$(tail -n 1 <<<"$res")"
  if [ -z "${missing_subs:-}" ]; then not_ok "$what: $res"; return 1; fi
  [ "$likes" -gt 0 ] && [ "$subs" -gt 0 ] && [ "$missing_likes" = 0 ] && [ "$missing_subs" = 0 ] ||
    { not_ok "$what: likes $likes acknowledged, $missing_likes missing; submissions $subs acknowledged, $missing_subs missing"; return 1; }
  ok "$what ($likes likes, $subs submissions)"
}

check_load_failures() {
  [ "$LOAD_OK" -eq 1 ] || { not_ok "d3. failures of the load: skipped (no load results)"; not_ok "d4. requests after DOWN: skipped"; return 1; }
  local a
  a=$(python3 scripts/topology_load.py analyze --results "$T/load.json" --kill-at "$KILL_AT" --down-at "$DOWN_AT")
  say "load: $a"
  local n acked failed before after failed_after inflight between
  n=$(jget requests "$a") acked=$(jget acked "$a") failed=$(jget failed "$a")
  before=$(jget failed_before_kill "$a") after=$(jget after_down "$a") failed_after=$(jget failed_after_down "$a")
  inflight=$(jget in_flight_at_kill "$a") between=$(jget between_kill_and_down "$a")
  local what="d3. of $n writes $acked were acknowledged; failures ($failed) at most the requests in flight (<= $LOAD_THREADS threads; $inflight under way at the kill, $between sent before DOWN), none before the kill"
  if [ "$failed" -le "$LOAD_THREADS" ] && [ "$before" = 0 ] && [ "$acked" -gt 0 ]; then ok "$what"; else
    not_ok "$what: $(jget failed_statuses "$a") $(jget first_failures "$a")" haproxy app2; fi
  what="d4. all $after writes sent after HAProxy marked app1 DOWN succeeded"
  if [ "$failed_after" = 0 ] && [ "$after" -gt 0 ]; then ok "$what"; else
    not_ok "$what: $failed_after failed" haproxy app2; fi
}

check_like_counts() {
  local what="d5. the like counts converge: every submission's like_count equals its likes rows (within 5 s)"
  [ "$LOAD_OK" -eq 1 ] || { not_ok "$what: skipped (no load results)"; return 1; }
  local off=""
  for _ in $(seq 25); do
    off=$(psql_on primary -c "SELECT count(*) FROM submissions s
      WHERE like_count <> (SELECT count(*) FROM likes l WHERE l.submission_id = s.id)" 2>&1)
    [ "$off" = 0 ] && break
    sleep 0.2
  done
  [ "$off" = 0 ] || { not_ok "$what: $off submissions off" app2; return 1; }
  ok "$what"
}

check_restart() {
  local what="d6. app1 restarted: HAProxy marks it UP and sends it requests again"
  start_app 1
  wait_app_ready 1 || { not_ok "$what: app1 not ready" app1; return 1; }
  wait_hap app1 UP 15 || { not_ok "$what: HAProxy says '$(hap_status app1)'" haproxy; return 1; }
  local i served
  for i in $(seq 20); do curl -s -o /dev/null "$URL/v1/lessons?limit=$((i % 5 + 1))"; done
  # requests app1 answered besides the health checks and our scrapes
  served=$(curl -s "http://127.0.0.1:$P_APP1/metrics" |
    awk '/^drillcamp_http_requests_total\{/ && !/route="\/readyz"/ && !/route="\/metrics"/ { s += $NF } END { print s + 0 }')
  [ "$served" -gt 0 ] || { not_ok "$what: app1 answered no request through HAProxy" haproxy app1; return 1; }
  ok "$what ($served requests on app1)"
}

# ---- f. HAProxy's cap on connections per client address ----------------------------

check_connection_cap() {
  local what="f. HAProxy holds at most 64 open connections per client address (stick table): of 70 from 127.0.0.3, 6 are refused; 127.0.0.1 is served meanwhile"
  local out
  out=$(python3 - "$P_HAPROXY" "$URL" <<'PY' 2>&1
import socket, sys, time, urllib.request
port, url = int(sys.argv[1]), sys.argv[2]
socks = []
for _ in range(70):
    s = socket.socket()
    s.bind(("127.0.0.3", 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
    time.sleep(0.005)  # in order: the first 64 are the ones kept
time.sleep(0.5)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        closed += s.recv(1) == b""
    except BlockingIOError:
        pass  # open, waiting for a request
    except ConnectionError:
        closed += 1
other = urllib.request.urlopen(url + "/healthz", timeout=5).status
for s in socks:
    s.close()
print(closed, other)
PY
  ) || true
  local closed other
  read -r closed other <<<"$out"
  [ "$closed" = 6 ] && [ "$other" = 200 ] || { not_ok "$what: $out" haproxy; return 1; }
  ok "$what"
}

# ---- c. per-address limits see the real client --------------------------------------

check_slow_heads() {
  local what="f2. slow clients behind HAProxy: 20 connections from 127.0.0.2 trickling a header byte a second are all closed by HAProxy's timeout http-request (10 s) while 127.0.0.1 is answered every time"
  local out
  out=$(python3 - "$P_HAPROXY" "$URL" <<'PY' 2>&1
import socket, sys, threading, time, urllib.request
port, url = int(sys.argv[1]), sys.argv[2]
socks = []
for _ in range(20):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
ok = bad = 0
stop = False
def probe():
    global ok, bad
    while not stop:
        try:
            ok += urllib.request.urlopen(url + "/healthz", timeout=5).status == 200
        except Exception:
            bad += 1
        time.sleep(0.2)
t = threading.Thread(target=probe)
t.start()
start = time.time()
open_ = list(socks)
while open_ and time.time() - start < 30:
    time.sleep(1)
    still = []
    for s in open_:
        try:
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    continue  # closed
                continue  # an answer (408): closed after it
            except BlockingIOError:
                pass
            s.send(b"X")
            still.append(s)
        except OSError:
            pass
    open_ = still
took = time.time() - start
stop = True
t.join()
for s in socks:
    s.close()
print(len(open_), round(took), ok, bad)
PY
  ) || true
  local left took good bad
  read -r left took good bad <<<"$out"
  [ "$left" = 0 ] && [ "$bad" = 0 ] && [ "${good:-0}" -gt 10 ] ||
    { not_ok "$what: $out (left open, seconds, answers, failures)" haproxy; return 1; }
  ok "$what (all closed after ${took} s; $good answers, 0 failures)"
}

check_client_address() {
  local what="c. per-address login limit ($LOGIN_IP_LIMIT/min per instance) keys on the client behind HAProxy: 127.0.0.2 (forging X-Forwarded-For) gets 429, 127.0.0.1 does not"
  local batch i codes all429=0 sent=0 pids
  # 8 wrong logins at a time from 127.0.0.2, each with another forged
  # X-Forwarded-For and phone, until a whole batch is refused (both instances)
  for batch in $(seq 12); do
    pids=()
    for i in $(seq 8); do
      curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 --interface 127.0.0.2 \
        -H "X-Forwarded-For: 10.$batch.$i.7" -H 'Content-Type: application/json' \
        --data-binary "{\"phone\":\"1398765$(printf '%02d%02d' "$batch" "$i")\",\"password\":\"wrong password\"}" \
        "$URL/v1/sessions" >"$T/c.$i" &
      pids+=($!)
    done
    wait "${pids[@]}"
    codes=$(cat "$T"/c.? | sort | uniq -c | tr -s ' \n' ' ')
    sent=$((sent + 8))
    if [ "$(cat "$T"/c.? | grep -c '^429$')" = 8 ]; then all429=1; break; fi
  done
  [ "$all429" -eq 1 ] || { not_ok "$what: 127.0.0.2 never refused in $sent logins (last batch: $codes); X-Forwarded-For taken from the client?" app1 app2; return 1; }
  local c1 c2
  login 13712340001 "$USER_PASSWORD" 127.0.0.1 && c1=$CODE || c1=$CODE
  login 13712340001 "$USER_PASSWORD" 127.0.0.1 && c2=$CODE || c2=$CODE
  [ "$c1" = 201 ] && [ "$c2" = 201 ] ||
    { not_ok "$what: 127.0.0.2 refused after $sent logins, but 127.0.0.1 then got $c1 and $c2 (the instances count HAProxy's address, not the client's: DRILLCAMP_TRUSTED_PROXIES not honoured?)" app1 app2; return 1; }
  ok "$what (127.0.0.2 refused after $sent logins)"
}

# ---- run ------------------------------------------------------------------------------

setup_primary
setup_replica
setup_pgbouncer
setup_apps
setup_haproxy
step="checks"
in_checks=1

check_admin_campaign || true
check_register_login || true
check_learning || true
check_certificate || true
check_submission || true
check_likes || true
check_leaderboard || true
check_replica_metrics || true
check_replica_cluster || true
check_replica_lag || true
check_pgbouncer_pools || true
check_compose || true
check_connection_cap || true
check_slow_heads || true
check_kill_under_load || true
check_acked_writes || true
check_load_failures || true
check_like_counts || true
check_restart || true
check_client_address || true

summary
[ "$failed" -eq 0 ]
