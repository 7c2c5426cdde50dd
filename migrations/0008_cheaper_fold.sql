-- 0008: folding likes costs less and waits for nobody. The statistics
-- triggers run once per statement, and each like shard carries its likes'
-- newest time, so the folder rarely looks it up in likes.

-- The statistics triggers of submissions and learners run once per
-- statement instead of once per row: the folder updates the counts of
-- thousands of submissions in one statement each second, and a progress
-- batch the learners of many accounts. A PL/pgSQL call and a stats_cells
-- upsert per row made the fold take over a second; and rows bumping their
-- cells one by one, in row order, deadlocked with another statement doing
-- the same in another order. Now a statement bumps all its cells at once,
-- in key order. The same rules as 0007, over the statement's transition
-- tables (a trigger with transition tables has one event and no column
-- list, so INSERT and UPDATE each get their own).

DROP TRIGGER submissions_stats ON submissions;
DROP TRIGGER submissions_partner_changes ON submissions;
DROP TRIGGER learners_stats ON learners;
DROP FUNCTION stats_submissions_trigger();
DROP FUNCTION stats_learners_trigger();
DROP FUNCTION partner_changes_record();

-- Adds per-account deltas (one element per account and row; an account may
-- repeat) to the accounts' cells: one upsert per cell, cells in key order.
-- The accounts are locked FOR SHARE, as stats_bump_account does, so that a
-- concurrent move of an account to another cell waits for this (or this
-- for it). PL/pgSQL, not SQL: its plan is kept for the session (a SQL
-- function's statement was planned again on every call).
CREATE FUNCTION stats_bump_accounts(p_accounts bigint[], d_learners bigint[],
                                    d_seconds bigint[], d_certified bigint[],
                                    d_checkins bigint[], d_submissions bigint[],
                                    d_approved bigint[], d_likes bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (
        SELECT account_id, sum(dl) AS dl, sum(ds) AS ds, sum(dc) AS dc, sum(dk) AS dk,
               sum(dsub) AS dsub, sum(da) AS da, sum(dlk) AS dlk
        FROM unnest(p_accounts, d_learners, d_seconds, d_certified, d_checkins,
                    d_submissions, d_approved, d_likes)
             AS u(account_id, dl, ds, dc, dk, dsub, da, dlk)
        GROUP BY account_id
        HAVING sum(dl) <> 0 OR sum(ds) <> 0 OR sum(dc) <> 0 OR sum(dk) <> 0
            OR sum(dsub) <> 0 OR sum(da) <> 0 OR sum(dlk) <> 0),
    a AS (
        SELECT id, region_code, organization_id, audience FROM accounts
        WHERE id IN (SELECT account_id FROM d) ORDER BY id FOR SHARE),
    cells AS (
        SELECT a.region_code, coalesce(o.type, 'none') AS org_type, a.audience,
               (a.id % 16)::smallint AS shard, sum(d.dl) AS dl, sum(d.ds) AS ds,
               sum(d.dc) AS dc, sum(d.dk) AS dk, sum(d.dsub) AS dsub, sum(d.da) AS da,
               sum(d.dlk) AS dlk
        FROM d JOIN a ON a.id = d.account_id
        LEFT JOIN organizations o ON o.id = a.organization_id
        GROUP BY 1, 2, 3, 4)
    INSERT INTO stats_cells AS c (region_code, org_type, audience, shard, learners,
                                  credited_seconds, certified, checkins, submissions,
                                  approved_submissions, likes)
    SELECT region_code, org_type, audience, shard, dl, ds, dc, dk, dsub, da, dlk FROM cells
    ORDER BY region_code, org_type, audience, shard
    ON CONFLICT (region_code, org_type, audience, shard) DO UPDATE SET
        learners = c.learners + excluded.learners,
        credited_seconds = c.credited_seconds + excluded.credited_seconds,
        certified = c.certified + excluded.certified,
        checkins = c.checkins + excluded.checkins,
        submissions = c.submissions + excluded.submissions,
        approved_submissions = c.approved_submissions + excluded.approved_submissions,
        likes = c.likes + excluded.likes;
END $$;

CREATE FUNCTION stats_submissions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_bump_accounts(array_agg(author_id), array_agg(0::bigint),
        array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint),
        array_agg((status <> 'removed')::int::bigint),
        array_agg((status = 'approved')::int::bigint), array_agg(like_count::bigint))
    FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION stats_submissions_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_bump_accounts(array_agg(n.author_id), array_agg(0::bigint),
        array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint),
        array_agg(((n.status <> 'removed')::int - (o.status <> 'removed')::int)::bigint),
        array_agg(((n.status = 'approved')::int - (o.status = 'approved')::int)::bigint),
        array_agg(n.like_count::bigint - o.like_count))
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.status, n.like_count) IS DISTINCT FROM (o.status, o.like_count);
    RETURN NULL;
END $$;

CREATE FUNCTION stats_learners_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_bump_accounts(array_agg(account_id),
        array_agg((credited_seconds > 0)::int::bigint), array_agg(credited_seconds::bigint),
        array_agg(0::bigint), array_agg(checkin_days::bigint), array_agg(0::bigint),
        array_agg(0::bigint), array_agg(0::bigint))
    FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION stats_learners_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_bump_accounts(array_agg(n.account_id),
        array_agg(((n.credited_seconds > 0)::int - (o.credited_seconds > 0)::int)::bigint),
        array_agg(n.credited_seconds::bigint - o.credited_seconds),
        array_agg(0::bigint), array_agg(n.checkin_days::bigint - o.checkin_days),
        array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint))
    FROM new_rows n JOIN old_rows o ON o.account_id = n.account_id
    WHERE (n.credited_seconds, n.checkin_days) IS DISTINCT FROM
          (o.credited_seconds, o.checkin_days);
    RETURN NULL;
END $$;

-- The partner feed, as in 0007: every new partner submission, and every
-- change of status, reject_reason, recommended or like_count of one.
CREATE FUNCTION partner_changes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO partner_changes (partner_id, submission_id, status, reject_reason,
                                 recommended, like_count)
    SELECT partner_id, id, status, reject_reason, recommended, like_count
    FROM new_rows WHERE partner_id IS NOT NULL ORDER BY id;
    RETURN NULL;
END $$;

CREATE FUNCTION partner_changes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO partner_changes (partner_id, submission_id, status, reject_reason,
                                 recommended, like_count)
    SELECT n.partner_id, n.id, n.status, n.reject_reason, n.recommended, n.like_count
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.partner_id IS NOT NULL
      AND (n.status, n.reject_reason, n.recommended, n.like_count) IS DISTINCT FROM
          (o.status, o.reject_reason, o.recommended, o.like_count)
    ORDER BY n.id;
    RETURN NULL;
END $$;

CREATE TRIGGER learners_stats_inserted AFTER INSERT ON learners
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_learners_inserted();
CREATE TRIGGER learners_stats_updated AFTER UPDATE ON learners
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_learners_updated();
CREATE TRIGGER submissions_stats_inserted AFTER INSERT ON submissions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_submissions_inserted();
CREATE TRIGGER submissions_stats_updated AFTER UPDATE ON submissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_submissions_updated();
CREATE TRIGGER submissions_partner_inserted AFTER INSERT ON submissions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION partner_changes_inserted();
CREATE TRIGGER submissions_partner_updated AFTER UPDATE ON submissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION partner_changes_updated();

-- The time of the newest like a shard row holds (now() of the transactions
-- that made them), or NULL when an unlike went into it (the newest counted
-- like may be gone) or it dates from before this column: then the folder
-- looks the newest counted like up in likes.
ALTER TABLE like_shards ADD COLUMN newest timestamptz;
