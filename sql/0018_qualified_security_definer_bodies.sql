-- SECURITY DEFINER function bodies name their tables and functions as public.x (defect 1,
-- defence in depth).
--
-- 0015 put pg_temp last on every SECURITY DEFINER function's search path, which alone
-- stops a temporary relation from standing in for a table (the escalation test proves
-- it). These are the same bodies with every table they read or write, and every function
-- of ours they call, written public.x, so that no later change of the search path (a
-- schema added before public, a SET search_path = pg_temp, … by mistake) can make them
-- resolve a name elsewhere. Generated from pg_get_functiondef() of the functions as 0017
-- left them; nothing but the qualification changes (same signatures, settings, owner
-- and grants: CREATE OR REPLACE keeps them).

-- request_transaction_log_seal()
CREATE OR REPLACE FUNCTION public.request_transaction_log_seal()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    INSERT INTO public.transaction_log_seal_requests VALUES (pg_current_xact_id())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $function$
;

-- seal_transaction_log()
CREATE OR REPLACE FUNCTION public.seal_transaction_log()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- fold_transactions(boolean,text)
CREATE OR REPLACE FUNCTION public.fold_transactions(own_rows_only boolean DEFAULT false, actor text DEFAULT NULL::text)
 RETURNS TABLE(snapshot_id uuid, model_version text, dataset_version text, prompt_version text, environment text, snapshot_version integer, transaction_id uuid, run_count integer)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
                         g.n, g.newest_id, g.first_seen_at)::fold_item
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
                   min(t.created_at) AS first_seen_at
              FROM public.benchmark_transactions t
              LEFT JOIN public.tracked_branches b
                     ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
                      = (t.model_version, t.dataset_version, t.prompt_version, t.environment)
             WHERE (t.xact_id = ANY (claimed)
                    OR (t.xact_id = own AND t.seq > coalesce(own_through, 0)))
               AND (t.branch_name IS NULL OR t.branch_name = coalesce(b.branch_name, 'main'))
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
               n.environment, n.newest_id, t.metrics, true, false, true, n.run_count,
               n.first_seen_at, now()
          FROM next n JOIN public.benchmark_transactions t ON t.id = n.newest_id
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
END $function$
;

-- upsert_benchmark_result(text,text,text,text,jsonb,timestamp with time zone,text,text,text,numeric,text[],text,text,text,text,jsonb)
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
BEGIN
    INSERT INTO public.benchmark_transactions AS t
        (created_at, commit_sha, branch_name, model_version, model_provider,
         dataset_version, prompt_version, environment, metrics, duration_seconds, tags,
         notes, run_id, triggered_by, content_sha256, source, metric_directions)
    VALUES (coalesce(created_at, now()), commit_sha, branch_name, model_version,
            model_provider, dataset_version, prompt_version, environment, metrics,
            duration_seconds, coalesce(tags, '{}'), notes, run_id, triggered_by, content_key,
            source, coalesce(metric_directions, '{}'))
    ON CONFLICT (content_sha256) DO NOTHING
    RETURNING t.id INTO new_id;
    IF new_id IS NULL THEN  -- stored before: idempotent
        SELECT t.id INTO new_id FROM public.benchmark_transactions t WHERE t.content_sha256 = content_key;
        RETURN new_id;
    END IF;
    PERFORM public.fold_transactions(own_rows_only => true, actor => triggered_by);
    RETURN new_id;
END $function$
;

-- checkout_snapshot(text,text,text,text,integer,text,text)
CREATE OR REPLACE FUNCTION public.checkout_snapshot(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- set_baseline(text,text,text,text,integer,text,text)
CREATE OR REPLACE FUNCTION public.set_baseline(model_version text, dataset_version text, prompt_version text, environment text, version integer, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- clear_baseline(text,text,text,text,text,text)
CREATE OR REPLACE FUNCTION public.clear_baseline(model_version text, dataset_version text, prompt_version text, environment text, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- set_snapshot_active(text,text,text,text,integer,boolean,text,text)
CREATE OR REPLACE FUNCTION public.set_snapshot_active(model_version text, dataset_version text, prompt_version text, environment text, version integer, active boolean, actor text DEFAULT NULL::text, reason text DEFAULT NULL::text)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- mark_trend_days()
CREATE OR REPLACE FUNCTION public.mark_trend_days()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    INSERT INTO public.trend_dirty_days (day)
    SELECT DISTINCT (n.created_at AT TIME ZONE 'UTC')::date FROM new_rows n;
    RETURN NULL;
END $function$
;

-- refresh_daily_trends(date,date)
CREATE OR REPLACE FUNCTION public.refresh_daily_trends(first_day date, last_day date)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
 SET work_mem TO '64MB'
 SET enable_sort TO 'off'
AS $function$
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
            coalesce(r.stated_direction, ''));
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO public.daily_configuration_counts
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         result_count, mean_duration_seconds)
    SELECT DISTINCT day, model_version, dataset_version, prompt_version, environment,
           branch_name, result_count, mean_duration_seconds
      FROM pg_temp.daily_trend_refresh;

    DROP TABLE pg_temp.daily_trend_refresh;
    DELETE FROM public.trend_dirty_days WHERE marker_id = ANY (seen);
    RETURN written;
END $function$
;

-- record_regression_alert_event()
CREATE OR REPLACE FUNCTION public.record_regression_alert_event()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
END $function$
;

-- reader_may_read()
CREATE OR REPLACE FUNCTION public.reader_may_read()
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT coalesce((SELECT s.reader_access = 'read' FROM public.security_settings s), false)
$function$
;
