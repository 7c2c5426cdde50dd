-- 0011: each like records who made it, without storing who that is: the
-- first 16 hex digits of HMAC-SHA256, under a server secret that is never
-- in the database, of the client's address and of its X-Device-Id header
-- (API.md section 6, "Like integrity"). NULL for likes made before this
-- migration, for partner batch likes (the partner is the client) and, for
-- device_hash, when the client sent no device id.
ALTER TABLE likes
    ADD COLUMN client_hash text CHECK (client_hash ~ '^[0-9a-f]{16}$'),
    ADD COLUMN device_hash text CHECK (device_hash ~ '^[0-9a-f]{16}$');
