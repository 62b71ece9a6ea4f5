-- Roles, privileges and row-level security (docs/data-model.md and docs/security.md).
--
--   benchmon_writer  the service role (ingest, the snapshots asset, CI pushes): reads
--                    everything, appends to the log, calls the snapshot functions.
--                    It cannot UPDATE/DELETE anything and cannot write the snapshot
--                    tables directly: every change of state goes through a function
--                    that records a snapshot event.
--   benchmon_reader  the "anonymous" dashboard role: SELECT only, and only while the
--                    reader template allows it (see security_settings below).
-- The owner (who runs the migrations) and superusers keep full use; the triggers of
-- 0002–0004 still stop them from rewriting history.
--
-- Roles are cluster-wide and may already exist (another database on the same server,
-- the test template): create them only when missing. NOLOGIN: grant them to login
-- roles (GRANT benchmon_writer TO ci_pusher) or use SET ROLE.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_writer') THEN
        CREATE ROLE benchmon_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_reader') THEN
        CREATE ROLE benchmon_reader NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL;  -- created concurrently by a migration of another database
END $$;


-- Which row-level-security template applies to the reader role:
--   'read' (active by default)  the reader may read everything (anonymous read-only);
--   'none'                      the stricter variant: the reader sees no row at all.
-- The writer template (service role may write) is always active.
-- Switch with: UPDATE security_settings SET reader_access = 'none';
CREATE TABLE security_settings (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    reader_access text NOT NULL DEFAULT 'read' CHECK (reader_access IN ('read', 'none'))
);
INSERT INTO security_settings DEFAULT VALUES;


-- Privileges ----------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO benchmon_writer, benchmon_reader;

GRANT SELECT ON benchmark_transactions, benchmark_snapshots, snapshot_events,
               transaction_log_chain, tracked_branches, metric_definitions,
               metric_overrides, security_settings, v_latest_benchmarks,
               v_performance_trends
    TO benchmon_writer, benchmon_reader;

-- The writer appends with the columns a result states; ingested_at, seq and xact_id are
-- always the server's.
GRANT INSERT (id, created_at, commit_sha, branch_name, model_version, model_provider,
              dataset_version, prompt_version, environment, metrics, duration_seconds,
              tags, notes, run_id, triggered_by, content_sha256, source, metric_directions)
    ON benchmark_transactions TO benchmon_writer;

-- Functions are executable by PUBLIC by default: keep that for the read-only ones,
-- take it away from everything that changes state.
REVOKE EXECUTE ON FUNCTION
    fold_transactions(boolean, text),
    upsert_benchmark_result(text, text, text, text, jsonb, timestamptz, text, text, text,
                            numeric, text[], text, text, text, text, jsonb),
    checkout_snapshot(text, text, text, text, integer, text, text),
    set_baseline(text, text, text, text, integer, text, text),
    clear_baseline(text, text, text, text, text, text),
    set_snapshot_active(text, text, text, text, integer, boolean, text, text),
    locked_snapshot(text, text, text, text, integer),
    record_snapshot_event(text, benchmark_snapshots, text, text),
    restore_snapshots(),
    request_transaction_log_seal(),
    seal_transaction_log()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    fold_transactions(boolean, text),
    upsert_benchmark_result(text, text, text, text, jsonb, timestamptz, text, text, text,
                            numeric, text[], text, text, text, text, jsonb),
    checkout_snapshot(text, text, text, text, integer, text, text),
    set_baseline(text, text, text, text, integer, text, text),
    clear_baseline(text, text, text, text, text, text),
    set_snapshot_active(text, text, text, text, integer, boolean, text, text)
    TO benchmon_writer;


-- Row-level security ---------------------------------------------------------------------
-- On the log and the snapshots, as docs/data-model.md (Roles and row-level security) says. Table owners bypass RLS
-- (not FORCEd), and so do the SECURITY DEFINER functions, which run as the owner.
ALTER TABLE benchmark_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE benchmark_snapshots ENABLE ROW LEVEL SECURITY;

-- Template "service role may write".
CREATE POLICY writer_reads ON benchmark_transactions
    FOR SELECT TO benchmon_writer USING (true);
CREATE POLICY writer_appends ON benchmark_transactions
    FOR INSERT TO benchmon_writer WITH CHECK (true);
CREATE POLICY writer_reads ON benchmark_snapshots
    FOR SELECT TO benchmon_writer USING (true);

-- Template "anonymous read-only", or "anonymous no access" when
-- security_settings.reader_access = 'none' (the sub-select runs once per query).
CREATE POLICY reader_reads ON benchmark_transactions
    FOR SELECT TO benchmon_reader
    USING ((SELECT reader_access = 'read' FROM security_settings));
CREATE POLICY reader_reads ON benchmark_snapshots
    FOR SELECT TO benchmon_reader
    USING ((SELECT reader_access = 'read' FROM security_settings));
