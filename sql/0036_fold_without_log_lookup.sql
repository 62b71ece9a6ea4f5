-- A cheaper fold at scale (issue 20): fold_transactions() no longer looks the newest row
-- up again in the log to copy its metrics into the new snapshot version.
--
-- Step 2 reads every row it folds already, grouped per configuration and ordered newest
-- first; it now keeps the newest row's metrics beside its id (fold_item.newest_metrics),
-- and step 5 takes them from there. Before, step 5 joined the log on id for each
-- configuration: the log is partitioned by month and `id` is no partition key, so each
-- look-up probed the id index of every partition (16 for 13 months, growing by one a
-- month) — about 40 % of the fold of a day's 5,000 results on a 1,000,000-row log
-- (benchmarks/bench_scale.py). Same rows, same versions, same events: only the read moved.

ALTER TYPE fold_item ADD ATTRIBUTE newest_metrics jsonb;

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

