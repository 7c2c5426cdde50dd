-- 0004: topic submissions, moderation, likes with sharded counters, the
-- frozen final ranking and Idempotency-Key replays (API.md section 6).

CREATE TABLE submissions (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id            bigint NOT NULL REFERENCES accounts (id),
    title                text NOT NULL,
    description          text NOT NULL DEFAULT '',
    category             text NOT NULL REFERENCES categories (code),
    video_url            text NOT NULL,
    cover_url            text,
    duration_seconds     integer NOT NULL CHECK (duration_seconds BETWEEN 1 AND 900),
    format               text NOT NULL CHECK (format IN ('mp4', 'mov')),
    size_bytes           bigint NOT NULL CHECK (size_bytes BETWEEN 1 AND 4294967296),
    hashtags             text[] NOT NULL,
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'rejected', 'removed')),
    reject_reason        text,
    recommended          boolean NOT NULL DEFAULT false,
    recommended_channels text[] NOT NULL DEFAULT '{}',
    -- folded from like_shards at most a second or two behind the likes table
    like_count           integer NOT NULL DEFAULT 0,
    -- when the newest like still counted was made (ties: older reached first)
    last_like_at         timestamptz,
    source               text NOT NULL DEFAULT 'direct' CHECK (source IN ('direct', 'partner')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submissions_author_idx ON submissions (author_id, id);
-- lists by status (newest first, or the moderation queue oldest first)
CREATE INDEX submissions_status_idx ON submissions (status, id);
CREATE INDEX submissions_status_category_idx ON submissions (status, category, id);
CREATE INDEX submissions_likes_idx ON submissions (status, like_count DESC, id DESC);
-- the ranking order, read from the top
CREATE INDEX submissions_rank_idx ON submissions
    (like_count DESC, last_like_at ASC NULLS FIRST, created_at, id) WHERE status = 'approved';

CREATE TABLE likes (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    account_id    bigint NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (submission_id, account_id)
);
CREATE INDEX likes_newest_idx ON likes (submission_id, created_at DESC);

-- Likes and unlikes add +1/-1 to one of 32 shards (by account), so that a
-- viral video's likers do not queue on one row; a folder moves the shards
-- into submissions.like_count every second.
CREATE TABLE like_shards (
    submission_id bigint NOT NULL,
    shard         smallint NOT NULL,
    delta         integer NOT NULL,
    PRIMARY KEY (submission_id, shard)
);

CREATE TABLE idempotency_keys (
    account_id   bigint NOT NULL REFERENCES accounts (id),
    key          text NOT NULL,
    request_hash text NOT NULL,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE leaderboard_snapshots (
    campaign_id bigint PRIMARY KEY REFERENCES campaigns (id),
    frozen_at   timestamptz NOT NULL,
    body        text NOT NULL
);
