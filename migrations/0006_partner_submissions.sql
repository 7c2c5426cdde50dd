-- 0006: submissions uploaded by partner platforms, keyed by the partner's own id.

ALTER TABLE submissions
    ADD COLUMN partner_id bigint REFERENCES partners (id),
    ADD COLUMN external_id text;
CREATE UNIQUE INDEX submissions_partner_external_idx ON submissions (partner_id, external_id)
    WHERE partner_id IS NOT NULL;
