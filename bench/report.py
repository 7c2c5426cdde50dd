#!/usr/bin/env python3
"""bench/report.py - the benchmark's table and JSON (called by bench/run.sh).

    report.py RESULTS.jsonl OUT.json [SERVER_LOG] < meta.json

RESULTS.jsonl has one line per scenario or ceiling: its raw wrk or pgbench
output (wrk's scripts print a BENCH_RESULT JSON line from done(); pgbench's
output gets a BENCH_PGLAT line of percentiles from its per-transaction log),
the peak RSS sampled during it and the probe's status. Prints the table and
writes OUT.json with the same data, so that runs can be compared.
"""
import json
import re
import sys
from collections import Counter

# which ceiling each scenario is held against
GET_SCENARIOS = ["leaderboard", "campaign", "submissions_likes_anon", "submissions_likes_user",
                 "me_progress", "verify_page", "certificate_png"]
CEILING_OF = {s: "mhd" for s in GET_SCENARIOS}
CEILING_OF.update({"like_spread": "pgbench_like_spread", "like_hot": "pgbench_like_hot",
                   "progress": "pgbench_progress", "login": "scrypt", "ulfius": "mhd",
                   "mhd_png": "mhd"})
DESCRIPTION = {
    "leaderboard": "GET /v1/leaderboard (anonymous, 100 entries)",
    "campaign": "GET /v1/campaign (anonymous)",
    "submissions_likes_anon": "GET /v1/submissions?sort=likes (anonymous)",
    "submissions_likes_user": "GET /v1/submissions?sort=likes (bearer token)",
    "me_progress": "GET /v1/me/progress (bearer token)",
    "verify_page": "GET /verify/{random serial} (HTML, anonymous)",
    "certificate_png": "GET /v1/certificates/{serial}.png, 64 serials, cached",
    "like_spread": "PUT /v1/submissions/{random approved}/like",
    "like_hot": "PUT /v1/submissions/{hot}/like, new likers",
    "progress": "POST /v1/progress, one 15 s heartbeat",
    "login": "POST /v1/sessions (scrypt)",
    "mhd": "ceiling: minimal libmicrohttpd, the leaderboard body",
    "ulfius": "peer: minimal Ulfius, the same body",
    "mhd_png": "ceiling: minimal libmicrohttpd, a certificate PNG as the body",
    "pgbench_like_spread": "ceiling: pgbench, one PUT like's SQL, spread",
    "pgbench_like_hot": "ceiling: pgbench, one PUT like's SQL, hot",
    "pgbench_progress": "ceiling: pgbench, one POST /v1/progress's SQL",
}


def parse_wrk(r):
    m = re.search(r"^BENCH_RESULT (\{.*\})$", r["raw"], re.M)
    if not m:
        return {"error": "no result from wrk"}
    w = json.loads(m.group(1))
    e = w["errors"]
    secs = w["duration_us"] / 1e6 if w["duration_us"] else 0
    out = {
        "requests": w["requests"],
        "rps": w["requests"] / secs if secs else 0.0,
        "p50_ms": w["p50_us"] / 1000, "p90_ms": w["p90_us"] / 1000, "p99_ms": w["p99_us"] / 1000,
        "max_ms": w["max_us"] / 1000, "mean_ms": w["mean_us"] / 1000,
        "non_2xx": e["status"],
        "socket_errors": e["connect"] + e["read"] + e["write"] + e["timeout"],
        "errors_detail": e,
    }
    out["errors"] = out["non_2xx"] + out["socket_errors"]
    return out


def parse_pgbench(r):
    raw = r["raw"]
    out = {}
    m = re.search(r"^tps = ([0-9.]+)", raw, re.M)
    out["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"number of transactions actually processed: (\d+)", raw)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"number of failed transactions: (\d+)", raw)
    failed = int(m.group(1)) if m else 0
    aborted = len(re.findall(r"client \d+ aborted", raw))
    out["errors"] = failed + aborted
    out["errors_detail"] = {"failed_transactions": failed, "aborted_clients": aborted}
    m = re.search(r"BENCH_PGLAT p50_us=(\d+) p99_us=(\d+)", raw)
    if m:
        out["p50_ms"] = int(m.group(1)) / 1000
        out["p99_ms"] = int(m.group(2)) / 1000
    m = re.search(r"latency average = ([0-9.]+) ms", raw)
    if m:
        out["mean_ms"] = float(m.group(1))
    if not out["rps"]:
        out["error"] = "no result from pgbench"
    return out


def server_statuses(path):
    """(method route status) -> count, from the server's access log."""
    c = Counter()
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if '"route"' not in line:
                    continue
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                c[f'{j.get("method", "")} {j.get("route", "")} {j.get("status", "")}'] += 1
    except OSError:
        pass
    return dict(sorted(c.items()))


def main():
    results_path, out_path = sys.argv[1], sys.argv[2]
    log_path = sys.argv[3] if len(sys.argv) > 3 else None
    meta = json.load(sys.stdin)
    rows = []
    for line in open(results_path):
        r = json.loads(line)
        row = {"scenario": r["name"], "what": DESCRIPTION.get(r["name"], ""),
               "kind": r["kind"], "connections": r["connections"]}
        row.update(parse_wrk(r) if r["kind"] == "wrk" else parse_pgbench(r))
        if "rss_peak_kb" in r:
            row["peak_rss_mb"] = r["rss_peak_kb"] / 1024
        if "probe_status" in r:
            row["probe_status"] = r["probe_status"]
            if not 200 <= r["probe_status"] < 300:
                row["probe_body"] = r.get("probe_body", "")
        row["loadavg_1m"] = r.get("loadavg_1m")
        row["raw"] = r["raw"]
        rows.append(row)

    by_name = {r["scenario"]: r for r in rows}
    hash_s = meta.get("hash_seconds") or 0
    scrypt_rps = meta.get("hash_concurrency", meta["machine"]["nproc"]) / hash_s if hash_s else 0
    meta["scrypt_ceiling_rps"] = scrypt_rps
    for r in rows:
        ceil = CEILING_OF.get(r["scenario"])
        if not ceil:
            continue
        r["ceiling"] = ceil
        if ceil in meta.get("stale_ceilings", {}):
            r["ceiling_stale"] = True
        if ceil == "scrypt":
            r["ceiling_rps"] = scrypt_rps
        elif ceil in by_name and by_name[ceil].get("rps"):
            r["ceiling_rps"] = by_name[ceil]["rps"]
        if r.get("ceiling_rps"):
            r["ratio"] = r["rps"] / r["ceiling_rps"]

    # the table
    def f(v, fmt):
        return "-" if v is None else format(v, fmt)
    head = ["scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "ceiling", "ceiling req/s",
            "ratio %", "peak RSS MB"]
    table = []
    for r in rows:
        err = str(r.get("errors", "-"))
        if r.get("error"):
            err = r["error"]
        elif "probe_body" in r:
            err += f' (probe {r["probe_status"]})'
        table.append([r["scenario"], str(r["connections"]), f(r.get("rps"), ".0f"),
                      f(r.get("p50_ms"), ".2f"), f(r.get("p99_ms"), ".2f"), err,
                      r.get("ceiling", "-") + ("*" if r.get("ceiling_stale") else ""),
                      f(r.get("ceiling_rps"), ".0f"),
                      f(r["ratio"] * 100 if "ratio" in r else None, ".0f"),
                      f(r.get("peak_rss_mb"), ".1f")])
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h)
              for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) if i in (0, 5, 6) else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for t in table:
        print(line(t))
    print()
    for r in rows:
        if "probe_body" in r:
            print(f'{r["scenario"]}: the probe request was answered {r["probe_status"]}: '
                  f'{r["probe_body"]}')
    for name, why in meta.get("stale_ceilings", {}).items():
        print(f"* {name} is stale: the server's SQL moved on ({'; '.join(why)}); "
              f"update bench/pgbench/{name[8:]}.sql")
    m = meta["machine"]
    load = (f'{meta["load_seconds"]} s' if meta.get("load_seconds") is not None
            else meta.get("load_note") or "-")
    print(f'load: {load}')
    print(f'login ceiling: {meta.get("hash_concurrency")} hashes at once / '
          f'{hash_s:.3f} s per scrypt hash = {scrypt_rps:.1f} logins/s')
    png = meta.get("png_draw")
    if png:
        draws = png["render_concurrency"] / (png["median_ms"] / 1000)
        meta["png_draw_ceiling_per_s"] = draws
        print(f'certificate PNG, uncached: {png["median_ms"]:.0f} ms median to draw one '
              f'({png["serials"]} serials one at a time, {png["min_ms"]:.0f}-{png["max_ms"]:.0f} ms, '
              f'{png["png_bytes"]} bytes; from the cache {png["cached_median_ms"]:.1f} ms): '
              f'{png["render_concurrency"]} drawings at once / {png["median_ms"] / 1000:.3f} s = '
              f'{draws:.1f} new PNGs/s')
    if by_name.get("certificate_png", {}).get("rps") and by_name.get("mhd_png", {}).get("rps"):
        print(f'certificate_png against mhd_png (the same PNG from the minimal server): '
              f'{by_name["certificate_png"]["rps"] / by_name["mhd_png"]["rps"] * 100:.0f} %')
    print(f'server: drillcamp {meta["commit"][:12]}'
          f'{" + uncommitted changes" if meta.get("uncommitted_changes") else ""}, '
          f'VmHWM {meta.get("server_vmhwm_kb", 0) / 1024:.1f} MB over the run')
    print(f'machine: {m["nproc"]} cores ({m["cpu"]}), {m["mem_total_kb"] / 1048576:.1f} GiB, '
          f'Linux {m["kernel"]}')
    loads = [r["loadavg_1m"] for r in rows if r.get("loadavg_1m") is not None]
    if loads:
        print(f'machine load (1-minute load average after each scenario, this run\'s own '
              f'wrk, server and PostgreSQL included): {min(loads):.1f}-{max(loads):.1f} '
              f'on {m["nproc"]} cores')
    print(f'run: {meta["total_seconds"]} s in all')

    if log_path:
        statuses = server_statuses(log_path)
        meta["server_statuses"] = statuses
        bad = {k: v for k, v in statuses.items() if not re.search(r" (2\d\d|0)$", k)}
        gone = sum(v for k, v in statuses.items() if k.endswith(" 0"))
        if gone:
            print(f"server: {gone} requests not completed (wrk closed its connections at the end "
                  f"of a run with requests in flight)")
        if bad:
            print("server answers other than 2xx (from its access log, warm-ups and probes included):")
            for k, v in bad.items():
                print(f"  {k}: {v}")
    meta["rows"] = rows
    with open(out_path, "w") as out:
        json.dump(meta, out, ensure_ascii=False, indent=1)
    print(f"written: {out_path}")


if __name__ == "__main__":
    main()
