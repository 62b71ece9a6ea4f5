-- Storage per result under 1 KB (issue 20): the key table keeps its content key as the
-- 32 bytes it is, and the log loses the two GIN indexes no query uses.
--
-- Measured by benchmarks/bench_scale.py at 1,000,000 results over 10,000 configurations:
-- 1,172 bytes a result, of which the key table 290 (its key as 64 hex characters, in the
-- heap and again in its primary key) and the GIN index on metrics 76.
--   * benchmark_transaction_keys.content_sha256 becomes bytea: the hex text of the log's
--     own column (which the row digests cover, so it stays text) is decode(…, 'hex') here.
--     The key is still unique across partitions (the primary key), still claimed by the
--     row trigger, still refused as content_sha256_is_unique with the hex key in DETAIL.
--   * benchmark_transactions_metrics (GIN jsonb_path_ops) and benchmark_transactions_tags
--     (GIN): no query of the product asks `@>`, `?` or `&&` of the log's metrics or tags
--     (snapshots and trends read metrics by key); each partition paid for them on every
--     insert. A deployment that wants them can add them back (a CREATE INDEX on the
--     partitioned table reaches every partition).
-- Existing databases convert in place: ALTER … TYPE rewrites the key table once (no
-- UPDATE, so its append-only triggers are not involved); every row keeps its id.

DROP INDEX benchmark_transactions_metrics, benchmark_transactions_tags;

ALTER TABLE benchmark_transaction_keys
    ALTER COLUMN content_sha256 TYPE bytea USING decode(content_sha256, 'hex');
COMMENT ON COLUMN benchmark_transaction_keys.content_sha256 IS
    'The log row''s content_sha256 as bytes: decode(content_sha256, ''hex'').';

CREATE OR REPLACE FUNCTION public.claim_content_key() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO public.benchmark_transaction_keys (content_sha256, id, created_at)
    VALUES (decode(NEW.content_sha256, 'hex'), NEW.id, NEW.created_at)
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

CREATE OR REPLACE FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, commit_sha text DEFAULT NULL::text, branch_name text DEFAULT NULL::text, model_provider text DEFAULT NULL::text, duration_seconds numeric DEFAULT NULL::numeric, tags text[] DEFAULT '{}'::text[], notes text DEFAULT NULL::text, run_id text DEFAULT NULL::text, triggered_by text DEFAULT NULL::text, source text DEFAULT NULL::text, metric_directions jsonb DEFAULT '{}'::jsonb) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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
         WHERE k.content_sha256 = decode(content_key, 'hex');
        RETURN new_id;
    END IF;
    PERFORM public.fold_transactions(own_rows_only => true, actor => triggered_by);
    RETURN new_id;
END $$;
