-- pgbench ceiling "pgbench_like_hot": the SQL of one
--   PUT /v1/submissions/{id}/like
-- on the one hot submission (:hot) by ever new accounts (each client walks
-- its own accounts of the pgbench block, so that every like is a new row and
-- a shard increment, as when a video goes viral), statement for statement
-- as the server sends it (prepared: run with -M prepared). run.sh runs
-- reset_hot.sql first, which takes back the block's likes of :hot.
--
-- MIRRORS, as of drillcamp commit 81dea64 (update this file when they change):
--   src/http/dispatch.c -> src/api/auth_api.c auth_bearer
--       sessions_repo.c LOOKUP                  (each request, on a pooled connection)
--   src/api/likes_api.c like_change -> like thread (batcher.c) -> likes_apply
--       likes_repo.c APPLY                      (one statement, autocommit: one commit)
--   The campaign gate is inside APPLY (the cached campaign is not read here);
--   the like folder's once-a-second FOLD is not part of a request.
-- The "mirror:" lines name each copied statement with the first 8 hex
-- digits of the SHA-256 of its text when it was copied: bench/check_mirrors.py
-- (run by bench/run.sh) flags this ceiling stale once the source differs.
-- After updating the statements below, put the new hashes here
-- (bench/check_mirrors.py --hash FILE NAME).
-- mirror: src/db/sessions_repo.c LOOKUP d90bc09d
-- mirror: src/db/likes_repo.c APPLY 621a447e
--
-- ONE LIKE PER STATEMENT. The server puts every like waiting at that moment
-- (up to 256) into one APPLY and one commit, on one connection of its like
-- thread; this ceiling is what PostgreSQL gives when each of the clients
-- runs one request's SQL alone (arrays of one). A server whose batching
-- pays gets a ratio above 100 %.
--
-- Differences, none of them in the database's work: the token's hash is
-- computed in SQL (pgbench cannot hash; the server sends the hex SHA-256 as
-- $1); APPLY's arrays are ARRAY[:x] instead of array literals in $1-$5 (one
-- client hash, no device).
-- The liker is an account of the pgbench block (load.sql), the token one of
-- the session block's, so pgbench never spends the wrk scenarios' likes;
-- pgbench-block accounts author nothing, so every like is allowed (200).
--
-- Variables (-D): sess_lo, sessions, pgb_lo, pgb_hi, hot, clients, n=0
-- (pgbench keeps a client's variables from one transaction to the next: n
-- counts this client's transactions)
\set n :n + 1
\set tok :sess_lo + random(0, :sessions - 1)
\set a :pgb_lo + (:client_id + :clients * (:n - 1)) % (:pgb_hi - :pgb_lo + 1)
\set sid :hot
-- sessions_repo.c LOOKUP
SELECT s.account_id, a.role, s.token_hash FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = encode(sha256(convert_to(translate(rtrim(encode(sha256(convert_to('drillcamp-bench-token-' || :tok, 'UTF8')), 'base64'), '='), '+/', '-_'), 'UTF8')), 'hex') AND s.expires_at > now();
-- likes_repo.c APPLY
WITH r AS (SELECT * FROM unnest(ARRAY[:sid]::bigint[], ARRAY[:a]::bigint[], ARRAY[true]::boolean[], ARRAY['5f1e3a9c0b7d2468']::text[], ARRAY['']::text[]) WITH ORDINALITY AS r(sid, aid, liking, client, device, ord)), k AS (SELECT launch_at <= now() AND now() < ends_at AS live FROM campaigns WHERE id = 1), v AS (SELECT r.ord, r.sid, r.aid, r.liking, r.client, r.device, s.like_count, CASE WHEN s.id IS NULL OR s.status <> 'approved' THEN 404 WHEN s.author_id = r.aid THEN 403 WHEN NOT k.live THEN 409 ELSE 200 END AS code FROM r CROSS JOIN k LEFT JOIN submissions s ON s.id = r.sid), ins AS (INSERT INTO likes (submission_id, account_id, client_hash, device_hash) SELECT sid, aid, nullif(client, ''), nullif(device, '') FROM v WHERE code = 200 AND liking ORDER BY sid, aid ON CONFLICT DO NOTHING RETURNING submission_id, account_id), del AS (DELETE FROM likes l USING v WHERE v.code = 200 AND NOT v.liking AND l.submission_id = v.sid AND l.account_id = v.aid RETURNING l.submission_id, l.account_id), moved AS (SELECT submission_id, (account_id % 32)::smallint AS shard, sum(d) AS d, CASE WHEN bool_and(d > 0) THEN now() END AS newest FROM (SELECT submission_id, account_id, 1 AS d FROM ins UNION ALL SELECT submission_id, account_id, -1 FROM del) x GROUP BY 1, 2), bump AS (INSERT INTO like_shards (submission_id, shard, delta, newest) SELECT submission_id, shard, d, newest FROM moved ORDER BY submission_id, shard ON CONFLICT (submission_id, shard) DO UPDATE SET delta = like_shards.delta + excluded.delta, newest = CASE WHEN like_shards.newest IS NOT NULL AND excluded.newest IS NOT NULL THEN greatest(like_shards.newest, excluded.newest) END RETURNING 1) SELECT v.code, CASE WHEN v.code = 200 THEN v.like_count + coalesce((SELECT sum(delta) FROM like_shards ls WHERE ls.submission_id = v.sid), 0) + coalesce((SELECT sum(m.d) FROM moved m WHERE m.submission_id = v.sid), 0) ELSE 0 END FROM v ORDER BY v.ord;
