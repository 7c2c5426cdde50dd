-- 0010: the campaign names its issuer: the organizer printed on every
-- certificate and on its verification page (API.md section 5, "For
-- people").
ALTER TABLE campaigns
    ADD COLUMN issuer text NOT NULL DEFAULT '逃生演练训练营组委会'
        CHECK (char_length(issuer) BETWEEN 1 AND 60);
