#!/usr/bin/python3
"""Checks that docker/compose.yaml, docker/Dockerfile, docker/haproxy.cfg,
docker/pgbouncer.ini and scripts/topology.sh describe one topology.

  scripts/check-compose.py [--topology-env APP1_ENV --topology-haproxy-env HAPROXY_ENV
                            --topology-haproxy CFG --topology-pgbouncer INI]

Without options it checks the Docker files against each other and against
the server's source; topology.sh passes what it ran (app1's environment,
HAProxy's environment, the haproxy.cfg it used and the pgbouncer.ini it
made), and these are checked too:

- every variable a drillcamp service sets is one the server reads
  (src/core/config.c, getenv in src/), one libpq reads (PG*), or NAME_FILE
  for a NAME the image's entrypoint reads from a file;
- app1 and app2 are set alike; topology.sh sets the same drillcamp
  variables as compose and compose the same as topology.sh (the login
  limit topology.sh lowers to be quick is a test setting);
- the haproxy.cfg topology.sh runs is the file compose mounts; the
  pgbouncer.ini it runs is compose's with only the lines marked "topology:"
  changed; each "${VAR}" without a default in haproxy.cfg is set by both;
- the ports agree: HAProxy's server addresses and the instances'
  DRILLCAMP_PORT and EXPOSE, DATABASE_URL and PgBouncer's listen_port,
  PgBouncer's database and the primary, the published port and
  DRILLCAMP_PUBLIC_URL, the health checks;
- HAProxy's fixed address is in DRILLCAMP_TRUSTED_PROXIES;
- secrets named in the environment are mounted;
- images: Debian 12 (build and debian:12-slim), postgres:15, haproxy:2.6 and
  Debian 12's PgBouncer, as topology.sh runs (and, given --topology-*, the
  local haproxy, pgbouncer and PostgreSQL are 2.6, 1.18 and 15).

Needs python3-yaml (Debian's python3). Prints each problem; exits 1 if any.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCKER = os.path.join(ROOT, "docker")
COMPOSE = os.path.join(DOCKER, "compose.yaml")

# variables libpq reads (https://www.postgresql.org/docs/15/libpq-envars.html)
LIBPQ = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGPASSFILE",
         "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGAPPNAME", "PGSSLMODE", "PGSSLROOTCERT",
         "PGSSLCERT", "PGSSLKEY", "PGCONNECT_TIMEOUT", "PGTARGETSESSIONATTRS", "PGCHANNELBINDING",
         "PGSSLCRL", "PGREQUIRESSL", "PGKRBSRVNAME", "PGGSSENCMODE", "PGTZ", "PGCLIENTENCODING"}
# set by topology.sh to make a check quick; compose keeps the defaults
TEST_ONLY = re.compile(r"^DRILLCAMP_LIMIT_")

problems = []


def problem(msg):
    problems.append(msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def server_variables():
    """Names the server reads: quoted DATABASE_*/DRILLCAMP_* names in
    config.c (env_str, env_uint and its table of limits) and getenv anywhere
    in src/."""
    names = set(re.findall(r'"((?:DATABASE|DRILLCAMP)_[A-Z0-9_]+)"',
                           read(os.path.join(ROOT, "src/core/config.c"))))
    for path in glob.glob(os.path.join(ROOT, "src/**/*.c"), recursive=True):
        names |= set(re.findall(r'getenv\(\s*"([A-Z0-9_]+)"\s*\)', read(path)))
    return names


def entrypoint_file_variables(dockerfile):
    """NAME for which the image's entrypoint reads NAME_FILE."""
    m = re.search(r"^for name in ([A-Z0-9_ ]+); do", dockerfile, re.M)
    return set(m.group(1).split()) if m else set()


def conninfo(s):
    """'host=x port=5432 ...' -> dict."""
    return dict(kv.split("=", 1) for kv in s.split() if "=" in kv)


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def read_env_file(path):
    out = {}
    for line in read(path).splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k] = v
    return out


def normalise(names, file_vars):
    """NAME_FILE (read by the entrypoint) counts as NAME."""
    out = set()
    for n in names:
        if n.endswith("_FILE") and n[:-5] in file_vars:
            out.add(n[:-5])
        else:
            out.add(n)
    return out


def port_of(addr):
    """'app1:8080', ':8080', '127.0.0.1:8080', '8080' -> 8080."""
    return int(str(addr).rsplit(":", 1)[-1])


def ini_values(text):
    """pgbouncer.ini -> {key: value} (both sections; the database line too)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ";#[":
            continue
        k, _, v = line.partition("=")
        out[k.strip()] = v.strip()
    return out


def uncommented(cfg):
    return "\n".join(line for line in cfg.splitlines() if not line.lstrip().startswith("#"))


def haproxy_required_vars(cfg):
    """"${NAME}" without a default (those with ${NAME-default} are optional)."""
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", uncommented(cfg)))


def haproxy_all_vars(cfg):
    return set(re.findall(r"\$\{([A-Z0-9_]+)(?:-[^}]*)?\}", uncommented(cfg)))


def haproxy_default(cfg, name):
    m = re.search(r"\$\{" + name + r"-([^}]*)\}", cfg)
    return m.group(1) if m else None


def tool_version(cmd, pattern):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    m = re.search(pattern, out.stdout + out.stderr)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topology-env", help="app1's environment as topology.sh ran it (KEY=VALUE lines)")
    ap.add_argument("--topology-haproxy-env", help="HAProxy's environment as topology.sh ran it")
    ap.add_argument("--topology-haproxy", help="the haproxy.cfg topology.sh ran")
    ap.add_argument("--topology-pgbouncer", help="the pgbouncer.ini topology.sh made and ran")
    a = ap.parse_args()

    compose = yaml.safe_load(read(COMPOSE))
    services = compose.get("services", {})
    dockerfile = read(os.path.join(DOCKER, "Dockerfile"))
    haproxy_cfg_path = os.path.join(DOCKER, "haproxy.cfg")
    haproxy_cfg = read(haproxy_cfg_path)
    pgb_path = os.path.join(DOCKER, "pgbouncer.ini")
    pgb = ini_values(read(pgb_path))
    known = server_variables()
    file_vars = entrypoint_file_variables(dockerfile)
    if not file_vars:
        problem("docker/Dockerfile: no entrypoint loop `for name in ...; do` reading NAME_FILE")

    # ---- the drillcamp services: built from docker/Dockerfile
    def is_drillcamp(s):
        b = s.get("build")
        return isinstance(b, dict) and str(b.get("dockerfile", "")).endswith("docker/Dockerfile")

    drill = {n: s for n, s in services.items() if is_drillcamp(s)}
    apps = {n: s for n, s in drill.items() if (s.get("command") or ["serve"])[0] == "serve"}
    if set(apps) != {"app1", "app2"}:
        problem(f"compose: the serving drillcamp services are {sorted(apps)}, not app1 and app2")
    if "migrate" not in drill or (drill["migrate"].get("command") or [None])[0] != "migrate":
        problem("compose: no one-shot `migrate` service built from docker/Dockerfile")
    for name, s in drill.items():
        for var in env_of(s):
            base = var[:-5] if var.endswith("_FILE") and var[:-5] in file_vars else var
            if var.endswith("_FILE") and base == var:
                problem(f"compose {name}: {var}: the image's entrypoint does not read *_FILE for {var[:-5]}")
            elif base not in known and base not in LIBPQ:
                problem(f"compose {name}: {var} is read neither by the server (src/core/config.c, "
                        f"getenv in src/) nor by libpq")

    # ---- app1 and app2 alike, and compose vs topology.sh
    app_envs = {n: env_of(s) for n, s in apps.items()}
    if len(app_envs) == 2:
        e1, e2 = app_envs.values()
        if e1 != e2:
            diff = sorted(k for k in set(e1) | set(e2) if e1.get(k) != e2.get(k))
            problem(f"compose: app1 and app2 differ in {diff}")
    compose_names = normalise(set(app_envs.get("app1", {})), file_vars)
    topo = {}
    if a.topology_env:
        topo = read_env_file(a.topology_env)
        topo_names = {n for n in topo if not TEST_ONLY.match(n)}
        for n in sorted(topo_names - compose_names):
            problem(f"topology.sh sets {n} for the instances, compose's app1 does not")
        for n in sorted(compose_names - topo_names):
            problem(f"compose's app1 sets {n}, topology.sh does not")
        for n in sorted(set(topo)):
            if n not in known and n not in LIBPQ:
                problem(f"topology.sh sets {n}, which the server does not read")

    # ---- one haproxy.cfg, one pgbouncer.ini
    hap = services.get("haproxy", {})
    mounts = {}
    for svc_name, svc in services.items():
        for v in svc.get("volumes", []) or []:
            src, _, rest = str(v).partition(":")
            if src.startswith("."):
                mounts[(svc_name, rest.split(":")[0])] = os.path.normpath(os.path.join(DOCKER, src))
    hap_cfg_mount = mounts.get(("haproxy", "/usr/local/etc/haproxy/haproxy.cfg"))
    if hap_cfg_mount != haproxy_cfg_path:
        problem(f"compose haproxy: mounts {hap_cfg_mount} as its haproxy.cfg, not docker/haproxy.cfg")
    if a.topology_haproxy and not os.path.samefile(a.topology_haproxy, haproxy_cfg_path):
        problem(f"topology.sh runs {a.topology_haproxy}, not docker/haproxy.cfg")
    pgb_mount = mounts.get(("pgbouncer", "/etc/pgbouncer/pgbouncer.ini"))
    if pgb_mount != pgb_path:
        problem(f"compose pgbouncer: mounts {pgb_mount} as its pgbouncer.ini, not docker/pgbouncer.ini")
    if a.topology_pgbouncer:
        marked = set()
        lines = read(pgb_path).splitlines()
        for i, line in enumerate(lines):
            if line.startswith(";; topology:") and i + 1 < len(lines):
                marked.add(lines[i + 1].split("=", 1)[0].strip())
        ran = ini_values(read(a.topology_pgbouncer))
        for k in sorted(set(pgb) | set(ran)):
            if pgb.get(k) != ran.get(k) and k not in marked:
                problem(f"topology.sh's pgbouncer.ini changes {k} ({pgb.get(k)!r} -> {ran.get(k)!r}), "
                        "a line docker/pgbouncer.ini does not mark `topology:`")
        if ran.get("pool_mode") != "transaction":
            problem(f"topology.sh's PgBouncer pools by {ran.get('pool_mode')}, not transaction")
    if pgb.get("pool_mode") != "transaction":
        problem(f"docker/pgbouncer.ini: pool_mode = {pgb.get('pool_mode')}, not transaction")

    hap_env = env_of(hap)
    required = haproxy_required_vars(haproxy_cfg)
    for n in sorted(required - set(hap_env)):
        problem(f"compose haproxy: haproxy.cfg needs ${{{n}}}, compose does not set it")
    for n in sorted(set(hap_env) - haproxy_all_vars(haproxy_cfg)):
        problem(f"compose haproxy: sets {n}, which haproxy.cfg does not use")
    topo_hap = {}
    if a.topology_haproxy_env:
        topo_hap = read_env_file(a.topology_haproxy_env)
        for n in sorted(required - set(topo_hap)):
            problem(f"topology.sh: haproxy.cfg needs ${{{n}}}, topology.sh does not set it")
        for n in sorted(set(topo_hap) - haproxy_all_vars(haproxy_cfg)):
            problem(f"topology.sh sets {n} for HAProxy, which haproxy.cfg does not use")
        for n in sorted(set(hap_env) - set(topo_hap)):
            problem(f"compose sets {n} for HAProxy, topology.sh does not")

    # ---- ports
    expose = {int(p) for p in re.findall(r"^EXPOSE\s+(\d+)", dockerfile, re.M)}
    for i, app in ((1, "app1"), (2, "app2")):
        addr = hap_env.get(f"APP{i}_ADDR", "")
        host = addr.rsplit(":", 1)[0]
        env = app_envs.get(app, {})
        if host != app:
            problem(f"compose haproxy: APP{i}_ADDR={addr} does not name service {app}")
        elif addr and port_of(addr) != int(env.get("DRILLCAMP_PORT", "8080")):
            problem(f"compose: APP{i}_ADDR={addr} but {app} listens on DRILLCAMP_PORT={env.get('DRILLCAMP_PORT')}")
        if int(env.get("DRILLCAMP_PORT", "8080")) not in expose:
            problem(f"compose {app}: DRILLCAMP_PORT={env.get('DRILLCAMP_PORT')} is not the image's EXPOSE {sorted(expose)}")
        if topo and topo_hap:
            if port_of(topo_hap.get(f"APP{i}_ADDR", "0")) != int(topo.get("DRILLCAMP_PORT", "0")) and i == 1:
                problem(f"topology.sh: APP1_ADDR={topo_hap.get('APP1_ADDR')} but app1 has DRILLCAMP_PORT={topo.get('DRILLCAMP_PORT')}")
    e1 = app_envs.get("app1", {})
    db = conninfo(e1.get("DATABASE_URL", ""))
    if db.get("host") != "pgbouncer" or int(db.get("port", 5432)) != int(pgb.get("listen_port", 6432)):
        problem(f"compose app1: DATABASE_URL {e1.get('DATABASE_URL')!r} is not pgbouncer:{pgb.get('listen_port')}")
    rd = conninfo(e1.get("DATABASE_READ_URL", ""))
    if rd.get("host") != "replica" or int(rd.get("port", 5432)) != 5432 or "replica" not in services:
        problem(f"compose app1: DATABASE_READ_URL {e1.get('DATABASE_READ_URL')!r} is not replica:5432")
    mig = conninfo(env_of(drill.get("migrate", {})).get("DATABASE_URL", ""))
    if mig.get("host") != "primary" or int(mig.get("port", 5432)) != 5432:
        problem("compose migrate: DATABASE_URL does not go straight to primary:5432 (not through PgBouncer)")
    pgdb = conninfo(pgb.get("drillcamp", ""))
    if pgdb.get("host") != "primary" or int(pgdb.get("port", 0)) != 5432 or pgdb.get("dbname") != "drillcamp":
        problem(f"docker/pgbouncer.ini: database drillcamp = {pgb.get('drillcamp')!r} is not primary:5432/drillcamp")
    if topo:
        tdb, trd = conninfo(topo.get("DATABASE_URL", "")), conninfo(topo.get("DATABASE_READ_URL", ""))
        if a.topology_pgbouncer:
            ran = ini_values(read(a.topology_pgbouncer))
            if tdb.get("port") != ran.get("listen_port"):
                problem(f"topology.sh: DATABASE_URL port {tdb.get('port')} is not PgBouncer's {ran.get('listen_port')}")
            if conninfo(ran.get("drillcamp", "")).get("port") == trd.get("port"):
                problem("topology.sh: PgBouncer fronts the replica, not the primary")
        for k in ("dbname", "user"):
            if tdb.get(k) != db.get(k) or trd.get(k) != rd.get(k):
                problem(f"topology.sh and compose connect with different {k}")
    pgb_hc = " ".join(map(str, (services.get("pgbouncer", {}).get("healthcheck") or {}).get("test", [])))
    if f"/{pgb.get('listen_port')}" not in pgb_hc:
        problem(f"compose pgbouncer: the health check ({pgb_hc}) does not try listen_port {pgb.get('listen_port')}")
    bind = hap_env.get("HAPROXY_BIND") or haproxy_default(haproxy_cfg, "HAPROXY_BIND") or ""
    published = {}
    for p in hap.get("ports", []) or []:
        parts = str(p).split(":")
        published[int(parts[-1])] = int(parts[-2])
    if bind and port_of(bind) not in published:
        problem(f"compose haproxy: listens on {bind}, which is not published ({published})")
    hap_hc = " ".join(map(str, (hap.get("healthcheck") or {}).get("test", [])))
    if bind and f"/{port_of(bind)}" not in hap_hc:
        problem(f"compose haproxy: the health check ({hap_hc}) does not try {bind}")
    public = e1.get("DRILLCAMP_PUBLIC_URL", "")
    m = re.match(r"https?://[^/:]+(?::(\d+))?", public)
    if bind and (not m or int(m.group(1) or 80) != published.get(port_of(bind))):
        problem(f"compose app1: DRILLCAMP_PUBLIC_URL {public} is not HAProxy's published port")
    if topo and topo_hap:
        tp = re.match(r"https?://[^/:]+(?::(\d+))?", topo.get("DRILLCAMP_PUBLIC_URL", ""))
        if not tp or int(tp.group(1) or 80) != port_of(topo_hap.get("HAPROXY_BIND", "0")):
            problem("topology.sh: DRILLCAMP_PUBLIC_URL is not HAProxy's port")
    if "/readyz" not in haproxy_cfg or not re.search(r"HEALTHCHECK.*\n?.*/readyz", dockerfile):
        problem("health checks: haproxy.cfg and the Dockerfile's HEALTHCHECK must both GET /readyz")

    # ---- the trusted proxy is HAProxy
    hap_ip = None
    for net in (hap.get("networks") or {}).values() if isinstance(hap.get("networks"), dict) else []:
        hap_ip = (net or {}).get("ipv4_address") or hap_ip
    trusted = e1.get("DRILLCAMP_TRUSTED_PROXIES", "")
    if not hap_ip or not any(c.split("/")[0] == hap_ip for c in re.split(r"[,\s]+", trusted) if c):
        problem(f"compose: HAProxy's address {hap_ip} is not in DRILLCAMP_TRUSTED_PROXIES={trusted!r}")
    if topo and "127.0.0.1" not in topo.get("DRILLCAMP_TRUSTED_PROXIES", ""):
        problem("topology.sh: HAProxy's address 127.0.0.1 is not in DRILLCAMP_TRUSTED_PROXIES")

    # ---- secrets
    declared = set((compose.get("secrets") or {}).keys())
    for name, s in services.items():
        mounted = {x if isinstance(x, str) else x.get("source") for x in s.get("secrets", []) or []}
        for n in sorted(mounted - declared):
            problem(f"compose {name}: secret {n} is not declared")
        text = yaml.safe_dump(s)
        for n in sorted(set(re.findall(r"/run/secrets/([A-Za-z0-9_.-]+)", text)) - mounted):
            problem(f"compose {name}: uses /run/secrets/{n} without mounting it")

    # ---- images and versions
    froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    if not froms or froms[-1] != "debian:12-slim" or any(not f.startswith("debian:12") for f in froms):
        problem(f"docker/Dockerfile: stages {froms}; want debian:12 ... debian:12-slim")
    if not re.search(r"^USER\s+(?!root)\S+", dockerfile, re.M):
        problem("docker/Dockerfile: the final image runs as root")
    if not re.search(r"DRILLCAMP_BIND=0\.0\.0\.0", dockerfile):
        problem("docker/Dockerfile: DRILLCAMP_BIND=0.0.0.0 not set")
    for name in ("primary", "replica"):
        if services.get(name, {}).get("image") != "postgres:15":
            problem(f"compose {name}: image {services.get(name, {}).get('image')}, want postgres:15")
    if hap.get("image") != "haproxy:2.6":
        problem(f"compose haproxy: image {hap.get('image')}, want haproxy:2.6")
    inline = ((services.get("pgbouncer") or {}).get("build") or {}).get("dockerfile_inline", "")
    if not re.search(r"^FROM debian:12(-slim)?\s*$", inline, re.M) or "pgbouncer" not in inline:
        problem("compose pgbouncer: not Debian 12's pgbouncer package (dockerfile_inline FROM debian:12-slim)")
    if a.topology_env:
        v = tool_version(["haproxy", "-v"], r"HAProxy version (\d+\.\d+)")
        if v != "2.6":
            problem(f"topology: the local haproxy is {v}, compose runs haproxy:2.6")
        v = tool_version(["pgbouncer", "--version"], r"PgBouncer (\d+\.\d+)")
        if v != "1.18":
            problem(f"topology: the local pgbouncer is {v}, Debian 12's is 1.18")
        v = tool_version(["/usr/lib/postgresql/15/bin/postgres", "--version"], r"\(PostgreSQL\) (\d+)")
        if v != "15":
            problem(f"topology: the local PostgreSQL is {v}, compose runs postgres:15")

    for p in problems:
        print("check-compose: " + p)
    if problems:
        return 1
    print("check-compose: compose, Dockerfile, haproxy.cfg, pgbouncer.ini%s agree"
          % (" and topology.sh" if a.topology_env else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
