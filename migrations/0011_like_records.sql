-- 0011: each like records who made it, without storing who: the first 16
-- hex digits of HMAC-SHA256, under a server secret that is never in the
-- database, of the client's address and of its X-Device-Id header (API.md
-- section 6, "Like integrity"). NULL for likes made before this migration,
-- for partner batch likes (the partner is the client) and, for
-- device_hash, when the client sent no device id.
--
-- At national scale likes has ten million rows: the columns come without
-- a default (no rewrite), and the checks NOT VALID so that adding them
-- scans nothing under the table's exclusive lock. Every existing row holds
-- NULL, which the checks accept; new rows are checked.
ALTER TABLE likes
    ADD COLUMN client_hash text,
    ADD COLUMN device_hash text;
ALTER TABLE likes
    ADD CONSTRAINT likes_client_hash_hex CHECK (client_hash ~ '^[0-9a-f]{16}$') NOT VALID,
    ADD CONSTRAINT likes_device_hash_hex CHECK (device_hash ~ '^[0-9a-f]{16}$') NOT VALID;
