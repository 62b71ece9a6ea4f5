-- benchmon's whole current schema, in one file to read.
--
-- GENERATED from the migrations (sql/NNNN_*.sql) by `make schema`
-- (python -m benchmon_pipeline.db.schema); do not edit by hand. Databases are created
-- and upgraded by the migrations, never from this file; a test builds one database
-- each way and holds their catalogues equal (benchmon_pipeline_tests/db/test_schema_sql.py).

-- Roles are cluster-wide, so pg_dump leaves them out: the ones the schema names come
-- first, created only when missing; whoever loads the file may give them objects.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_owner') THEN
        CREATE ROLE benchmon_owner
            NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
    IF NOT pg_has_role(current_user, 'benchmon_owner', 'USAGE') THEN
        EXECUTE format('GRANT benchmon_owner TO %I', current_user);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_reader') THEN
        CREATE ROLE benchmon_reader
            NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmon_writer') THEN
        CREATE ROLE benchmon_writer
            NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

-- PostgreSQL's own functions whose grants the migrations changed (a superuser's
-- step; pg_dump leaves it out).
REVOKE ALL ON FUNCTION lo_creat(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION lo_create(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION lo_from_bytea(oid,bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_advisory_lock(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_lock(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_lock(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_lock(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_lock_shared(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_lock_shared(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_lock_shared(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_lock_shared(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_xact_lock(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_xact_lock(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_xact_lock_shared(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock_shared(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_advisory_xact_lock_shared(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock_shared(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_lock(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_lock(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_lock(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_lock(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_lock_shared(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_lock_shared(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_lock_shared(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_lock_shared(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_xact_lock(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_xact_lock(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_xact_lock(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_xact_lock(integer,integer) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_xact_lock_shared(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_xact_lock_shared(bigint) TO benchmon_owner, benchmon_writer;
REVOKE ALL ON FUNCTION pg_try_advisory_xact_lock_shared(integer,integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_try_advisory_xact_lock_shared(integer,integer) TO benchmon_owner, benchmon_writer;

--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: fold_item; Type: TYPE; Schema: public
--

CREATE TYPE public.fold_item AS (
	lock_key integer,
	model_version text,
	dataset_version text,
	prompt_version text,
	environment text,
	run_count integer,
	newest_id uuid,
	first_seen_at timestamp with time zone,
	newest_metrics jsonb
);

--
-- Name: accept_regression_alert(bigint, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.accept_regression_alert(alert_id bigint, actor text, reason text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    alert public.regression_alerts;
    current_snapshot public.benchmark_snapshots;
    tracked text;
    start_id uuid;
    accepted_id bigint;
BEGIN
    IF btrim(coalesce(actor, '')) = '' THEN
        RAISE EXCEPTION 'say who accepts the change: actor is empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF btrim(coalesce(reason, '')) = '' THEN
        RAISE EXCEPTION 'say why the new level is intended: reason is empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT a.* INTO alert FROM public.regression_alerts a
     WHERE a.id = accept_regression_alert.alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no regression alert %', alert_id USING ERRCODE = 'no_data_found';
    END IF;
    IF alert.status = 'resolved' THEN
        RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
            public.regression_alert_label(alert), alert.resolved_by, alert.resolved_at
            USING ERRCODE = 'check_violation',
                  HINT = 'if the regression is back, the next evaluation opens a new alert';
    END IF;
    IF alert.rule NOT IN ('history', 'baseline', 'tradeoff') THEN
        RAISE EXCEPTION '% is not about a level that could be accepted; resolve it instead',
            public.regression_alert_label(alert)
            USING ERRCODE = 'check_violation';
    END IF;

    IF alert.rule = 'history' THEN
        tracked := public.tracked_branch(alert.model_version, alert.dataset_version,
                                         alert.prompt_version, alert.environment);
        WITH results AS (
            SELECT t.id, t.created_at, t.seq,
                   -- on the new level's side of the midpoint between the alert's
                   -- reference and its current value (true when either is unknown)
                   coalesce(((t.metrics ->> alert.metric)::numeric
                             - (alert.reference + alert.current) / 2)
                            * sign(alert.current - alert.reference) > 0, true) AS moved,
                   -- 1 where a result starts (not a repeated sample of the previous commit)
                   CASE WHEN t.commit_sha IS NOT NULL
                             AND t.commit_sha = lag(t.commit_sha) OVER oldest_first
                        THEN 0 ELSE 1 END AS starts
              FROM public.benchmark_transactions t
             WHERE (t.model_version, t.dataset_version, t.prompt_version, t.environment)
                 = (alert.model_version, alert.dataset_version, alert.prompt_version,
                    alert.environment)
               AND (t.branch_name IS NULL OR t.branch_name = tracked)
               AND t.metrics ? alert.metric
            WINDOW oldest_first AS (ORDER BY t.created_at, t.seq)
        ), numbered AS (
            SELECT r.id, r.created_at, r.seq, r.moved,
                   1 + coalesce(sum(r.starts) OVER (
                       ORDER BY r.created_at DESC, r.seq DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS result_no
              FROM results r
        )
        SELECT n.id INTO start_id FROM numbered n
         WHERE n.result_no <= greatest(alert.run_length, 1)
           AND (n.result_no = 1 OR n.result_no < coalesce(
                   (SELECT min(o.result_no) FROM numbered o WHERE NOT o.moved),
                   greatest(alert.run_length, 1) + 1))
         ORDER BY n.created_at, n.seq LIMIT 1;
    ELSE
        SELECT s.* INTO current_snapshot FROM public.benchmark_snapshots s
         WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
             = (alert.model_version, alert.dataset_version, alert.prompt_version,
                alert.environment)
           AND s.is_current;
        IF FOUND THEN
            PERFORM public.set_baseline(alert.model_version, alert.dataset_version,
                                        alert.prompt_version, alert.environment,
                                        current_snapshot.snapshot_version, actor,
                                        format('accepted alert %s: %s', alert.id, reason));
            start_id := current_snapshot.transaction_id;
        END IF;
    END IF;
    IF start_id IS NULL THEN
        RAISE EXCEPTION '% has no tracked result to accept', public.regression_alert_label(alert)
            USING ERRCODE = 'no_data_found';
    END IF;

    INSERT INTO public.accepted_changes
        (model_version, dataset_version, prompt_version, environment, metric, transaction_id,
         alert_id, actor, reason)
    VALUES (alert.model_version, alert.dataset_version, alert.prompt_version,
            alert.environment, CASE WHEN alert.rule = 'history' THEN alert.metric ELSE '' END,
            start_id, alert.id, btrim(actor), reason)
    RETURNING id INTO accepted_id;
    INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
    VALUES (alert.id, 'accepted', alert.severity, btrim(actor), reason);
    -- The guard and history triggers of 0010 check the transition and add 'resolved'.
    UPDATE public.regression_alerts a
       SET status = 'resolved', resolved_by = btrim(actor),
           resolved_note = format('accepted as the new level: %s', reason)
     WHERE a.id = alert.id;
    RETURN accepted_id;
END $$;

ALTER FUNCTION public.accept_regression_alert(alert_id bigint, actor text, reason text) OWNER TO benchmon_owner;

--
-- Name: FUNCTION accept_regression_alert(alert_id bigint, actor text, reason text); Type: COMMENT; Schema: public; Owner: benchmon_owner
--

COMMENT ON FUNCTION public.accept_regression_alert(alert_id bigint, actor text, reason text) IS 'The new level is intended: record an accepted change, resolve the alert (docs/alerts.md).';

--
-- Name: archive_log_partition(text, text, text, bigint); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.archive_log_partition(part text, location text, file_sha256 text, exported_rows bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    rel regclass := to_regclass('public.' || quote_ident(part));
    bounds record;
    span record;
    from_hash bytea;
    outcome record;
    recorded bigint;
BEGIN
    IF NOT public.may_archive_log() THEN
        RAISE EXCEPTION 'only the log''s owner may archive partitions (you are %)', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO bounds FROM public.log_partitions_before('infinity') b WHERE b.partition = part;
    IF rel IS NULL OR NOT FOUND THEN
        RAISE EXCEPTION '% is not a month partition of benchmark_transactions', part;
    END IF;
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', rel);  -- no row arrives while it leaves

    SELECT count(*) AS row_count, min(t.seq) AS first_seq, max(t.seq) AS last_seq,
           min(c.link_no) AS first_link, max(c.link_no) AS last_link,
           min(t.xact_id) AS first_xact, count(c.link_no) AS sealed
      INTO span
      FROM public.benchmark_transactions t
      LEFT JOIN public.transaction_log_chain c
             ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
     WHERE t.tableoid = rel;
    IF span.row_count <> exported_rows THEN
        RAISE EXCEPTION '% holds % rows, the file % (nothing archived)',
            part, span.row_count, exported_rows;
    END IF;
    IF span.row_count = 0 THEN
        RAISE EXCEPTION '% is empty: nothing to archive', part;
    END IF;
    IF span.sealed <> span.row_count THEN
        RAISE EXCEPTION '% holds % rows in no link of the chain: run `benchmon db verify --full`',
            part, span.row_count - span.sealed;
    END IF;

    -- A configuration's current version is read with its row (the regression checks take
    -- the stated directions, commit and branch from it): such a month stays until a newer
    -- result makes another version current, rather than the check skipping it silently.
    SELECT concat_ws(' / ', s.model_version, s.dataset_version, s.prompt_version,
                     s.environment) AS configuration,
           count(*) OVER () AS configurations
      INTO outcome
      FROM public.benchmark_snapshots s
      JOIN public.benchmark_transactions t ON t.id = s.transaction_id AND t.tableoid = rel
     WHERE s.is_current
     ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% holds the current version of % (and % more configurations): the '
            'regression checks read it from the log; archive this month once a newer result '
            'is current there (nothing archived)',
            part, outcome.configuration, outcome.configurations - 1;
    END IF;

    -- The links its rows are in, and every row of them, against what they sealed.
    SELECT c.link_hash INTO from_hash FROM public.transaction_log_chain c
     WHERE c.link_no = span.first_link - 1;
    SELECT * INTO outcome FROM public.verify_transaction_log_window(
        span.first_link - 1, coalesce(from_hash, public.transaction_log_genesis()),
        span.first_xact, span.last_link);
    IF NOT outcome.ok THEN
        RAISE EXCEPTION 'the chain around % is broken, nothing archived: %', part, outcome.problem;
    END IF;

    INSERT INTO public.log_archives
        (partition, month_from, month_to, location, file_sha256, row_count, first_seq,
         last_seq, first_link, last_link, boundary_prev_hash, boundary_hash)
    SELECT part, bounds.month_from, bounds.month_to, location, file_sha256, span.row_count,
           span.first_seq, span.last_seq, span.first_link, span.last_link,
           (SELECT c.prev_hash FROM public.transaction_log_chain c WHERE c.link_no = span.first_link),
           (SELECT c.link_hash FROM public.transaction_log_chain c WHERE c.link_no = span.last_link)
    RETURNING log_archives.archive_no INTO recorded;
    INSERT INTO public.log_archived_rows (seq, archive_no, id, xact_id, digest)
    SELECT t.seq, recorded, t.id, t.xact_id, public.transaction_row_digest(t)
      FROM public.benchmark_transactions t WHERE t.tableoid = rel;

    -- Dropped, not kept detached: a detached table is outside the parent's triggers'
    -- reach only by name, and the file plus these records are the archive.
    EXECUTE format('ALTER TABLE public.benchmark_transactions DETACH PARTITION %s', rel);
    EXECUTE format('DROP TABLE %s', rel);
    RETURN recorded;
END $$;

--
-- Name: FUNCTION archive_log_partition(part text, location text, file_sha256 text, exported_rows bigint); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.archive_log_partition(part text, location text, file_sha256 text, exported_rows bigint) IS '`benchmon db archive`: records an exported month partition, then detaches and drops it.';

--
-- Name: benchmark_content_json(text, text, text, text, text, text, text, text, timestamp with time zone, jsonb, text[], text, numeric); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.benchmark_content_json(model_version text, dataset_version text, prompt_version text, environment text, model_provider text, commit_sha text, branch_name text, run_id text, created_at timestamp with time zone, metrics jsonb, tags text[], notes text, duration_seconds numeric) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT '{"branch_name":' || python_json_string(branch_name)
        || ',"commit_sha":' || python_json_string(commit_sha)
        || ',"created_at":' || coalesce(
               '"' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
               || CASE WHEN to_char(created_at, 'US') = '000000' THEN ''
                       ELSE '.' || to_char(created_at, 'US') END
               || '+00:00"', 'null')
        || ',"dataset_version":' || python_json_string(dataset_version)
        || ',"duration_seconds":' || coalesce(python_float_repr(duration_seconds::float8), 'null')
        || ',"environment":' || python_json_string(environment)
        || ',"metrics":{' || coalesce((
               SELECT string_agg(python_json_string(m.key) || ':'
                                 || python_float_repr(m.value::float8), ','
                                 ORDER BY m.key COLLATE "C")
               FROM jsonb_each(metrics) AS m), '') || '}'
        || ',"model_provider":' || python_json_string(model_provider)
        || ',"model_version":' || python_json_string(model_version)
        || ',"notes":' || python_json_string(notes)
        || ',"prompt_version":' || python_json_string(prompt_version)
        || ',"run_id":' || python_json_string(run_id)
        || ',"tags":[' || coalesce((
               SELECT string_agg(python_json_string(t), ',' ORDER BY t COLLATE "C")
               FROM unnest(tags) AS t), '') || ']}'
$$;

--
-- Name: benchmark_content_sha256(text, text, text, text, text, text, text, text, timestamp with time zone, jsonb, text[], text, numeric); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.benchmark_content_sha256(model_version text, dataset_version text, prompt_version text, environment text, model_provider text, commit_sha text, branch_name text, run_id text, created_at timestamp with time zone, metrics jsonb, tags text[], notes text, duration_seconds numeric) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT encode(sha256(convert_to(benchmark_content_json(
        model_version, dataset_version, prompt_version, environment, model_provider,
        commit_sha, branch_name, run_id, created_at, metrics, tags, notes,
        duration_seconds), 'UTF8')), 'hex')
$$;

--
-- Name: FUNCTION benchmark_content_sha256(model_version text, dataset_version text, prompt_version text, environment text, model_provider text, commit_sha text, branch_name text, run_id text, created_at timestamp with time zone, metrics jsonb, tags text[], notes text, duration_seconds numeric); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.benchmark_content_sha256(model_version text, dataset_version text, prompt_version text, environment text, model_provider text, commit_sha text, branch_name text, run_id text, created_at timestamp with time zone, metrics jsonb, tags text[], notes text, duration_seconds numeric) IS 'The idempotency key (docs/data-model.md), identical to Result.content_sha256() in Python.';

--
-- Name: benchmon_schema_versions(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.benchmon_schema_versions() RETURNS SETOF integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT version FROM public.schema_migrations ORDER BY version
$$;

ALTER FUNCTION public.benchmon_schema_versions() OWNER TO benchmon_owner;

--
-- Name: check_content_sha256(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.check_content_sha256() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    stated jsonb;
    computed text;
BEGIN
    IF NEW.content_json IS NOT NULL
       AND NEW.content_sha256 = encode(sha256(convert_to(NEW.content_json, 'UTF8')), 'hex')
    THEN
        -- The fast path: the stated JSON hashes to the key; it must say what the row says.
        -- jsonb compares numbers as numbers (3 = 3.0), so metrics compare as stored.
        stated := NEW.content_json::jsonb;
        IF stated -> 'metrics' = NEW.metrics
           AND stated ->> 'model_version' = NEW.model_version
           AND stated ->> 'dataset_version' = NEW.dataset_version
           AND stated ->> 'prompt_version' = NEW.prompt_version
           AND (stated ->> 'environment') IS NOT DISTINCT FROM NEW.environment
           AND (stated ->> 'model_provider') IS NOT DISTINCT FROM NEW.model_provider
           AND (stated ->> 'commit_sha') IS NOT DISTINCT FROM NEW.commit_sha
           AND (stated ->> 'branch_name') IS NOT DISTINCT FROM NEW.branch_name
           AND (stated ->> 'run_id') IS NOT DISTINCT FROM NEW.run_id
           AND (stated ->> 'notes') IS NOT DISTINCT FROM NEW.notes
           AND stated -> 'duration_seconds' = coalesce(to_jsonb(NEW.duration_seconds), 'null')
           -- a result that did not state created_at gets the server's time: not content
           AND (jsonb_typeof(stated -> 'created_at') = 'null'
                OR (stated ->> 'created_at')::timestamptz = NEW.created_at)
           AND stated - '{branch_name,commit_sha,created_at,dataset_version,duration_seconds,
                          environment,metrics,model_provider,model_version,notes,
                          prompt_version,run_id,tags}'::text[] = '{}'::jsonb
        THEN
            -- tags: stated sorted, stored in the file's order (sorted here only if not)
            IF stated -> 'tags' = coalesce(to_jsonb(NEW.tags), '[]') THEN
                NEW.content_json := NULL;
                RETURN NEW;
            ELSIF stated -> 'tags' = (SELECT jsonb_agg(x ORDER BY x COLLATE "C")
                                        FROM unnest(NEW.tags) AS x) THEN
                NEW.content_json := NULL;
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    -- The exact rule, from the columns (numbers as Python's floats): slower, and the
    -- only path for rows sent without content_json (upsert_benchmark_result(), SQL).
    computed := public.benchmark_content_sha256(
        NEW.model_version, NEW.dataset_version, NEW.prompt_version, NEW.environment,
        NEW.model_provider, NEW.commit_sha, NEW.branch_name, NEW.run_id, NEW.created_at,
        NEW.metrics, NEW.tags, NEW.notes, NEW.duration_seconds);
    IF NEW.content_sha256 IS NULL THEN
        NEW.content_sha256 := computed;
    ELSIF NEW.content_sha256 <> computed
          -- a result that did not state created_at: the server's time is not content
          AND NEW.content_sha256 <> public.benchmark_content_sha256(
              NEW.model_version, NEW.dataset_version, NEW.prompt_version, NEW.environment,
              NEW.model_provider, NEW.commit_sha, NEW.branch_name, NEW.run_id, NULL,
              NEW.metrics, NEW.tags, NEW.notes, NEW.duration_seconds) THEN
        RAISE EXCEPTION 'content_sha256 % is not the hash of the row''s content',
                        NEW.content_sha256
            USING ERRCODE = 'check_violation',
                  DETAIL = format('the row (model %s, dataset %s, prompt %s) hashes to %s',
                                  NEW.model_version, NEW.dataset_version,
                                  NEW.prompt_version, computed),
                  HINT = 'leave content_sha256 out (the database fills it in) or send the '
                         'key Result.content_sha256() computes, with its content_json';
    END IF;
    NEW.content_json := NULL;
    RETURN NEW;
END $$;

--
-- Name: checkout_snapshot(text, text, text, text, integer, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        public.locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT target.is_active THEN
        RAISE EXCEPTION 'snapshot version % is deactivated; activate it before checking it out',
            version USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.benchmark_snapshots s SET is_current = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_current AND s.id <> target.id;
    UPDATE public.benchmark_snapshots s SET is_current = true, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM public.record_snapshot_event('checkout', target, actor, reason);
    RETURN target.id;
END $$;

ALTER FUNCTION public.checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) OWNER TO benchmon_owner;

--
-- Name: claim_content_key(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.claim_content_key() RETURNS trigger
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

ALTER FUNCTION public.claim_content_key() OWNER TO benchmon_owner;

--
-- Name: clear_baseline(text, text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots;
BEGIN
    PERFORM public.lock_configuration(model_version, dataset_version, prompt_version, environment);
    UPDATE public.benchmark_snapshots s SET is_baseline = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_baseline
    RETURNING s.* INTO target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'configuration (%, %, %, %) has no baseline to clear',
            model_version, dataset_version, prompt_version, environment
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM public.record_snapshot_event('baseline_cleared', target, actor, reason);
    RETURN target.id;
END $$;

ALTER FUNCTION public.clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text, reason text) OWNER TO benchmon_owner;

--
-- Name: compare_snapshots(text, text, text, text, integer, integer); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.compare_snapshots(model_version text, dataset_version text, prompt_version text, environment text, version_a integer, version_b integer) RETURNS TABLE(metric text, value_a numeric, value_b numeric, delta numeric, percent_change numeric)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_variable
DECLARE
    a jsonb;
    b jsonb;
BEGIN
    SELECT s.metrics INTO a FROM benchmark_snapshots s
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.snapshot_version = version_a;
    SELECT s.metrics INTO b FROM benchmark_snapshots s
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.snapshot_version = version_b;
    IF a IS NULL OR b IS NULL THEN
        RAISE EXCEPTION 'configuration (%, %, %, %) has no snapshot version %',
            model_version, dataset_version, prompt_version, environment,
            CASE WHEN a IS NULL THEN version_a ELSE version_b END
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT coalesce(ma.key, mb.key), ma.value::numeric, mb.value::numeric,
           mb.value::numeric - ma.value::numeric,
           round((mb.value::numeric - ma.value::numeric)
                 / nullif(abs(ma.value::numeric), 0) * 100, 2)
      FROM jsonb_each(a) AS ma FULL JOIN jsonb_each(b) AS mb ON mb.key = ma.key
     ORDER BY 1;
END $$;

--
-- Name: configuration_lock_key(text, text, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.configuration_lock_key(model_version text, dataset_version text, prompt_version text, environment text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT hashtext(concat_ws(chr(31), model_version, dataset_version, prompt_version,
                              environment)) & 1023
$$;

--
-- Name: FUNCTION configuration_lock_key(model_version text, dataset_version text, prompt_version text, environment text); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.configuration_lock_key(model_version text, dataset_version text, prompt_version text, environment text) IS 'The advisory lock key of a configuration: its hash modulo 1,024, so a fold of any number of configurations holds at most 1,024 locks.';

--
-- Name: configuration_restarts(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.configuration_restarts() RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, restarts text)
    LANGUAGE sql STABLE
    AS $$
    SELECT r.model_version, r.dataset_version, r.prompt_version, r.environment,
           string_agg(r.metric || '=' || r.source || '@' || r.seq, ',' ORDER BY r.metric)
      FROM history_restarts r
     GROUP BY r.model_version, r.dataset_version, r.prompt_version, r.environment
$$;

--
-- Name: configurations_to_judge(text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.configurations_to_judge(p_rule text, p_judged_under text) RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, why text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    full_reason text := rule_full_run_reason(p_rule, p_judged_under);
    through xid8;
BEGIN
    IF full_reason IS NOT NULL THEN
        RETURN QUERY
        SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
               full_reason
          FROM benchmark_snapshots s WHERE s.is_current;
        RETURN;
    END IF;
    SELECT e.through_xact INTO through FROM rule_evaluations e WHERE e.rule = p_rule;
    RETURN QUERY
    WITH written AS (  -- configurations with log rows the last run may not have seen
        SELECT DISTINCT t.model_version, t.dataset_version, t.prompt_version, t.environment
          FROM benchmark_transactions t WHERE t.xact_id >= through
    ), restarts AS (
        SELECT * FROM configuration_restarts()
    )
    SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
           CASE WHEN w.rule IS NULL THEN 'new configuration'
                WHEN n.model_version IS NOT NULL THEN 'new results'
                WHEN coalesce(r.restarts, '') <> w.restarts THEN 'restart point moved'
                ELSE 'an alert was resolved by hand' END
      FROM benchmark_snapshots s
      LEFT JOIN rule_watermarks w
        ON (w.rule, w.model_version, w.dataset_version, w.prompt_version, w.environment)
         = (p_rule, s.model_version, s.dataset_version, s.prompt_version, s.environment)
      LEFT JOIN written n
        ON (n.model_version, n.dataset_version, n.prompt_version, n.environment)
         = (s.model_version, s.dataset_version, s.prompt_version, s.environment)
      LEFT JOIN restarts r
        ON (r.model_version, r.dataset_version, r.prompt_version, r.environment)
         = (s.model_version, s.dataset_version, s.prompt_version, s.environment)
     WHERE s.is_current
       AND (w.rule IS NULL
            OR n.model_version IS NOT NULL
            OR coalesce(r.restarts, '') <> w.restarts
            OR EXISTS (
                SELECT 1 FROM regression_alerts a
                 WHERE (a.rule, a.model_version, a.dataset_version, a.prompt_version,
                        a.environment)
                     = (p_rule, s.model_version, s.dataset_version, s.prompt_version,
                        s.environment)
                   AND a.status = 'resolved' AND a.resolved_at > w.judged_at
                   AND a.resolved_by <> 'benchmon'));
END
$$;

--
-- Name: daily_trend_rows(date, date); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.daily_trend_rows(first_day date, last_day date) RETURNS TABLE(day date, model_version text, dataset_version text, prompt_version text, environment text, branch_name text, result_count bigint, mean_duration_seconds numeric, metric text, stated_direction text, sample_count bigint, mean double precision, min double precision, max double precision, stddev double precision, p50 double precision, p95 double precision)
    LANGUAGE plpgsql STABLE COST 1e+07 ROWS 5000 PARALLEL SAFE
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    RETURN QUERY
    SELECT c.day, c.model_version, c.dataset_version, c.prompt_version, c.environment,
           c.branch_name, c.result_count, c.mean_duration_seconds, v.metric,
           (SELECT min(d ->> v.metric) FROM unnest(c.directions) AS d),
           cardinality(v.vals)::bigint, s.mean, s.pct[1], s.pct[4], s.stddev, s.pct[2], s.pct[3]
      FROM (SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, t.model_version,
                   t.dataset_version, t.prompt_version, t.environment,
                   coalesce(t.branch_name, '') AS branch_name,
                   count(*) AS result_count, avg(t.duration_seconds) AS mean_duration_seconds,
                   array_agg(t.metrics) AS metrics,
                   -- only the rows that state directions: most state none
                   array_agg(t.metric_directions) FILTER (WHERE t.metric_directions <> '{}')
                       AS directions
              FROM benchmark_transactions t
             WHERE t.created_at >= first_day::timestamp AT TIME ZONE 'UTC'
               AND t.created_at < (last_day + 1)::timestamp AT TIME ZONE 'UTC'
             GROUP BY 1, 2, 3, 4, 5, 6) c
      LEFT JOIN LATERAL (  -- no row when a configuration-day's results have no metric
            -- each value is cast once, here: the statistics below read the array
            -- (unnest in a select list streams; in FROM it would copy into a tuplestore)
            SELECT e.key AS metric, array_agg((e.obj ->> e.key)::double precision) AS vals
              FROM (SELECT o.obj, jsonb_object_keys(o.obj) AS key
                      FROM (SELECT unnest(c.metrics) AS obj) o) e
             GROUP BY e.key) v ON true
     CROSS JOIN LATERAL (
            -- one sort for min, p50, p95 and max: percentile_cont at 0 and 1 returns the
            -- smallest and largest value exactly
            SELECT avg(u.x) AS mean, stddev_samp(u.x) AS stddev,
                   percentile_cont(ARRAY[0, 0.5, 0.95, 1]) WITHIN GROUP (ORDER BY u.x) AS pct
              FROM (SELECT unnest(v.vals) AS x) u) s;
END $$;

--
-- Name: FUNCTION daily_trend_rows(first_day date, last_day date); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.daily_trend_rows(first_day date, last_day date) IS 'The trend rows of a range of UTC days, read from the log (used by refresh_daily_trends).';

--
-- Name: default_rel_threshold(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.default_rel_threshold() RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 0.05::numeric $$;

--
-- Name: default_tracked_branch(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.default_tracked_branch() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 'main'::text $$;

--
-- Name: detect_metric_regressions(text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.detect_metric_regressions(model_version text DEFAULT NULL::text) RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, current_version integer, baseline_version integer, metric text, direction text, baseline_value numeric, current_value numeric, worsening numeric, abs_threshold numeric, rel_threshold numeric, is_regression boolean)
    LANGUAGE sql STABLE
    AS $$
    WITH pairs AS (
        SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
               c.snapshot_version AS current_version, b.snapshot_version AS baseline_version,
               m.key AS metric, m.value::numeric AS current_value,
               (b.metrics -> m.key)::numeric AS baseline_value,
               metric_direction(m.key, t.metric_directions ->> m.key, c.model_version,
                                c.dataset_version, c.prompt_version, c.environment) AS direction
          FROM benchmark_snapshots c
          JOIN benchmark_snapshots b
            ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
             = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
           AND b.is_baseline
          JOIN benchmark_transactions t ON t.id = c.transaction_id
         CROSS JOIN jsonb_each(c.metrics) AS m
         WHERE c.is_current AND b.metrics ? m.key
           AND (t.metric_directions ->> m.key) IS DISTINCT FROM 'none'  -- informational
           AND (detect_metric_regressions.model_version IS NULL
                OR c.model_version = detect_metric_regressions.model_version)
    ), judged AS (
        SELECT p.*,
               CASE p.direction WHEN 'higher' THEN p.baseline_value - p.current_value
                                ELSE p.current_value - p.baseline_value END AS worsening,
               th.abs_threshold, th.rel_threshold
          FROM pairs p
         CROSS JOIN LATERAL metric_thresholds(p.metric, p.model_version, p.dataset_version,
                                              p.prompt_version, p.environment) AS th
    )
    SELECT j.model_version, j.dataset_version, j.prompt_version, j.environment,
           j.current_version, j.baseline_version, j.metric, j.direction, j.baseline_value,
           j.current_value, j.worsening, j.abs_threshold, j.rel_threshold,
           coalesce(j.worsening >= j.abs_threshold, false)
           OR coalesce(j.baseline_value <> 0
                       AND j.worsening >= j.rel_threshold * abs(j.baseline_value), false)
      FROM judged j
     ORDER BY j.model_version, j.dataset_version, j.prompt_version, j.environment, j.metric
$$;

--
-- Name: detect_regression(text, double precision); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.detect_regression(model_version text, threshold double precision) RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, current_version integer, baseline_version integer, current_f1 numeric, baseline_f1 numeric, f1_drop numeric, is_regression boolean)
    LANGUAGE sql STABLE
    AS $_$
    SELECT * FROM detect_regression($1, $2::numeric)
$_$;

--
-- Name: detect_regression(text, numeric); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.detect_regression(model_version text, threshold numeric DEFAULT 0.05) RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, current_version integer, baseline_version integer, current_f1 numeric, baseline_f1 numeric, f1_drop numeric, is_regression boolean)
    LANGUAGE sql STABLE
    AS $$
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
           c.snapshot_version, b.snapshot_version, c.f1_score, b.f1_score,
           b.f1_score - c.f1_score, b.f1_score - c.f1_score >= threshold
      FROM benchmark_snapshots c
      JOIN benchmark_snapshots b
        ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
         = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
       AND b.is_baseline
     WHERE c.is_current AND c.model_version = detect_regression.model_version
     ORDER BY c.dataset_version, c.prompt_version, c.environment
$$;

--
-- Name: ensure_log_partitions(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.ensure_log_partitions(from_time timestamp with time zone DEFAULT now(), to_time timestamp with time zone DEFAULT (now() + '1 mon'::interval)) RETURNS SETOF text
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: FUNCTION ensure_log_partitions(from_time timestamp with time zone, to_time timestamp with time zone); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.ensure_log_partitions(from_time timestamp with time zone, to_time timestamp with time zone) IS 'Creates the missing month partitions of the log between two times (owner only).';

--
-- Name: fold_transactions(boolean, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.fold_transactions(own_rows_only boolean DEFAULT false, actor text DEFAULT NULL::text) RETURNS TABLE(snapshot_id uuid, model_version text, dataset_version text, prompt_version text, environment text, snapshot_version integer, transaction_id uuid, run_count integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    own xid8 := pg_current_xact_id();
    snap pg_snapshot := pg_current_snapshot();  -- taken before any scan below
    who text := coalesce(actor, session_user);
    own_through bigint;
    own_last bigint;
    horizon xid8;
    claimed xid8[] := '{}';
    items fold_item[];
BEGIN
    -- 1. Claim: this transaction's rows not folded yet (the newest seq through the
    --    (xact_id, seq) index: one probe, however many rows the transaction holds) …
    SELECT a.through_seq INTO own_through FROM public.fold_applied a WHERE a.xact_id = own;
    SELECT t.seq INTO own_last FROM public.benchmark_transactions t
     WHERE t.xact_id = own ORDER BY t.xact_id DESC, t.seq DESC LIMIT 1;
    IF own_last > coalesce(own_through, 0) THEN
        INSERT INTO public.fold_applied (xact_id, through_seq) VALUES (own, own_last)
        ON CONFLICT (xact_id) DO UPDATE SET through_seq = EXCLUDED.through_seq;
    END IF;

    -- … and every committed transaction nobody has claimed.
    IF NOT own_rows_only THEN
        -- Below the horizon every transaction has ended (our own one excepted, when it
        -- holds a claim: rows it appends later are folded when it commits).
        horizon := least(pg_snapshot_xmax(snap), (SELECT min(x) FROM pg_snapshot_xip(snap) AS x));
        IF own_last IS NULL AND own_through IS NULL THEN
            horizon := least(horizon, own);
        END IF;
        WITH claim AS (
            INSERT INTO public.fold_applied (xact_id, through_seq)
            SELECT t.xact_id, max(t.seq)
              FROM public.benchmark_transactions t
             WHERE t.xact_id >= (SELECT s.low_water FROM public.fold_state s)
               AND t.xact_id <> own
               AND NOT EXISTS (SELECT FROM public.fold_applied a WHERE a.xact_id = t.xact_id)
             GROUP BY t.xact_id
            ON CONFLICT (xact_id) DO NOTHING
            RETURNING fold_applied.xact_id)
        SELECT coalesce(array_agg(c.xact_id), '{}') INTO claimed FROM claim c;
        -- Advance the mark unless another fold holds it (it will advance it then).
        UPDATE public.fold_state s SET low_water = horizon
         WHERE s.low_water < horizon
           AND s.singleton IN (SELECT f.singleton FROM public.fold_state f FOR UPDATE SKIP LOCKED);
    END IF;

    -- 2. What to apply, per configuration: tracked-branch results only; the newest result
    --    (created_at, then seq) is the one the version shows. Ordered by lock key.
    SELECT array_agg(ROW(public.configuration_lock_key(g.model_version, g.dataset_version,
                                                g.prompt_version, g.environment),
                         g.model_version, g.dataset_version, g.prompt_version, g.environment,
                         g.n, g.newest_id, g.first_seen_at, g.newest_metrics)::fold_item
                     ORDER BY public.configuration_lock_key(g.model_version, g.dataset_version,
                                                     g.prompt_version, g.environment),
                              g.model_version COLLATE "C", g.dataset_version COLLATE "C",
                              g.prompt_version COLLATE "C", g.environment COLLATE "C")
      INTO items
      FROM (SELECT t.model_version COLLATE "C" AS model_version,
                   t.dataset_version COLLATE "C" AS dataset_version,
                   t.prompt_version COLLATE "C" AS prompt_version,
                   t.environment COLLATE "C" AS environment,
                   count(*)::integer AS n,
                   (array_agg(t.id ORDER BY t.created_at DESC, t.seq DESC))[1] AS newest_id,
                   (array_agg(t.metrics ORDER BY t.created_at DESC, t.seq DESC))[1]
                       AS newest_metrics,
                   min(t.created_at) AS first_seen_at
              FROM public.benchmark_transactions t
              LEFT JOIN public.tracked_branches b
                     ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
                      = (t.model_version, t.dataset_version, t.prompt_version, t.environment)
             WHERE (t.xact_id = ANY (claimed)
                    OR (t.xact_id = own AND t.seq > coalesce(own_through, 0)))
               AND (t.branch_name IS NULL OR t.branch_name = coalesce(b.branch_name, public.default_tracked_branch()))
             GROUP BY 1, 2, 3, 4) AS g;
    IF items IS NULL THEN
        RETURN;
    END IF;

    -- 3. Serialize per configuration: every lock in one statement, taken in the items'
    --    (lock key) order, so folds never deadlock; held until commit. Statements below
    --    run after it, so their snapshots see whatever a previous holder committed.
    PERFORM pg_advisory_xact_lock(1651339118, i.lock_key)  -- public.lock_configuration()'s lock
       FROM unnest(items) WITH ORDINALITY AS i
      ORDER BY i.ordinality;

    -- 4. The current versions stop being current (one statement; the new versions are
    --    inserted by the next one, because the unique index on is_current is checked row
    --    by row).
    UPDATE public.benchmark_snapshots s SET is_current = false, last_updated_at = now()
      FROM unnest(items) AS i
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (i.model_version, i.dataset_version, i.prompt_version, i.environment)
       AND s.is_current;

    -- 5. One new current version per configuration, numbered after its highest version,
    --    and its new_version event, in one statement.
    RETURN QUERY
    WITH next AS (
        SELECT i.*, gen_random_uuid() AS id,
               coalesce((SELECT s.snapshot_version FROM public.benchmark_snapshots s
                          WHERE (s.model_version, s.dataset_version, s.prompt_version,
                                 s.environment)
                              = (i.model_version, i.dataset_version, i.prompt_version,
                                 i.environment)
                          ORDER BY s.snapshot_version DESC LIMIT 1), 0) + 1 AS version
          FROM unnest(items) AS i
    ), created AS (
        INSERT INTO public.benchmark_snapshots
            (id, snapshot_version, created_at, model_version, dataset_version,
             prompt_version, environment, transaction_id, metrics, is_current, is_baseline,
             is_active, run_count, first_seen_at, last_updated_at)
        SELECT n.id, n.version, now(), n.model_version, n.dataset_version, n.prompt_version,
               n.environment, n.newest_id, n.newest_metrics, true, false, true, n.run_count,
               n.first_seen_at, now()
          FROM next n
        RETURNING benchmark_snapshots.*
    ), logged AS (
        INSERT INTO public.snapshot_events
            (event_type, model_version, dataset_version, prompt_version, environment,
             snapshot_version, snapshot_id, transaction_id, run_count, first_seen_at, actor)
        SELECT 'new_version', c.model_version, c.dataset_version, c.prompt_version,
               c.environment, c.snapshot_version, c.id, c.transaction_id, c.run_count,
               c.first_seen_at, who
          FROM created c
    )
    SELECT c.id, c.model_version, c.dataset_version, c.prompt_version, c.environment,
           c.snapshot_version, c.transaction_id, c.run_count
      FROM created c;
END $$;

ALTER FUNCTION public.fold_transactions(own_rows_only boolean, actor text) OWNER TO benchmon_owner;

--
-- Name: FUNCTION fold_transactions(own_rows_only boolean, actor text); Type: COMMENT; Schema: public; Owner: benchmon_owner
--

COMMENT ON FUNCTION public.fold_transactions(own_rows_only boolean, actor text) IS 'The one routine that turns log rows into snapshot versions (each row applied once).';

--
-- Name: benchmark_snapshots; Type: TABLE; Schema: public
--

CREATE TABLE public.benchmark_snapshots (
    id uuid NOT NULL,
    snapshot_version integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    transaction_id uuid NOT NULL,
    metrics jsonb NOT NULL,
    f1_score numeric GENERATED ALWAYS AS ((COALESCE((metrics -> 'f1_score'::text), (metrics -> 'f1'::text)))::numeric) STORED,
    "precision" numeric GENERATED ALWAYS AS (((metrics -> 'precision'::text))::numeric) STORED,
    recall numeric GENERATED ALWAYS AS (((metrics -> 'recall'::text))::numeric) STORED,
    latency_ms numeric GENERATED ALWAYS AS (((metrics -> 'latency_ms'::text))::numeric) STORED,
    is_current boolean NOT NULL,
    is_baseline boolean DEFAULT false NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    run_count integer NOT NULL,
    first_seen_at timestamp with time zone NOT NULL,
    last_updated_at timestamp with time zone NOT NULL,
    CONSTRAINT baseline_is_active CHECK ((is_active OR (NOT is_baseline))),
    CONSTRAINT benchmark_snapshots_run_count_check CHECK ((run_count > 0)),
    CONSTRAINT benchmark_snapshots_snapshot_version_check CHECK ((snapshot_version > 0)),
    CONSTRAINT current_version_is_active CHECK ((is_active OR (NOT is_current)))
);

--
-- Name: TABLE benchmark_snapshots; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.benchmark_snapshots IS 'Versions per configuration, derived from benchmark_transactions + snapshot_events.';

--
-- Name: get_snapshot_history(text, text, text, text, integer); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.get_snapshot_history(model_version text, dataset_version text, prompt_version text, environment text, history_limit integer DEFAULT 10) RETURNS SETOF public.benchmark_snapshots
    LANGUAGE sql STABLE
    AS $$
    SELECT s.* FROM benchmark_snapshots s
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (get_snapshot_history.model_version, get_snapshot_history.dataset_version,
            get_snapshot_history.prompt_version, get_snapshot_history.environment)
     ORDER BY s.snapshot_version DESC
     LIMIT history_limit
$$;

--
-- Name: guard_regression_alert(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.guard_regression_alert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    unchanged regression_alerts;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- An alert is born open, seen once, and not yet sent: the rest is its lifecycle.
        IF NEW.status <> 'open' THEN
            RAISE EXCEPTION 'a new regression alert must be open, not %', NEW.status
                USING ERRCODE = 'check_violation',
                      HINT = 'insert it open, then acknowledge or resolve it';
        END IF;
        NEW.first_seen_at := now();
        NEW.last_seen_at := now();
        NEW.times_seen := 1;
        NEW.notified_at := NULL;
        RETURN NEW;
    END IF;

    IF OLD.status = 'resolved' THEN
        -- Final. The one thing still allowed: recording that the message about it went
        -- out (the webhook may deliver while an evaluation resolves it).
        unchanged := NEW;
        unchanged.notified_at := OLD.notified_at;
        IF unchanged IS DISTINCT FROM OLD OR OLD.notified_at IS NOT NULL THEN
            RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
                regression_alert_label(OLD), OLD.resolved_by, OLD.resolved_at
                USING ERRCODE = 'check_violation',
                      HINT = 'if the regression is back, the next evaluation opens a new alert';
        END IF;
        IF NEW.notified_at IS NOT NULL THEN
            NEW.notified_at := now();
        END IF;
        RETURN NEW;
    END IF;

    IF (NEW.id, NEW.rule, NEW.model_version, NEW.dataset_version, NEW.prompt_version,
        NEW.environment, NEW.metric, NEW.first_seen_at)
       IS DISTINCT FROM
       (OLD.id, OLD.rule, OLD.model_version, OLD.dataset_version, OLD.prompt_version,
        OLD.environment, OLD.metric, OLD.first_seen_at) THEN
        RAISE EXCEPTION 'the rule, configuration, metric and first_seen_at of % never change',
            regression_alert_label(OLD)
            USING ERRCODE = 'check_violation';
    END IF;

    IF NEW.status <> OLD.status AND (OLD.status, NEW.status) NOT IN (
           ('open', 'acknowledged'), ('open', 'resolved'), ('acknowledged', 'resolved')) THEN
        RAISE EXCEPTION '% is %: it cannot become % (open → acknowledged → resolved)',
            regression_alert_label(OLD), OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;

    IF OLD.status = 'acknowledged'
       AND (NEW.acknowledged_at, NEW.acknowledged_by, NEW.acknowledged_note)
           IS DISTINCT FROM (OLD.acknowledged_at, OLD.acknowledged_by, OLD.acknowledged_note) THEN
        RAISE EXCEPTION '% is already acknowledged (by % at %)',
            regression_alert_label(OLD), OLD.acknowledged_by, OLD.acknowledged_at
            USING ERRCODE = 'check_violation';
    END IF;

    IF OLD.severity = 'ERROR' AND NEW.severity = 'WARN' THEN
        RAISE EXCEPTION '% is ERROR: its severity is never lowered', regression_alert_label(OLD)
            USING ERRCODE = 'check_violation',
                  HINT = 'resolve it; a later finding opens a new alert at its own severity';
    END IF;

    IF OLD.notified_at IS NOT NULL AND NEW.notified_at IS DISTINCT FROM OLD.notified_at THEN
        RAISE EXCEPTION '% was already notified at %', regression_alert_label(OLD),
            OLD.notified_at
            USING ERRCODE = 'check_violation';
    END IF;

    -- The server's clock, not the client's.
    IF NEW.status = 'acknowledged' AND OLD.status = 'open' THEN
        NEW.acknowledged_at := now();
    END IF;
    IF NEW.status = 'resolved' THEN
        NEW.resolved_at := now();
    END IF;
    IF NEW.notified_at IS NOT NULL AND OLD.notified_at IS NULL THEN
        NEW.notified_at := now();
    END IF;
    RETURN NEW;
END $$;

--
-- Name: guard_regression_alert_transition(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.guard_regression_alert_transition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        IF OLD.status = 'acknowledged' THEN
            RAISE EXCEPTION '% is already acknowledged (by % at %)',
                regression_alert_label(OLD), OLD.acknowledged_by, OLD.acknowledged_at
                USING ERRCODE = 'check_violation';
        ELSIF OLD.status = 'resolved' THEN
            RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
                regression_alert_label(OLD), OLD.resolved_by, OLD.resolved_at
                USING ERRCODE = 'check_violation';
        END IF;
        RAISE EXCEPTION '% is %: set status to acknowledge or resolve it',
            regression_alert_label(OLD), OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

--
-- Name: lock_configuration(text, text, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.lock_configuration(model_version text, dataset_version text, prompt_version text, environment text) RETURNS void
    LANGUAGE sql
    AS $$
    SELECT pg_advisory_xact_lock(1651339118,  -- 'bmon': configuration locks
        configuration_lock_key(model_version, dataset_version, prompt_version, environment))
$$;

--
-- Name: locked_snapshot(text, text, text, text, integer); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.locked_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer) RETURNS public.benchmark_snapshots
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_variable
DECLARE
    found_row benchmark_snapshots;
BEGIN
    PERFORM lock_configuration(model_version, dataset_version, prompt_version, environment);
    SELECT s.* INTO found_row FROM benchmark_snapshots s
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.snapshot_version = version;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'configuration (%, %, %, %) has no snapshot version %',
            model_version, dataset_version, prompt_version, environment, version
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN found_row;
END $$;

--
-- Name: log_partitions_before(timestamp with time zone); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.log_partitions_before(before timestamp with time zone) RETURNS TABLE(partition text, month_from timestamp with time zone, month_to timestamp with time zone)
    LANGUAGE sql STABLE
    AS $_$
    SELECT p.relname::text, m.month_from, m.month_from + interval '1 month'
      FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid
     CROSS JOIN LATERAL (
         SELECT to_timestamp(substring(p.relname FROM 'y(\d{4}m\d{2})$'), 'YYYY"m"MM')
                    ::timestamp AT TIME ZONE 'UTC' AS month_from) AS m
     WHERE i.inhparent = 'public.benchmark_transactions'::regclass
       AND p.relname ~ '^benchmark_transactions_y\d{4}m\d{2}$'
       AND m.month_from + interval '1 month' <= before
     ORDER BY m.month_from
$_$;

--
-- Name: FUNCTION log_partitions_before(before timestamp with time zone); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.log_partitions_before(before timestamp with time zone) IS 'The log''s month partitions wholly before a time: what `db archive --before` takes.';

--
-- Name: mark_trend_days(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.mark_trend_days() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO public.trend_dirty_days (day)
    SELECT DISTINCT (n.created_at AT TIME ZONE 'UTC')::date FROM new_rows n;
    RETURN NULL;
END $$;

ALTER FUNCTION public.mark_trend_days() OWNER TO benchmon_owner;

--
-- Name: may_archive_log(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.may_archive_log() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c
          WHERE c.oid = 'public.benchmark_transactions'::regclass), 'USAGE')
$$;

--
-- Name: FUNCTION may_archive_log(); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.may_archive_log() IS 'Whether the current role may archive log partitions: the log''s owner or a member.';

--
-- Name: metric_direction(text, text, text, text, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.metric_direction(name text, stated text DEFAULT NULL::text, model_version text DEFAULT NULL::text, dataset_version text DEFAULT NULL::text, prompt_version text DEFAULT NULL::text, environment text DEFAULT NULL::text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(
        CASE WHEN stated IN ('higher', 'lower') THEN stated END,
        (SELECT o.direction FROM metric_overrides o
          WHERE (o.model_version, o.dataset_version, o.prompt_version, o.environment, o.metric)
              = (metric_direction.model_version, metric_direction.dataset_version,
                 metric_direction.prompt_version, metric_direction.environment,
                 metric_direction.name)),
        (SELECT d.direction FROM metric_definitions d WHERE d.name = metric_direction.name),
        metric_direction_by_name(metric_direction.name))
$$;

--
-- Name: metric_direction_by_name(text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.metric_direction_by_name(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
    SELECT CASE WHEN EXISTS (
        SELECT FROM regexp_split_to_table(
                        lower(regexp_replace(name, '([a-z0-9])([A-Z])', '\1_\2', 'g')),
                        '[^a-z0-9]+') AS word
         WHERE word ~ ('^(latency|duration|time|cost|error|loss|perplexity|memory|mae|rmse'
                       '|failure|fail|failed|failing|warning|crash|flake|flaky|retry|retries'
                       '|timeout|violation'
                       '|ppl|bits|bpb|bpc|ter|wer|cer|brier|ece|nll|mse|mape)(s|es)?$')
            OR word ~ '.time$')
    THEN 'lower' ELSE 'higher' END
$_$;

--
-- Name: metric_thresholds(text, text, text, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.metric_thresholds(metric text, model_version text, dataset_version text, prompt_version text, environment text, OUT abs_threshold numeric, OUT rel_threshold numeric) RETURNS record
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN o.metric IS NOT NULL THEN o.abs_threshold
                WHEN d.name IS NOT NULL THEN d.abs_threshold END,
           CASE WHEN o.metric IS NOT NULL THEN o.rel_threshold
                WHEN d.name IS NOT NULL THEN d.rel_threshold
                ELSE public.default_rel_threshold() END
      FROM (SELECT) AS one
      LEFT JOIN public.metric_overrides o
        ON (o.model_version, o.dataset_version, o.prompt_version, o.environment, o.metric)
         = (metric_thresholds.model_version, metric_thresholds.dataset_version,
            metric_thresholds.prompt_version, metric_thresholds.environment,
            metric_thresholds.metric)
      LEFT JOIN public.metric_definitions d ON d.name = metric_thresholds.metric
$$;

--
-- Name: performance_trends(text, timestamp with time zone); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.performance_trends(model_version text DEFAULT NULL::text, since timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(day date, model_version text, environment text, branch_name text, run_count bigint, avg_f1 numeric, avg_precision numeric, avg_recall numeric, avg_accuracy numeric, avg_latency_ms numeric, avg_duration_seconds numeric)
    LANGUAGE sql STABLE
    AS $_$
    SELECT (t.created_at AT TIME ZONE 'UTC')::date, t.model_version, t.environment,
           t.branch_name, count(*),
           avg(coalesce(t.metrics -> 'f1_score', t.metrics -> 'f1')::numeric),
           avg((t.metrics -> 'precision')::numeric),
           avg((t.metrics -> 'recall')::numeric),
           avg((t.metrics -> 'accuracy')::numeric),
           avg((t.metrics -> 'latency_ms')::numeric),
           avg(t.duration_seconds)
      FROM benchmark_transactions t
     WHERE ($1 IS NULL OR t.model_version = $1)
       AND t.created_at >= coalesce($2, '-infinity')  -- stays usable by the index
     GROUP BY 1, 2, 3, 4
$_$;

--
-- Name: protect_log_partition(regclass); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.protect_log_partition(part regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: python_float_repr(double precision); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.python_float_repr(value double precision) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET extra_float_digits TO '1'
    AS $$
DECLARE
    shortest text := abs(value)::text;
    mantissa text := split_part(shortest, 'e', 1);
    digits text := replace(mantissa, '.', '');
    -- value = 0.<digits> × 10^point
    point int := coalesce(nullif(position('.' in mantissa), 0) - 1, length(mantissa))
                 + coalesce(nullif(split_part(shortest, 'e', 2), '')::int, 0);
    sign text := CASE WHEN value < 0 THEN '-' ELSE '' END;
    rounded numeric;
BEGIN
    IF value = 0 THEN
        RETURN CASE WHEN value::text LIKE '-%' THEN '-0.0' ELSE '0.0' END;
    END IF;
    WHILE left(digits, 1) = '0' LOOP  -- 0.00123 → digits 123, point -2
        digits := substr(digits, 2);
        point := point - 1;
    END LOOP;
    digits := rtrim(digits, '0');
    -- PostgreSQL prints integer-valued doubles above 2^53 with all their exact digits
    -- where fewer round-trip (6.1118540154407456e+16 for Python's 6.111854015440746e+16).
    IF length(digits) >= 16 AND point < 309 THEN  -- (a candidate of 0.x e309 would overflow)
        FOR p IN 1..length(digits) - 1 LOOP
            rounded := round(('0.' || digits)::numeric, p);
            IF (rounded::text || 'e' || point)::float8 = abs(value) THEN
                IF rounded >= 1 THEN  -- 0.99… rounded up to 1
                    digits := '1';
                    point := point + 1;
                ELSE
                    digits := rtrim(substr(rounded::text, 3), '0');
                END IF;
                EXIT;
            END IF;
        END LOOP;
    END IF;
    IF point <= -4 OR point > 16 THEN  -- Python's switch to exponent notation
        RETURN sign || left(digits, 1)
            || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
            || 'e' || CASE WHEN point - 1 < 0 THEN '-' ELSE '+' END
            || CASE WHEN abs(point - 1) < 10 THEN '0' ELSE '' END || abs(point - 1);
    ELSIF point <= 0 THEN
        RETURN sign || '0.' || repeat('0', -point) || digits;
    ELSIF point >= length(digits) THEN
        RETURN sign || digits || repeat('0', point - length(digits)) || '.0';
    END IF;
    RETURN sign || left(digits, point) || '.' || substr(digits, point + 1);
END $$;

--
-- Name: python_json_string(text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.python_json_string(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
DECLARE
    out text := '';
    ch text;
    code int;
BEGIN
    IF value IS NULL THEN
        RETURN 'null';
    ELSIF value ~ '^[ -~]*$' THEN  -- printable ASCII: both escape only " and \
        RETURN to_json(value)::text;
    END IF;
    FOREACH ch IN ARRAY regexp_split_to_array(value, '') LOOP
        code := ascii(ch);
        out := out || CASE
            WHEN ch = '"' THEN '\"'
            WHEN ch = '\' THEN '\\'
            WHEN code = 8 THEN '\b'
            WHEN code = 9 THEN '\t'
            WHEN code = 10 THEN '\n'
            WHEN code = 12 THEN '\f'
            WHEN code = 13 THEN '\r'
            WHEN code BETWEEN 32 AND 126 THEN ch
            WHEN code < 65536 THEN '\u' || lpad(to_hex(code), 4, '0')
            ELSE '\u' || to_hex(55296 + ((code - 65536) >> 10))
              || '\u' || to_hex(56320 + ((code - 65536) & 1023))
        END;
    END LOOP;
    RETURN '"' || out || '"';
END $_$;

--
-- Name: reader_may_read(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.reader_may_read() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    SELECT coalesce((SELECT s.reader_access = 'read' FROM public.security_settings s), false)
$$;

ALTER FUNCTION public.reader_may_read() OWNER TO benchmon_owner;

--
-- Name: FUNCTION reader_may_read(); Type: COMMENT; Schema: public; Owner: benchmon_owner
--

COMMENT ON FUNCTION public.reader_may_read() IS 'security_settings.reader_access = ''read'': the reader role''s row-level policies ask it.';

--
-- Name: rebuild_snapshots(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.rebuild_snapshots() RETURNS TABLE(id uuid, snapshot_version integer, created_at timestamp with time zone, model_version text, dataset_version text, prompt_version text, environment text, transaction_id uuid, metrics jsonb, is_current boolean, is_baseline boolean, is_active boolean, run_count integer, first_seen_at timestamp with time zone, last_updated_at timestamp with time zone)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (
        SELECT ev.*, (ev.model_version, ev.dataset_version, ev.prompt_version,
                      ev.environment) AS configuration
          FROM snapshot_events ev
    ), currency AS (
        SELECT e.*, lag(e.snapshot_version) OVER w AS previous
          FROM e WHERE e.event_type IN ('new_version', 'checkout')
        WINDOW w AS (PARTITION BY e.configuration ORDER BY e.event_id)
    ), baseline AS (
        SELECT e.*, lag(CASE WHEN e.event_type = 'baseline_set' THEN e.snapshot_version END)
                        OVER w AS previous
          FROM e WHERE e.event_type IN ('baseline_set', 'baseline_cleared')
        WINDOW w AS (PARTITION BY e.configuration ORDER BY e.event_id)
    ), touches AS (
        SELECT e.configuration, e.snapshot_version, e.event_id, e.occurred_at FROM e
        UNION ALL
        SELECT c.configuration, c.previous, c.event_id, c.occurred_at FROM currency c
         WHERE c.previous <> c.snapshot_version
        UNION ALL
        SELECT b.configuration, b.previous, b.event_id, b.occurred_at FROM baseline b
         WHERE b.event_type = 'baseline_set' AND b.previous <> b.snapshot_version
    ), last_touch AS (
        SELECT DISTINCT ON (t.configuration, t.snapshot_version)
               t.configuration, t.snapshot_version, t.occurred_at
          FROM touches t ORDER BY t.configuration, t.snapshot_version, t.event_id DESC
    ), current_version AS (
        SELECT DISTINCT ON (c.configuration) c.configuration, c.snapshot_version
          FROM currency c ORDER BY c.configuration, c.event_id DESC
    ), baseline_version AS (
        SELECT DISTINCT ON (b.configuration) b.configuration, b.event_type, b.snapshot_version
          FROM baseline b ORDER BY b.configuration, b.event_id DESC
    ), activity AS (
        SELECT DISTINCT ON (e.configuration, e.snapshot_version)
               e.configuration, e.snapshot_version, e.event_type = 'activated' AS active
          FROM e WHERE e.event_type IN ('activated', 'deactivated')
         ORDER BY e.configuration, e.snapshot_version, e.event_id DESC
    )
    SELECT v.snapshot_id, v.snapshot_version, v.occurred_at, v.model_version,
           v.dataset_version, v.prompt_version, v.environment, v.transaction_id, t.metrics,
           coalesce(cv.snapshot_version = v.snapshot_version, false),
           coalesce(bv.event_type = 'baseline_set' AND bv.snapshot_version = v.snapshot_version,
                    false),
           coalesce(a.active, true), v.run_count, v.first_seen_at, lt.occurred_at
      FROM e AS v
      JOIN benchmark_transactions t ON t.id = v.transaction_id
      LEFT JOIN current_version cv ON cv.configuration = v.configuration
      LEFT JOIN baseline_version bv ON bv.configuration = v.configuration
      LEFT JOIN activity a
             ON a.configuration = v.configuration AND a.snapshot_version = v.snapshot_version
      LEFT JOIN last_touch lt
             ON lt.configuration = v.configuration AND lt.snapshot_version = v.snapshot_version
     WHERE v.event_type = 'new_version'
$$;

--
-- Name: FUNCTION rebuild_snapshots(); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.rebuild_snapshots() IS 'benchmark_snapshots recomputed from benchmark_transactions + snapshot_events.';

--
-- Name: record_regression_alert_event(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.record_regression_alert_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'opened', NEW.severity, session_user, NEW.reason);
        RETURN NULL;
    END IF;
    IF NEW.severity <> OLD.severity THEN
        INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'escalated', NEW.severity, session_user, NEW.reason);
    END IF;
    IF NEW.status = 'acknowledged' AND OLD.status = 'open' THEN
        INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'acknowledged', NEW.severity, NEW.acknowledged_by, NEW.acknowledged_note);
    END IF;
    IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
        INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'resolved', NEW.severity, NEW.resolved_by, NEW.resolved_note);
    END IF;
    IF NEW.notified_at IS NOT NULL AND OLD.notified_at IS NULL THEN
        INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor)
        VALUES (NEW.id, 'notified', NEW.severity, session_user);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.record_regression_alert_event() OWNER TO benchmon_owner;

--
-- Name: record_rule_evaluation(text, text, xid8, text[], text[], text[], text[], boolean[]); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.record_rule_evaluation(p_rule text, p_judged_under text, p_through xid8, p_models text[], p_datasets text[], p_prompts text[], p_environments text[], p_judged boolean[]) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO rule_evaluations AS e (rule, judged_under, settings_through, through_xact)
    VALUES (p_rule, p_judged_under,
            (SELECT coalesce(max(c.id), 0) FROM settings_changes c), p_through)
    ON CONFLICT (rule) DO UPDATE
       SET judged_under = excluded.judged_under,
           settings_through = excluded.settings_through,
           through_xact = excluded.through_xact, evaluated_at = now();
    INSERT INTO rule_watermarks AS w (rule, model_version, dataset_version, prompt_version,
                                      environment, newest_seq, restarts, judged)
    SELECT p_rule, c.model_version, c.dataset_version, c.prompt_version, c.environment,
           (SELECT max(t.seq) FROM benchmark_transactions t
             WHERE (t.model_version, t.dataset_version, t.prompt_version, t.environment)
                 = (c.model_version, c.dataset_version, c.prompt_version, c.environment)),
           coalesce(r.restarts, ''), c.judged
      FROM unnest(p_models, p_datasets, p_prompts, p_environments, p_judged)
           AS c(model_version, dataset_version, prompt_version, environment, judged)
      LEFT JOIN configuration_restarts() r
        ON (r.model_version, r.dataset_version, r.prompt_version, r.environment)
         = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
     ORDER BY 2, 3, 4, 5  -- a fixed lock order between concurrent runs
    ON CONFLICT (rule, model_version, dataset_version, prompt_version, environment)
    DO UPDATE SET newest_seq = excluded.newest_seq, restarts = excluded.restarts,
                  judged = excluded.judged, judged_at = now();
$$;

--
-- Name: record_settings_change(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.record_settings_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET row_security TO 'on'
    AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    changed jsonb := coalesce(new_row, old_row);
BEGIN
    IF old_row IS NOT DISTINCT FROM new_row THEN
        RETURN NULL;  -- an update that changed nothing is not a change
    END IF;
    INSERT INTO public.settings_changes
        (setting, model_version, dataset_version, prompt_version, environment, metric,
         before, after, reason)
    VALUES (TG_ARGV[0], changed ->> 'model_version', changed ->> 'dataset_version',
            changed ->> 'prompt_version', changed ->> 'environment',
            coalesce(changed ->> 'metric', changed ->> 'name'), old_row, new_row,
            nullif(btrim(current_setting('benchmon.change_reason', true)), ''));
    RETURN NULL;
END $$;

ALTER FUNCTION public.record_settings_change() OWNER TO benchmon_owner;

--
-- Name: record_snapshot_event(text, public.benchmark_snapshots, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.record_snapshot_event(event_type text, target public.benchmark_snapshots, actor text, reason text) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO snapshot_events
        (event_type, model_version, dataset_version, prompt_version, environment,
         snapshot_version, snapshot_id, actor, reason)
    VALUES (event_type, target.model_version, target.dataset_version, target.prompt_version,
            target.environment, target.snapshot_version, target.id,
            coalesce(actor, session_user), reason)
$$;

--
-- Name: refresh_daily_trends(date, date); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.refresh_daily_trends(first_day date, last_day date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET work_mem TO '64MB'
    SET enable_sort TO 'off'
    AS $$
DECLARE
    seen bigint[];
    written bigint;
    days integer := last_day - first_day + 1;
    -- One chunk of days per process that can work on it (the leader and its parallel
    -- workers), each at least two weeks long: a day or two (the schedule, late data) is
    -- one chunk. Not more: a chunk's rows may lie on any page of the log (results arrive
    -- late, imports come in any order), and each chunk reads the pages its rows are on.
    chunks integer := least(1 + current_setting('max_parallel_workers_per_gather')::integer,
                            greatest(1, (last_day - first_day + 1) / 14));
    chunk_queries text;
BEGIN
    IF last_day < first_day THEN
        RAISE EXCEPTION 'refresh_daily_trends: last_day % is before first_day %',
            last_day, first_day;
    END IF;
    seen := ARRAY(SELECT marker_id FROM public.trend_dirty_days
                   WHERE day BETWEEN first_day AND last_day);

    -- CREATE TABLE AS may use parallel workers (an INSERT … SELECT may not).
    SELECT string_agg(format('SELECT * FROM public.daily_trend_rows(%L, %L)',
                             first_day + days * i / chunks,
                             first_day + days * (i + 1) / chunks - 1), ' UNION ALL ')
      INTO chunk_queries
      FROM generate_series(0, chunks - 1) AS i;
    EXECUTE 'CREATE TEMP TABLE daily_trend_refresh AS ' || chunk_queries;

    DELETE FROM public.daily_performance_trends WHERE day BETWEEN first_day AND last_day;
    DELETE FROM public.daily_configuration_counts WHERE day BETWEEN first_day AND last_day;

    WITH metric_rows AS (
        SELECT * FROM pg_temp.daily_trend_refresh WHERE metric IS NOT NULL
    ), directions AS MATERIALIZED (  -- else the planner calls public.metric_direction() per row
        SELECT c.*, public.metric_direction(c.metric, c.stated_direction, c.model_version,
                                     c.dataset_version, c.prompt_version,
                                     c.environment) AS direction
          FROM (SELECT DISTINCT metric, stated_direction, model_version, dataset_version,
                       prompt_version, environment
                  FROM metric_rows) c)
    INSERT INTO public.daily_performance_trends
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         metric, direction, sample_count, mean, min, max, stddev, p50, p95)
    SELECT r.day, r.model_version, r.dataset_version, r.prompt_version, r.environment,
           r.branch_name, r.metric, d.direction, r.sample_count, r.mean, r.min, r.max,
           r.stddev, r.p50, r.p95
      FROM metric_rows r
      JOIN directions d
        ON (d.metric, d.model_version, d.dataset_version, d.prompt_version, d.environment,
            coalesce(d.stated_direction, ''))
         = (r.metric, r.model_version, r.dataset_version, r.prompt_version, r.environment,
            coalesce(r.stated_direction, ''))
     -- in the primary key's order: the key index then grows at its end, and the series
     -- index at the end of each (model, metric) series, rather than at random pages
     ORDER BY r.day, r.model_version, r.dataset_version, r.prompt_version, r.environment,
              r.branch_name, r.metric;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO public.daily_configuration_counts
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         result_count, mean_duration_seconds)
    SELECT DISTINCT day, model_version, dataset_version, prompt_version, environment,
           branch_name, result_count, mean_duration_seconds
      FROM pg_temp.daily_trend_refresh
     ORDER BY day, model_version, dataset_version, prompt_version, environment, branch_name;

    PERFORM public.refresh_model_trends(first_day, last_day);

    DROP TABLE pg_temp.daily_trend_refresh;
    DELETE FROM public.trend_dirty_days WHERE marker_id = ANY (seen);
    RETURN written;
END $$;

ALTER FUNCTION public.refresh_daily_trends(first_day date, last_day date) OWNER TO benchmon_owner;

--
-- Name: FUNCTION refresh_daily_trends(first_day date, last_day date); Type: COMMENT; Schema: public; Owner: benchmon_owner
--

COMMENT ON FUNCTION public.refresh_daily_trends(first_day date, last_day date) IS 'Rebuild the trend tables for a range of UTC days from the log (idempotent).';

--
-- Name: refresh_model_trends(date, date); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.refresh_model_trends(first_day date, last_day date) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    written bigint;
BEGIN
    DELETE FROM public.daily_model_trends WHERE day BETWEEN first_day AND last_day;
    INSERT INTO public.daily_model_trends
    SELECT c.model_version, c.day, c.environment, c.branch_name, c.run_count,
           c.duration_sum, c.duration_count, m.f1_sum, m.f1_count, m.precision_sum,
           m.precision_count, m.recall_sum, m.recall_count, m.accuracy_sum,
           m.accuracy_count, m.latency_sum, m.latency_count
      FROM (SELECT k.model_version, k.day, k.environment, k.branch_name,
                   sum(k.result_count)::bigint AS run_count,
                   sum(k.mean_duration_seconds * k.result_count) AS duration_sum,
                   sum(k.result_count) FILTER (WHERE k.mean_duration_seconds IS NOT NULL)
                       AS duration_count
              FROM public.daily_configuration_counts k
             WHERE k.day BETWEEN first_day AND last_day
             GROUP BY 1, 2, 3, 4) c
      LEFT JOIN (
            SELECT t.model_version, t.day, t.environment, t.branch_name,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score'))
                       AS f1_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score'))
                       AS f1_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'precision')
                       AS precision_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'precision')
                       AS precision_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'recall')
                       AS recall_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'recall') AS recall_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'accuracy')
                       AS accuracy_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'accuracy')
                       AS accuracy_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'latency_ms')
                       AS latency_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'latency_ms')
                       AS latency_count
              FROM public.daily_performance_trends t
             WHERE t.day BETWEEN first_day AND last_day
               AND t.metric IN ('f1', 'f1_score', 'precision', 'recall', 'accuracy',
                                'latency_ms')
             GROUP BY 1, 2, 3, 4) m
        ON (m.model_version, m.day, m.environment, m.branch_name)
         = (c.model_version, c.day, c.environment, c.branch_name);
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;

--
-- Name: FUNCTION refresh_model_trends(first_day date, last_day date); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.refresh_model_trends(first_day date, last_day date) IS 'Rebuild the per-model rollup (daily_model_trends) of a range of UTC days from the per-configuration trend tables.';

--
-- Name: refuse_to_rewrite_history(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.refuse_to_rewrite_history() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'history is never changed; append a new row (or a snapshot event) instead';
END $$;

--
-- Name: regression_alerts; Type: TABLE; Schema: public
--

CREATE TABLE public.regression_alerts (
    id bigint NOT NULL,
    rule text NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    metric text DEFAULT ''::text NOT NULL,
    severity text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    reason text NOT NULL,
    direction text,
    current numeric,
    reference numeric,
    delta numeric,
    percent numeric,
    commit_sha text,
    branch_name text,
    run_length integer DEFAULT 1 NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    times_seen integer DEFAULT 1 NOT NULL,
    acknowledged_at timestamp with time zone,
    acknowledged_by text,
    acknowledged_note text,
    resolved_at timestamp with time zone,
    resolved_by text,
    resolved_note text,
    notified_at timestamp with time zone,
    CONSTRAINT acknowledged_says_who CHECK (((acknowledged_at IS NULL) = (acknowledged_by IS NULL))),
    CONSTRAINT acknowledged_was_acknowledged CHECK (((status <> 'acknowledged'::text) OR ((acknowledged_at IS NOT NULL) AND (resolved_at IS NULL)))),
    CONSTRAINT open_is_untouched CHECK (((status <> 'open'::text) OR ((acknowledged_at IS NULL) AND (resolved_at IS NULL)))),
    CONSTRAINT regression_alerts_acknowledged_by_check CHECK ((acknowledged_by <> ''::text)),
    CONSTRAINT regression_alerts_direction_check CHECK ((direction = ANY (ARRAY['higher'::text, 'lower'::text]))),
    CONSTRAINT regression_alerts_resolved_by_check CHECK ((resolved_by <> ''::text)),
    CONSTRAINT regression_alerts_rule_check CHECK ((rule <> ''::text)),
    CONSTRAINT regression_alerts_run_length_check CHECK ((run_length >= 0)),
    CONSTRAINT regression_alerts_severity_check CHECK ((severity = ANY (ARRAY['WARN'::text, 'ERROR'::text]))),
    CONSTRAINT regression_alerts_status_check CHECK ((status = ANY (ARRAY['open'::text, 'acknowledged'::text, 'resolved'::text]))),
    CONSTRAINT regression_alerts_times_seen_check CHECK ((times_seen >= 1)),
    CONSTRAINT resolved_says_who CHECK (((resolved_at IS NULL) = (resolved_by IS NULL))),
    CONSTRAINT resolved_was_resolved CHECK (((status = 'resolved'::text) = (resolved_at IS NOT NULL))),
    CONSTRAINT seen_in_order CHECK ((last_seen_at >= first_seen_at))
);

--
-- Name: TABLE regression_alerts; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.regression_alerts IS 'One row per regression episode (rule, configuration, metric): open → acknowledged → resolved.';

--
-- Name: COLUMN regression_alerts.metric; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.regression_alerts.metric IS 'The metric, or '''' when the finding is about the whole configuration.';

--
-- Name: COLUMN regression_alerts.severity; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.regression_alerts.severity IS 'The worst severity seen while the alert was not resolved (WARN → ERROR, never back).';

--
-- Name: regression_alert_label(public.regression_alerts); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.regression_alert_label(a public.regression_alerts) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT format('regression alert %s (%s%s on %s × %s × %s × %s)', a.id, a.rule,
                  CASE WHEN a.metric = '' THEN '' ELSE ' ' || a.metric END,
                  a.model_version, a.dataset_version, a.prompt_version, a.environment)
$$;

--
-- Name: request_transaction_log_seal(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.request_transaction_log_seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO public.transaction_log_seal_requests VALUES (pg_current_xact_id())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

ALTER FUNCTION public.request_transaction_log_seal() OWNER TO benchmon_owner;

--
-- Name: restore_snapshots(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.restore_snapshots() RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    restored bigint;
BEGIN
    LOCK TABLE benchmark_snapshots IN EXCLUSIVE MODE;
    CREATE TEMP TABLE rebuilt ON COMMIT DROP AS SELECT * FROM rebuild_snapshots();
    DELETE FROM benchmark_snapshots;
    INSERT INTO benchmark_snapshots
        (id, snapshot_version, created_at, model_version, dataset_version, prompt_version,
         environment, transaction_id, metrics, is_current, is_baseline, is_active,
         run_count, first_seen_at, last_updated_at)
    SELECT * FROM rebuilt;
    GET DIAGNOSTICS restored = ROW_COUNT;
    DROP TABLE rebuilt;
    RETURN restored;
END $$;

--
-- Name: rule_full_run_reason(text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.rule_full_run_reason(p_rule text, p_judged_under text) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE
        WHEN e.rule IS NULL THEN 'first run of the rule'
        WHEN e.judged_under <> p_judged_under THEN 'the rule or its settings changed'
        WHEN e.settings_through
             <> (SELECT coalesce(max(c.id), 0) FROM settings_changes c)
            THEN 'a threshold, direction or tracked branch changed'
        END
      FROM (SELECT p_rule AS wanted) w
      LEFT JOIN rule_evaluations e ON e.rule = w.wanted
$$;

--
-- Name: rule_judged_configurations(text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.rule_judged_configurations(p_rule text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT count(*)
      FROM rule_watermarks w
      JOIN benchmark_snapshots s
        ON (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (w.model_version, w.dataset_version, w.prompt_version, w.environment)
     WHERE w.rule = p_rule AND w.judged AND s.is_current
$$;

--
-- Name: seal_transaction_log(); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.seal_transaction_log() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    own xid8 := NEW.xact_id;
    sealed_through bigint;
    n integer;
    lo bigint;
    hi bigint;
    digests bytea;
    root bytea;
    last_link record;
    prev bytea;
BEGIN
    DELETE FROM public.transaction_log_seal_requests WHERE xact_id = own;
    -- A transaction that folded its rows and appended more afterwards: fold those too,
    -- so "this transaction's rows are folded" stays true (see public.fold_transactions()).
    IF EXISTS (SELECT FROM public.fold_applied a
                WHERE a.xact_id = own
                  AND a.through_seq < (SELECT max(t.seq) FROM public.benchmark_transactions t
                                        WHERE t.xact_id = own)) THEN
        PERFORM public.fold_transactions(own_rows_only => true);
    END IF;

    -- Without any lock: the digests of this transaction's rows not sealed yet.
    SELECT max(c.last_seq) INTO sealed_through FROM public.transaction_log_chain c WHERE c.xact_id = own;
    SELECT count(*), min(t.seq), max(t.seq),
           string_agg(public.transaction_row_digest(t), ''::bytea ORDER BY t.seq)
      INTO n, lo, hi, digests
      FROM public.benchmark_transactions t
     WHERE t.xact_id = own AND t.seq > coalesce(sealed_through, 0);
    IF n = 0 THEN
        RETURN NULL;  -- e.g. every row was a duplicate (ON CONFLICT DO NOTHING)
    END IF;
    root := sha256(digests);

    -- The one short lock: held from here until this transaction's commit completes.
    PERFORM pg_advisory_xact_lock(1651336040, 0);  -- 'bmch': the chain head
    SELECT c.link_no, c.link_hash INTO last_link
      FROM public.transaction_log_chain c ORDER BY c.link_no DESC LIMIT 1;
    prev := coalesce(last_link.link_hash, public.transaction_log_genesis());
    INSERT INTO public.transaction_log_chain
        (link_no, xact_id, first_seq, last_seq, row_count, row_digests, rows_root,
         prev_hash, link_hash)
    VALUES (coalesce(last_link.link_no, 0) + 1, own, lo, hi, n, digests, root,
            prev, sha256(prev || root));
    RETURN NULL;
END $$;

ALTER FUNCTION public.seal_transaction_log() OWNER TO benchmon_owner;

--
-- Name: set_baseline(text, text, text, text, integer, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        public.locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT target.is_active THEN
        RAISE EXCEPTION 'snapshot version % is deactivated and cannot be the baseline', version
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.benchmark_snapshots s SET is_baseline = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_baseline AND s.id <> target.id;
    UPDATE public.benchmark_snapshots s SET is_baseline = true, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM public.record_snapshot_event('baseline_set', target, actor, reason);
    RETURN target.id;
END $$;

ALTER FUNCTION public.set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) OWNER TO benchmon_owner;

--
-- Name: metric_definitions; Type: TABLE; Schema: public
--

CREATE TABLE public.metric_definitions (
    name text NOT NULL,
    direction text,
    unit text,
    abs_threshold numeric,
    rel_threshold numeric,
    description text,
    CONSTRAINT metric_definitions_abs_threshold_check CHECK (((abs_threshold >= (0)::numeric) AND (abs_threshold < 'Infinity'::numeric))),
    CONSTRAINT metric_definitions_direction_check CHECK ((direction = ANY (ARRAY['higher'::text, 'lower'::text]))),
    CONSTRAINT metric_definitions_name_check CHECK ((btrim(name) <> ''::text)),
    CONSTRAINT metric_definitions_rel_threshold_check CHECK (((rel_threshold >= (0)::numeric) AND (rel_threshold < 'Infinity'::numeric)))
);

--
-- Name: set_metric_definition(text, text, numeric, numeric, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.set_metric_definition(metric text, direction text DEFAULT NULL::text, abs_threshold numeric DEFAULT NULL::numeric, rel_threshold numeric DEFAULT NULL::numeric, unit text DEFAULT NULL::text, description text DEFAULT NULL::text) RETURNS public.metric_definitions
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    INSERT INTO public.metric_definitions AS d
        (name, direction, abs_threshold, rel_threshold, unit, description)
    VALUES (set_metric_definition.metric, set_metric_definition.direction,
            set_metric_definition.abs_threshold, set_metric_definition.rel_threshold,
            set_metric_definition.unit, set_metric_definition.description)
    ON CONFLICT (name) DO UPDATE
       SET direction = coalesce(EXCLUDED.direction, d.direction),
           abs_threshold = coalesce(EXCLUDED.abs_threshold, d.abs_threshold),
           rel_threshold = coalesce(EXCLUDED.rel_threshold, d.rel_threshold),
           unit = coalesce(EXCLUDED.unit, d.unit),
           description = coalesce(EXCLUDED.description, d.description)
    RETURNING d.*
$$;

ALTER FUNCTION public.set_metric_definition(metric text, direction text, abs_threshold numeric, rel_threshold numeric, unit text, description text) OWNER TO benchmon_owner;

--
-- Name: metric_overrides; Type: TABLE; Schema: public
--

CREATE TABLE public.metric_overrides (
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    metric text NOT NULL,
    direction text,
    abs_threshold numeric,
    rel_threshold numeric,
    CONSTRAINT metric_overrides_abs_threshold_check CHECK (((abs_threshold >= (0)::numeric) AND (abs_threshold < 'Infinity'::numeric))),
    CONSTRAINT metric_overrides_direction_check CHECK ((direction = ANY (ARRAY['higher'::text, 'lower'::text]))),
    CONSTRAINT metric_overrides_metric_check CHECK ((btrim(metric) <> ''::text)),
    CONSTRAINT metric_overrides_rel_threshold_check CHECK (((rel_threshold >= (0)::numeric) AND (rel_threshold < 'Infinity'::numeric)))
);

--
-- Name: set_metric_override(text, text, text, text, text, text, numeric, numeric); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.set_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text, direction text DEFAULT NULL::text, abs_threshold numeric DEFAULT NULL::numeric, rel_threshold numeric DEFAULT NULL::numeric) RETURNS public.metric_overrides
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    INSERT INTO public.metric_overrides AS o
        (model_version, dataset_version, prompt_version, environment, metric, direction,
         abs_threshold, rel_threshold)
    SELECT set_metric_override.model_version, set_metric_override.dataset_version,
           set_metric_override.prompt_version, set_metric_override.environment,
           set_metric_override.metric, set_metric_override.direction,
           coalesce(set_metric_override.abs_threshold, now_in_force.abs_threshold),
           coalesce(set_metric_override.rel_threshold, now_in_force.rel_threshold)
      FROM public.metric_thresholds(set_metric_override.metric,
                                    set_metric_override.model_version,
                                    set_metric_override.dataset_version,
                                    set_metric_override.prompt_version,
                                    set_metric_override.environment) AS now_in_force
    ON CONFLICT (model_version, dataset_version, prompt_version, environment, metric)
    DO UPDATE
       SET direction = coalesce(set_metric_override.direction, o.direction),
           abs_threshold = coalesce(set_metric_override.abs_threshold, o.abs_threshold),
           rel_threshold = coalesce(set_metric_override.rel_threshold, o.rel_threshold)
    RETURNING o.*
$$;

ALTER FUNCTION public.set_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text, direction text, abs_threshold numeric, rel_threshold numeric) OWNER TO benchmon_owner;

--
-- Name: set_snapshot_active(text, text, text, text, integer, boolean, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        public.locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT active AND (target.is_current OR target.is_baseline) THEN
        RAISE EXCEPTION 'snapshot version % is the current version or the baseline and cannot be deactivated',
            version USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.benchmark_snapshots s SET is_active = active, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM public.record_snapshot_event(CASE WHEN active THEN 'activated' ELSE 'deactivated' END,
                                  target, actor, reason);
    RETURN target.id;
END $$;

ALTER FUNCTION public.set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text, reason text) OWNER TO benchmon_owner;

--
-- Name: track_branch(text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.track_branch(model_version text, dataset_version text, prompt_version text, environment text, branch_name text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    before text;
BEGIN
    PERFORM public.lock_configuration(model_version, dataset_version, prompt_version,
                                      environment);
    before := public.tracked_branch(model_version, dataset_version, prompt_version,
                                    environment);
    INSERT INTO public.tracked_branches AS b
        (model_version, dataset_version, prompt_version, environment, branch_name)
    VALUES (model_version, dataset_version, prompt_version, environment, branch_name)
    ON CONFLICT ON CONSTRAINT tracked_branches_pkey DO UPDATE SET branch_name = EXCLUDED.branch_name;
    RETURN before;
END $$;

ALTER FUNCTION public.track_branch(model_version text, dataset_version text, prompt_version text, environment text, branch_name text) OWNER TO benchmon_owner;

--
-- Name: tracked_branch(text, text, text, text); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.tracked_branch(model_version text, dataset_version text, prompt_version text, environment text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(
        (SELECT b.branch_name FROM public.tracked_branches b
          WHERE (b.model_version, b.dataset_version, b.prompt_version, b.environment)
              = (tracked_branch.model_version, tracked_branch.dataset_version,
                 tracked_branch.prompt_version, tracked_branch.environment)),
        public.default_tracked_branch())
$$;

--
-- Name: transaction_log_genesis(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.transaction_log_genesis() RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT sha256(convert_to('benchmon transaction log v1', 'UTF8'))
$$;

--
-- Name: benchmark_transactions; Type: TABLE; Schema: public
--

CREATE TABLE public.benchmark_transactions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    commit_sha text,
    branch_name text,
    model_version text NOT NULL,
    model_provider text,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    metrics jsonb NOT NULL,
    duration_seconds numeric,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    notes text,
    run_id text,
    triggered_by text,
    ingested_at timestamp with time zone DEFAULT now() NOT NULL,
    content_sha256 text NOT NULL,
    source text,
    seq bigint NOT NULL,
    xact_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    metric_directions jsonb DEFAULT '{}'::jsonb NOT NULL,
    content_json text,
    CONSTRAINT content_json_is_not_kept CHECK ((content_json IS NULL)),
    CONSTRAINT content_sha256_is_hex CHECK (((length(content_sha256) = 64) AND (content_sha256 ~ '^[0-9a-f]+$'::text))),
    CONSTRAINT metric_directions_are_known CHECK (((jsonb_typeof(metric_directions) = 'object'::text) AND (NOT jsonb_path_exists(metric_directions, '$.*?((@ != "higher" && @ != "lower") && @ != "none")'::jsonpath)))),
    CONSTRAINT metrics_are_numbers CHECK ((NOT jsonb_path_exists(metrics, '$.*?(@.type() != "number")'::jsonpath))),
    CONSTRAINT metrics_is_object CHECK ((jsonb_typeof(metrics) = 'object'::text))
)
PARTITION BY RANGE (created_at);

--
-- Name: TABLE benchmark_transactions; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.benchmark_transactions IS 'Append-only log of benchmark and evaluation results (benchmon), partitioned by month of created_at.';

--
-- Name: COLUMN benchmark_transactions.created_at; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.created_at IS 'When the benchmark ran (UTC).';

--
-- Name: COLUMN benchmark_transactions.metrics; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.metrics IS 'Flat {name: number} object of finite metrics.';

--
-- Name: COLUMN benchmark_transactions.content_sha256; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.content_sha256 IS 'sha256 of the canonical JSON of what the result states (docs/data-model.md, The idempotency key); unique (benchmark_transaction_keys).';

--
-- Name: COLUMN benchmark_transactions.seq; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.seq IS 'Insertion order; never reused.';

--
-- Name: COLUMN benchmark_transactions.xact_id; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.xact_id IS 'Inserting top-level transaction: the unit of sealing (hash chain) and folding.';

--
-- Name: COLUMN benchmark_transactions.metric_directions; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.metric_directions IS 'Per metric, the direction the result states: higher or lower is better, or none (informational: never judged).';

--
-- Name: COLUMN benchmark_transactions.content_json; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transactions.content_json IS 'Write-only: the canonical JSON of the row''s content, sent with the row so the database can check content_sha256 cheaply; always NULL once stored.';

--
-- Name: transaction_row_digest(public.benchmark_transactions); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.transaction_row_digest(t public.benchmark_transactions) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT sha256(convert_to(row(
        t.id, t.seq, t.xact_id, extract(epoch FROM t.created_at),
        extract(epoch FROM t.ingested_at), t.content_sha256, t.source, t.commit_sha,
        t.branch_name, t.model_version, t.model_provider, t.dataset_version,
        t.prompt_version, t.environment, t.metrics, t.metric_directions,
        t.duration_seconds, t.tags, t.notes, t.run_id, t.triggered_by)::text, 'UTF8'))
$$;

--
-- Name: unset_metric_definition(text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.unset_metric_definition(metric text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    WITH gone AS (DELETE FROM public.metric_definitions d
                   WHERE d.name = unset_metric_definition.metric RETURNING 1)
    SELECT EXISTS (SELECT FROM gone)
$$;

ALTER FUNCTION public.unset_metric_definition(metric text) OWNER TO benchmon_owner;

--
-- Name: unset_metric_override(text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.unset_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    WITH gone AS (
        DELETE FROM public.metric_overrides o
         WHERE (o.model_version, o.dataset_version, o.prompt_version, o.environment, o.metric)
             = (unset_metric_override.model_version, unset_metric_override.dataset_version,
                unset_metric_override.prompt_version, unset_metric_override.environment,
                unset_metric_override.metric)
        RETURNING 1)
    SELECT EXISTS (SELECT FROM gone)
$$;

ALTER FUNCTION public.unset_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text) OWNER TO benchmon_owner;

--
-- Name: untrack_branch(text, text, text, text); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.untrack_branch(model_version text, dataset_version text, prompt_version text, environment text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_variable
DECLARE
    before text;
BEGIN
    PERFORM public.lock_configuration(model_version, dataset_version, prompt_version,
                                      environment);
    before := public.tracked_branch(model_version, dataset_version, prompt_version,
                                    environment);
    DELETE FROM public.tracked_branches b
     WHERE (b.model_version, b.dataset_version, b.prompt_version, b.environment)
         = (model_version, dataset_version, prompt_version, environment);
    RETURN before;
END $$;

ALTER FUNCTION public.untrack_branch(model_version text, dataset_version text, prompt_version text, environment text) OWNER TO benchmon_owner;

--
-- Name: upsert_benchmark_result(text, text, text, text, jsonb, timestamp with time zone, text, text, text, numeric, text[], text, text, text, text, jsonb); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, commit_sha text DEFAULT NULL::text, branch_name text DEFAULT NULL::text, model_provider text DEFAULT NULL::text, duration_seconds numeric DEFAULT NULL::numeric, tags text[] DEFAULT '{}'::text[], notes text DEFAULT NULL::text, run_id text DEFAULT NULL::text, triggered_by text DEFAULT NULL::text, source text DEFAULT NULL::text, metric_directions jsonb DEFAULT '{}'::jsonb) RETURNS uuid
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

ALTER FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone, commit_sha text, branch_name text, model_provider text, duration_seconds numeric, tags text[], notes text, run_id text, triggered_by text, source text, metric_directions jsonb) OWNER TO benchmon_owner;

--
-- Name: verify_transaction_log(); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.verify_transaction_log() RETURNS TABLE(ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text)
    LANGUAGE sql STABLE
    AS $$
    SELECT * FROM public.verify_transaction_log_window(
        0, public.transaction_log_genesis(), '0'::xid8, NULL)
$$;

--
-- Name: FUNCTION verify_transaction_log(); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.verify_transaction_log() IS 'Recomputes the hash chain; returns OK or the first broken link / altered or missing row.';

--
-- Name: verify_transaction_log_checkpointed(boolean); Type: FUNCTION; Schema: public; Owner: benchmon_owner
--

CREATE FUNCTION public.verify_transaction_log_checkpointed(full_check boolean DEFAULT false) RETURNS TABLE(ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text, checkpoint_no bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    head_link bigint;
    horizon xid8;
    from_link bigint := 0;
    from_hash bytea := public.transaction_log_genesis();
    from_xid xid8 := '0';
    outcome record;
    recorded bigint;
BEGIN
    -- The newest link and the snapshot's xmin in one statement: every transaction before
    -- that xid had ended when the link was read.
    SELECT coalesce(max(c.link_no), 0), pg_snapshot_xmin(pg_current_snapshot())
      INTO head_link, horizon FROM public.transaction_log_chain c;
    IF NOT full_check THEN
        SELECT k.link_no, k.link_hash, k.rows_from INTO from_link, from_hash, from_xid
          FROM public.transaction_log_checkpoints k ORDER BY k.checkpoint_no DESC LIMIT 1;
        IF NOT FOUND THEN
            from_link := 0;
            from_hash := public.transaction_log_genesis();
            from_xid := '0';
        END IF;
    END IF;

    SELECT * INTO outcome FROM public.verify_transaction_log_window(
        from_link, from_hash, from_xid, head_link);
    IF outcome.ok THEN
        INSERT INTO public.transaction_log_checkpoints
            (link_no, link_hash, rows_from, full_check, rows_checked)
        SELECT head_link,
               coalesce((SELECT c.link_hash FROM public.transaction_log_chain c
                          WHERE c.link_no = head_link), public.transaction_log_genesis()),
               horizon, from_link = 0,
               coalesce((SELECT sum(c.row_count) FROM public.transaction_log_chain c
                          WHERE c.link_no > from_link AND c.link_no <= head_link), 0)
        RETURNING transaction_log_checkpoints.checkpoint_no INTO recorded;
    END IF;
    RETURN QUERY SELECT outcome.ok, outcome.link_no, outcome.seq, outcome.transaction_id,
                        outcome.problem, recorded;
END $$;

ALTER FUNCTION public.verify_transaction_log_checkpointed(full_check boolean) OWNER TO benchmon_owner;

--
-- Name: FUNCTION verify_transaction_log_checkpointed(full_check boolean); Type: COMMENT; Schema: public; Owner: benchmon_owner
--

COMMENT ON FUNCTION public.verify_transaction_log_checkpointed(full_check boolean) IS '`benchmon db verify`: checks from the last checkpoint (or everything, full_check) and records a new checkpoint when the chain is intact.';

--
-- Name: verify_transaction_log_window(bigint, bytea, xid8, bigint); Type: FUNCTION; Schema: public
--

CREATE FUNCTION public.verify_transaction_log_window(after_link bigint, after_hash bytea, rows_from xid8, through_link bigint DEFAULT NULL::bigint) RETURNS TABLE(ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
DECLARE
    links bigint;
    rows_checked bigint;
    last_link bigint := coalesce(through_link, 9223372036854775807);
BEGIN
    -- 0. The link the window starts from still has the hash it had.
    IF after_link > 0 THEN
        RETURN QUERY
        SELECT false, after_link, NULL::bigint, NULL::uuid,
               format('link %s no longer has the hash it had when it was verified '
                      '(it was rewritten or removed)', after_link)
         WHERE NOT EXISTS (SELECT FROM public.transaction_log_chain c
                            WHERE c.link_no = after_link AND c.link_hash = after_hash);
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;

    -- 1. The chain itself: numbering, back-links and hashes of every link in the window.
    RETURN QUERY
    SELECT false, c.link_no, c.first_seq, NULL::uuid,
           CASE
               WHEN c.link_no <> c.expected_no THEN
                   format('link %s follows link %s: a link is missing', c.link_no, c.expected_no - 1)
               WHEN c.prev_hash <> c.expected_prev THEN
                   format('link %s does not point to the hash of the link before it', c.link_no)
               WHEN c.rows_root <> sha256(c.row_digests) THEN
                   format('link %s: its row digests do not match its root', c.link_no)
               ELSE format('link %s: its hash does not match its contents', c.link_no)
           END
      FROM (SELECT l.*,
                   coalesce(lag(l.link_hash) OVER w, after_hash) AS expected_prev,
                   after_link + row_number() OVER w AS expected_no
              FROM public.transaction_log_chain l
             WHERE l.link_no > after_link AND l.link_no <= last_link
            WINDOW w AS (ORDER BY l.link_no)) AS c
     WHERE c.link_no <> c.expected_no OR c.prev_hash <> c.expected_prev
        OR c.rows_root <> sha256(c.row_digests) OR c.link_hash <> sha256(c.prev_hash || c.rows_root)
     ORDER BY c.link_no
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    -- 2. Every row in the window against the digest sealed for it, and no row outside
    --    the chain.
    RETURN QUERY
    WITH window_links AS (
        SELECT c.* FROM public.transaction_log_chain c
         WHERE c.link_no <= last_link AND (c.link_no > after_link OR c.xact_id >= rows_from)
    ), sealed AS (
        SELECT c.link_no, i AS position,
               substring(c.row_digests FROM (i - 1) * 32 + 1 FOR 32) AS digest
          FROM window_links c, generate_series(1, c.row_count) AS i
    ), stored AS (
        SELECT c.link_no, t.id, t.seq, t.digest,
               row_number() OVER (PARTITION BY c.link_no ORDER BY t.seq) AS position,
               lag(t.seq) OVER (PARTITION BY c.link_no ORDER BY t.seq) AS prev_seq
          FROM (SELECT l.id, l.seq, l.xact_id, public.transaction_row_digest(l) AS digest
                  FROM public.benchmark_transactions l
                UNION ALL  -- archived rows: the digest recorded when they left (0031)
                SELECT a.id, a.seq, a.xact_id, a.digest FROM public.log_archived_rows a) AS t
          LEFT JOIN public.transaction_log_chain c
                 ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
         WHERE t.xact_id >= rows_from
           AND t.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- not sealed yet
           AND (c.link_no IS NULL OR c.link_no <= last_link)  -- sealed after the window
    )
    SELECT false, coalesce(s.link_no, r.link_no),
           CASE WHEN m.gone THEN NULL ELSE r.seq END,
           CASE WHEN m.gone THEN NULL ELSE r.id END,
           CASE
               WHEN m.gone THEN
                   format('link %s sealed %s rows; row %s of them is gone (%s)',
                          s.link_no, l.row_count, s.position,
                          CASE WHEN m.after_seq IS NULL THEN 'its first row'
                               ELSE format('the row after seq %s', m.after_seq) END)
               WHEN r.link_no IS NULL THEN
                   format('row seq %s (id %s) is in no link: it was inserted with the sealing trigger disabled', r.seq, r.id)
               WHEN s.link_no IS NULL THEN
                   format('row seq %s (id %s) was added to link %s after it was sealed', r.seq, r.id, r.link_no)
               ELSE format('row seq %s (id %s) differs from what link %s sealed', r.seq, r.id, r.link_no)
           END
      FROM sealed s
      FULL JOIN stored r ON r.link_no = s.link_no AND r.position = s.position
      LEFT JOIN window_links l ON l.link_no = s.link_no
      -- A sealed row is gone when nothing stands at its position, or when the row standing
      -- there is one the link sealed further on (the rows after it moved up one place).
      CROSS JOIN LATERAL (
          SELECT s.link_no IS NOT NULL
                 AND (r.id IS NULL
                      OR EXISTS (SELECT FROM sealed z
                                  WHERE z.link_no = s.link_no AND z.position > s.position
                                    AND z.digest = r.digest)) AS gone,
                 CASE WHEN r.id IS NULL
                      THEN (SELECT max(x.seq) FROM stored x WHERE x.link_no = s.link_no)
                      ELSE r.prev_seq END AS after_seq) AS m
     WHERE s.digest IS DISTINCT FROM r.digest
     ORDER BY coalesce(s.link_no, r.link_no) NULLS LAST, s.position, r.seq  -- the first break
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT count(*), coalesce(sum(c.row_count), 0) INTO links, rows_checked
      FROM public.transaction_log_chain c WHERE c.link_no > after_link AND c.link_no <= last_link;
    RETURN QUERY SELECT true, NULL::bigint, NULL::bigint, NULL::uuid,
        CASE WHEN after_link = 0
             THEN format('OK: %s rows in %s links, chain intact', rows_checked, links)
             ELSE format('OK: %s rows in %s links after link %s, chain intact',
                         rows_checked, links, after_link) END;
END $$;

--
-- Name: FUNCTION verify_transaction_log_window(after_link bigint, after_hash bytea, rows_from xid8, through_link bigint); Type: COMMENT; Schema: public
--

COMMENT ON FUNCTION public.verify_transaction_log_window(after_link bigint, after_hash bytea, rows_from xid8, through_link bigint) IS 'The hash-chain check over links after_link+1…through_link and the rows of transactions from rows_from on (archived rows by their recorded digests); (0, genesis, ''0'', NULL) checks everything.';

--
-- Name: accepted_changes; Type: TABLE; Schema: public
--

CREATE TABLE public.accepted_changes (
    id bigint NOT NULL,
    accepted_at timestamp with time zone DEFAULT now() NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    metric text NOT NULL,
    transaction_id uuid NOT NULL,
    alert_id bigint,
    actor text NOT NULL,
    reason text NOT NULL,
    recorded_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT accepted_changes_actor_check CHECK ((btrim(actor) <> ''::text)),
    CONSTRAINT accepted_changes_reason_check CHECK ((btrim(reason) <> ''::text))
);

--
-- Name: TABLE accepted_changes; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.accepted_changes IS 'Append-only: changes of level a person accepted as intended (benchmon alerts accept).';

--
-- Name: accepted_changes_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.accepted_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.accepted_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: benchmark_transaction_keys; Type: TABLE; Schema: public
--

CREATE TABLE public.benchmark_transaction_keys (
    content_sha256 bytea NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: TABLE benchmark_transaction_keys; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.benchmark_transaction_keys IS 'Every content key and id the log ever stored (also of archived rows); append-only.';

--
-- Name: COLUMN benchmark_transaction_keys.content_sha256; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.benchmark_transaction_keys.content_sha256 IS 'The log row''s content_sha256 as bytes: decode(content_sha256, ''hex'').';

--
-- Name: benchmark_transactions_seq_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.benchmark_transactions ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.benchmark_transactions_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: benchmark_transactions_default; Type: TABLE; Schema: public
--

CREATE TABLE public.benchmark_transactions_default (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    commit_sha text,
    branch_name text,
    model_version text NOT NULL,
    model_provider text,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    metrics jsonb NOT NULL,
    duration_seconds numeric,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    notes text,
    run_id text,
    triggered_by text,
    ingested_at timestamp with time zone DEFAULT now() NOT NULL,
    content_sha256 text NOT NULL,
    source text,
    seq bigint DEFAULT nextval('public.benchmark_transactions_seq_seq'::regclass) NOT NULL,
    xact_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    metric_directions jsonb DEFAULT '{}'::jsonb NOT NULL,
    content_json text,
    CONSTRAINT content_json_is_not_kept CHECK ((content_json IS NULL)),
    CONSTRAINT content_sha256_is_hex CHECK (((length(content_sha256) = 64) AND (content_sha256 ~ '^[0-9a-f]+$'::text))),
    CONSTRAINT metric_directions_are_known CHECK (((jsonb_typeof(metric_directions) = 'object'::text) AND (NOT jsonb_path_exists(metric_directions, '$.*?((@ != "higher" && @ != "lower") && @ != "none")'::jsonpath)))),
    CONSTRAINT metrics_are_numbers CHECK ((NOT jsonb_path_exists(metrics, '$.*?(@.type() != "number")'::jsonpath))),
    CONSTRAINT metrics_is_object CHECK ((jsonb_typeof(metrics) = 'object'::text))
);

--
-- Name: daily_configuration_counts; Type: TABLE; Schema: public
--

CREATE TABLE public.daily_configuration_counts (
    day date NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    branch_name text NOT NULL,
    result_count integer NOT NULL,
    mean_duration_seconds numeric,
    CONSTRAINT daily_configuration_counts_result_count_check CHECK ((result_count > 0))
);

--
-- Name: daily_model_trends; Type: TABLE; Schema: public
--

CREATE TABLE public.daily_model_trends (
    model_version text NOT NULL,
    day date NOT NULL,
    environment text NOT NULL,
    branch_name text NOT NULL,
    run_count bigint NOT NULL,
    duration_sum numeric,
    duration_count bigint,
    f1_sum double precision,
    f1_count bigint,
    precision_sum double precision,
    precision_count bigint,
    recall_sum double precision,
    recall_count bigint,
    accuracy_sum double precision,
    accuracy_count bigint,
    latency_sum double precision,
    latency_count bigint,
    CONSTRAINT daily_model_trends_run_count_check CHECK ((run_count > 0))
);

--
-- Name: TABLE daily_model_trends; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.daily_model_trends IS 'Daily (UTC) sums per model, environment and branch, derived from the per-configuration trend tables by refresh_model_trends(); read by v_performance_trends.';

--
-- Name: daily_performance_trends; Type: TABLE; Schema: public
--

CREATE TABLE public.daily_performance_trends (
    day date NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    branch_name text NOT NULL,
    metric text NOT NULL,
    direction text NOT NULL,
    sample_count integer NOT NULL,
    mean double precision NOT NULL,
    min double precision NOT NULL,
    max double precision NOT NULL,
    stddev double precision,
    p50 double precision NOT NULL,
    p95 double precision NOT NULL,
    refreshed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT daily_performance_trends_direction_check CHECK ((direction = ANY (ARRAY['higher'::text, 'lower'::text]))),
    CONSTRAINT daily_performance_trends_sample_count_check CHECK ((sample_count > 0))
);

--
-- Name: TABLE daily_performance_trends; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.daily_performance_trends IS 'Daily (UTC) aggregates per configuration, branch and metric; rebuilt per day partition.';

--
-- Name: fold_applied; Type: TABLE; Schema: public
--

CREATE TABLE public.fold_applied (
    xact_id xid8 NOT NULL,
    through_seq bigint NOT NULL,
    folded_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: fold_state; Type: TABLE; Schema: public
--

CREATE TABLE public.fold_state (
    singleton boolean DEFAULT true NOT NULL,
    low_water xid8 DEFAULT '0'::xid8 NOT NULL,
    CONSTRAINT fold_state_singleton_check CHECK (singleton)
);

--
-- Name: history_restarts; Type: VIEW; Schema: public
--

CREATE VIEW public.history_restarts WITH (security_invoker='true') AS
 SELECT DISTINCT ON (p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric) p.model_version,
    p.dataset_version,
    p.prompt_version,
    p.environment,
    p.metric,
    p.source,
    p.transaction_id,
    t.created_at,
    t.seq
   FROM (( SELECT a.model_version,
            a.dataset_version,
            a.prompt_version,
            a.environment,
            a.metric,
            'accepted'::text AS source,
            a.transaction_id
           FROM public.accepted_changes a
        UNION ALL
         SELECT s.model_version,
            s.dataset_version,
            s.prompt_version,
            s.environment,
            ''::text AS text,
            'baseline'::text AS text,
            s.transaction_id
           FROM public.benchmark_snapshots s
          WHERE s.is_baseline) p
     JOIN public.benchmark_transactions t ON ((t.id = p.transaction_id)))
  ORDER BY p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric, t.created_at DESC, t.seq DESC;

--
-- Name: VIEW history_restarts; Type: COMMENT; Schema: public
--

COMMENT ON VIEW public.history_restarts IS 'Per configuration × metric ('''' = all): the newest accepted change or baseline; the history rule''s reference starts there.';

--
-- Name: ingested_files; Type: TABLE; Schema: public
--

CREATE TABLE public.ingested_files (
    id bigint NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    inbox text NOT NULL,
    uri text NOT NULL,
    file_sha256 text,
    size_bytes bigint,
    format text,
    status text NOT NULL,
    error_code text,
    error_message text,
    json_path text,
    warnings text[] DEFAULT '{}'::text[] NOT NULL,
    results_total integer DEFAULT 0 NOT NULL,
    results_new integer DEFAULT 0 NOT NULL,
    transaction_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    dagster_run_id text,
    CONSTRAINT duplicate_files_added_nothing CHECK (((status <> 'duplicate'::text) OR (results_new = 0))),
    CONSTRAINT ingested_files_added_results CHECK (((status <> 'ingested'::text) OR (results_new > 0))),
    CONSTRAINT ingested_files_check CHECK (((results_new >= 0) AND (results_new <= results_total))),
    CONSTRAINT ingested_files_file_sha256_check CHECK (((length(file_sha256) = 64) AND (file_sha256 ~ '^[0-9a-f]+$'::text))),
    CONSTRAINT ingested_files_inbox_check CHECK ((inbox = ANY (ARRAY['folder'::text, 's3'::text, 'push'::text]))),
    CONSTRAINT ingested_files_results_total_check CHECK ((results_total >= 0)),
    CONSTRAINT ingested_files_size_bytes_check CHECK ((size_bytes >= 0)),
    CONSTRAINT ingested_files_status_check CHECK ((status = ANY (ARRAY['ingested'::text, 'duplicate'::text, 'quarantined'::text, 'changed'::text]))),
    CONSTRAINT quarantined_files_say_why CHECK (((status = 'quarantined'::text) = (error_code IS NOT NULL)))
);

--
-- Name: TABLE ingested_files; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.ingested_files IS 'Append-only ledger: the outcome of every file benchmon was asked to ingest.';

--
-- Name: COLUMN ingested_files.status; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.ingested_files.status IS 'ingested (added results), duplicate (all already stored), quarantined (refused: error_code says why) or changed (rewritten between its read and its move: left in the inbox).';

--
-- Name: ingested_files_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.ingested_files ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ingested_files_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: log_archived_rows; Type: TABLE; Schema: public
--

CREATE TABLE public.log_archived_rows (
    seq bigint NOT NULL,
    archive_no bigint NOT NULL,
    id uuid NOT NULL,
    xact_id xid8 NOT NULL,
    digest bytea NOT NULL,
    CONSTRAINT log_archived_rows_digest_check CHECK ((length(digest) = 32))
);

--
-- Name: TABLE log_archived_rows; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.log_archived_rows IS 'Each archived log row''s place in the chain and its digest; append-only.';

--
-- Name: log_archives; Type: TABLE; Schema: public
--

CREATE TABLE public.log_archives (
    archive_no bigint NOT NULL,
    partition text NOT NULL,
    month_from timestamp with time zone NOT NULL,
    month_to timestamp with time zone NOT NULL,
    location text NOT NULL,
    file_sha256 text NOT NULL,
    row_count bigint NOT NULL,
    first_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    first_link bigint NOT NULL,
    last_link bigint NOT NULL,
    boundary_prev_hash bytea NOT NULL,
    boundary_hash bytea NOT NULL,
    archived_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    archived_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT log_archives_file_sha256_check CHECK ((file_sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT log_archives_row_count_check CHECK ((row_count > 0))
);

--
-- Name: TABLE log_archives; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.log_archives IS 'Month partitions of the log exported to Parquet by `benchmon db archive`; append-only.';

--
-- Name: log_archives_archive_no_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.log_archives ALTER COLUMN archive_no ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.log_archives_archive_no_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: regression_alert_events; Type: TABLE; Schema: public
--

CREATE TABLE public.regression_alert_events (
    event_id bigint NOT NULL,
    alert_id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    event_type text NOT NULL,
    severity text NOT NULL,
    actor text NOT NULL,
    note text,
    CONSTRAINT regression_alert_events_event_type_check CHECK ((event_type = ANY (ARRAY['opened'::text, 'escalated'::text, 'acknowledged'::text, 'accepted'::text, 'resolved'::text, 'notified'::text]))),
    CONSTRAINT regression_alert_events_severity_check CHECK ((severity = ANY (ARRAY['WARN'::text, 'ERROR'::text])))
);

--
-- Name: TABLE regression_alert_events; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.regression_alert_events IS 'Append-only: every transition of a regression alert, written by its trigger.';

--
-- Name: regression_alert_events_event_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.regression_alert_events ALTER COLUMN event_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.regression_alert_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: regression_alerts_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.regression_alerts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.regression_alerts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: rule_evaluations; Type: TABLE; Schema: public
--

CREATE TABLE public.rule_evaluations (
    rule text NOT NULL,
    judged_under text NOT NULL,
    settings_through bigint NOT NULL,
    through_xact xid8 NOT NULL,
    evaluated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rule_evaluations_judged_under_check CHECK ((judged_under <> ''::text)),
    CONSTRAINT rule_evaluations_rule_check CHECK ((rule <> ''::text))
);

--
-- Name: TABLE rule_evaluations; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.rule_evaluations IS 'Per rule: what its last incremental run was judged under and which log rows it may not have seen.';

--
-- Name: rule_watermarks; Type: TABLE; Schema: public
--

CREATE TABLE public.rule_watermarks (
    rule text NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    newest_seq bigint,
    restarts text DEFAULT ''::text NOT NULL,
    judged_at timestamp with time zone DEFAULT now() NOT NULL,
    judged boolean DEFAULT true NOT NULL
);

--
-- Name: TABLE rule_watermarks; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.rule_watermarks IS 'Per rule × configuration: when it was last judged, up to which log seq, under which restart points.';

--
-- Name: COLUMN rule_watermarks.judged; Type: COMMENT; Schema: public
--

COMMENT ON COLUMN public.rule_watermarks.judged IS 'Whether the rule judged any series of the configuration when it last looked (false: all too young).';

--
-- Name: security_settings; Type: TABLE; Schema: public
--

CREATE TABLE public.security_settings (
    singleton boolean DEFAULT true NOT NULL,
    reader_access text DEFAULT 'read'::text NOT NULL,
    CONSTRAINT security_settings_reader_access_check CHECK ((reader_access = ANY (ARRAY['read'::text, 'none'::text]))),
    CONSTRAINT security_settings_singleton_check CHECK (singleton)
);

--
-- Name: settings_changes; Type: TABLE; Schema: public
--

CREATE TABLE public.settings_changes (
    id bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    setting text NOT NULL,
    model_version text,
    dataset_version text,
    prompt_version text,
    environment text,
    metric text,
    before jsonb,
    after jsonb,
    reason text,
    recorded_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT settings_changes_setting_check CHECK ((setting = ANY (ARRAY['metric_definition'::text, 'metric_override'::text, 'tracked_branch'::text])))
);

--
-- Name: TABLE settings_changes; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.settings_changes IS 'Append-only: every change of metric_definitions, metric_overrides and tracked_branches, before and after, by whom and why (benchmon thresholds history).';

--
-- Name: settings_changes_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.settings_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.settings_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: snapshot_events; Type: TABLE; Schema: public
--

CREATE TABLE public.snapshot_events (
    event_id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    event_type text NOT NULL,
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    snapshot_version integer NOT NULL,
    snapshot_id uuid NOT NULL,
    transaction_id uuid,
    run_count integer,
    first_seen_at timestamp with time zone,
    actor text NOT NULL,
    reason text,
    CONSTRAINT new_version_says_what_was_folded CHECK (((event_type = 'new_version'::text) = ((transaction_id IS NOT NULL) AND (run_count IS NOT NULL) AND (first_seen_at IS NOT NULL)))),
    CONSTRAINT snapshot_events_event_type_check CHECK ((event_type = ANY (ARRAY['new_version'::text, 'checkout'::text, 'baseline_set'::text, 'baseline_cleared'::text, 'activated'::text, 'deactivated'::text])))
);

--
-- Name: snapshot_events_event_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.snapshot_events ALTER COLUMN event_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.snapshot_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: tracked_branches; Type: TABLE; Schema: public
--

CREATE TABLE public.tracked_branches (
    model_version text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version text NOT NULL,
    environment text NOT NULL,
    branch_name text NOT NULL
);

--
-- Name: transaction_log_chain; Type: TABLE; Schema: public
--

CREATE TABLE public.transaction_log_chain (
    link_no bigint NOT NULL,
    xact_id xid8 NOT NULL,
    first_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    row_count integer NOT NULL,
    row_digests bytea NOT NULL,
    rows_root bytea NOT NULL,
    prev_hash bytea NOT NULL,
    link_hash bytea NOT NULL,
    sealed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT digests_match_row_count CHECK ((length(row_digests) = (32 * row_count))),
    CONSTRAINT transaction_log_chain_link_no_check CHECK ((link_no > 0)),
    CONSTRAINT transaction_log_chain_row_count_check CHECK ((row_count > 0))
);
ALTER TABLE ONLY public.transaction_log_chain ALTER COLUMN row_digests SET STORAGE EXTERNAL;

--
-- Name: TABLE transaction_log_chain; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.transaction_log_chain IS 'Hash chain over benchmark_transactions, one link per committed batch; append-only.';

--
-- Name: transaction_log_checkpoints; Type: TABLE; Schema: public
--

CREATE TABLE public.transaction_log_checkpoints (
    checkpoint_no bigint NOT NULL,
    link_no bigint NOT NULL,
    link_hash bytea NOT NULL,
    rows_from xid8 NOT NULL,
    full_check boolean NOT NULL,
    rows_checked bigint NOT NULL,
    verified_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    verified_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT transaction_log_checkpoints_link_no_check CHECK ((link_no >= 0))
);

--
-- Name: TABLE transaction_log_checkpoints; Type: COMMENT; Schema: public
--

COMMENT ON TABLE public.transaction_log_checkpoints IS 'Where `db verify` found the hash chain intact; the next check starts there. Append-only.';

--
-- Name: transaction_log_checkpoints_checkpoint_no_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.transaction_log_checkpoints ALTER COLUMN checkpoint_no ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.transaction_log_checkpoints_checkpoint_no_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: transaction_log_seal_requests; Type: TABLE; Schema: public
--

CREATE TABLE public.transaction_log_seal_requests (
    xact_id xid8 NOT NULL
);

--
-- Name: trend_dirty_days; Type: TABLE; Schema: public
--

CREATE TABLE public.trend_dirty_days (
    marker_id bigint NOT NULL,
    day date NOT NULL,
    marked_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: trend_dirty_days_marker_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.trend_dirty_days ALTER COLUMN marker_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.trend_dirty_days_marker_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: v_latest_benchmarks; Type: VIEW; Schema: public
--

CREATE VIEW public.v_latest_benchmarks WITH (security_invoker='true') AS
 SELECT s.model_version,
    s.dataset_version,
    s.prompt_version,
    s.environment,
    s.snapshot_version,
    s.id AS snapshot_id,
    s.transaction_id,
    s.metrics,
    s.f1_score,
    s."precision",
    s.recall,
    s.latency_ms,
    s.run_count,
    s.created_at,
    s.first_seen_at,
    s.last_updated_at,
    s.is_baseline,
    b.snapshot_version AS baseline_version,
    b.f1_score AS baseline_f1
   FROM (public.benchmark_snapshots s
     LEFT JOIN public.benchmark_snapshots b ON ((((b.model_version = s.model_version) AND (b.dataset_version = s.dataset_version) AND (b.prompt_version = s.prompt_version) AND (b.environment = s.environment)) AND b.is_baseline)))
  WHERE s.is_current;

--
-- Name: v_performance_trends; Type: VIEW; Schema: public
--

CREATE VIEW public.v_performance_trends WITH (security_invoker='true') AS
 SELECT day,
    model_version,
    environment,
    NULLIF(branch_name, ''::text) AS branch_name,
    run_count,
    ((f1_sum / (NULLIF(f1_count, 0))::double precision))::numeric AS avg_f1,
    ((precision_sum / (NULLIF(precision_count, 0))::double precision))::numeric AS avg_precision,
    ((recall_sum / (NULLIF(recall_count, 0))::double precision))::numeric AS avg_recall,
    ((accuracy_sum / (NULLIF(accuracy_count, 0))::double precision))::numeric AS avg_accuracy,
    ((latency_sum / (NULLIF(latency_count, 0))::double precision))::numeric AS avg_latency_ms,
    (duration_sum / (NULLIF(duration_count, 0))::numeric) AS avg_duration_seconds
   FROM public.daily_model_trends r;

--
-- Name: benchmark_transactions_default; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.benchmark_transactions ATTACH PARTITION public.benchmark_transactions_default DEFAULT;

--
-- Name: accepted_changes accepted_changes_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.accepted_changes
    ADD CONSTRAINT accepted_changes_pkey PRIMARY KEY (id);

--
-- Name: benchmark_snapshots benchmark_snapshots_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.benchmark_snapshots
    ADD CONSTRAINT benchmark_snapshots_pkey PRIMARY KEY (id);

--
-- Name: benchmark_transaction_keys benchmark_transactions_id_is_unique; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.benchmark_transaction_keys
    ADD CONSTRAINT benchmark_transactions_id_is_unique UNIQUE (id);

--
-- Name: benchmark_transaction_keys content_sha256_is_unique; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.benchmark_transaction_keys
    ADD CONSTRAINT content_sha256_is_unique PRIMARY KEY (content_sha256);

--
-- Name: daily_configuration_counts daily_configuration_counts_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.daily_configuration_counts
    ADD CONSTRAINT daily_configuration_counts_pkey PRIMARY KEY (day, model_version, dataset_version, prompt_version, environment, branch_name);

--
-- Name: daily_model_trends daily_model_trends_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.daily_model_trends
    ADD CONSTRAINT daily_model_trends_pkey PRIMARY KEY (model_version, day, environment, branch_name);

--
-- Name: daily_performance_trends daily_performance_trends_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.daily_performance_trends
    ADD CONSTRAINT daily_performance_trends_pkey PRIMARY KEY (day, model_version, dataset_version, prompt_version, environment, branch_name, metric);

--
-- Name: fold_applied fold_applied_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.fold_applied
    ADD CONSTRAINT fold_applied_pkey PRIMARY KEY (xact_id);

--
-- Name: fold_state fold_state_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.fold_state
    ADD CONSTRAINT fold_state_pkey PRIMARY KEY (singleton);

--
-- Name: ingested_files ingested_files_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.ingested_files
    ADD CONSTRAINT ingested_files_pkey PRIMARY KEY (id);

--
-- Name: log_archived_rows log_archived_rows_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.log_archived_rows
    ADD CONSTRAINT log_archived_rows_pkey PRIMARY KEY (seq);

--
-- Name: log_archives log_archives_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.log_archives
    ADD CONSTRAINT log_archives_pkey PRIMARY KEY (archive_no);

--
-- Name: metric_definitions metric_definitions_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.metric_definitions
    ADD CONSTRAINT metric_definitions_pkey PRIMARY KEY (name);

--
-- Name: metric_overrides metric_overrides_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.metric_overrides
    ADD CONSTRAINT metric_overrides_pkey PRIMARY KEY (model_version, dataset_version, prompt_version, environment, metric);

--
-- Name: log_archives one_archive_per_partition; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.log_archives
    ADD CONSTRAINT one_archive_per_partition UNIQUE (partition);

--
-- Name: transaction_log_chain one_link_per_row_range; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.transaction_log_chain
    ADD CONSTRAINT one_link_per_row_range UNIQUE (xact_id, first_seq);

--
-- Name: benchmark_snapshots one_number_per_version; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.benchmark_snapshots
    ADD CONSTRAINT one_number_per_version UNIQUE (model_version, dataset_version, prompt_version, environment, snapshot_version);

--
-- Name: regression_alert_events regression_alert_events_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.regression_alert_events
    ADD CONSTRAINT regression_alert_events_pkey PRIMARY KEY (event_id);

--
-- Name: regression_alerts regression_alerts_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.regression_alerts
    ADD CONSTRAINT regression_alerts_pkey PRIMARY KEY (id);

--
-- Name: rule_evaluations rule_evaluations_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.rule_evaluations
    ADD CONSTRAINT rule_evaluations_pkey PRIMARY KEY (rule);

--
-- Name: rule_watermarks rule_watermarks_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.rule_watermarks
    ADD CONSTRAINT rule_watermarks_pkey PRIMARY KEY (rule, model_version, dataset_version, prompt_version, environment);

--
-- Name: security_settings security_settings_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.security_settings
    ADD CONSTRAINT security_settings_pkey PRIMARY KEY (singleton);

--
-- Name: settings_changes settings_changes_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.settings_changes
    ADD CONSTRAINT settings_changes_pkey PRIMARY KEY (id);

--
-- Name: snapshot_events snapshot_events_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.snapshot_events
    ADD CONSTRAINT snapshot_events_pkey PRIMARY KEY (event_id);

--
-- Name: tracked_branches tracked_branches_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.tracked_branches
    ADD CONSTRAINT tracked_branches_pkey PRIMARY KEY (model_version, dataset_version, prompt_version, environment);

--
-- Name: transaction_log_chain transaction_log_chain_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.transaction_log_chain
    ADD CONSTRAINT transaction_log_chain_pkey PRIMARY KEY (link_no);

--
-- Name: transaction_log_checkpoints transaction_log_checkpoints_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.transaction_log_checkpoints
    ADD CONSTRAINT transaction_log_checkpoints_pkey PRIMARY KEY (checkpoint_no);

--
-- Name: transaction_log_seal_requests transaction_log_seal_requests_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.transaction_log_seal_requests
    ADD CONSTRAINT transaction_log_seal_requests_pkey PRIMARY KEY (xact_id);

--
-- Name: trend_dirty_days trend_dirty_days_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.trend_dirty_days
    ADD CONSTRAINT trend_dirty_days_pkey PRIMARY KEY (marker_id);

--
-- Name: accepted_changes_configuration; Type: INDEX; Schema: public
--

CREATE INDEX accepted_changes_configuration ON public.accepted_changes USING btree (model_version, dataset_version, prompt_version, environment, metric);

--
-- Name: benchmark_snapshots_f1_leaderboard; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_snapshots_f1_leaderboard ON public.benchmark_snapshots USING btree (f1_score DESC NULLS LAST) WHERE is_current;

--
-- Name: benchmark_snapshots_one_baseline; Type: INDEX; Schema: public
--

CREATE UNIQUE INDEX benchmark_snapshots_one_baseline ON public.benchmark_snapshots USING btree (model_version, dataset_version, prompt_version, environment) WHERE is_baseline;

--
-- Name: benchmark_snapshots_one_current; Type: INDEX; Schema: public
--

CREATE UNIQUE INDEX benchmark_snapshots_one_current ON public.benchmark_snapshots USING btree (model_version, dataset_version, prompt_version, environment) WHERE is_current;

--
-- Name: benchmark_snapshots_transaction; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_snapshots_transaction ON public.benchmark_snapshots USING btree (transaction_id);

--
-- Name: benchmark_transactions_configuration_created_at; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_configuration_created_at ON ONLY public.benchmark_transactions USING btree (model_version, dataset_version, prompt_version, environment, created_at DESC, seq DESC);

--
-- Name: benchmark_transactions_created_at; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_created_at ON ONLY public.benchmark_transactions USING btree (created_at DESC);

--
-- Name: benchmark_transactions_defaul_model_version_dataset_version_idx; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_defaul_model_version_dataset_version_idx ON public.benchmark_transactions_default USING btree (model_version, dataset_version, prompt_version, environment, created_at DESC, seq DESC);

--
-- Name: benchmark_transactions_default_created_at_idx; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_default_created_at_idx ON public.benchmark_transactions_default USING btree (created_at DESC);

--
-- Name: benchmark_transactions_id; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_id ON ONLY public.benchmark_transactions USING btree (id);

--
-- Name: benchmark_transactions_default_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_default_id_idx ON public.benchmark_transactions_default USING btree (id);

--
-- Name: benchmark_transactions_xact_id; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_xact_id ON ONLY public.benchmark_transactions USING btree (xact_id, seq);

--
-- Name: benchmark_transactions_default_xact_id_seq_idx; Type: INDEX; Schema: public
--

CREATE INDEX benchmark_transactions_default_xact_id_seq_idx ON public.benchmark_transactions_default USING btree (xact_id, seq);

--
-- Name: daily_performance_trends_series; Type: INDEX; Schema: public
--

CREATE INDEX daily_performance_trends_series ON public.daily_performance_trends USING btree (model_version, metric, day, dataset_version, prompt_version, environment, branch_name) INCLUDE (sample_count, mean, min, max);

--
-- Name: ingested_files_file_sha256; Type: INDEX; Schema: public
--

CREATE INDEX ingested_files_file_sha256 ON public.ingested_files USING btree (file_sha256);

--
-- Name: ingested_files_quarantined; Type: INDEX; Schema: public
--

CREATE INDEX ingested_files_quarantined ON public.ingested_files USING btree (recorded_at DESC) WHERE (status = 'quarantined'::text);

--
-- Name: ingested_files_recorded_at; Type: INDEX; Schema: public
--

CREATE INDEX ingested_files_recorded_at ON public.ingested_files USING btree (recorded_at DESC);

--
-- Name: log_archived_rows_xact_id; Type: INDEX; Schema: public
--

CREATE INDEX log_archived_rows_xact_id ON public.log_archived_rows USING btree (xact_id, seq);

--
-- Name: regression_alert_events_alert; Type: INDEX; Schema: public
--

CREATE INDEX regression_alert_events_alert ON public.regression_alert_events USING btree (alert_id, event_id);

--
-- Name: regression_alerts_alert_once; Type: INDEX; Schema: public
--

CREATE UNIQUE INDEX regression_alerts_alert_once ON public.regression_alerts USING btree (rule, model_version, dataset_version, prompt_version, environment, metric) WHERE (status <> 'resolved'::text);

--
-- Name: regression_alerts_configuration; Type: INDEX; Schema: public
--

CREATE INDEX regression_alerts_configuration ON public.regression_alerts USING btree (model_version, dataset_version, prompt_version, environment, last_seen_at DESC);

--
-- Name: regression_alerts_pending; Type: INDEX; Schema: public
--

CREATE INDEX regression_alerts_pending ON public.regression_alerts USING btree (id) WHERE ((status = 'open'::text) AND (notified_at IS NULL));

--
-- Name: settings_changes_configuration; Type: INDEX; Schema: public
--

CREATE INDEX settings_changes_configuration ON public.settings_changes USING btree (model_version, dataset_version, prompt_version, environment, metric);

--
-- Name: snapshot_events_configuration; Type: INDEX; Schema: public
--

CREATE INDEX snapshot_events_configuration ON public.snapshot_events USING btree (model_version, dataset_version, prompt_version, environment, event_id);

--
-- Name: trend_dirty_days_day; Type: INDEX; Schema: public
--

CREATE INDEX trend_dirty_days_day ON public.trend_dirty_days USING btree (day);

--
-- Name: benchmark_transactions_defaul_model_version_dataset_version_idx; Type: INDEX ATTACH; Schema: public
--

ALTER INDEX public.benchmark_transactions_configuration_created_at ATTACH PARTITION public.benchmark_transactions_defaul_model_version_dataset_version_idx;

--
-- Name: benchmark_transactions_default_created_at_idx; Type: INDEX ATTACH; Schema: public
--

ALTER INDEX public.benchmark_transactions_created_at ATTACH PARTITION public.benchmark_transactions_default_created_at_idx;

--
-- Name: benchmark_transactions_default_id_idx; Type: INDEX ATTACH; Schema: public
--

ALTER INDEX public.benchmark_transactions_id ATTACH PARTITION public.benchmark_transactions_default_id_idx;

--
-- Name: benchmark_transactions_default_xact_id_seq_idx; Type: INDEX ATTACH; Schema: public
--

ALTER INDEX public.benchmark_transactions_xact_id ATTACH PARTITION public.benchmark_transactions_default_xact_id_seq_idx;

--
-- Name: accepted_changes accepted_changes_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER accepted_changes_no_truncate BEFORE TRUNCATE ON public.accepted_changes FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.accepted_changes ENABLE ALWAYS TRIGGER accepted_changes_no_truncate;

--
-- Name: accepted_changes accepted_changes_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER accepted_changes_no_update_or_delete BEFORE DELETE OR UPDATE ON public.accepted_changes FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.accepted_changes ENABLE ALWAYS TRIGGER accepted_changes_no_update_or_delete;

--
-- Name: benchmark_transaction_keys benchmark_transaction_keys_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transaction_keys_no_truncate BEFORE TRUNCATE ON public.benchmark_transaction_keys FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transaction_keys ENABLE ALWAYS TRIGGER benchmark_transaction_keys_no_truncate;

--
-- Name: benchmark_transaction_keys benchmark_transaction_keys_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transaction_keys_no_update_or_delete BEFORE DELETE OR UPDATE ON public.benchmark_transaction_keys FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transaction_keys ENABLE ALWAYS TRIGGER benchmark_transaction_keys_no_update_or_delete;

--
-- Name: benchmark_transactions benchmark_transactions_content_key; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_content_key BEFORE INSERT ON public.benchmark_transactions FOR EACH ROW EXECUTE FUNCTION public.check_content_sha256();

ALTER TABLE public.benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_content_key;

--
-- Name: benchmark_transactions_default benchmark_transactions_default_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_default_no_truncate BEFORE TRUNCATE ON public.benchmark_transactions_default FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transactions_default ENABLE ALWAYS TRIGGER benchmark_transactions_default_no_truncate;

--
-- Name: benchmark_transactions_default benchmark_transactions_default_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_default_no_update_or_delete BEFORE DELETE OR UPDATE ON public.benchmark_transactions_default FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transactions_default ENABLE ALWAYS TRIGGER benchmark_transactions_default_no_update_or_delete;

--
-- Name: benchmark_transactions_default benchmark_transactions_default_request_seal; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_default_request_seal AFTER INSERT ON public.benchmark_transactions_default FOR EACH STATEMENT EXECUTE FUNCTION public.request_transaction_log_seal();

--
-- Name: benchmark_transactions benchmark_transactions_mark_trend_days; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_mark_trend_days AFTER INSERT ON public.benchmark_transactions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.mark_trend_days();

--
-- Name: benchmark_transactions benchmark_transactions_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_no_truncate BEFORE TRUNCATE ON public.benchmark_transactions FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_truncate;

--
-- Name: benchmark_transactions benchmark_transactions_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_no_update_or_delete BEFORE DELETE OR UPDATE ON public.benchmark_transactions FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_update_or_delete;

--
-- Name: benchmark_transactions benchmark_transactions_request_seal; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_request_seal AFTER INSERT ON public.benchmark_transactions FOR EACH STATEMENT EXECUTE FUNCTION public.request_transaction_log_seal();

--
-- Name: benchmark_transactions benchmark_transactions_unique_key; Type: TRIGGER; Schema: public
--

CREATE TRIGGER benchmark_transactions_unique_key BEFORE INSERT ON public.benchmark_transactions FOR EACH ROW EXECUTE FUNCTION public.claim_content_key();

ALTER TABLE public.benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_unique_key;

--
-- Name: ingested_files ingested_files_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER ingested_files_no_truncate BEFORE TRUNCATE ON public.ingested_files FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.ingested_files ENABLE ALWAYS TRIGGER ingested_files_no_truncate;

--
-- Name: ingested_files ingested_files_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER ingested_files_no_update_or_delete BEFORE DELETE OR UPDATE ON public.ingested_files FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.ingested_files ENABLE ALWAYS TRIGGER ingested_files_no_update_or_delete;

--
-- Name: log_archived_rows log_archived_rows_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER log_archived_rows_no_truncate BEFORE TRUNCATE ON public.log_archived_rows FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.log_archived_rows ENABLE ALWAYS TRIGGER log_archived_rows_no_truncate;

--
-- Name: log_archived_rows log_archived_rows_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER log_archived_rows_no_update_or_delete BEFORE DELETE OR UPDATE ON public.log_archived_rows FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.log_archived_rows ENABLE ALWAYS TRIGGER log_archived_rows_no_update_or_delete;

--
-- Name: log_archives log_archives_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER log_archives_no_truncate BEFORE TRUNCATE ON public.log_archives FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.log_archives ENABLE ALWAYS TRIGGER log_archives_no_truncate;

--
-- Name: log_archives log_archives_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER log_archives_no_update_or_delete BEFORE DELETE OR UPDATE ON public.log_archives FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.log_archives ENABLE ALWAYS TRIGGER log_archives_no_update_or_delete;

--
-- Name: metric_definitions metric_definitions_audited; Type: TRIGGER; Schema: public
--

CREATE TRIGGER metric_definitions_audited AFTER INSERT OR DELETE OR UPDATE ON public.metric_definitions FOR EACH ROW EXECUTE FUNCTION public.record_settings_change('metric_definition');

ALTER TABLE public.metric_definitions ENABLE ALWAYS TRIGGER metric_definitions_audited;

--
-- Name: metric_overrides metric_overrides_audited; Type: TRIGGER; Schema: public
--

CREATE TRIGGER metric_overrides_audited AFTER INSERT OR DELETE OR UPDATE ON public.metric_overrides FOR EACH ROW EXECUTE FUNCTION public.record_settings_change('metric_override');

ALTER TABLE public.metric_overrides ENABLE ALWAYS TRIGGER metric_overrides_audited;

--
-- Name: regression_alert_events regression_alert_events_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER regression_alert_events_no_truncate BEFORE TRUNCATE ON public.regression_alert_events FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.regression_alert_events ENABLE ALWAYS TRIGGER regression_alert_events_no_truncate;

--
-- Name: regression_alert_events regression_alert_events_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER regression_alert_events_no_update_or_delete BEFORE DELETE OR UPDATE ON public.regression_alert_events FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.regression_alert_events ENABLE ALWAYS TRIGGER regression_alert_events_no_update_or_delete;

--
-- Name: regression_alerts regression_alerts_guard; Type: TRIGGER; Schema: public
--

CREATE TRIGGER regression_alerts_guard BEFORE INSERT OR UPDATE ON public.regression_alerts FOR EACH ROW EXECUTE FUNCTION public.guard_regression_alert();

ALTER TABLE public.regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_guard;

--
-- Name: regression_alerts regression_alerts_guard_transition; Type: TRIGGER; Schema: public
--

CREATE TRIGGER regression_alerts_guard_transition BEFORE UPDATE OF status, acknowledged_by, acknowledged_note, resolved_by, resolved_note ON public.regression_alerts FOR EACH ROW EXECUTE FUNCTION public.guard_regression_alert_transition();

ALTER TABLE public.regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_guard_transition;

--
-- Name: regression_alerts regression_alerts_history; Type: TRIGGER; Schema: public
--

CREATE TRIGGER regression_alerts_history AFTER INSERT OR UPDATE ON public.regression_alerts FOR EACH ROW EXECUTE FUNCTION public.record_regression_alert_event();

ALTER TABLE public.regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_history;

--
-- Name: transaction_log_seal_requests seal_at_commit; Type: TRIGGER; Schema: public
--

CREATE CONSTRAINT TRIGGER seal_at_commit AFTER INSERT ON public.transaction_log_seal_requests DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.seal_transaction_log();

--
-- Name: settings_changes settings_changes_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER settings_changes_no_truncate BEFORE TRUNCATE ON public.settings_changes FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.settings_changes ENABLE ALWAYS TRIGGER settings_changes_no_truncate;

--
-- Name: settings_changes settings_changes_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER settings_changes_no_update_or_delete BEFORE DELETE OR UPDATE ON public.settings_changes FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.settings_changes ENABLE ALWAYS TRIGGER settings_changes_no_update_or_delete;

--
-- Name: snapshot_events snapshot_events_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER snapshot_events_no_truncate BEFORE TRUNCATE ON public.snapshot_events FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.snapshot_events ENABLE ALWAYS TRIGGER snapshot_events_no_truncate;

--
-- Name: snapshot_events snapshot_events_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER snapshot_events_no_update_or_delete BEFORE DELETE OR UPDATE ON public.snapshot_events FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.snapshot_events ENABLE ALWAYS TRIGGER snapshot_events_no_update_or_delete;

--
-- Name: tracked_branches tracked_branches_audited; Type: TRIGGER; Schema: public
--

CREATE TRIGGER tracked_branches_audited AFTER INSERT OR DELETE OR UPDATE ON public.tracked_branches FOR EACH ROW EXECUTE FUNCTION public.record_settings_change('tracked_branch');

ALTER TABLE public.tracked_branches ENABLE ALWAYS TRIGGER tracked_branches_audited;

--
-- Name: transaction_log_chain transaction_log_chain_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER transaction_log_chain_no_truncate BEFORE TRUNCATE ON public.transaction_log_chain FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.transaction_log_chain ENABLE ALWAYS TRIGGER transaction_log_chain_no_truncate;

--
-- Name: transaction_log_chain transaction_log_chain_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER transaction_log_chain_no_update_or_delete BEFORE DELETE OR UPDATE ON public.transaction_log_chain FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.transaction_log_chain ENABLE ALWAYS TRIGGER transaction_log_chain_no_update_or_delete;

--
-- Name: transaction_log_checkpoints transaction_log_checkpoints_no_truncate; Type: TRIGGER; Schema: public
--

CREATE TRIGGER transaction_log_checkpoints_no_truncate BEFORE TRUNCATE ON public.transaction_log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.transaction_log_checkpoints ENABLE ALWAYS TRIGGER transaction_log_checkpoints_no_truncate;

--
-- Name: transaction_log_checkpoints transaction_log_checkpoints_no_update_or_delete; Type: TRIGGER; Schema: public
--

CREATE TRIGGER transaction_log_checkpoints_no_update_or_delete BEFORE DELETE OR UPDATE ON public.transaction_log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_to_rewrite_history();

ALTER TABLE public.transaction_log_checkpoints ENABLE ALWAYS TRIGGER transaction_log_checkpoints_no_update_or_delete;

--
-- Name: accepted_changes accepted_changes_alert_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.accepted_changes
    ADD CONSTRAINT accepted_changes_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.regression_alerts(id);

--
-- Name: accepted_changes accepted_changes_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.accepted_changes
    ADD CONSTRAINT accepted_changes_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.benchmark_transaction_keys(id);

--
-- Name: benchmark_snapshots benchmark_snapshots_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.benchmark_snapshots
    ADD CONSTRAINT benchmark_snapshots_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.benchmark_transaction_keys(id);

--
-- Name: log_archived_rows log_archived_rows_archive_no_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.log_archived_rows
    ADD CONSTRAINT log_archived_rows_archive_no_fkey FOREIGN KEY (archive_no) REFERENCES public.log_archives(archive_no);

--
-- Name: log_archived_rows log_archived_rows_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.log_archived_rows
    ADD CONSTRAINT log_archived_rows_id_fkey FOREIGN KEY (id) REFERENCES public.benchmark_transaction_keys(id);

--
-- Name: regression_alert_events regression_alert_events_alert_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.regression_alert_events
    ADD CONSTRAINT regression_alert_events_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES public.regression_alerts(id);

--
-- Name: rule_watermarks rule_watermarks_rule_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.rule_watermarks
    ADD CONSTRAINT rule_watermarks_rule_fkey FOREIGN KEY (rule) REFERENCES public.rule_evaluations(rule) ON DELETE CASCADE;

--
-- Name: snapshot_events snapshot_events_transaction_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.snapshot_events
    ADD CONSTRAINT snapshot_events_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES public.benchmark_transaction_keys(id);

--
-- Name: accepted_changes; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.accepted_changes ENABLE ROW LEVEL SECURITY;

--
-- Name: benchmark_snapshots; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.benchmark_snapshots ENABLE ROW LEVEL SECURITY;

--
-- Name: benchmark_transaction_keys; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.benchmark_transaction_keys ENABLE ROW LEVEL SECURITY;

--
-- Name: benchmark_transactions; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.benchmark_transactions ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_configuration_counts; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.daily_configuration_counts ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_model_trends; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.daily_model_trends ENABLE ROW LEVEL SECURITY;

--
-- Name: daily_performance_trends; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.daily_performance_trends ENABLE ROW LEVEL SECURITY;

--
-- Name: ingested_files; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.ingested_files ENABLE ROW LEVEL SECURITY;

--
-- Name: log_archived_rows; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.log_archived_rows ENABLE ROW LEVEL SECURITY;

--
-- Name: log_archives; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.log_archives ENABLE ROW LEVEL SECURITY;

--
-- Name: metric_definitions; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.metric_definitions ENABLE ROW LEVEL SECURITY;

--
-- Name: metric_overrides; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.metric_overrides ENABLE ROW LEVEL SECURITY;

--
-- Name: accepted_changes owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.accepted_changes TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: benchmark_snapshots owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.benchmark_snapshots TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: benchmark_transaction_keys owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.benchmark_transaction_keys TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: benchmark_transactions owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.benchmark_transactions TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: daily_configuration_counts owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.daily_configuration_counts TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: daily_model_trends owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.daily_model_trends TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: daily_performance_trends owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.daily_performance_trends TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: ingested_files owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.ingested_files TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: log_archived_rows owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.log_archived_rows TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: log_archives owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.log_archives TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: metric_definitions owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.metric_definitions TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: metric_overrides owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.metric_overrides TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: regression_alert_events owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.regression_alert_events TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: regression_alerts owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.regression_alerts TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: security_settings owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.security_settings TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: settings_changes owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.settings_changes TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: snapshot_events owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.snapshot_events TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: tracked_branches owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.tracked_branches TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: transaction_log_chain owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.transaction_log_chain TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: transaction_log_checkpoints owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.transaction_log_checkpoints TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: trend_dirty_days owner_all; Type: POLICY; Schema: public
--

CREATE POLICY owner_all ON public.trend_dirty_days TO benchmon_owner USING (true) WITH CHECK (true);

--
-- Name: accepted_changes reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.accepted_changes FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: benchmark_snapshots reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.benchmark_snapshots FOR SELECT TO benchmon_reader USING (( SELECT (security_settings.reader_access = 'read'::text)
   FROM public.security_settings));

--
-- Name: benchmark_transaction_keys reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.benchmark_transaction_keys FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: benchmark_transactions reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.benchmark_transactions FOR SELECT TO benchmon_reader USING (( SELECT (security_settings.reader_access = 'read'::text)
   FROM public.security_settings));

--
-- Name: daily_configuration_counts reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.daily_configuration_counts FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: daily_model_trends reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.daily_model_trends FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: daily_performance_trends reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.daily_performance_trends FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: ingested_files reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.ingested_files FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: log_archived_rows reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.log_archived_rows FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: log_archives reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.log_archives FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: metric_definitions reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.metric_definitions FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: metric_overrides reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.metric_overrides FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: regression_alert_events reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.regression_alert_events FOR SELECT TO benchmon_reader USING (( SELECT (security_settings.reader_access = 'read'::text)
   FROM public.security_settings));

--
-- Name: regression_alerts reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.regression_alerts FOR SELECT TO benchmon_reader USING (( SELECT (security_settings.reader_access = 'read'::text)
   FROM public.security_settings));

--
-- Name: security_settings reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.security_settings FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: settings_changes reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.settings_changes FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: snapshot_events reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.snapshot_events FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: tracked_branches reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.tracked_branches FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: transaction_log_chain reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.transaction_log_chain FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: transaction_log_checkpoints reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.transaction_log_checkpoints FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: trend_dirty_days reader_reads; Type: POLICY; Schema: public
--

CREATE POLICY reader_reads ON public.trend_dirty_days FOR SELECT TO benchmon_reader USING (( SELECT public.reader_may_read() AS reader_may_read));

--
-- Name: regression_alert_events; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.regression_alert_events ENABLE ROW LEVEL SECURITY;

--
-- Name: regression_alerts; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.regression_alerts ENABLE ROW LEVEL SECURITY;

--
-- Name: security_settings; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.security_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: settings_changes; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.settings_changes ENABLE ROW LEVEL SECURITY;

--
-- Name: snapshot_events; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.snapshot_events ENABLE ROW LEVEL SECURITY;

--
-- Name: tracked_branches; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.tracked_branches ENABLE ROW LEVEL SECURITY;

--
-- Name: transaction_log_chain; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.transaction_log_chain ENABLE ROW LEVEL SECURITY;

--
-- Name: transaction_log_checkpoints; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.transaction_log_checkpoints ENABLE ROW LEVEL SECURITY;

--
-- Name: trend_dirty_days; Type: ROW SECURITY; Schema: public
--

ALTER TABLE public.trend_dirty_days ENABLE ROW LEVEL SECURITY;

--
-- Name: benchmark_transaction_keys writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.benchmark_transaction_keys TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: daily_configuration_counts writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.daily_configuration_counts TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: daily_model_trends writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.daily_model_trends TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: daily_performance_trends writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.daily_performance_trends TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: ingested_files writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.ingested_files TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: log_archived_rows writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.log_archived_rows TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: log_archives writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.log_archives TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: metric_definitions writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.metric_definitions TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: metric_overrides writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.metric_overrides TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: security_settings writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.security_settings TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: snapshot_events writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.snapshot_events TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: tracked_branches writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.tracked_branches TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: transaction_log_chain writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.transaction_log_chain TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: transaction_log_checkpoints writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.transaction_log_checkpoints TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: trend_dirty_days writer_all; Type: POLICY; Schema: public
--

CREATE POLICY writer_all ON public.trend_dirty_days TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: benchmark_transactions writer_appends; Type: POLICY; Schema: public
--

CREATE POLICY writer_appends ON public.benchmark_transactions FOR INSERT TO benchmon_writer WITH CHECK (true);

--
-- Name: regression_alerts writer_opens; Type: POLICY; Schema: public
--

CREATE POLICY writer_opens ON public.regression_alerts FOR INSERT TO benchmon_writer WITH CHECK (true);

--
-- Name: accepted_changes writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.accepted_changes FOR SELECT TO benchmon_writer USING (true);

--
-- Name: benchmark_snapshots writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.benchmark_snapshots FOR SELECT TO benchmon_writer USING (true);

--
-- Name: benchmark_transactions writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.benchmark_transactions FOR SELECT TO benchmon_writer USING (true);

--
-- Name: regression_alert_events writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.regression_alert_events FOR SELECT TO benchmon_writer USING (true);

--
-- Name: regression_alerts writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.regression_alerts FOR SELECT TO benchmon_writer USING (true);

--
-- Name: settings_changes writer_reads; Type: POLICY; Schema: public
--

CREATE POLICY writer_reads ON public.settings_changes FOR SELECT TO benchmon_writer USING (true);

--
-- Name: regression_alerts writer_updates; Type: POLICY; Schema: public
--

CREATE POLICY writer_updates ON public.regression_alerts FOR UPDATE TO benchmon_writer USING (true) WITH CHECK (true);

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

GRANT USAGE ON SCHEMA public TO benchmon_writer;
GRANT USAGE ON SCHEMA public TO benchmon_reader;
GRANT USAGE ON SCHEMA public TO benchmon_owner;

--
-- Name: FUNCTION lo_creat(integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.lo_creat(integer) FROM PUBLIC;

--
-- Name: FUNCTION lo_create(oid); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.lo_create(oid) FROM PUBLIC;

--
-- Name: FUNCTION lo_from_bytea(oid, bytea); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;

--
-- Name: FUNCTION pg_advisory_lock(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_lock(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_lock(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_lock(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_lock_shared(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_lock_shared(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_lock_shared(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_xact_lock(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_xact_lock(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_xact_lock_shared(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_advisory_xact_lock_shared(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_advisory_xact_lock_shared(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_lock(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_lock(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_lock_shared(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_lock_shared(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_lock_shared(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_xact_lock(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_xact_lock(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_xact_lock_shared(bigint); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(bigint) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(bigint) TO benchmon_writer;

--
-- Name: FUNCTION pg_try_advisory_xact_lock_shared(integer, integer); Type: ACL; Schema: pg_catalog
--

REVOKE ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(integer, integer) FROM PUBLIC;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(integer, integer) TO benchmon_owner;
GRANT ALL ON FUNCTION pg_catalog.pg_try_advisory_xact_lock_shared(integer, integer) TO benchmon_writer;

--
-- Name: FUNCTION accept_regression_alert(alert_id bigint, actor text, reason text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.accept_regression_alert(alert_id bigint, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.accept_regression_alert(alert_id bigint, actor text, reason text) TO benchmon_writer;

--
-- Name: FUNCTION archive_log_partition(part text, location text, file_sha256 text, exported_rows bigint); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.archive_log_partition(part text, location text, file_sha256 text, exported_rows bigint) FROM PUBLIC;

--
-- Name: FUNCTION benchmon_schema_versions(); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.benchmon_schema_versions() FROM PUBLIC;
GRANT ALL ON FUNCTION public.benchmon_schema_versions() TO benchmon_writer;
GRANT ALL ON FUNCTION public.benchmon_schema_versions() TO benchmon_reader;

--
-- Name: FUNCTION checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) TO benchmon_writer;

--
-- Name: FUNCTION claim_content_key(); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.claim_content_key() FROM PUBLIC;

--
-- Name: FUNCTION clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text, reason text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text, reason text) TO benchmon_writer;

--
-- Name: FUNCTION daily_trend_rows(first_day date, last_day date); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.daily_trend_rows(first_day date, last_day date) FROM PUBLIC;
GRANT ALL ON FUNCTION public.daily_trend_rows(first_day date, last_day date) TO benchmon_owner;

--
-- Name: FUNCTION fold_transactions(own_rows_only boolean, actor text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.fold_transactions(own_rows_only boolean, actor text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.fold_transactions(own_rows_only boolean, actor text) TO benchmon_writer;

--
-- Name: TABLE benchmark_snapshots; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.benchmark_snapshots TO benchmon_writer;
GRANT SELECT ON TABLE public.benchmark_snapshots TO benchmon_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.benchmark_snapshots TO benchmon_owner;

--
-- Name: FUNCTION locked_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.locked_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.locked_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer) TO benchmon_owner;

--
-- Name: FUNCTION protect_log_partition(part regclass); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.protect_log_partition(part regclass) FROM PUBLIC;

--
-- Name: FUNCTION record_snapshot_event(event_type text, target public.benchmark_snapshots, actor text, reason text); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.record_snapshot_event(event_type text, target public.benchmark_snapshots, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_snapshot_event(event_type text, target public.benchmark_snapshots, actor text, reason text) TO benchmon_owner;

--
-- Name: FUNCTION refresh_daily_trends(first_day date, last_day date); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.refresh_daily_trends(first_day date, last_day date) FROM PUBLIC;
GRANT ALL ON FUNCTION public.refresh_daily_trends(first_day date, last_day date) TO benchmon_writer;

--
-- Name: FUNCTION refresh_model_trends(first_day date, last_day date); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.refresh_model_trends(first_day date, last_day date) FROM PUBLIC;
GRANT ALL ON FUNCTION public.refresh_model_trends(first_day date, last_day date) TO benchmon_owner;

--
-- Name: TABLE regression_alerts; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.regression_alerts TO benchmon_writer;
GRANT SELECT ON TABLE public.regression_alerts TO benchmon_reader;
GRANT SELECT ON TABLE public.regression_alerts TO benchmon_owner;

--
-- Name: COLUMN regression_alerts.rule; Type: ACL; Schema: public
--

GRANT INSERT(rule) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.model_version; Type: ACL; Schema: public
--

GRANT INSERT(model_version) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.dataset_version; Type: ACL; Schema: public
--

GRANT INSERT(dataset_version) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.prompt_version; Type: ACL; Schema: public
--

GRANT INSERT(prompt_version) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.environment; Type: ACL; Schema: public
--

GRANT INSERT(environment) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.metric; Type: ACL; Schema: public
--

GRANT INSERT(metric) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.severity; Type: ACL; Schema: public
--

GRANT INSERT(severity),UPDATE(severity) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.status; Type: ACL; Schema: public
--

GRANT UPDATE(status) ON TABLE public.regression_alerts TO benchmon_writer;
GRANT UPDATE(status) ON TABLE public.regression_alerts TO benchmon_owner;

--
-- Name: COLUMN regression_alerts.reason; Type: ACL; Schema: public
--

GRANT INSERT(reason),UPDATE(reason) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.direction; Type: ACL; Schema: public
--

GRANT INSERT(direction),UPDATE(direction) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.current; Type: ACL; Schema: public
--

GRANT INSERT(current),UPDATE(current) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.reference; Type: ACL; Schema: public
--

GRANT INSERT(reference),UPDATE(reference) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.delta; Type: ACL; Schema: public
--

GRANT INSERT(delta),UPDATE(delta) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.percent; Type: ACL; Schema: public
--

GRANT INSERT(percent),UPDATE(percent) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.commit_sha; Type: ACL; Schema: public
--

GRANT INSERT(commit_sha),UPDATE(commit_sha) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.branch_name; Type: ACL; Schema: public
--

GRANT INSERT(branch_name),UPDATE(branch_name) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.run_length; Type: ACL; Schema: public
--

GRANT INSERT(run_length),UPDATE(run_length) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.last_seen_at; Type: ACL; Schema: public
--

GRANT UPDATE(last_seen_at) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.times_seen; Type: ACL; Schema: public
--

GRANT UPDATE(times_seen) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.acknowledged_by; Type: ACL; Schema: public
--

GRANT UPDATE(acknowledged_by) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.acknowledged_note; Type: ACL; Schema: public
--

GRANT UPDATE(acknowledged_note) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: COLUMN regression_alerts.resolved_by; Type: ACL; Schema: public
--

GRANT UPDATE(resolved_by) ON TABLE public.regression_alerts TO benchmon_writer;
GRANT UPDATE(resolved_by) ON TABLE public.regression_alerts TO benchmon_owner;

--
-- Name: COLUMN regression_alerts.resolved_note; Type: ACL; Schema: public
--

GRANT UPDATE(resolved_note) ON TABLE public.regression_alerts TO benchmon_writer;
GRANT UPDATE(resolved_note) ON TABLE public.regression_alerts TO benchmon_owner;

--
-- Name: COLUMN regression_alerts.notified_at; Type: ACL; Schema: public
--

GRANT UPDATE(notified_at) ON TABLE public.regression_alerts TO benchmon_writer;

--
-- Name: FUNCTION request_transaction_log_seal(); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.request_transaction_log_seal() FROM PUBLIC;

--
-- Name: FUNCTION restore_snapshots(); Type: ACL; Schema: public
--

REVOKE ALL ON FUNCTION public.restore_snapshots() FROM PUBLIC;

--
-- Name: FUNCTION seal_transaction_log(); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.seal_transaction_log() FROM PUBLIC;

--
-- Name: FUNCTION set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text, reason text) TO benchmon_writer;

--
-- Name: TABLE metric_definitions; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.metric_definitions TO benchmon_writer;
GRANT SELECT ON TABLE public.metric_definitions TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.metric_definitions TO benchmon_owner;

--
-- Name: FUNCTION set_metric_definition(metric text, direction text, abs_threshold numeric, rel_threshold numeric, unit text, description text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.set_metric_definition(metric text, direction text, abs_threshold numeric, rel_threshold numeric, unit text, description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_metric_definition(metric text, direction text, abs_threshold numeric, rel_threshold numeric, unit text, description text) TO benchmon_writer;

--
-- Name: TABLE metric_overrides; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.metric_overrides TO benchmon_writer;
GRANT SELECT ON TABLE public.metric_overrides TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.metric_overrides TO benchmon_owner;

--
-- Name: FUNCTION set_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text, direction text, abs_threshold numeric, rel_threshold numeric); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.set_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text, direction text, abs_threshold numeric, rel_threshold numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text, direction text, abs_threshold numeric, rel_threshold numeric) TO benchmon_writer;

--
-- Name: FUNCTION set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text, reason text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text, reason text) TO benchmon_writer;

--
-- Name: FUNCTION track_branch(model_version text, dataset_version text, prompt_version text, environment text, branch_name text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.track_branch(model_version text, dataset_version text, prompt_version text, environment text, branch_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.track_branch(model_version text, dataset_version text, prompt_version text, environment text, branch_name text) TO benchmon_writer;

--
-- Name: TABLE benchmark_transactions; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.benchmark_transactions TO benchmon_writer;
GRANT SELECT ON TABLE public.benchmark_transactions TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.benchmark_transactions TO benchmon_owner;

--
-- Name: COLUMN benchmark_transactions.id; Type: ACL; Schema: public
--

GRANT INSERT(id) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.created_at; Type: ACL; Schema: public
--

GRANT INSERT(created_at) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.commit_sha; Type: ACL; Schema: public
--

GRANT INSERT(commit_sha) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.branch_name; Type: ACL; Schema: public
--

GRANT INSERT(branch_name) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.model_version; Type: ACL; Schema: public
--

GRANT INSERT(model_version) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.model_provider; Type: ACL; Schema: public
--

GRANT INSERT(model_provider) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.dataset_version; Type: ACL; Schema: public
--

GRANT INSERT(dataset_version) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.prompt_version; Type: ACL; Schema: public
--

GRANT INSERT(prompt_version) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.environment; Type: ACL; Schema: public
--

GRANT INSERT(environment) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.metrics; Type: ACL; Schema: public
--

GRANT INSERT(metrics) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.duration_seconds; Type: ACL; Schema: public
--

GRANT INSERT(duration_seconds) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.tags; Type: ACL; Schema: public
--

GRANT INSERT(tags) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.notes; Type: ACL; Schema: public
--

GRANT INSERT(notes) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.run_id; Type: ACL; Schema: public
--

GRANT INSERT(run_id) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.triggered_by; Type: ACL; Schema: public
--

GRANT INSERT(triggered_by) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.content_sha256; Type: ACL; Schema: public
--

GRANT INSERT(content_sha256) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.source; Type: ACL; Schema: public
--

GRANT INSERT(source) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.metric_directions; Type: ACL; Schema: public
--

GRANT INSERT(metric_directions) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: COLUMN benchmark_transactions.content_json; Type: ACL; Schema: public
--

GRANT INSERT(content_json) ON TABLE public.benchmark_transactions TO benchmon_writer;

--
-- Name: FUNCTION unset_metric_definition(metric text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.unset_metric_definition(metric text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.unset_metric_definition(metric text) TO benchmon_writer;

--
-- Name: FUNCTION unset_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.unset_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.unset_metric_override(model_version text, dataset_version text, prompt_version text, environment text, metric text) TO benchmon_writer;

--
-- Name: FUNCTION untrack_branch(model_version text, dataset_version text, prompt_version text, environment text); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.untrack_branch(model_version text, dataset_version text, prompt_version text, environment text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.untrack_branch(model_version text, dataset_version text, prompt_version text, environment text) TO benchmon_writer;

--
-- Name: FUNCTION upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone, commit_sha text, branch_name text, model_provider text, duration_seconds numeric, tags text[], notes text, run_id text, triggered_by text, source text, metric_directions jsonb); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone, commit_sha text, branch_name text, model_provider text, duration_seconds numeric, tags text[], notes text, run_id text, triggered_by text, source text, metric_directions jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.upsert_benchmark_result(model_version text, dataset_version text, prompt_version text, environment text, metrics jsonb, created_at timestamp with time zone, commit_sha text, branch_name text, model_provider text, duration_seconds numeric, tags text[], notes text, run_id text, triggered_by text, source text, metric_directions jsonb) TO benchmon_writer;

--
-- Name: FUNCTION verify_transaction_log_checkpointed(full_check boolean); Type: ACL; Schema: public; Owner: benchmon_owner
--

REVOKE ALL ON FUNCTION public.verify_transaction_log_checkpointed(full_check boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.verify_transaction_log_checkpointed(full_check boolean) TO benchmon_writer;
GRANT ALL ON FUNCTION public.verify_transaction_log_checkpointed(full_check boolean) TO benchmon_reader;

--
-- Name: TABLE accepted_changes; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.accepted_changes TO benchmon_writer;
GRANT SELECT ON TABLE public.accepted_changes TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.accepted_changes TO benchmon_owner;

--
-- Name: TABLE benchmark_transaction_keys; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.benchmark_transaction_keys TO benchmon_writer;
GRANT SELECT ON TABLE public.benchmark_transaction_keys TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.benchmark_transaction_keys TO benchmon_owner;

--
-- Name: TABLE daily_configuration_counts; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.daily_configuration_counts TO benchmon_writer;
GRANT SELECT ON TABLE public.daily_configuration_counts TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.daily_configuration_counts TO benchmon_owner;

--
-- Name: TABLE daily_model_trends; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.daily_model_trends TO benchmon_writer;
GRANT SELECT ON TABLE public.daily_model_trends TO benchmon_reader;
GRANT SELECT,INSERT,DELETE ON TABLE public.daily_model_trends TO benchmon_owner;

--
-- Name: TABLE daily_performance_trends; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.daily_performance_trends TO benchmon_writer;
GRANT SELECT ON TABLE public.daily_performance_trends TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.daily_performance_trends TO benchmon_owner;

--
-- Name: TABLE fold_applied; Type: ACL; Schema: public
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.fold_applied TO benchmon_owner;

--
-- Name: TABLE fold_state; Type: ACL; Schema: public
--

GRANT SELECT,UPDATE ON TABLE public.fold_state TO benchmon_owner;

--
-- Name: TABLE history_restarts; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.history_restarts TO benchmon_writer;
GRANT SELECT ON TABLE public.history_restarts TO benchmon_reader;

--
-- Name: TABLE ingested_files; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.ingested_files TO benchmon_writer;
GRANT SELECT ON TABLE public.ingested_files TO benchmon_reader;

--
-- Name: COLUMN ingested_files.inbox; Type: ACL; Schema: public
--

GRANT INSERT(inbox) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.uri; Type: ACL; Schema: public
--

GRANT INSERT(uri) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.file_sha256; Type: ACL; Schema: public
--

GRANT INSERT(file_sha256) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.size_bytes; Type: ACL; Schema: public
--

GRANT INSERT(size_bytes) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.format; Type: ACL; Schema: public
--

GRANT INSERT(format) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.status; Type: ACL; Schema: public
--

GRANT INSERT(status) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.error_code; Type: ACL; Schema: public
--

GRANT INSERT(error_code) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.error_message; Type: ACL; Schema: public
--

GRANT INSERT(error_message) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.json_path; Type: ACL; Schema: public
--

GRANT INSERT(json_path) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.warnings; Type: ACL; Schema: public
--

GRANT INSERT(warnings) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.results_total; Type: ACL; Schema: public
--

GRANT INSERT(results_total) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.results_new; Type: ACL; Schema: public
--

GRANT INSERT(results_new) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.transaction_ids; Type: ACL; Schema: public
--

GRANT INSERT(transaction_ids) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: COLUMN ingested_files.dagster_run_id; Type: ACL; Schema: public
--

GRANT INSERT(dagster_run_id) ON TABLE public.ingested_files TO benchmon_writer;

--
-- Name: TABLE log_archived_rows; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.log_archived_rows TO benchmon_writer;
GRANT SELECT ON TABLE public.log_archived_rows TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.log_archived_rows TO benchmon_owner;

--
-- Name: TABLE log_archives; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.log_archives TO benchmon_writer;
GRANT SELECT ON TABLE public.log_archives TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.log_archives TO benchmon_owner;

--
-- Name: TABLE regression_alert_events; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.regression_alert_events TO benchmon_writer;
GRANT SELECT ON TABLE public.regression_alert_events TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.regression_alert_events TO benchmon_owner;

--
-- Name: TABLE rule_evaluations; Type: ACL; Schema: public
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_evaluations TO benchmon_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_evaluations TO benchmon_owner;
GRANT SELECT ON TABLE public.rule_evaluations TO benchmon_reader;

--
-- Name: TABLE rule_watermarks; Type: ACL; Schema: public
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_watermarks TO benchmon_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_watermarks TO benchmon_owner;
GRANT SELECT ON TABLE public.rule_watermarks TO benchmon_reader;

--
-- Name: TABLE security_settings; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.security_settings TO benchmon_writer;
GRANT SELECT ON TABLE public.security_settings TO benchmon_reader;
GRANT SELECT ON TABLE public.security_settings TO benchmon_owner;

--
-- Name: TABLE settings_changes; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.settings_changes TO benchmon_writer;
GRANT SELECT ON TABLE public.settings_changes TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.settings_changes TO benchmon_owner;

--
-- Name: TABLE snapshot_events; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.snapshot_events TO benchmon_writer;
GRANT SELECT ON TABLE public.snapshot_events TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.snapshot_events TO benchmon_owner;

--
-- Name: TABLE tracked_branches; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.tracked_branches TO benchmon_writer;
GRANT SELECT ON TABLE public.tracked_branches TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.tracked_branches TO benchmon_owner;

--
-- Name: TABLE transaction_log_chain; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.transaction_log_chain TO benchmon_writer;
GRANT SELECT ON TABLE public.transaction_log_chain TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.transaction_log_chain TO benchmon_owner;

--
-- Name: TABLE transaction_log_checkpoints; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.transaction_log_checkpoints TO benchmon_writer;
GRANT SELECT ON TABLE public.transaction_log_checkpoints TO benchmon_reader;
GRANT SELECT,INSERT ON TABLE public.transaction_log_checkpoints TO benchmon_owner;

--
-- Name: TABLE transaction_log_seal_requests; Type: ACL; Schema: public
--

GRANT SELECT,INSERT,DELETE ON TABLE public.transaction_log_seal_requests TO benchmon_owner;

--
-- Name: TABLE trend_dirty_days; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.trend_dirty_days TO benchmon_writer;
GRANT SELECT ON TABLE public.trend_dirty_days TO benchmon_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.trend_dirty_days TO benchmon_owner;

--
-- Name: TABLE v_latest_benchmarks; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.v_latest_benchmarks TO benchmon_writer;
GRANT SELECT ON TABLE public.v_latest_benchmarks TO benchmon_reader;

--
-- Name: TABLE v_performance_trends; Type: ACL; Schema: public
--

GRANT SELECT ON TABLE public.v_performance_trends TO benchmon_writer;
GRANT SELECT ON TABLE public.v_performance_trends TO benchmon_reader;

--
-- PostgreSQL database dump complete
--

-- The rows the migrations seed
--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: fold_state; Type: TABLE DATA; Schema: public
--

INSERT INTO public.fold_state VALUES (true, '0');

--
-- Data for Name: metric_definitions; Type: TABLE DATA; Schema: public
--

INSERT INTO public.metric_definitions VALUES ('f1', 'higher', NULL, 0.05, 0.05, 'F1 score (0..1)');
INSERT INTO public.metric_definitions VALUES ('f1_score', 'higher', NULL, 0.05, 0.05, 'F1 score (0..1)');
INSERT INTO public.metric_definitions VALUES ('precision', 'higher', NULL, 0.05, 0.05, 'precision (0..1)');
INSERT INTO public.metric_definitions VALUES ('recall', 'higher', NULL, 0.05, 0.05, 'recall (0..1)');
INSERT INTO public.metric_definitions VALUES ('accuracy', 'higher', NULL, 0.05, 0.05, 'accuracy (0..1)');

--
-- Data for Name: security_settings; Type: TABLE DATA; Schema: public
--

INSERT INTO public.security_settings VALUES (true, 'read');

--
-- PostgreSQL database dump complete
--
