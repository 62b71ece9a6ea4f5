-- The ingest ledger: one row per file handled (folder, S3 or `benchmon push`), whatever
-- became of it, so that nothing dropped into an inbox can vanish without a trace.
-- Append-only like the log: a file handled twice (re-run, replay, crash before the move)
-- has two rows, the later one saying `duplicate` when its results were already stored.

CREATE TABLE ingested_files (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    inbox           text NOT NULL CHECK (inbox IN ('folder', 's3', 'push')),
    uri             text NOT NULL,
    file_sha256     text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes      bigint CHECK (size_bytes >= 0),
    format          text,
    status          text NOT NULL CHECK (status IN ('ingested', 'duplicate', 'quarantined')),
    error_code      text,
    error_message   text,
    json_path       text,
    warnings        text[] NOT NULL DEFAULT '{}',
    results_total   integer NOT NULL DEFAULT 0 CHECK (results_total >= 0),
    results_new     integer NOT NULL DEFAULT 0 CHECK (results_new BETWEEN 0 AND results_total),
    transaction_ids uuid[] NOT NULL DEFAULT '{}',
    dagster_run_id  text,
    CONSTRAINT quarantined_files_say_why CHECK ((status = 'quarantined') = (error_code IS NOT NULL)),
    CONSTRAINT ingested_files_added_results CHECK (status <> 'ingested' OR results_new > 0),
    CONSTRAINT duplicate_files_added_nothing CHECK (status <> 'duplicate' OR results_new = 0)
);

COMMENT ON TABLE ingested_files IS
    'Append-only ledger: the outcome of every file benchmon was asked to ingest.';

CREATE INDEX ingested_files_recorded_at ON ingested_files (recorded_at DESC);
CREATE INDEX ingested_files_file_sha256 ON ingested_files (file_sha256);
CREATE INDEX ingested_files_quarantined ON ingested_files (recorded_at DESC)
    WHERE status = 'quarantined';

CREATE TRIGGER ingested_files_no_update_or_delete
    BEFORE UPDATE OR DELETE ON ingested_files
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER ingested_files_no_truncate
    BEFORE TRUNCATE ON ingested_files
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE ingested_files ENABLE ALWAYS TRIGGER ingested_files_no_update_or_delete;
ALTER TABLE ingested_files ENABLE ALWAYS TRIGGER ingested_files_no_truncate;

GRANT SELECT ON ingested_files TO benchmon_writer, benchmon_reader;
GRANT INSERT (inbox, uri, file_sha256, size_bytes, format, status, error_code, error_message,
              json_path, warnings, results_total, results_new, transaction_ids, dagster_run_id)
    ON ingested_files TO benchmon_writer;
