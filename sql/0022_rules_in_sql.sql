-- Rules defined once, in SQL, and asked for by Python (regressions/reading.py,
-- cli/regressions.py) instead of copied into it:
--
--   default_tracked_branch()  the branch whose results make snapshot versions when
--                             tracked_branches names none ('main'); the fold uses it.
--   tracked_branch(m, d, p, e)  a configuration's tracked branch.
--   default_rel_threshold()   the relative threshold of a metric nobody configured (5 %).
--   metric_thresholds(metric, m, d, p, e)  a metric's absolute and relative thresholds for
--                             a configuration: its override, else its definition, else
--                             (no absolute threshold, the default relative one).
--
-- fold_transactions() and detect_metric_regressions() are re-created to use them; their
-- bodies are otherwise unchanged (sql/schema.sql shows every function as it is now).

CREATE FUNCTION public.default_tracked_branch() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'main'::text $$;

CREATE FUNCTION public.tracked_branch(model_version text, dataset_version text,
                                      prompt_version text, environment text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT b.branch_name FROM public.tracked_branches b
          WHERE (b.model_version, b.dataset_version, b.prompt_version, b.environment)
              = (tracked_branch.model_version, tracked_branch.dataset_version,
                 tracked_branch.prompt_version, tracked_branch.environment)),
        public.default_tracked_branch())
$$;

CREATE FUNCTION public.default_rel_threshold() RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 0.05::numeric $$;

CREATE FUNCTION public.metric_thresholds(
    metric text, model_version text, dataset_version text, prompt_version text,
    environment text, OUT abs_threshold numeric, OUT rel_threshold numeric)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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

CREATE OR REPLACE FUNCTION public.detect_metric_regressions(model_version text DEFAULT NULL::text) RETURNS TABLE(model_version text, dataset_version text, prompt_version text, environment text, current_version integer, baseline_version integer, metric text, direction text, baseline_value numeric, current_value numeric, worsening numeric, abs_threshold numeric, rel_threshold numeric, is_regression boolean)
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

CREATE OR REPLACE FUNCTION public.fold_transactions(own_rows_only boolean DEFAULT false, actor text DEFAULT NULL::text) RETURNS TABLE(snapshot_id uuid, model_version text, dataset_version text, prompt_version text, environment text, snapshot_version integer, transaction_id uuid, run_count integer)
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
END $$;
