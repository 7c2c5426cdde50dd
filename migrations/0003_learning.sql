-- 0003: the campaign, categories, lessons, livestreams and reservations,
-- watch progress, check-ins and certificates (API.md sections 3, 4, 5).

CREATE TABLE campaigns (
    id                   bigint PRIMARY KEY,
    name                 text NOT NULL,
    topic                text NOT NULL DEFAULT '逃生演练训练营',
    warmup_at            timestamptz NOT NULL,
    launch_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    frozen_at            timestamptz,
    class_hour_seconds   integer NOT NULL DEFAULT 3600 CHECK (class_hour_seconds > 0),
    required_class_hours integer NOT NULL DEFAULT 8 CHECK (required_class_hours > 0),
    require_checkin      boolean NOT NULL DEFAULT true,
    max_playback_rate    double precision NOT NULL DEFAULT 1.0 CHECK (max_playback_rate > 0),
    top_n                integer NOT NULL DEFAULT 100 CHECK (top_n > 0),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (warmup_at <= launch_at AND launch_at < ends_at)
);
-- the one campaign of this deployment: Safety Month (安全生产月), June
INSERT INTO campaigns (id, name, warmup_at, launch_at, ends_at)
VALUES (1, '安全生产月·逃生演练训练营', '2026-05-25T00:00:00+08:00',
        '2026-06-01T00:00:00+08:00', '2026-07-01T00:00:00+08:00');

CREATE TABLE categories (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    sort_order integer NOT NULL
);
INSERT INTO categories (code, name, sort_order) VALUES
    ('enterprise_drill', '企业应急演练', 1),
    ('rural_weather', '农村气象灾害防范', 2),
    ('geological', '地质灾害避险', 3),
    ('flood', '防汛避险', 4),
    ('fire', '火灾逃生', 5),
    ('high_rise', '高层建筑安全', 6),
    ('commercial_complex', '商业综合体疏散', 7),
    ('scenic_area', '景区安全', 8),
    ('school_fire', '校园消防', 9),
    ('traffic', '交通安全', 10),
    ('laboratory', '实验室安全', 11),
    ('evacuation', '应急疏散', 12),
    ('drowning', '防溺水', 13),
    ('household_electricity_gas', '家庭用电用气安全', 14),
    ('ebike_charging', '电动自行车充电安全', 15),
    ('high_rise_fire_escape', '高楼火灾逃生', 16);

CREATE TABLE lessons (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text NOT NULL,
    category         text NOT NULL REFERENCES categories (code),
    duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
    video_url        text NOT NULL,
    cover_url        text,
    description      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lessons_category_idx ON lessons (category, id);

CREATE TABLE livestreams (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title             text NOT NULL,
    expert            text NOT NULL,
    scheduled_at      timestamptz NOT NULL,
    description       text,
    status            text NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled', 'live', 'ended')),
    started_at        timestamptz,
    ended_at          timestamptz,
    duration_seconds  integer CHECK (duration_seconds > 0),
    replay_url        text,
    reservation_count integer NOT NULL DEFAULT 0 CHECK (reservation_count >= 0),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX livestreams_status_idx ON livestreams (status, id);

CREATE TABLE reservations (
    livestream_id bigint NOT NULL REFERENCES livestreams (id),
    account_id    bigint NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (livestream_id, account_id)
);
CREATE INDEX reservations_account_idx ON reservations (account_id, livestream_id);

-- one row per account: everything eligibility needs, read in one lookup
CREATE TABLE learners (
    account_id       bigint PRIMARY KEY REFERENCES accounts (id),
    credited_seconds bigint NOT NULL DEFAULT 0 CHECK (credited_seconds >= 0),
    bucket_tokens    double precision NOT NULL,
    bucket_at        double precision NOT NULL,
    checkin_days     integer NOT NULL DEFAULT 0,
    streak_days      integer NOT NULL DEFAULT 0,
    last_checkin_day date,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- the merged watched intervals of one account on one content: a flat
-- integer[] {from0,to0,from1,to1,...}; live and replay share a livestream's row
CREATE TABLE progress (
    account_id       bigint NOT NULL REFERENCES accounts (id),
    content_type     text NOT NULL CHECK (content_type IN ('lesson', 'livestream')),
    content_id       bigint NOT NULL,
    intervals        integer[] NOT NULL,
    credited_seconds integer NOT NULL CHECK (credited_seconds >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, content_type, content_id)
);
-- "has anyone credit on this content?" (a lesson may not shrink below credit)
CREATE INDEX progress_content_idx ON progress (content_type, content_id);

CREATE TABLE checkins (
    account_id bigint NOT NULL REFERENCES accounts (id),
    day        date NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, day)
);

CREATE TABLE certificates (
    serial           text PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES campaigns (id),
    account_id       bigint NOT NULL REFERENCES accounts (id),
    holder_name      text NOT NULL,
    class_hours      numeric(10, 2) NOT NULL,
    credited_seconds bigint NOT NULL,
    issued_at        timestamptz NOT NULL,
    signed_payload   text NOT NULL,
    signature        text NOT NULL,
    revoked_at       timestamptz,
    revoke_reason    text,
    UNIQUE (campaign_id, account_id)
);
