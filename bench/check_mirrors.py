#!/usr/bin/env python3
"""bench/check_mirrors.py - are the pgbench ceilings still the server's SQL?

Each bench/pgbench/*.sql names the server statements it copies in lines

    -- mirror: src/db/likes_repo.c APPLY 1a2b3c4d

(the file, the `static const struct db_stmt` name, the first 8 hex digits of
the SHA-256 of the statement's text as it was copied). This reads the
statement from the source again and says which files copy a statement that
has changed (or is gone) since. bench/run.sh runs it and marks those
ceilings stale in its table and JSON.

    check_mirrors.py [--json]      report (exit 0 either way)
    check_mirrors.py --hash FILE NAME    the current hash of one statement
"""
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRING = r'"((?:[^"\\]|\\.)*)"'


def macros(src):
    """Object-like #define NAME "..." (possibly over several lines)."""
    out = {}
    for m in re.finditer(r'^#define\s+([A-Z_][A-Z0-9_]*)[ \t]+((?:.*\\\n)*.*)$', src, re.M):
        body = m.group(2).replace("\\\n", " ")
        if body.strip().startswith('"'):
            out[m.group(1)] = body
    return out


def expand(body, defs, depth=0):
    text = ""
    for s, ident in re.findall(STRING + r"|([A-Z_][A-Z0-9_]*)", body):
        if ident:
            text += expand(defs[ident], defs, depth + 1) if ident in defs and depth < 5 else ident
        else:
            text += s
    return text


def statement(path, name):
    """The SQL text of `static const struct db_stmt NAME`, or None."""
    try:
        src = open(os.path.join(ROOT, path)).read()
    except OSError:
        return None
    m = re.search(r"static const struct db_stmt " + re.escape(name) + r"\s*=\s*\{\s*" + STRING +
                  r",(.*?),\s*\d+\s*\};", src, re.S)
    if not m:
        return None
    return re.sub(r"\s+", " ", expand(m.group(2), macros(src))).strip()


def digest(sql):
    return hashlib.sha256(sql.encode()).hexdigest()[:8]


def check():
    stale = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "bench/pgbench/*.sql"))):
        name = "pgbench_" + os.path.basename(f)[:-4]
        for path, stmt, want in re.findall(r"^-- mirror: (\S+) (\S+) ([0-9a-f]{8})$",
                                           open(f).read(), re.M):
            sql = statement(path, stmt)
            if sql is None:
                stale.setdefault(name, []).append(f"{path} {stmt} is gone")
            elif digest(sql) != want:
                stale.setdefault(name, []).append(f"{path} {stmt} changed")
    return stale


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--hash":
        sql = statement(sys.argv[2], sys.argv[3])
        print(digest(sql) if sql is not None else "missing")
        return
    stale = check()
    if "--json" in sys.argv:
        print(json.dumps(stale))
        return
    for name, why in stale.items():
        print(f"{name}: stale ceiling, the server's SQL moved on: {'; '.join(why)} "
              f"(update bench/pgbench/{name[8:]}.sql)")


if __name__ == "__main__":
    main()
