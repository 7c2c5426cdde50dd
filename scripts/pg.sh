#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a folder of ours, reachable only through
# a Unix socket inside that folder.
#   pg.sh start DIR     create (first time) and start; prints the conninfo
#   pg.sh stop DIR [MODE]   stop (MODE fast by default; immediate to crash)
#   pg.sh url DIR       print the conninfo for database drillcamp
# PostgreSQL refuses to run as root, so as root it runs as user postgres.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[ -n "$PGBIN" ] || { echo "pg.sh: PostgreSQL 15 is not installed" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg.sh start|stop|url DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"; sock="$dir/sock"

url() { echo "host=$sock dbname=drillcamp user=postgres"; }

case "$cmd" in
  start)
    mkdir -p "$sock"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir" "$sock"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" -D "$data" -w -t 60 -l "$dir/postgres.log" \
        -o "-c listen_addresses='' -k $sock -c max_connections=200 -c fsync=${PG_FSYNC:-on}" \
        start >/dev/null
    fi
    as_pg psql -h "$sock" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'drillcamp'" | grep -q 1 ||
      as_pg psql -h "$sock" -U postgres -d postgres -qc "CREATE DATABASE drillcamp" >/dev/null
    url
    ;;
  stop)
    mode=${3:-fast}
    if [ -f "$data/PG_VERSION" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$data" -w -t 60 -m "$mode" stop >/dev/null 2>&1 || true
    fi
    ;;
  url) url ;;
  *) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
