-- bench/prepare.sql - run by bench/run.sh before every run (a fresh load or
-- a database kept with --keep-db), with the triggers on: what the clients
-- need and what a previous run may have spent.
--   -v accounts= sessions= logins= pgb=   the block sizes of load.sql
--   -v hash='scrypt$...'                  one real scrypt hash (made by the server)
--   -v out=DIR                            where tokens.txt, phones.txt, lessons.txt go
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT :accounts - :logins - :pgb - :sessions AS pool \gset
SELECT :pool + 1 AS login_lo, :pool + :logins AS login_hi,
       :pool + :logins + 1 AS pgb_lo, :pool + :logins + :pgb AS pgb_hi,
       :accounts - :sessions + 1 AS sess_lo \gset

-- the campaign live (started a week ago, ends in a month) and heartbeats
-- allowed at 10x real time, so that the bench's heartbeats are credited
UPDATE campaigns SET warmup_at = date_trunc('day', now()) - interval '10 days',
       launch_at = date_trunc('day', now()) - interval '7 days',
       ends_at = date_trunc('day', now()) + interval '30 days',
       max_playback_rate = 10.0, frozen_at = NULL, updated_at = now()
WHERE id = 1 AND NOT (now() > launch_at + interval '1 hour' AND now() < ends_at - interval '1 day'
                      AND max_playback_rate >= 10.0 AND frozen_at IS NULL);

-- the login block: one real scrypt hash of the bench password (salt and all)
UPDATE accounts SET password_hash = :'hash'
WHERE id BETWEEN :login_lo AND :login_hi AND password_hash IS DISTINCT FROM :'hash';

-- bearer tokens for the session block: token of account a = base64url
-- (43 characters) of SHA-256('drillcamp-bench-token-' || a); only the hex
-- SHA-256 of the token is stored, as the server does (src/core/token.c)
CREATE TEMP TABLE bench_tokens AS
SELECT a AS account_id,
       translate(rtrim(encode(sha256(convert_to('drillcamp-bench-token-' || a, 'UTF8')), 'base64'), '='),
                 '+/', '-_') AS token
FROM generate_series(:sess_lo, :accounts) a;
INSERT INTO sessions (token_hash, account_id, created_at, expires_at)
SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex'), account_id, now(), now() + interval '30 days'
FROM bench_tokens
ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at;

\o :out/tokens.txt
\pset format unaligned
\pset tuples_only on
SELECT token FROM bench_tokens ORDER BY account_id;
\o :out/phones.txt
SELECT phone FROM accounts WHERE id BETWEEN :login_lo AND :login_hi ORDER BY id;
\o :out/lessons.txt
SELECT id || ' ' || duration_seconds FROM lessons ORDER BY id;
\o :out/blocks.txt
SELECT 'pool=' || :pool || ' login_lo=' || :login_lo || ' pgb_lo=' || :pgb_lo || ' pgb_hi=' || :pgb_hi
       || ' sess_lo=' || :sess_lo
       || ' approved=' || (SELECT count(*) FROM submissions WHERE status = 'approved')
       || ' max_submission=' || (SELECT max(id) FROM submissions)
       || ' lessons=' || (SELECT count(*) FROM lessons);
\o
ANALYZE sessions;
