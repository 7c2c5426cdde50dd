-- 0005: partner platforms (API.md section 7) and the audit list's index.

CREATE TABLE partners (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    key_id     text NOT NULL UNIQUE,
    -- the HMAC secret, AES-256-GCM under the server's key: nonce|ciphertext|tag, base64
    secret_enc text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- a partner's user linked to a drillcamp account
CREATE TABLE partner_users (
    partner_id       bigint NOT NULL REFERENCES partners (id),
    external_user_id text NOT NULL,
    account_id       bigint NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, external_user_id)
);
CREATE INDEX partner_users_account_idx ON partner_users (account_id);
