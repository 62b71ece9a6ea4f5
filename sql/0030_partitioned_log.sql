-- The log partitioned by month (issue 20, item 3).
--
-- benchmark_transactions becomes a table partitioned by RANGE (created_at), one partition
-- a month (benchmark_transactions_yYYYYmMM) and a DEFAULT partition. Why created_at:
-- every time-bounded question (trends, a configuration's history) asks by when the
-- benchmark ran, so those queries touch only the months they ask about. Why a default
-- partition: created_at is the client's (a backfill of 2019 results, a clock off by a
-- month); without it such a row would be refused. ensure_log_partitions() creates the
-- month partitions ahead of time (`benchmon db upgrade` for the current and next month,
-- and a daily call by the log's owner; not the ingest path: creating a partition locks
-- the whole log until the creating transaction ends); it never creates a month that
-- already has rows in the default partition (PostgreSQL refuses, and moving them would
-- be a DELETE from the log), so such a month simply stays in the default partition.
--
-- The guarantees, as before, on every partition present or future:
--   * no UPDATE/DELETE/TRUNCATE: the row trigger content_key and the new unique_key are
--     cloned to each partition by PostgreSQL; the statement triggers (refuse, request the
--     seal) are not, so protect_log_partition() adds them to each partition it creates;
--   * the content key is unique across partitions: PostgreSQL allows a unique index on a
--     partitioned table only with the partition key in it, and the key must be unique
--     alone (a result that did not state created_at gets the server's time, which is not
--     content). So benchmark_transaction_keys holds (content_sha256 PRIMARY KEY, id
--     UNIQUE, created_at), and a BEFORE INSERT trigger (SECURITY DEFINER: nobody else
--     may write it) claims the key for each row. A duplicate raises unique_violation on
--     content_sha256_is_unique as before, or is skipped when the inserting transaction
--     set benchmon.skip_duplicates = on (the replacement of ON CONFLICT DO NOTHING,
--     which needs a unique index on the table itself);
--   * the hash chain: unchanged (digests cover the columns, not where the row is stored);
--   * snapshots' foreign keys: they reference benchmark_transaction_keys (id), which
--     stays when an old partition is archived.
-- Existing databases migrate in place: every row is copied, with its seq and xact_id,
-- into the partitioned table, so each digest and the chain stay what they were.

-- The old table's names are taken for the new objects: its indexes (the copy below does
-- not need them) go, its key constraint is renamed.
DROP INDEX benchmark_transactions_created_at, benchmark_transactions_model_created_at,
    benchmark_transactions_configuration_created_at, benchmark_transactions_metrics,
    benchmark_transactions_tags, benchmark_transactions_xact_id;
ALTER TABLE benchmark_transactions
    RENAME CONSTRAINT content_sha256_is_unique TO unpartitioned_content_sha256_is_unique;

-- The key table ------------------------------------------------------------------------
CREATE TABLE benchmark_transaction_keys (
    content_sha256 text NOT NULL,
    id             uuid NOT NULL,
    created_at     timestamptz NOT NULL,  -- where the row is: the partition key
    CONSTRAINT content_sha256_is_unique PRIMARY KEY (content_sha256),
    CONSTRAINT benchmark_transactions_id_is_unique UNIQUE (id)
);
COMMENT ON TABLE benchmark_transaction_keys IS
    'Every content key and id the log ever stored (also of archived rows); append-only.';
CREATE TRIGGER benchmark_transaction_keys_no_update_or_delete
    BEFORE UPDATE OR DELETE ON benchmark_transaction_keys
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER benchmark_transaction_keys_no_truncate
    BEFORE TRUNCATE ON benchmark_transaction_keys
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE benchmark_transaction_keys ENABLE ALWAYS TRIGGER benchmark_transaction_keys_no_update_or_delete;
ALTER TABLE benchmark_transaction_keys ENABLE ALWAYS TRIGGER benchmark_transaction_keys_no_truncate;

INSERT INTO benchmark_transaction_keys (content_sha256, id, created_at)
SELECT content_sha256, id, created_at FROM benchmark_transactions;

ALTER TABLE benchmark_snapshots DROP CONSTRAINT benchmark_snapshots_transaction_id_fkey,
    ADD CONSTRAINT benchmark_snapshots_transaction_id_fkey FOREIGN KEY (transaction_id)
        REFERENCES benchmark_transaction_keys (id);
ALTER TABLE snapshot_events DROP CONSTRAINT snapshot_events_transaction_id_fkey,
    ADD CONSTRAINT snapshot_events_transaction_id_fkey FOREIGN KEY (transaction_id)
        REFERENCES benchmark_transaction_keys (id);
ALTER TABLE accepted_changes DROP CONSTRAINT accepted_changes_transaction_id_fkey,
    ADD CONSTRAINT accepted_changes_transaction_id_fkey FOREIGN KEY (transaction_id)
        REFERENCES benchmark_transaction_keys (id);

GRANT SELECT ON benchmark_transaction_keys TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON benchmark_transaction_keys TO benchmon_owner;
ALTER TABLE benchmark_transaction_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON benchmark_transaction_keys FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_all ON benchmark_transaction_keys FOR ALL TO benchmon_writer
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON benchmark_transaction_keys FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);


-- The partitioned log --------------------------------------------------------------------
ALTER TABLE benchmark_transactions RENAME TO benchmark_transactions_unpartitioned;
CREATE TABLE benchmark_transactions (
    LIKE benchmark_transactions_unpartitioned
        INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING COMMENTS
        INCLUDING STORAGE
) PARTITION BY RANGE (created_at);
COMMENT ON TABLE benchmark_transactions IS
    'Append-only log of benchmark and evaluation results (benchmon), partitioned by month '
    'of created_at.';
COMMENT ON COLUMN benchmark_transactions.content_sha256 IS
    'sha256 of the canonical JSON of what the result states (docs/data-model.md, The idempotency key); unique '
    '(benchmark_transaction_keys).';

CREATE INDEX benchmark_transactions_id ON benchmark_transactions (id);
CREATE INDEX benchmark_transactions_created_at ON benchmark_transactions (created_at DESC);
CREATE INDEX benchmark_transactions_model_created_at
    ON benchmark_transactions (model_version, created_at DESC);
CREATE INDEX benchmark_transactions_configuration_created_at
    ON benchmark_transactions (model_version, dataset_version, prompt_version, environment,
                               created_at DESC, seq DESC);
CREATE INDEX benchmark_transactions_metrics
    ON benchmark_transactions USING gin (metrics jsonb_path_ops);
CREATE INDEX benchmark_transactions_tags ON benchmark_transactions USING gin (tags);
CREATE INDEX benchmark_transactions_xact_id ON benchmark_transactions (xact_id, seq);

-- Each partition's statement triggers (PostgreSQL clones only row triggers). A statement
-- through the parent fires the parent's; one naming the partition fires these.
CREATE FUNCTION protect_log_partition(part regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text := (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = part);
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %s FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION public.refuse_to_rewrite_history()',
                   name || '_no_update_or_delete', part);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION public.refuse_to_rewrite_history()',
                   name || '_no_truncate', part);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION public.request_transaction_log_seal()',
                   name || '_request_seal', part);
    -- PostgreSQL 16 gives the parent's identity only to rows inserted through the parent.
    EXECUTE format('ALTER TABLE %s ALTER COLUMN seq SET DEFAULT nextval(%L::regclass)',
                   part, pg_catalog.pg_get_serial_sequence('public.benchmark_transactions', 'seq'));
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', part, name || '_no_update_or_delete');
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', part, name || '_no_truncate');
END $$;
REVOKE EXECUTE ON FUNCTION protect_log_partition(regclass) FROM PUBLIC;

-- The month partitions covering [from_time, to_time] that are missing; returns their
-- names. Only the log's owner may create partitions: for anyone else this does nothing
-- (rows of a missing month go to the default partition, and the owner's next call or
-- `benchmon db upgrade` creates the months ahead).
CREATE FUNCTION ensure_log_partitions(
    from_time timestamptz DEFAULT now(), to_time timestamptz DEFAULT now() + interval '1 month')
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    month timestamptz;
    name text;
BEGIN
    IF NOT pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c
          WHERE c.oid = 'public.benchmark_transactions'::regclass), 'USAGE') THEN
        RETURN;
    END IF;
    month := date_trunc('month', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    WHILE month <= to_time LOOP
        name := 'benchmark_transactions_' || to_char(month AT TIME ZONE 'UTC', '"y"YYYY"m"MM');
        IF to_regclass('public.' || name) IS NULL THEN
            -- Two batches at a month's start: the second waits here, then sees the first's.
            PERFORM pg_catalog.pg_advisory_xact_lock(1651339380, 0);  -- 'bmpt'
        END IF;
        IF to_regclass('public.' || name) IS NULL
           AND NOT EXISTS (SELECT FROM public.benchmark_transactions_default d
                            WHERE d.created_at >= month
                              AND d.created_at < month + interval '1 month') THEN
            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.benchmark_transactions'
                           ' FOR VALUES FROM (%L) TO (%L)', name, month,
                           month + interval '1 month');
            PERFORM public.protect_log_partition(('public.' || quote_ident(name))::regclass);
            RETURN NEXT name;
        END IF;
        month := month + interval '1 month';
    END LOOP;
END $$;
COMMENT ON FUNCTION ensure_log_partitions IS
    'Creates the missing month partitions of the log between two times (owner only).';

CREATE TABLE benchmark_transactions_default PARTITION OF benchmark_transactions DEFAULT;
SELECT protect_log_partition('benchmark_transactions_default');

-- A partition for every month that has rows, then the rows, with their seq and xact_id.
SELECT count(*) FROM (
    SELECT ensure_log_partitions(m, m)
      FROM (SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')
                            AT TIME ZONE 'UTC' AS m
              FROM benchmark_transactions_unpartitioned) AS months) AS made;
INSERT INTO benchmark_transactions OVERRIDING SYSTEM VALUE
SELECT * FROM benchmark_transactions_unpartitioned ORDER BY seq;
SELECT setval(pg_get_serial_sequence('benchmark_transactions', 'seq'),
              coalesce((SELECT max(seq) FROM benchmark_transactions_unpartitioned), 0) + 1,
              false);

-- The old table goes, with the two objects bound to its row type or its oid.
DROP TABLE benchmark_transactions_unpartitioned CASCADE;  -- transaction_row_digest, history_restarts

DO $$
BEGIN  -- LIKE … INCLUDING IDENTITY named the new sequence around the old one's name
    IF pg_get_serial_sequence('benchmark_transactions', 'seq')
       <> 'public.benchmark_transactions_seq_seq' THEN
        EXECUTE format('ALTER SEQUENCE %s RENAME TO benchmark_transactions_seq_seq',
                       pg_get_serial_sequence('benchmark_transactions', 'seq'));
    END IF;
END $$;

CREATE FUNCTION transaction_row_digest(t benchmark_transactions) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to(row(
        t.id, t.seq, t.xact_id, extract(epoch FROM t.created_at),
        extract(epoch FROM t.ingested_at), t.content_sha256, t.source, t.commit_sha,
        t.branch_name, t.model_version, t.model_provider, t.dataset_version,
        t.prompt_version, t.environment, t.metrics, t.metric_directions,
        t.duration_seconds, t.tags, t.notes, t.run_id, t.triggered_by)::text, 'UTF8'))
$$;

CREATE VIEW history_restarts WITH (security_invoker = true) AS
SELECT DISTINCT ON (p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric)
       p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric,
       p.source, p.transaction_id, t.created_at, t.seq
  FROM (SELECT a.model_version, a.dataset_version, a.prompt_version, a.environment,
               a.metric, 'accepted'::text AS source, a.transaction_id
          FROM public.accepted_changes a
        UNION ALL
        SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
               ''::text, 'baseline'::text, s.transaction_id
          FROM public.benchmark_snapshots s
         WHERE s.is_baseline) AS p
  JOIN public.benchmark_transactions t ON t.id = p.transaction_id
 ORDER BY p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric,
          t.created_at DESC, t.seq DESC;
COMMENT ON VIEW history_restarts IS
    'Per configuration × metric ('''' = all): the newest accepted change or baseline; the history rule''s reference starts there.';
GRANT SELECT ON history_restarts TO benchmon_writer, benchmon_reader;


-- Claiming the key -----------------------------------------------------------------------
CREATE FUNCTION claim_content_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO public.benchmark_transaction_keys (content_sha256, id, created_at)
    VALUES (NEW.content_sha256, NEW.id, NEW.created_at)
    ON CONFLICT (content_sha256) DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    ELSIF current_setting('benchmon.skip_duplicates', true) = 'on' THEN
        RETURN NULL;  -- stored before (or by a concurrent writer that committed): skip
    END IF;
    RAISE EXCEPTION 'duplicate key value violates unique constraint "content_sha256_is_unique"'
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'content_sha256_is_unique',
              TABLE = 'benchmark_transactions', SCHEMA = 'public',
              DETAIL = format('Key (content_sha256)=(%s) already exists.', NEW.content_sha256),
              HINT = 'the result is stored already; to skip duplicates, set '
                     'benchmon.skip_duplicates = on in the inserting transaction';
END $$;
GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION claim_content_key() OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
REVOKE EXECUTE ON FUNCTION claim_content_key() FROM PUBLIC;

-- Triggers (after the copy: the copied rows were checked, keyed and sealed already).
-- Row triggers fire by name: content_key fills the key, then unique_key claims it.
CREATE TRIGGER benchmark_transactions_content_key
    BEFORE INSERT ON benchmark_transactions
    FOR EACH ROW EXECUTE FUNCTION public.check_content_sha256();
CREATE TRIGGER benchmark_transactions_unique_key
    BEFORE INSERT ON benchmark_transactions
    FOR EACH ROW EXECUTE FUNCTION public.claim_content_key();
CREATE TRIGGER benchmark_transactions_no_update_or_delete
    BEFORE UPDATE OR DELETE ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER benchmark_transactions_no_truncate
    BEFORE TRUNCATE ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER benchmark_transactions_request_seal
    AFTER INSERT ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION request_transaction_log_seal();
CREATE TRIGGER benchmark_transactions_mark_trend_days
    AFTER INSERT ON benchmark_transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mark_trend_days();
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_content_key;
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_unique_key;
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_update_or_delete;
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_truncate;

-- Privileges and row-level security, as the old table had them (0007, 0015, 0021).
GRANT SELECT ON benchmark_transactions TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON benchmark_transactions TO benchmon_owner;
GRANT INSERT (id, created_at, commit_sha, branch_name, model_version, model_provider,
              dataset_version, prompt_version, environment, metrics, duration_seconds,
              tags, notes, run_id, triggered_by, content_sha256, source, metric_directions,
              content_json)
    ON benchmark_transactions TO benchmon_writer;
ALTER TABLE benchmark_transactions ENABLE ROW LEVEL SECURITY;
CREATE POLICY writer_reads ON benchmark_transactions FOR SELECT TO benchmon_writer USING (true);
CREATE POLICY writer_appends ON benchmark_transactions FOR INSERT TO benchmon_writer
    WITH CHECK (true);
CREATE POLICY reader_reads ON benchmark_transactions FOR SELECT TO benchmon_reader
    USING ((SELECT reader_access = 'read' FROM security_settings));
CREATE POLICY owner_all ON benchmark_transactions FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);


-- upsert_benchmark_result(): ON CONFLICT needs a unique index on the table itself --------
CREATE OR REPLACE FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, commit_sha text DEFAULT NULL::text, branch_name text DEFAULT NULL::text, model_provider text DEFAULT NULL::text, duration_seconds numeric DEFAULT NULL::numeric, tags text[] DEFAULT '{}'::text[], notes text DEFAULT NULL::text, run_id text DEFAULT NULL::text, triggered_by text DEFAULT NULL::text, source text DEFAULT NULL::text, metric_directions jsonb DEFAULT '{}'::jsonb)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
#variable_conflict use_variable
DECLARE
    content_key text := public.benchmark_content_sha256(
        model_version, dataset_version, prompt_version, environment, model_provider,
        commit_sha, branch_name, run_id, created_at, metrics, coalesce(tags, '{}'), notes,
        duration_seconds);
    new_id uuid;
    skipping text := current_setting('benchmon.skip_duplicates', true);
BEGIN
    PERFORM set_config('benchmon.skip_duplicates', 'on', true);
    INSERT INTO public.benchmark_transactions AS t
        (created_at, commit_sha, branch_name, model_version, model_provider,
         dataset_version, prompt_version, environment, metrics, duration_seconds, tags,
         notes, run_id, triggered_by, content_sha256, source, metric_directions)
    VALUES (coalesce(created_at, now()), commit_sha, branch_name, model_version,
            model_provider, dataset_version, prompt_version, environment, metrics,
            duration_seconds, coalesce(tags, '{}'), notes, run_id, triggered_by, content_key,
            source, coalesce(metric_directions, '{}'))
    RETURNING t.id INTO new_id;
    PERFORM set_config('benchmon.skip_duplicates', coalesce(skipping, ''), true);
    IF new_id IS NULL THEN  -- stored before: idempotent
        SELECT k.id INTO new_id FROM public.benchmark_transaction_keys k
         WHERE k.content_sha256 = content_key;
        RETURN new_id;
    END IF;
    PERFORM public.fold_transactions(own_rows_only => true, actor => triggered_by);
    RETURN new_id;
END $function$
;
