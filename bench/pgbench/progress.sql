-- pgbench ceiling "pgbench_progress": the SQL of one
--   POST /v1/progress  {"items": [one lesson heartbeat of 15 s]}
-- by a random account on a random lesson, statement for statement as the
-- server sends it (prepared: run with -M prepared).
--
-- MIRRORS, as of drillcamp commit d9e5e6d (update this file when they change):
--   src/http/dispatch.c -> src/api/auth_api.c auth_bearer
--       sessions_repo.c LOOKUP                   (each request, on a pooled connection)
--   src/api/progress_api.c progress_api_post: the campaign gate reads the
--       cached campaign (no SQL); the heartbeat waits for the progress thread
--   src/api/progress_api.c progress_credit, one transaction:
--       BEGIN
--       learners_repo_lock_many                  learners_repo.c CREATE_MANY, LOCK_MANY
--       progress_repo_content_lengths            progress_repo.c LENGTHS
--       progress_repo_lock_many                  progress_repo.c LOCK_MANY
--       state_save: progress_repo_save_many      progress_repo.c SAVE_MANY
--                   learners_repo_save_credit    learners_repo.c SAVE_CREDIT_MANY
--       COMMIT
--   (triggers: learners_stats -> stats_bump_account, as in the server)
-- The "mirror:" lines name each copied statement with the first 8 hex
-- digits of the SHA-256 of its text when it was copied: bench/check_mirrors.py
-- (run by bench/run.sh) flags this ceiling stale once the source differs.
-- After updating the statements below, put the new hashes here
-- (bench/check_mirrors.py --hash FILE NAME).
-- mirror: src/db/sessions_repo.c LOOKUP d90bc09d
-- mirror: src/db/learners_repo.c CREATE_MANY 8de16eef
-- mirror: src/db/learners_repo.c LOCK_MANY d42dac4f
-- mirror: src/db/progress_repo.c LENGTHS e9877bb7
-- mirror: src/db/progress_repo.c LOCK_MANY 519aab58
-- mirror: src/db/progress_repo.c SAVE_MANY d6111631
-- mirror: src/db/learners_repo.c SAVE_CREDIT_MANY 14f23aff
--
-- ONE HEARTBEAT PER TRANSACTION. The server applies every heartbeat
-- waiting at that moment (up to 64) in one such transaction, on one
-- connection of its progress thread; this ceiling is what PostgreSQL gives
-- when each of the clients runs one request's SQL alone (arrays of one). A
-- server whose batching pays gets a ratio above 100 %.
--
-- Differences, none of them in the database's work: the token's hash is
-- computed in SQL (pgbench cannot hash); the arrays are ARRAY[:x] instead
-- of array literals in $n; the clock values the server binds come from
-- SQL's now(). The merged intervals, which the server computes in C
-- (progress_merge_interval), are simply the reported interval here, and the
-- learner's new total the old one + 15: the pgbench block's progress rows
-- are not consistent sums after a run (that block is the ceilings' own; no
-- wrk scenario reads it).
--
-- Variables (-D): sess_lo, sessions, pgb_lo, pgb_hi, lessons
\set tok :sess_lo + random(0, :sessions - 1)
\set a random(:pgb_lo, :pgb_hi)
\set l random(1, :lessons)
\set from random(0, 285)
\set to :from + 15
-- sessions_repo.c LOOKUP
SELECT s.account_id, a.role, s.token_hash FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = encode(sha256(convert_to(translate(rtrim(encode(sha256(convert_to('drillcamp-bench-token-' || :tok, 'UTF8')), 'base64'), '='), '+/', '-_'), 'UTF8')), 'hex') AND s.expires_at > now();
BEGIN;
-- learners_repo.c CREATE_MANY
INSERT INTO learners (account_id, bucket_tokens, bucket_at) SELECT a, 1200, extract(epoch FROM now()) FROM unnest(ARRAY[:a]::bigint[]) a ON CONFLICT (account_id) DO NOTHING;
-- learners_repo.c LOCK_MANY
SELECT credited_seconds, bucket_tokens, bucket_at, checkin_days, streak_days, coalesce(last_checkin_day - date '1970-01-01', -1), account_id FROM learners WHERE account_id = ANY (ARRAY[:a]::bigint[]) ORDER BY account_id FOR UPDATE \gset
-- progress_repo.c LENGTHS
SELECT 'lesson', id, duration_seconds, 'ended', 0::float8 FROM lessons WHERE id = ANY (ARRAY[:l]::bigint[]) UNION ALL SELECT 'livestream', id, coalesce(duration_seconds, 0), status, coalesce(extract(epoch FROM started_at), 0)::float8 FROM livestreams WHERE id = ANY ('{}'::bigint[]);
-- progress_repo.c LOCK_MANY
SELECT p.account_id, p.content_type, p.content_id, p.intervals FROM progress p JOIN unnest(ARRAY[:a]::bigint[], ARRAY['lesson']::text[], ARRAY[:l]::bigint[]) AS k(a, t, i) ON p.account_id = k.a AND p.content_type = k.t AND p.content_id = k.i ORDER BY p.account_id, p.content_type, p.content_id FOR UPDATE OF p;
-- progress_repo.c SAVE_MANY
INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds) SELECT a, t, i, iv::integer[], cs FROM unnest(ARRAY[:a]::bigint[], ARRAY['lesson']::text[], ARRAY[:l]::bigint[], ARRAY['{' || :from || ',' || :to || '}']::text[], ARRAY[15]::bigint[]) AS k(a, t, i, iv, cs) ORDER BY a, t, i ON CONFLICT (account_id, content_type, content_id) DO UPDATE SET intervals = excluded.intervals, credited_seconds = excluded.credited_seconds, updated_at = now();
-- learners_repo.c SAVE_CREDIT_MANY
UPDATE learners l SET credited_seconds = u.cs, bucket_tokens = u.bt, bucket_at = u.ba, updated_at = now() FROM unnest(ARRAY[:a]::bigint[], ARRAY[:credited_seconds::bigint + 15]::bigint[], ARRAY[greatest(:bucket_tokens::float8 - 15, 0)]::float8[], ARRAY[extract(epoch FROM now())]::float8[]) AS u(a, cs, bt, ba) WHERE l.account_id = u.a;
COMMIT;
