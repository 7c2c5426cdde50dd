-- pgbench ceiling "pgbench_progress": the SQL of one
--   POST /v1/progress  {"items": [one lesson heartbeat of 15 s]}
-- by a random account on a random lesson, statement for statement as the
-- server sends it (prepared: run with -M prepared).
--
-- MIRRORS, as of drillcamp commit 542576a (update this file when they change):
--   src/http/dispatch.c + src/api/auth_api.c   bearer auth: sessions_repo.c LOOKUP
--   src/api/progress_api.c progress_api_post   (api_campaign_gate reads the cached campaign)
--   src/api/progress_api.c progress_credit     BEGIN;
--     learners_repo_lock                         learners_repo.c CREATE, then LOCK (FOR UPDATE)
--     contents_load                              progress_repo.c LESSON_LENGTH, INTERVALS_LOCK
--     reports_merge                              progress_repo.c INTERVALS_SAVE, learners_repo.c SAVE
--                                              COMMIT
--   (triggers: learners_stats -> stats_bump_account, as in the server)
--
-- Differences, none of them in the database's work: the token's hash is
-- computed in SQL (pgbench cannot hash); the merged intervals, which the
-- server computes in C (progress_merge_interval), are simply the reported
-- interval here, and the learner's new total the old one + 15, so the
-- pgbench block's progress rows are not consistent sums after a run (that
-- block is the ceilings' own: no wrk scenario reads it). The clock values
-- the server binds ($2, $3 of CREATE; $3, $4 of SAVE) come from SQL's now().
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
-- learners_repo.c CREATE
INSERT INTO learners (account_id, bucket_tokens, bucket_at) VALUES (:a, 1200, extract(epoch FROM now())) ON CONFLICT (account_id) DO NOTHING;
-- learners_repo.c LOCK
SELECT credited_seconds, bucket_tokens, bucket_at, checkin_days, streak_days, coalesce(last_checkin_day - date '1970-01-01', -1) AS last_day FROM learners WHERE account_id = :a FOR UPDATE \gset
-- progress_repo.c LESSON_LENGTH
SELECT duration_seconds, 'ended', 0 FROM lessons WHERE id = :l;
-- progress_repo.c INTERVALS_LOCK
SELECT intervals FROM progress WHERE account_id = :a AND content_type = 'lesson' AND content_id = :l FOR UPDATE;
-- progress_repo.c INTERVALS_SAVE
INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds) VALUES (:a, 'lesson', :l, ARRAY[:from, :to]::integer[], 15) ON CONFLICT (account_id, content_type, content_id) DO UPDATE SET intervals = excluded.intervals, credited_seconds = excluded.credited_seconds, updated_at = now();
-- learners_repo.c SAVE
UPDATE learners SET credited_seconds = :credited_seconds::bigint + 15, bucket_tokens = greatest(:bucket_tokens::float8 - 15, 0), bucket_at = extract(epoch FROM now()), checkin_days = :checkin_days, streak_days = :streak_days, last_checkin_day = CASE WHEN :last_day::int < 0 THEN NULL ELSE date '1970-01-01' + :last_day::int END, updated_at = now() WHERE account_id = :a;
COMMIT;
