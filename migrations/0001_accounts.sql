-- 0001: regions, organizations, accounts and sessions (API.md section 2).

CREATE TABLE regions (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name          text NOT NULL,
    level         text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent        text REFERENCES regions (code),
    -- ancestors, so that reports roll up without walking the tree
    province_code text NOT NULL,
    city_code     text,
    CHECK ((level = 'province') = (parent IS NULL))
);
CREATE INDEX regions_parent_idx ON regions (parent, code);

CREATE TABLE organizations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('government', 'enterprise_central',
                    'enterprise_local', 'university', 'school', 'kindergarten',
                    'community', 'village', 'other')),
    region_code text NOT NULL REFERENCES regions (code),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_region_idx ON organizations (region_code, id);
CREATE INDEX organizations_type_idx ON organizations (type, id);

CREATE TABLE accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone           text NOT NULL UNIQUE,
    password_hash   text NOT NULL,
    display_name    text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('individual', 'official')),
    role            text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
    region_code     text NOT NULL REFERENCES regions (code),
    organization_id bigint REFERENCES organizations (id),
    audience        text NOT NULL DEFAULT 'public'
                    CHECK (audience IN ('employee', 'student', 'teacher', 'resident', 'public')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'official' OR organization_id IS NOT NULL)
);
CREATE INDEX accounts_organization_idx ON accounts (organization_id);
CREATE INDEX accounts_region_idx ON accounts (region_code);

-- only the SHA-256 of a bearer token is kept
CREATE TABLE sessions (
    token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account_idx ON sessions (account_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- every admin and moderator action (listed by GET /v1/admin/audit)
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES accounts (id),
    action   text NOT NULL,
    target   text NOT NULL,
    details  jsonb NOT NULL DEFAULT '{}',
    at       timestamptz NOT NULL DEFAULT now()
);
