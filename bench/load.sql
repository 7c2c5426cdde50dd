-- bench/load.sql - a national-scale data set for the benchmark, generated
-- inside PostgreSQL (generate_series + INSERT ... SELECT), never over HTTP.
--
-- Run by bench/run.sh on a freshly migrated, empty database:
--   psql -v ON_ERROR_STOP=1 -v accounts=1000000 -v orgs=2000 -v lessons=500
--        -v livestreams=50 -v progress=5000000 -v submissions=100000
--        -v likes=10000000 -v sessions=100000 -v logins=1000 -v pgb=200000
--        -v certs=200000 -v stats_sql=FILE -f bench/load.sql
-- (stats_sql: migration 0007's back-fill of stats_cells, cut out of
-- migrations/0007_feed_and_stats.sql by run.sh, so that it stays the
-- migration's own query.)
--
-- Account ids are laid out in blocks (run.sh and the wrk/pgbench scripts
-- rely on it):
--   1 .. pool                      everyone else: authors, likers, learners
--   pool+1 .. pool+logins          accounts with a real scrypt hash (login)
--   .. +pgb                        accounts the pgbench ceilings write with
--   .. accounts (the last sessions) accounts with bench bearer tokens (wrk)
-- where pool = accounts - logins - pgb - sessions. Only pool accounts author
-- submissions or give the loaded likes, so no bench client ever likes its
-- own submission, and the bench's likers of the hot submission start with
-- no like on it.
--
-- Submission ids: approved iff id % 5 <> 0 (80 %); submission 1 is the most
-- liked (the "hot" one). Lessons and livestreams 1..ended are ended.
--
-- Triggers and foreign-key checks are off during the load
-- (session_replication_role = replica): the statistics they maintain are
-- rebuilt at the end with migration 0007's back-fill query. The indexes of
-- the big tables are dropped first and re-created afterwards from their own
-- definitions (pg_get_indexdef / pg_get_constraintdef); a check at the end
-- fails the load if any index or constraint differs from before.

\set ON_ERROR_STOP 1
\timing on
SET client_min_messages = warning;
SET session_replication_role = replica;
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';
SET max_parallel_maintenance_workers = 2;
SET synchronous_commit = on;

SELECT (SELECT count(*) FROM accounts) = 0 AS empty \gset
\if :empty
\else
  \echo 'load.sql: the database already holds accounts; load only into a freshly migrated one'
  SELECT 1/0 AS refuse_to_load;
\endif

SELECT :accounts - :logins - :pgb - :sessions AS pool \gset
SELECT :pool > :submissions AS pool_ok \gset
\if :pool_ok
\else
  \echo 'load.sql: the account pool must be larger than the number of submissions'
  SELECT 1/0 AS refuse_to_load;
\endif
-- a stride coprime with the pool: k -> (start + k * stride) % pool visits distinct accounts
SELECT p AS stride FROM unnest(ARRAY[7919, 104729, 1299709]) p WHERE gcd(p, :pool) = 1 LIMIT 1 \gset

\echo '== schema fingerprint, then drop the big tables'' indexes'
CREATE TEMP TABLE bench_fingerprint AS
SELECT c.relname AS tbl, i.indexrelid::regclass::text AS idx, pg_get_indexdef(i.indexrelid) AS def,
       con.conname, CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END AS condef
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                           AND con.contype IN ('p', 'u', 'x')
WHERE c.relnamespace = 'public'::regnamespace;

-- every index of these tables that no foreign key depends on
CREATE TEMP TABLE bench_dropped AS
SELECT f.tbl, f.idx, f.conname,
       CASE WHEN f.conname IS NOT NULL
            THEN format('ALTER TABLE %I ADD CONSTRAINT %I %s', f.tbl, f.conname, f.condef)
            ELSE f.def END AS recreate
FROM bench_fingerprint f
WHERE f.tbl IN ('accounts', 'sessions', 'learners', 'progress', 'checkins', 'submissions', 'likes')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint fk
                  WHERE fk.contype = 'f' AND fk.conindid = f.idx::regclass);

DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT * FROM bench_dropped LOOP
        IF d.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', d.tbl, d.conname);
        ELSE
            EXECUTE format('DROP INDEX %s', d.idx);
        END IF;
    END LOOP;
END $$;
SELECT string_agg(idx, ' ' ORDER BY idx) AS dropped_indexes FROM bench_dropped;

-- the campaign is live: started a week ago, ends in a month; heartbeats may
-- run ten times faster than real time (the bench's heartbeats are credited)
UPDATE campaigns SET warmup_at = date_trunc('day', now()) - interval '10 days',
       launch_at = date_trunc('day', now()) - interval '7 days',
       ends_at = date_trunc('day', now()) + interval '30 days',
       max_playback_rate = 10.0, updated_at = now()
WHERE id = 1;
SELECT extract(epoch FROM launch_at) AS launch_epoch FROM campaigns WHERE id = 1 \gset

-- region slots: 60 % Fujian (its nine cities and Pingtan, by population),
-- 40 % the other provincial-level divisions
CREATE TEMP TABLE region_slot (slot int PRIMARY KEY, code text NOT NULL);
INSERT INTO region_slot
SELECT row_number() OVER (ORDER BY w.code, g) - 1, w.code
FROM (VALUES ('350100', 120), ('350200', 80), ('350300', 42), ('350400', 36), ('350500', 126),
             ('350600', 72), ('350700', 36), ('350800', 36), ('350900', 46), ('350128', 6)) w(code, n),
     generate_series(1, w.n) g;
INSERT INTO region_slot
SELECT 600 + row_number() OVER (ORDER BY r.code, g) - 1, r.code
FROM regions r, generate_series(1, 12) g
WHERE r.level = 'province' AND r.code <> '350000' AND r.code <> '710000';
INSERT INTO region_slot
SELECT (SELECT max(slot) FROM region_slot) + g, '350000' FROM generate_series(1, 4) g;
SELECT count(*) AS region_slots FROM region_slot \gset

\echo '== organizations'
-- type = (id - 1) % 9, so that a student can pick a school by id arithmetic
INSERT INTO organizations (id, name, type, region_code, created_at)
OVERRIDING SYSTEM VALUE
SELECT o,
       rc.name || (ARRAY['应急管理局', '中央企业分公司', '地方国有企业', '大学', '第一中学',
                         '实验幼儿园', '街道社区', '村委会', '消防协会'])[(o - 1) % 9 + 1]
              || '（' || o || '号）',
       (ARRAY['government', 'enterprise_central', 'enterprise_local', 'university', 'school',
              'kindergarten', 'community', 'village', 'other'])[(o - 1) % 9 + 1],
       rc.code, now() - interval '60 days'
FROM generate_series(1, :orgs) o
JOIN LATERAL (SELECT s.code, r.name FROM region_slot s JOIN regions r ON r.code = s.code
              WHERE s.slot = CASE WHEN o % 20 = 0 THEN 600 + (2147483648 + hashint4(o)) % (:region_slots - 600)
                                  ELSE (2147483648 + hashint4(o)) % 600 END) rc ON true;
SELECT setval(pg_get_serial_sequence('organizations', 'id'), :orgs);

\echo '== accounts'
-- audience by i: public 40 %, resident 25 %, employee 15 %, student 15 %, teacher 5 %;
-- official accounts (one in 500) speak for an organization; two thirds of
-- employees, students and teachers name theirs (of a fitting type)
INSERT INTO accounts (id, phone, password_hash, display_name, kind, role, region_code,
                      organization_id, audience, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT a.i,
       -- 13x-18x: unique (the multiplier is coprime with 10^9); 19x is left for bench admins
       '1' || (3 + a.i % 6) || lpad(((a.i * 104729::bigint) % 1000000000)::text, 9, '0'),
       'bench:no-login',
       CASE WHEN a.official THEN o.name
            ELSE (ARRAY['陈', '林', '黄', '张', '李', '王', '吴', '刘', '蔡', '杨', '郑', '许',
                        '谢', '洪', '郭', '邱', '曾', '廖', '赖', '周', '徐', '苏', '叶', '庄',
                        '吕', '江', '何', '萧', '罗', '高'])[a.h % 30 + 1]
                 || (ARRAY['小', '晓', '建', '丽', '志', '秀', '文', '海', '春', '明', '国',
                           '玉', '金', '美', '家', '子'])[(a.h / 30) % 16 + 1]
                 || (ARRAY['明', '红', '华', '平', '强', '芳', '军', '燕', '伟', '玲', '杰',
                           '婷', '涛', '敏', '斌', '琳', '峰', '霞', '勇', '娟'])[(a.h / 480) % 20 + 1]
       END,
       CASE WHEN a.official THEN 'official' ELSE 'individual' END,
       'user',
       coalesce(o.region_code, rs.code),
       o.id,
       a.audience,
       to_timestamp(:launch_epoch) - interval '7 days'
           + (a.i::float8 / :accounts) * (now() - to_timestamp(:launch_epoch) + interval '7 days'),
       to_timestamp(:launch_epoch) - interval '7 days'
           + (a.i::float8 / :accounts) * (now() - to_timestamp(:launch_epoch) + interval '7 days')
FROM (SELECT i, h, official,
             CASE WHEN official THEN 'employee'
                  WHEN h % 20 < 8 THEN 'public' WHEN h % 20 < 13 THEN 'resident'
                  WHEN h % 20 < 16 THEN 'employee' WHEN h % 20 < 19 THEN 'student'
                  ELSE 'teacher' END AS audience,
             -- the organization: type index t, then the k-th organization of that type
             CASE WHEN official THEN 1 + (i / 500) % :orgs
                  WHEN h % 20 >= 13 AND h % 3 <> 0 THEN
                      9 * ((h / 7) % greatest(:orgs / 9, 1))
                      + (CASE WHEN h % 20 < 16 THEN (ARRAY[0, 1, 2, 6, 7, 8])[(h / 11) % 6 + 1]
                              WHEN h % 20 < 19 THEN 3 + (h / 11) % 2
                              ELSE 4 + (h / 11) % 2 END) + 1
             END AS org
      FROM (SELECT i, (2147483648 + hashint8(i)) AS h, i % 500 = 7 AS official
            FROM generate_series(1, :accounts) i) x) a
LEFT JOIN organizations o ON o.id = a.org
JOIN region_slot rs ON rs.slot = a.h % :region_slots
ORDER BY a.i;
SELECT setval(pg_get_serial_sequence('accounts', 'id'), :accounts);

\echo '== lessons and livestreams'
INSERT INTO lessons (id, title, category, duration_seconds, video_url, cover_url, description,
                     created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT l, c.name || '：第' || l || '课', c.code, 300 + (l * 523) % 3301,
       'https://media.example.com/lessons/' || l || '.mp4',
       'https://media.example.com/covers/lesson-' || l || '.jpg',
       '应急管理专家讲解' || c.name || '的要点与常见误区。',
       to_timestamp(:launch_epoch) - interval '20 days', to_timestamp(:launch_epoch) - interval '20 days'
FROM generate_series(1, :lessons) l
JOIN (SELECT code, name, row_number() OVER (ORDER BY sort_order) - 1 AS k FROM categories) c
  ON c.k = l % 16;
SELECT setval(pg_get_serial_sequence('lessons', 'id'), :lessons);

-- 80 % ended (ids first, with their replay), 6 % live (started within the
-- hour), the rest scheduled for the coming days
SELECT (:livestreams * 8) / 10 AS ended, (:livestreams * 86) / 100 AS lived \gset
INSERT INTO livestreams (id, title, expert, scheduled_at, description, status, started_at,
                         ended_at, duration_seconds, replay_url, created_at)
OVERRIDING SYSTEM VALUE
SELECT v, '专家直播第' || v || '期：' || (ARRAY['家庭火灾逃生计划', '企业应急演练怎么做', '防汛避险答疑',
                                                 '校园消防安全', '电动自行车充电安全'])[v % 5 + 1],
       (ARRAY['李建国（省消防救援总队）', '王敏（应急管理研究院）', '陈海（水利厅防汛办）'])[v % 3 + 1],
       CASE WHEN v <= :ended THEN to_timestamp(:launch_epoch) + (v * interval '3 hours')
            WHEN v <= :lived THEN now() - ((v % 5 + 1) * interval '10 minutes')
            ELSE now() + ((v - :lived) * interval '1 day') END,
       '面向公众的应急安全直播讲座。',
       CASE WHEN v <= :ended THEN 'ended' WHEN v <= :lived THEN 'live' ELSE 'scheduled' END,
       CASE WHEN v <= :ended THEN to_timestamp(:launch_epoch) + (v * interval '3 hours')
            WHEN v <= :lived THEN now() - ((v % 5 + 1) * interval '10 minutes') END,
       CASE WHEN v <= :ended THEN to_timestamp(:launch_epoch) + (v * interval '3 hours')
                                 + (1800 + (v * 331) % 3600) * interval '1 second' END,
       CASE WHEN v <= :ended THEN 1800 + (v * 331) % 3600 END,
       CASE WHEN v <= :ended THEN 'https://media.example.com/replays/' || v || '.m3u8' END,
       to_timestamp(:launch_epoch) - interval '10 days'
FROM generate_series(1, :livestreams) v;
SELECT setval(pg_get_serial_sequence('livestreams', 'id'), :livestreams);

\echo '== progress (62.5 % of accounts learn, 3-13 contents each)'
CREATE TEMP TABLE content_len (content_type text, content_id bigint, len int,
                               PRIMARY KEY (content_type, content_id));
INSERT INTO content_len SELECT 'lesson', id, duration_seconds FROM lessons;
INSERT INTO content_len SELECT 'livestream', id, duration_seconds FROM livestreams WHERE status = 'ended';
ANALYZE content_len;
-- :progress rows at about 8 a learner
SELECT greatest(1, round(:progress / 8.0))::bigint AS learners_wanted \gset
-- learner i watched content k (k < 3 + h % 11): the first one a replay for
-- one learner in four, the others lessons (distinct: the stride 37 is
-- coprime with the number of lessons); w seconds of it, as one interval or
-- as two with a gap in the middle; credited = the intervals' total length
INSERT INTO progress (account_id, content_type, content_id, intervals, credited_seconds, updated_at)
SELECT p.i, p.ct, p.cid,
       CASE WHEN p.split THEN ARRAY[0, p.w / 3, 2 * p.w / 3, p.w] ELSE ARRAY[0, p.w] END,
       CASE WHEN p.split THEN p.w / 3 + (p.w - 2 * p.w / 3) ELSE p.w END,
       to_timestamp(:launch_epoch) + (((2147483648 + hashint8(p.i * 17 + p.k)) % 1000) / 1000.0)
                                     * (now() - to_timestamp(:launch_epoch))
FROM (SELECT q.i, q.k, q.ct, q.cid,
             greatest(1, (cl.len * (10 + (2147483648 + hashint8(q.i * 131 + q.k)) % 91)) / 100) AS w,
             (q.i + q.k) % 3 = 0 AND cl.len >= 100 AS split
      FROM (SELECT l.i, k,
                   CASE WHEN k = 0 AND l.i % 4 = 0 AND :ended > 0 THEN 'livestream' ELSE 'lesson' END AS ct,
                   CASE WHEN k = 0 AND l.i % 4 = 0 AND :ended > 0 THEN 1 + (l.i / 4) % :ended
                        ELSE 1 + (l.i * 13 + k * 37) % :lessons END AS cid
            FROM (SELECT 1 + ((j - 1)::bigint * :accounts) / :learners_wanted AS i
                  FROM generate_series(1, least(:learners_wanted, :accounts)) j) l,
                 generate_series(0, 2 + (2147483648 + hashint8(l.i)) % 11) k) q
      JOIN content_len cl ON cl.content_type = q.ct AND cl.content_id = q.cid) p;

\echo '== learners (credited_seconds = the sum of their progress) and check-ins'
-- check-in days 0-3, consecutive up to yesterday (Beijing time)
INSERT INTO learners (account_id, credited_seconds, bucket_tokens, bucket_at, checkin_days,
                      streak_days, last_checkin_day, updated_at)
SELECT account_id, sum(credited_seconds), 120 * 10.0, extract(epoch FROM now()),
       account_id % 4, account_id % 4,
       CASE WHEN account_id % 4 > 0 THEN (now() AT TIME ZONE 'Asia/Shanghai')::date - 1 END,
       max(updated_at)
FROM progress GROUP BY account_id;
INSERT INTO checkins (account_id, day, at)
SELECT l.account_id, l.last_checkin_day - d,
       ((l.last_checkin_day - d) + time '20:00') AT TIME ZONE 'Asia/Shanghai'
FROM learners l, generate_series(0, 2) d
WHERE d < l.checkin_days;

\echo '== certificates (the first' :certs 'learners; bench/certificates.sql)'
\ir certificates.sql

\echo '== submissions (80 % approved)'
-- author: ((g * stride) % pool) + 1 with g = id, or id - 1 for every tenth
-- id (a few authors post twice); created through the campaign in id order
INSERT INTO submissions (id, author_id, title, description, category, video_url, cover_url,
                         duration_seconds, format, size_bytes, hashtags, status, reject_reason,
                         recommended, recommended_channels, like_count, last_like_at, source,
                         created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT s,
       ((s - (s % 10 = 0)::int)::bigint * :stride) % :pool + 1,
       c.name || '·' || (ARRAY['我家的逃生路线', '社区消防演练实录', '宿舍楼疏散演练', '跟着消防员学灭火',
                              '暴雨天怎么办', '一分钟学会报警', '楼道隐患随手拍', '孩子们的安全课'])[s % 8 + 1],
       (ARRAY['演练现场记录', '全家一起练习逃生路线，三分钟全部撤离到安全地点。',
              '社区组织的应急演练，志愿者讲解灭火器和逃生面罩的用法。', ''])[s % 4 + 1],
       c.code,
       'https://v.example.com/ugc/' || s || CASE WHEN s % 10 = 3 THEN '.mov' ELSE '.mp4' END,
       'https://v.example.com/ugc/' || s || '.jpg',
       15 + (s * 37) % 286,
       CASE WHEN s % 10 = 3 THEN 'mov' ELSE 'mp4' END,
       1048576 + ((s * 7919::bigint) % 500) * 1048576,
       ARRAY['#逃生演练训练营'] || CASE s % 3 WHEN 0 THEN ARRAY['#安全生产月']
                                          WHEN 1 THEN ARRAY['#' || c.name] ELSE '{}'::text[] END,
       CASE WHEN s % 5 <> 0 THEN 'approved'
            ELSE (ARRAY['pending', 'rejected', 'removed'])[(s / 5) % 3 + 1] END,
       CASE WHEN s % 5 = 0 AND (s / 5) % 3 = 1 THEN '画面与主题无关' END,
       s % 5 <> 0 AND s % 97 = 1,
       CASE WHEN s % 5 <> 0 AND s % 97 = 1 THEN ARRAY['央视新闻', '学习强国'] ELSE '{}'::text[] END,
       0, NULL, 'direct',
       to_timestamp(:launch_epoch) + (s::float8 / :submissions) * 0.95 * (now() - to_timestamp(:launch_epoch)),
       to_timestamp(:launch_epoch) + (s::float8 / :submissions) * 0.95 * (now() - to_timestamp(:launch_epoch))
           + interval '2 hours'
FROM generate_series(1, :submissions) s
JOIN (SELECT code, name, row_number() OVER (ORDER BY sort_order) - 1 AS k FROM categories) c
  ON c.k = (s * 7) % 16;
SELECT setval(pg_get_serial_sequence('submissions', 'id'), :submissions);

\echo '== likes (Zipf over the approved submissions; submission 1 the most liked)'
-- rank r of A approved submissions gets about K / (r + 2) likes (K so that
-- they sum to :likes), never more than the pool allows; rank r is the
-- approved submission number ((r - 1) * 7919) % A in id order, so rank 1 is
-- submission 1. Likers walk the pool from a start with the stride: distinct
-- per submission; an author never likes their own.
SELECT :submissions - :submissions / 5 AS approved \gset
SELECT :likes / sum(1.0 / (r + 2)) AS zipf_k FROM generate_series(1, :approved) r \gset
SELECT p AS rank_stride FROM unnest(ARRAY[7919, 104729, 1299709]) p WHERE gcd(p, :approved) = 1 LIMIT 1 \gset
INSERT INTO likes (submission_id, account_id, created_at)
SELECT t.sid, t.liker, t.created_at
FROM (SELECT z.sid, ((z.start + k * :stride::bigint) % :pool) + 1 AS liker, z.author_id,
             z.created_at + (((2147483648 + hashint8(z.sid * 1000003 + k)) % 1000000) / 1000000.0)
                            * (now() - z.created_at) AS created_at
      FROM (SELECT s.id AS sid, s.author_id, s.created_at,
                   (2147483648 + hashint8(r)) % :pool AS start,
                   least(:pool - 1, round(:zipf_k / (r + 2)))::bigint AS n
            FROM generate_series(1, :approved) r
            JOIN submissions s
              ON s.id = (((r - 1) * :rank_stride::bigint) % :approved) / 4 * 5
                        + (((r - 1) * :rank_stride::bigint) % :approved) % 4 + 1) z,
           generate_series(0, z.n - 1) k) t
WHERE t.liker <> t.author_id;

\echo '== like_count = the exact count, last_like_at = the newest like'
UPDATE submissions s SET like_count = x.n, last_like_at = x.newest
FROM (SELECT submission_id, count(*) AS n, max(created_at) AS newest
      FROM likes GROUP BY submission_id) x
WHERE s.id = x.submission_id;

\echo '== indexes back, exactly as the migrations made them'
DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT * FROM bench_dropped ORDER BY conname IS NULL, idx LOOP
        EXECUTE d.recreate;
    END LOOP;
END $$;
SELECT count(*) > 0 AS differences FROM (
    (SELECT c.relname::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
            con.conname::text, CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                                AND con.contype IN ('p', 'u', 'x')
     WHERE c.relnamespace = 'public'::regnamespace
     EXCEPT SELECT tbl::text, idx, def, conname::text, condef FROM bench_fingerprint)
    UNION ALL
    (SELECT tbl::text, idx, def, conname::text, condef FROM bench_fingerprint
     EXCEPT
     SELECT c.relname::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
            con.conname::text, CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                                AND con.contype IN ('p', 'u', 'x')
     WHERE c.relnamespace = 'public'::regnamespace)) d \gset
\if :differences
  \echo 'load.sql: the indexes differ from the migrations'' after the load'
  SELECT 1/0 AS schema_changed;
\endif

\echo '== stats_cells rebuilt with migration 0007''s back-fill query'
TRUNCATE stats_cells;
\i :stats_sql

SET session_replication_role = origin;

\echo '== vacuum and analyze (so that autovacuum does not start during the benchmark)'
-- (timed too)
VACUUM (ANALYZE) accounts;
VACUUM (ANALYZE) organizations;
VACUUM (ANALYZE) lessons;
VACUUM (ANALYZE) livestreams;
VACUUM (ANALYZE) progress;
VACUUM (ANALYZE) learners;
VACUUM (ANALYZE) checkins;
VACUUM (ANALYZE) submissions;
VACUUM (ANALYZE) likes;
VACUUM (ANALYZE) stats_cells;
VACUUM (ANALYZE) campaigns;
VACUUM (ANALYZE) certificates;
CHECKPOINT;

\echo '== row counts'
SELECT 'accounts' AS tbl, count(*) AS n FROM accounts
UNION ALL SELECT 'organizations', count(*) FROM organizations
UNION ALL SELECT 'lessons', count(*) FROM lessons
UNION ALL SELECT 'livestreams', count(*) FROM livestreams
UNION ALL SELECT 'progress', count(*) FROM progress
UNION ALL SELECT 'learners', count(*) FROM learners
UNION ALL SELECT 'checkins', count(*) FROM checkins
UNION ALL SELECT 'submissions', count(*) FROM submissions
UNION ALL SELECT 'submissions approved', count(*) FROM submissions WHERE status = 'approved'
UNION ALL SELECT 'likes', count(*) FROM likes
UNION ALL SELECT 'hot submission 1 likes', like_count FROM submissions WHERE id = 1
UNION ALL SELECT 'submissions with 100k+ likes', count(*) FROM submissions WHERE like_count >= 100000
UNION ALL SELECT 'certificates', count(*) FROM certificates
UNION ALL SELECT 'stats_cells', count(*) FROM stats_cells;
