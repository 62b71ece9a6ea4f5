-- The reader role reads, and nothing else (defects 9 and 10).
--
-- 1. Advisory locks. The fold serializes on pg_advisory_xact_lock(1651339118, key) and
--    the seal on (1651336040, 0); PostgreSQL lets PUBLIC take any advisory lock, so a
--    reader holding pg_advisory_lock(1651336040, 0) stopped every commit of the log.
--    The lock functions are taken away from PUBLIC in this database and given to the
--    roles that use them: benchmon_owner (the fold, the seal), benchmon_writer (alerts
--    and webhooks serialize on their own keys) and the role running the migrations (the
--    runner's lock). The privilege is per database: the Dagster storage is not touched.
-- 2. Large objects: PUBLIC may no longer create them here (lo_create, lo_creat,
--    lo_from_bytea, lo_import); benchmon stores none.
-- 1 and 2 change privileges of pg_catalog functions, which only a superuser may do.
-- A non-superuser migrator gets a WARNING naming what a superuser must run, not a
-- failed migration (the rest of this file still applies).
-- 3. reader_access = 'none' covers every table the reader can SELECT, not only the log
--    and the snapshots: row-level security on each of them, with the reader's policy
--    asking reader_may_read() (a SECURITY DEFINER function, so that security_settings
--    itself can be hidden from the reader without its policy reading itself). The
--    writer and benchmon_owner keep every row their privileges allow. A test lists the
--    tables and views the reader may SELECT from the catalogue and checks each shows no
--    row under 'none', so a table added later without a policy fails it.

-- 1 and 2 ----------------------------------------------------------------------------------
DO $$
DECLARE
    f regprocedure;
    grantees text := format('benchmon_owner, benchmon_writer, %I', current_user);
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE WARNING 'benchmon: advisory-lock and large-object functions are still executable '
            'by PUBLIC in database %: run sql/0016_reader_lockdown.sql''s first block as a superuser',
            current_database();
        RETURN;
    END IF;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$'
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', f, grantees);
    END LOOP;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname IN ('lo_create', 'lo_creat', 'lo_from_bytea', 'lo_import')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- 3 ----------------------------------------------------------------------------------------
CREATE FUNCTION reader_may_read() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((SELECT s.reader_access = 'read' FROM public.security_settings s), false)
$$;
GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION reader_may_read() OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
COMMENT ON FUNCTION reader_may_read IS
    'security_settings.reader_access = ''read'': the reader role''s row-level policies ask it.';

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                AND has_table_privilege('benchmon_reader', c.oid, 'SELECT')
                AND NOT c.relrowsecurity
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY reader_reads ON %s FOR SELECT TO benchmon_reader'
                       ' USING ((SELECT public.reader_may_read()))', t);
        EXECUTE format('CREATE POLICY writer_all ON %s FOR ALL TO benchmon_writer'
                       ' USING (true) WITH CHECK (true)', t);
        EXECUTE format('CREATE POLICY owner_all ON %s FOR ALL TO benchmon_owner'
                       ' USING (true) WITH CHECK (true)', t);
    END LOOP;
END $$;
