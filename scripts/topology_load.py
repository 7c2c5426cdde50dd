#!/usr/bin/env python3
"""Load generator of scripts/topology.sh (Python standard library only).

  topology_load.py setup   --url URL --admin-token T --users N --submissions M --out STATE
      registers N likers and 2 authors (each from its own loopback source
      address, 127.0.1.x, so per-address limits see them apart), logs them
      in, has the authors post M submissions and the admin approve them.
  topology_load.py run     --url URL --state STATE --seconds S --threads T --rate R --out RESULTS
      T threads (keep-alive connections through HAProxy) send writes for S
      seconds at R requests a second in all: likes (PUT
      /v1/submissions/{id}/like, each (submission, account) pair once) and
      new submissions (POST /v1/submissions with an Idempotency-Key).
      Every request is recorded with its start and end time and status;
      the acknowledged (2xx) writes also go to RESULTS.likes.csv
      (submission_id,account_id) and RESULTS.subs.csv (id,title) for psql.
  topology_load.py analyze --results RESULTS --kill-at T --down-at T
      prints, as JSON, what topology.sh checks: requests, acknowledged,
      failed (non-2xx or no answer), failed after HAProxy marked the
      instance down, failed before the kill.

The loops are bounded in time and count; every address is on loopback.
"""
import argparse
import csv
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid

TOPIC = "逃生演练训练营"
PASSWORD = "topology pass 123"


def connect(url, source=None, timeout=10):
    u = urllib.parse.urlsplit(url)
    src = (source, 0) if source else None
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=src)


def call(conn, method, path, token=None, body=None, headers=None):
    """One request on conn; returns (status, parsed JSON or None, headers)."""
    h = {"Accept": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = None
    return r.status, doc, dict(r.getheaders())


def call_retry(url, method, path, token=None, body=None, headers=None, source=None, want=(200, 201)):
    """Setup requests: a new connection each, 429/503 waited out (at most 30 s)."""
    deadline = time.time() + 30
    while True:
        conn = connect(url, source)
        try:
            st, doc, hdr = call(conn, method, path, token, body, headers)
        finally:
            conn.close()
        if st in want:
            return doc
        if st in (429, 503) and time.time() < deadline:
            time.sleep(min(float(hdr.get("Retry-After", "1") or 1), 5))
            continue
        raise RuntimeError(f"{method} {path}: {st} {json.dumps(doc, ensure_ascii=False)[:300]}")


def video(title):
    return {"title": title, "description": "拓扑测试", "category": "fire",
            "video_url": "https://video.example.com/v/topology.mp4", "duration_seconds": 60,
            "format": "mp4", "size_bytes": 1048576, "hashtags": [TOPIC], "original": True}


def parallel(jobs, workers=8):
    """Runs the callables on a few threads; returns their results in order."""
    out = [None] * len(jobs)
    errors = []
    lock = threading.Lock()
    nxt = iter(range(len(jobs)))

    def worker():
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            try:
                out[i] = jobs[i]()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    ts = [threading.Thread(target=worker) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
    return out


def cmd_setup(a):
    def user(i, name):
        phone = "1370%07d" % (a.phone_base + i)
        src = "127.0.1.%d" % (i % 250 + 1)
        call_retry(a.url, "POST", "/v1/accounts", body={
            "phone": phone, "password": PASSWORD, "display_name": name, "kind": "individual",
            "region_code": "350200", "audience": "resident"}, source=src, want=(201,))
        s = call_retry(a.url, "POST", "/v1/sessions", body={"phone": phone, "password": PASSWORD},
                       source=src, want=(201,))
        return {"id": s["account"]["id"], "token": s["token"]}

    n = a.users
    people = parallel([lambda i=i: user(i, "点赞者%d" % i) for i in range(n)]
                      + [lambda i=i: user(n + i, "作者%d" % i) for i in range(2)], workers=4)
    likers, authors = people[:n], people[n:]

    def submission(k):
        author = authors[k % 2]
        s = call_retry(a.url, "POST", "/v1/submissions", author["token"], video("拓扑作品%d" % k),
                       headers={"Idempotency-Key": "topology-setup-%d" % k}, want=(201,))
        call_retry(a.url, "POST", "/v1/admin/submissions/%s/review" % s["id"], a.admin_token,
                   {"decision": "approve"}, want=(200,))
        return s["id"]

    subs = parallel([lambda k=k: submission(k) for k in range(a.submissions)])
    with open(a.out, "w") as f:
        json.dump({"likers": likers, "authors": authors, "submissions": subs}, f)
    print("setup: %d likers, %d approved submissions" % (len(likers), len(subs)))


def cmd_run(a):
    st = json.load(open(a.state))
    pairs = [(s, u) for s in st["submissions"] for u in st["likers"]]
    random.shuffle(pairs)
    lock = threading.Lock()
    records = []
    run_id = uuid.uuid4().hex[:8]
    start = time.time()
    deadline = start + a.seconds
    interval = a.threads / float(a.rate)  # each thread's pace
    max_requests = int(a.rate * a.seconds * 1.5) + 100
    counter = [0]

    def next_op(n):
        with lock:
            if counter[0] >= max_requests:
                return None
            counter[0] += 1
            if n % 2 == 0 and pairs:
                return ("like",) + pairs.pop()
        u = st["likers"][n % len(st["likers"])]
        return ("submit", u, "%s-%s" % (run_id, uuid.uuid4().hex[:12]))

    def worker(t):
        conn = connect(a.url)
        n = t
        next_at = time.time()
        while time.time() < deadline:
            op = next_op(n)
            if op is None:
                break
            n += 1
            rec = {"op": op[0], "t0": time.time()}
            try:
                if op[0] == "like":
                    sub, u = op[1], op[2]
                    rec.update(sub=sub, account=u["id"])
                    status, doc, _ = call(conn, "PUT", "/v1/submissions/%s/like" % sub, u["token"])
                    rec["ok"] = status == 200 and bool(doc and doc.get("liked"))
                else:
                    u, key = op[1], op[2]
                    title = "负载 " + key
                    rec.update(title=title, account=u["id"])
                    status, doc, _ = call(conn, "POST", "/v1/submissions", u["token"], video(title),
                                          {"Idempotency-Key": "load-" + key})
                    rec["ok"] = status == 201 and bool(doc and doc.get("id"))
                    if rec["ok"]:
                        rec["id"] = doc["id"]
                rec["status"] = status
            except Exception as e:  # noqa: BLE001 - no answer: recorded as a failure
                rec.update(status=0, ok=False, error=type(e).__name__ + ": " + str(e)[:200])
                conn.close()
                conn = connect(a.url)
            rec["t1"] = time.time()
            with lock:
                records.append(rec)
            next_at += interval
            pause = next_at - time.time()
            if pause > 0:
                time.sleep(pause)
            else:
                next_at = time.time()
        conn.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    records.sort(key=lambda r: r["t0"])
    with open(a.out, "w") as f:
        json.dump({"start": start, "end": time.time(), "threads": a.threads, "requests": records}, f)
    with open(a.out + ".likes.csv", "w", newline="") as f:
        w = csv.writer(f)
        for r in records:
            if r["op"] == "like" and r["ok"]:
                w.writerow([r["sub"], r["account"]])
    with open(a.out + ".subs.csv", "w", newline="") as f:
        w = csv.writer(f)
        for r in records:
            if r["op"] == "submit" and r["ok"]:
                w.writerow([r["id"], r["title"]])
    acked = sum(1 for r in records if r["ok"])
    print("load: %d requests in %.1f s, %d acknowledged" % (len(records), time.time() - start, acked))


def cmd_analyze(a):
    d = json.load(open(a.results))
    req = d["requests"]
    failed = [r for r in req if not r["ok"]]
    statuses = {}
    for r in failed:
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    out = {
        "requests": len(req),
        "acked": len(req) - len(failed),
        "acked_likes": sum(1 for r in req if r["ok"] and r["op"] == "like"),
        "acked_submissions": sum(1 for r in req if r["ok"] and r["op"] == "submit"),
        "failed": len(failed),
        "failed_statuses": statuses,
        "failed_before_kill": sum(1 for r in failed if r["t0"] < a.kill_at and r["t1"] < a.kill_at),
        # under way when the instance died (on either instance)
        "in_flight_at_kill": sum(1 for r in req if r["t0"] <= a.kill_at <= r["t1"]),
        "failed_in_flight": sum(1 for r in failed if r["t0"] <= a.kill_at <= r["t1"]),
        # sent between the kill and HAProxy's DOWN: retried on the other instance
        "between_kill_and_down": sum(1 for r in req if a.kill_at < r["t0"] <= a.down_at),
        "failed_between": sum(1 for r in failed if a.kill_at < r["t0"] <= a.down_at),
        # sent once HAProxy had marked the instance down: every one must succeed
        "after_down": sum(1 for r in req if r["t0"] > a.down_at),
        "failed_after_down": sum(1 for r in failed if r["t0"] > a.down_at),
        "threads": d["threads"],
        "first_failures": [{k: r.get(k) for k in ("op", "status", "error", "t0")} for r in failed[:5]],
    }
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--url", required=True)
    s.add_argument("--admin-token", required=True)
    s.add_argument("--users", type=int, default=12)
    s.add_argument("--submissions", type=int, default=40)
    s.add_argument("--phone-base", type=int, default=5000)
    s.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--state", required=True)
    r.add_argument("--seconds", type=float, default=15)
    r.add_argument("--threads", type=int, default=8)
    r.add_argument("--rate", type=float, default=150)
    r.add_argument("--out", required=True)
    z = sub.add_parser("analyze")
    z.add_argument("--results", required=True)
    z.add_argument("--kill-at", type=float, required=True)
    z.add_argument("--down-at", type=float, required=True)
    a = p.parse_args()
    {"setup": cmd_setup, "run": cmd_run, "analyze": cmd_analyze}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
