-- 0009: every session of this database runs in UTC by default.
--
-- The server sets TIME ZONE 'UTC' on each connection it opens. Behind a
-- pooler in transaction mode (PgBouncer) a SET lands on one server
-- connection only, and each transaction may run on another, so the zone
-- that timestamps are rendered in becomes the database's own default.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
END
$$;
