-- 0007: the partner change feed and the maintained statistics behind
-- GET /v1/admin/stats (API.md sections 7 and 8).

-- Every creation of a partner submission and every change of its status,
-- reject_reason, recommended or like_count, with the state right after it.
-- `tx` is the writing transaction's id: a reader returns only rows whose
-- transaction is older than every transaction still running
-- (pg_snapshot_xmin), in (tx, seq) order, so a row committed late can never
-- fall behind a cursor that has already moved past it. Transaction ids are
-- not commit order, though: each returned row carries the state of its
-- submission's newest settled change (seq is commit order per submission,
-- since the row lock is held from the trigger to the commit), so the last
-- item a reader gets for a submission is always its latest state.
CREATE TABLE partner_changes (
    partner_id    bigint NOT NULL REFERENCES partners (id),
    tx            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    submission_id bigint NOT NULL REFERENCES submissions (id),
    status        text NOT NULL,
    reject_reason text,
    recommended   boolean NOT NULL,
    like_count    integer NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (partner_id, tx, seq)
);
CREATE INDEX partner_changes_submission_idx ON partner_changes (submission_id, seq);

CREATE FUNCTION partner_changes_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.partner_id IS NOT NULL AND (TG_OP = 'INSERT' OR
        (NEW.status, NEW.reject_reason, NEW.recommended, NEW.like_count) IS DISTINCT FROM
        (OLD.status, OLD.reject_reason, OLD.recommended, OLD.like_count)) THEN
        INSERT INTO partner_changes (partner_id, submission_id, status, reject_reason,
                                     recommended, like_count)
        VALUES (NEW.partner_id, NEW.id, NEW.status, NEW.reject_reason, NEW.recommended,
                NEW.like_count);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER submissions_partner_changes AFTER INSERT OR UPDATE ON submissions
    FOR EACH ROW EXECUTE FUNCTION partner_changes_record();

-- Participation counters per (region, organization type, audience) cell,
-- split into 16 shards by account so that concurrent learners of one cell
-- rarely wait on the same row. Triggers keep them current; a report sums a
-- few thousand rows whatever the number of accounts.
CREATE TABLE stats_cells (
    region_code          text NOT NULL,
    org_type             text NOT NULL, -- organizations.type, or 'none'
    audience             text NOT NULL,
    shard                smallint NOT NULL,
    accounts             bigint NOT NULL DEFAULT 0,
    learners             bigint NOT NULL DEFAULT 0,
    credited_seconds     bigint NOT NULL DEFAULT 0,
    certified            bigint NOT NULL DEFAULT 0,
    checkins             bigint NOT NULL DEFAULT 0,
    submissions          bigint NOT NULL DEFAULT 0,
    approved_submissions bigint NOT NULL DEFAULT 0,
    likes                bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, org_type, audience, shard)
);

CREATE FUNCTION stats_bump(p_region text, p_org bigint, p_audience text, p_account bigint,
                           d_accounts bigint, d_learners bigint, d_seconds bigint,
                           d_certified bigint, d_checkins bigint, d_submissions bigint,
                           d_approved bigint, d_likes bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_cells AS c VALUES (
        p_region, coalesce((SELECT type FROM organizations WHERE id = p_org), 'none'),
        p_audience, (p_account % 16)::smallint, d_accounts, d_learners, d_seconds,
        d_certified, d_checkins, d_submissions, d_approved, d_likes)
    ON CONFLICT (region_code, org_type, audience, shard) DO UPDATE SET
        accounts = c.accounts + excluded.accounts,
        learners = c.learners + excluded.learners,
        credited_seconds = c.credited_seconds + excluded.credited_seconds,
        certified = c.certified + excluded.certified,
        checkins = c.checkins + excluded.checkins,
        submissions = c.submissions + excluded.submissions,
        approved_submissions = c.approved_submissions + excluded.approved_submissions,
        likes = c.likes + excluded.likes
$$;

-- Adds to the cell of the account as it is now. FOR SHARE waits for (and
-- then blocks) a change of the account's region, organization or audience,
-- so that a move and a concurrent bump never count against different cells.
CREATE FUNCTION stats_bump_account(p_account bigint, d_learners bigint, d_seconds bigint,
                                   d_certified bigint, d_checkins bigint, d_submissions bigint,
                                   d_approved bigint, d_likes bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    IF d_learners = 0 AND d_seconds = 0 AND d_certified = 0 AND d_checkins = 0
       AND d_submissions = 0 AND d_approved = 0 AND d_likes = 0 THEN
        RETURN;
    END IF;
    SELECT region_code, organization_id, audience INTO a FROM accounts
        WHERE id = p_account FOR SHARE;
    PERFORM stats_bump(a.region_code, a.organization_id, a.audience, p_account, 0,
                       d_learners, d_seconds, d_certified, d_checkins, d_submissions,
                       d_approved, d_likes);
END $$;

-- An account's whole contribution, moved when its cell changes.
CREATE FUNCTION stats_accounts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l record;
    s record;
    cert bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM stats_bump(NEW.region_code, NEW.organization_id, NEW.audience, NEW.id,
                           1, 0, 0, 0, 0, 0, 0, 0);
        RETURN NULL;
    END IF;
    IF (NEW.region_code, NEW.organization_id, NEW.audience) IS NOT DISTINCT FROM
       (OLD.region_code, OLD.organization_id, OLD.audience) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(max(credited_seconds), 0) AS secs,
           count(*) FILTER (WHERE credited_seconds > 0) AS learner,
           coalesce(max(checkin_days), 0) AS checkins
        INTO l FROM learners WHERE account_id = NEW.id;
    SELECT count(*) INTO cert FROM certificates
        WHERE account_id = NEW.id AND revoked_at IS NULL;
    SELECT count(*) FILTER (WHERE status <> 'removed') AS subs,
           count(*) FILTER (WHERE status = 'approved') AS approved,
           coalesce(sum(like_count), 0) AS likes
        INTO s FROM submissions WHERE author_id = NEW.id;
    PERFORM stats_bump(OLD.region_code, OLD.organization_id, OLD.audience, OLD.id,
                       -1, -l.learner, -l.secs, -cert, -l.checkins, -s.subs, -s.approved,
                       -s.likes);
    PERFORM stats_bump(NEW.region_code, NEW.organization_id, NEW.audience, NEW.id,
                       1, l.learner, l.secs, cert, l.checkins, s.subs, s.approved, s.likes);
    RETURN NULL;
END $$;

CREATE FUNCTION stats_learners_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_secs bigint := 0;
    old_days bigint := 0;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_secs := OLD.credited_seconds;
        old_days := OLD.checkin_days;
    END IF;
    PERFORM stats_bump_account(NEW.account_id,
        (NEW.credited_seconds > 0)::int - (old_secs > 0)::int,
        NEW.credited_seconds - old_secs, 0, NEW.checkin_days - old_days, 0, 0, 0);
    RETURN NULL;
END $$;

CREATE FUNCTION stats_certificates_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_valid int := 0;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        was_valid := (OLD.revoked_at IS NULL)::int;
    END IF;
    PERFORM stats_bump_account(NEW.account_id, 0, 0,
        (NEW.revoked_at IS NULL)::int - was_valid, 0, 0, 0, 0);
    RETURN NULL;
END $$;

CREATE FUNCTION stats_submissions_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_sub int := 0;
    old_approved int := 0;
    old_likes bigint := 0;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_sub := (OLD.status <> 'removed')::int;
        old_approved := (OLD.status = 'approved')::int;
        old_likes := OLD.like_count;
    END IF;
    PERFORM stats_bump_account(NEW.author_id, 0, 0, 0, 0,
        (NEW.status <> 'removed')::int - old_sub,
        (NEW.status = 'approved')::int - old_approved, NEW.like_count - old_likes);
    RETURN NULL;
END $$;

-- the counters of the data that exists already
INSERT INTO stats_cells
SELECT a.region_code, coalesce(o.type, 'none'), a.audience, (a.id % 16)::smallint,
       count(*),
       count(*) FILTER (WHERE coalesce(l.credited_seconds, 0) > 0),
       coalesce(sum(l.credited_seconds), 0),
       coalesce(sum(c.n), 0),
       coalesce(sum(l.checkin_days), 0),
       coalesce(sum(s.subs), 0),
       coalesce(sum(s.approved), 0),
       coalesce(sum(s.likes), 0)
FROM accounts a
LEFT JOIN organizations o ON o.id = a.organization_id
LEFT JOIN learners l ON l.account_id = a.id
LEFT JOIN (SELECT account_id, count(*) AS n FROM certificates WHERE revoked_at IS NULL
           GROUP BY account_id) c ON c.account_id = a.id
LEFT JOIN (SELECT author_id, count(*) FILTER (WHERE status <> 'removed') AS subs,
                  count(*) FILTER (WHERE status = 'approved') AS approved,
                  sum(like_count) AS likes
           FROM submissions GROUP BY author_id) s ON s.author_id = a.id
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER accounts_stats AFTER INSERT OR UPDATE OF region_code, organization_id, audience
    ON accounts FOR EACH ROW EXECUTE FUNCTION stats_accounts_trigger();
CREATE TRIGGER learners_stats AFTER INSERT OR UPDATE OF credited_seconds, checkin_days
    ON learners FOR EACH ROW EXECUTE FUNCTION stats_learners_trigger();
CREATE TRIGGER certificates_stats AFTER INSERT OR UPDATE OF revoked_at
    ON certificates FOR EACH ROW EXECUTE FUNCTION stats_certificates_trigger();
CREATE TRIGGER submissions_stats AFTER INSERT OR UPDATE OF status, like_count
    ON submissions FOR EACH ROW EXECUTE FUNCTION stats_submissions_trigger();

-- existing partner submissions start the feed in their current state
INSERT INTO partner_changes (partner_id, submission_id, status, reject_reason, recommended,
                             like_count)
SELECT partner_id, id, status, reject_reason, recommended, like_count FROM submissions
WHERE partner_id IS NOT NULL ORDER BY id;
