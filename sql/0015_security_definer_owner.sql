-- SECURITY DEFINER functions: a fixed search path and a non-superuser owner.
--
-- Until now every SECURITY DEFINER function ran with `search_path = "$user", public`
-- (SET FROM CURRENT at migration time) and was owned by whoever ran the migrations,
-- usually a superuser. PostgreSQL searches the session's temporary schema before the
-- listed schemas unless pg_temp is named, so a writer could create a temporary view
-- called like a table such a function reads (fold_applied, …), call the function, and
-- have a function of its own run as the owner: `ALTER ROLE … SUPERUSER` succeeded.
--
-- Two walls, each enough on its own:
--   1. every SECURITY DEFINER function in public gets
--      `search_path = pg_catalog, public, pg_temp` (temporary schema last: a temporary
--      relation can no longer shadow a table; functions and operators are never looked
--      up in pg_temp);
--   2. they are owned by benchmon_owner, a NOLOGIN role without SUPERUSER, CREATEROLE,
--      CREATEDB or BYPASSRLS, holding only the table privileges the functions use. A
--      hole in a function body now yields those privileges, not the cluster.
-- A test (benchmon_pipeline_tests/warehouse/test_security_definer.py) fails for any
-- SECURITY DEFINER function in public without that setting or owned by someone else,
-- so a function added later is covered. New SECURITY DEFINER functions must say
-- `SET search_path = pg_catalog, public, pg_temp`, qualify tables as `public.x`, and be
-- given to benchmon_owner (ALTER FUNCTION … OWNER TO benchmon_owner).
--
-- The triggers that refuse UPDATE/DELETE/TRUNCATE of the log are ENABLE ALWAYS and check
-- nothing about the role, so they hold for benchmon_owner as for everybody.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_owner') THEN
        CREATE ROLE benchmon_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
            NOREPLICATION NOBYPASSRLS;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL;  -- created concurrently by a migration of another database
END $$;

-- A non-superuser database owner (with CREATEROLE) running the migrations must be a
-- member of benchmon_owner to give it objects.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'benchmon_owner', 'USAGE') THEN
        EXECUTE format('GRANT benchmon_owner TO %I', current_user);
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'benchmon: role % may not give objects to benchmon_owner', current_user
            USING HINT = format('benchmon_owner was created by another role; as a superuser run '
                                '"GRANT benchmon_owner TO %I", then `benchmon db upgrade` again',
                                current_user);
END $$;

-- What the functions use, and nothing more -----------------------------------------------
GRANT USAGE ON SCHEMA public TO benchmon_owner;
GRANT SELECT, INSERT ON benchmark_transactions TO benchmon_owner;           -- upsert, fold, seal
GRANT SELECT, INSERT ON transaction_log_chain TO benchmon_owner;            -- seal
GRANT SELECT, INSERT, DELETE ON transaction_log_seal_requests TO benchmon_owner;
GRANT SELECT, INSERT, UPDATE ON benchmark_snapshots TO benchmon_owner;      -- fold, checkout, baselines
GRANT SELECT, INSERT ON snapshot_events TO benchmon_owner;
GRANT SELECT ON tracked_branches, metric_definitions, metric_overrides, security_settings
    TO benchmon_owner;
GRANT SELECT, INSERT, UPDATE ON fold_applied TO benchmon_owner;
GRANT SELECT, UPDATE ON fold_state TO benchmon_owner;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON daily_performance_trends, daily_configuration_counts, trend_dirty_days
    TO benchmon_owner;                                                       -- trend refresh
GRANT SELECT ON regression_alerts TO benchmon_owner;
GRANT SELECT, INSERT ON regression_alert_events TO benchmon_owner;          -- alert history

-- Helpers the SECURITY DEFINER functions call and that PUBLIC may not execute.
GRANT EXECUTE ON FUNCTION
    locked_snapshot(text, text, text, text, integer),
    record_snapshot_event(text, benchmark_snapshots, text, text),
    daily_trend_rows(date, date)
    TO benchmon_owner;

-- benchmon_owner owns no table, so row-level security applies to it.
CREATE POLICY owner_all ON benchmark_transactions FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON benchmark_snapshots FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON regression_alerts FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON regression_alert_events FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);

-- Every SECURITY DEFINER function of the schema: fixed path, new owner ----------------------
-- The new owner of a function must be allowed to create in its schema (unless a superuser
-- runs this): lent for the loop, taken back after it; ownership stays.
GRANT CREATE ON SCHEMA public TO benchmon_owner;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
        EXECUTE format('ALTER FUNCTION %s OWNER TO benchmon_owner', f);
    END LOOP;
END $$;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
