#!/usr/bin/env bash
# Lint api/openapi.yaml with Redocly CLI (pinned), using redocly.yaml.
# Works from any directory, non-interactively (CI=true, no TTY).
# Installs @redocly/cli into .tools/redocly on first use (npm registry only).
set -euo pipefail

REDOCLY_VERSION="2.77.0"

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$script_dir/.." && pwd -P)"
prefix="$root/.tools/redocly"
pkg_json="$prefix/node_modules/@redocly/cli/package.json"
cli="$prefix/node_modules/@redocly/cli/bin/cli.js"
spec="api/openapi.yaml"
config="redocly.yaml"

# No telemetry, no update nagging, no colours or prompts when not on a TTY.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NPM_CONFIG_UPDATE_NOTIFIER=false
export NPM_CONFIG_FUND=false
export NPM_CONFIG_AUDIT=false
if [ ! -t 1 ]; then
    export NO_COLOR=1
fi

log() { printf 'lint-openapi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

command -v node >/dev/null 2>&1 || die "node is not installed (Redocly CLI $REDOCLY_VERSION needs Node >= 20.19)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"

installed_version() {
    [ -f "$pkg_json" ] || return 0
    node -e 'try { process.stdout.write(String(require(process.argv[1]).version || "")); } catch (e) {}' "$pkg_json"
}

have="$(installed_version)"
if [ "$have" != "$REDOCLY_VERSION" ] || [ ! -f "$cli" ]; then
    if [ -n "$have" ]; then
        log "found @redocly/cli $have in $prefix, want $REDOCLY_VERSION; reinstalling"
    else
        log "installing @redocly/cli@$REDOCLY_VERSION into $prefix"
    fi
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --save-exact \
        --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >&2 \
        || die "npm install of @redocly/cli@$REDOCLY_VERSION failed"
    have="$(installed_version)"
    if [ "$have" != "$REDOCLY_VERSION" ] || [ ! -f "$cli" ]; then
        die "after install, @redocly/cli version is '${have:-none}', expected $REDOCLY_VERSION"
    fi
fi

cd "$root"
[ -f "$spec" ] || die "$root/$spec not found"
[ -f "$config" ] || die "$root/$config not found"

log "redocly $REDOCLY_VERSION: linting $spec with $config"
status=0
node "$cli" lint "$spec" --config "$config" --format stylish </dev/null || status=$?
if [ "$status" -ne 0 ]; then
    log "FAILED (redocly exit status $status)"
    exit "$status"
fi
log "OK"
