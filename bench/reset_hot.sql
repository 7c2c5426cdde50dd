-- bench/reset_hot.sql - before each "like all on one submission" run: the
-- bench's likers (the pgbench and session blocks of load.sql) take back
-- their likes of the hot submission, so that the run's likes are new likes
-- again (not idempotent no-ops), also on a database kept with --keep-db.
-- like_count drops by exactly the deleted rows (unfolded like_shards stay
-- as they are), so like_count + shards is still the exact count.
--   -v hot=ID -v lo=FIRST_BENCH_ACCOUNT
\set ON_ERROR_STOP 1
BEGIN;
WITH d AS (DELETE FROM likes WHERE submission_id = :hot AND account_id >= :lo RETURNING 1)
UPDATE submissions SET like_count = like_count - (SELECT count(*) FROM d) WHERE id = :hot;
UPDATE submissions SET last_like_at = (SELECT max(created_at) FROM likes WHERE submission_id = :hot)
WHERE id = :hot;
-- the shards' newest may be a deleted like's: the folder looks it up instead
UPDATE like_shards SET newest = NULL WHERE submission_id = :hot;
COMMIT;
