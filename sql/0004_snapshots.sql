-- Snapshots: numbered versions per configuration, derived from the log by ONE fold
-- routine, with every change of state recorded in the append-only snapshot_events.
-- Configuration = (model_version, dataset_version, prompt_version, environment).

CREATE TABLE benchmark_snapshots (
    id               uuid PRIMARY KEY,
    snapshot_version integer NOT NULL CHECK (snapshot_version > 0),
    created_at       timestamptz NOT NULL,  -- when the fold created this version
    model_version    text NOT NULL,
    dataset_version  text NOT NULL,
    prompt_version   text NOT NULL,
    environment      text NOT NULL,
    transaction_id   uuid NOT NULL REFERENCES benchmark_transactions (id),
    metrics          jsonb NOT NULL,
    -- Denormalized for leaderboards and the F1 functions; generated, so they
    -- can never disagree with `metrics`.
    f1_score         numeric GENERATED ALWAYS AS
                         ((coalesce(metrics -> 'f1_score', metrics -> 'f1'))::numeric) STORED,
    precision        numeric GENERATED ALWAYS AS ((metrics -> 'precision')::numeric) STORED,
    recall           numeric GENERATED ALWAYS AS ((metrics -> 'recall')::numeric) STORED,
    latency_ms       numeric GENERATED ALWAYS AS ((metrics -> 'latency_ms')::numeric) STORED,
    is_current       boolean NOT NULL,
    is_baseline      boolean NOT NULL DEFAULT false,
    is_active        boolean NOT NULL DEFAULT true,
    -- How many tracked results this version stands for: the results of the configuration
    -- that one fold applied together (1 for upsert_benchmark_result). The version shows
    -- the newest of them (created_at, then seq); all of them stay in the log.
    run_count        integer NOT NULL CHECK (run_count > 0),
    first_seen_at    timestamptz NOT NULL,  -- created_at of the oldest of those results
    last_updated_at  timestamptz NOT NULL,  -- the last snapshot event that touched this row
    CONSTRAINT one_number_per_version
        UNIQUE (model_version, dataset_version, prompt_version, environment, snapshot_version),
    CONSTRAINT current_version_is_active CHECK (is_active OR NOT is_current),
    CONSTRAINT baseline_is_active CHECK (is_active OR NOT is_baseline)
);

COMMENT ON TABLE benchmark_snapshots IS
    'Versions per configuration, derived from benchmark_transactions + snapshot_events.';

-- Exactly one current version per configuration (the functions always leave one; this
-- index makes a second one impossible) and at most one baseline.
CREATE UNIQUE INDEX benchmark_snapshots_one_current
    ON benchmark_snapshots (model_version, dataset_version, prompt_version, environment)
    WHERE is_current;
CREATE UNIQUE INDEX benchmark_snapshots_one_baseline
    ON benchmark_snapshots (model_version, dataset_version, prompt_version, environment)
    WHERE is_baseline;
CREATE INDEX benchmark_snapshots_f1_leaderboard
    ON benchmark_snapshots (f1_score DESC NULLS LAST) WHERE is_current;
CREATE INDEX benchmark_snapshots_transaction ON benchmark_snapshots (transaction_id);
-- Configuration lookup and version history use the UNIQUE constraint's index.


-- Every change of snapshot state, in order. Replaying it over the log rebuilds
-- benchmark_snapshots exactly (rebuild_snapshots()).
CREATE TABLE snapshot_events (
    event_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    event_type       text NOT NULL CHECK (event_type IN (
                         'new_version', 'checkout', 'baseline_set', 'baseline_cleared',
                         'activated', 'deactivated')),
    model_version    text NOT NULL,
    dataset_version  text NOT NULL,
    prompt_version   text NOT NULL,
    environment      text NOT NULL,
    snapshot_version integer NOT NULL,  -- the version the event is about
    snapshot_id      uuid NOT NULL,
    -- new_version only: what the fold decided.
    transaction_id   uuid REFERENCES benchmark_transactions (id),
    run_count        integer,
    first_seen_at    timestamptz,
    actor            text NOT NULL,
    reason           text,
    CONSTRAINT new_version_says_what_was_folded CHECK (
        (event_type = 'new_version')
        = (transaction_id IS NOT NULL AND run_count IS NOT NULL AND first_seen_at IS NOT NULL))
);
CREATE INDEX snapshot_events_configuration
    ON snapshot_events (model_version, dataset_version, prompt_version, environment, event_id);

CREATE TRIGGER snapshot_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON snapshot_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER snapshot_events_no_truncate
    BEFORE TRUNCATE ON snapshot_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE snapshot_events ENABLE ALWAYS TRIGGER snapshot_events_no_update_or_delete;
ALTER TABLE snapshot_events ENABLE ALWAYS TRIGGER snapshot_events_no_truncate;


-- Which branch's results create versions (docs/versioning.md): `main` unless a row here says
-- otherwise; results without a branch always count. Read when a result is folded.
CREATE TABLE tracked_branches (
    model_version   text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version  text NOT NULL,
    environment     text NOT NULL,
    branch_name     text NOT NULL,
    PRIMARY KEY (model_version, dataset_version, prompt_version, environment)
);


-- Fold bookkeeping ---------------------------------------------------------------------
-- A log row is applied exactly once because its whole transaction is claimed once: the
-- fold inserts the transaction's xact_id here (ON CONFLICT DO NOTHING waits for a
-- concurrent claimer and then skips). Only committed rows are visible, so a lower seq
-- that commits after a higher one is simply claimed by a later fold. The low-water mark
-- keeps the search short: every transaction below it has ended and is claimed.
CREATE TABLE fold_applied (
    xact_id     xid8 PRIMARY KEY,
    through_seq bigint NOT NULL,  -- for the folding transaction itself: rows up to here
    folded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fold_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    low_water xid8 NOT NULL DEFAULT '0'
);
INSERT INTO fold_state DEFAULT VALUES;

CREATE TYPE fold_item AS (
    lock_key        integer,
    model_version   text,
    dataset_version text,
    prompt_version  text,
    environment     text,
    run_count       integer,
    newest_id       uuid,
    first_seen_at   timestamptz
);

-- The advisory lock that serializes every change of one configuration's snapshots.
CREATE FUNCTION configuration_lock_key(
    model_version text, dataset_version text, prompt_version text, environment text
) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hashtext(concat_ws(chr(31), model_version, dataset_version, prompt_version, environment))
$$;

CREATE FUNCTION lock_configuration(
    model_version text, dataset_version text, prompt_version text, environment text
) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1651339118,  -- 'bmon': configuration locks
        configuration_lock_key(model_version, dataset_version, prompt_version, environment))
$$;


-- THE fold: log rows not applied yet → snapshot versions. Set-based: one version per
-- configuration per call, standing for all tracked results of that configuration the
-- call applies. Returns the versions it created.
--   own_rows_only = true: only the calling transaction's rows (upsert_benchmark_result,
--   the batch append path); false: also every committed row nobody has folded yet (the
--   snapshots asset).
CREATE FUNCTION fold_transactions(own_rows_only boolean DEFAULT false, actor text DEFAULT NULL)
RETURNS TABLE (snapshot_id uuid, model_version text, dataset_version text,
               prompt_version text, environment text, snapshot_version integer,
               transaction_id uuid, run_count integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
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
    item fold_item;
BEGIN
    -- 1. Claim: this transaction's rows not folded yet …
    SELECT a.through_seq INTO own_through FROM fold_applied a WHERE a.xact_id = own;
    SELECT max(t.seq) INTO own_last FROM benchmark_transactions t WHERE t.xact_id = own;
    IF own_last > coalesce(own_through, 0) THEN
        INSERT INTO fold_applied (xact_id, through_seq) VALUES (own, own_last)
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
            INSERT INTO fold_applied (xact_id, through_seq)
            SELECT t.xact_id, max(t.seq)
              FROM benchmark_transactions t
             WHERE t.xact_id >= (SELECT s.low_water FROM fold_state s)
               AND t.xact_id <> own
               AND NOT EXISTS (SELECT FROM fold_applied a WHERE a.xact_id = t.xact_id)
             GROUP BY t.xact_id
            ON CONFLICT (xact_id) DO NOTHING
            RETURNING fold_applied.xact_id)
        SELECT coalesce(array_agg(c.xact_id), '{}') INTO claimed FROM claim c;
        -- Advance the mark unless another fold holds it (it will advance it then).
        UPDATE fold_state s SET low_water = horizon
         WHERE s.low_water < horizon
           AND s.singleton IN (SELECT f.singleton FROM fold_state f FOR UPDATE SKIP LOCKED);
    END IF;

    -- 2. What to apply, per configuration: tracked-branch results only.
    SELECT array_agg(i.item ORDER BY (i.item).lock_key, (i.item).model_version,
                     (i.item).dataset_version, (i.item).prompt_version, (i.item).environment)
      INTO items
      FROM (SELECT ROW(configuration_lock_key(t.model_version, t.dataset_version,
                                              t.prompt_version, t.environment),
                       t.model_version, t.dataset_version, t.prompt_version, t.environment,
                       count(*),
                       (array_agg(t.id ORDER BY t.created_at DESC, t.seq DESC))[1],
                       min(t.created_at))::fold_item AS item
              FROM benchmark_transactions t
              LEFT JOIN tracked_branches b
                     ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
                      = (t.model_version, t.dataset_version, t.prompt_version, t.environment)
             WHERE (t.xact_id = ANY (claimed)
                    OR (t.xact_id = own AND t.seq > coalesce(own_through, 0)))
               AND (t.branch_name IS NULL OR t.branch_name = coalesce(b.branch_name, 'main'))
             GROUP BY t.model_version, t.dataset_version, t.prompt_version, t.environment) AS i;
    IF items IS NULL THEN
        RETURN;
    END IF;

    -- 3. Serialize per configuration; always in lock_key order, so folds never deadlock.
    FOREACH item IN ARRAY items LOOP
        PERFORM lock_configuration(item.model_version, item.dataset_version,
                                   item.prompt_version, item.environment);
    END LOOP;

    -- 4. The new versions become current (two statements: the unique index on is_current
    --    is checked row by row).
    UPDATE benchmark_snapshots s SET is_current = false, last_updated_at = now()
      FROM unnest(items) AS i
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (i.model_version, i.dataset_version, i.prompt_version, i.environment)
       AND s.is_current;

    RETURN QUERY
    WITH next AS (
        SELECT i.*, gen_random_uuid() AS id,
               coalesce((SELECT max(s.snapshot_version) FROM benchmark_snapshots s
                          WHERE (s.model_version, s.dataset_version, s.prompt_version,
                                 s.environment)
                              = (i.model_version, i.dataset_version, i.prompt_version,
                                 i.environment)), 0) + 1 AS version
          FROM unnest(items) AS i
    ), created AS (
        INSERT INTO benchmark_snapshots
            (id, snapshot_version, created_at, model_version, dataset_version,
             prompt_version, environment, transaction_id, metrics, is_current, is_baseline,
             is_active, run_count, first_seen_at, last_updated_at)
        SELECT n.id, n.version, now(), n.model_version, n.dataset_version, n.prompt_version,
               n.environment, n.newest_id, t.metrics, true, false, true, n.run_count,
               n.first_seen_at, now()
          FROM next n JOIN benchmark_transactions t ON t.id = n.newest_id
        RETURNING benchmark_snapshots.*
    ), logged AS (
        INSERT INTO snapshot_events
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

COMMENT ON FUNCTION fold_transactions IS
    'The one routine that turns log rows into snapshot versions (each row applied once).';


-- Rebuild ------------------------------------------------------------------------------
-- benchmark_snapshots as replaying snapshot_events over the log gives it. The live table
-- must equal this at all times (tested on randomized histories); restore_snapshots()
-- writes it back, e.g. after a restore from backup of the log and events only.
--   is_current      the target of the configuration's last new_version/checkout event
--   is_baseline     the target of its last baseline_set, unless baseline_cleared followed
--   is_active       the version's last activated/deactivated event, else true
--   last_updated_at the time of the last event that touched the version: its target, or
--                   the version that stopped being current / baseline because of it
CREATE FUNCTION rebuild_snapshots()
RETURNS TABLE (id uuid, snapshot_version integer, created_at timestamptz,
               model_version text, dataset_version text, prompt_version text,
               environment text, transaction_id uuid, metrics jsonb, is_current boolean,
               is_baseline boolean, is_active boolean, run_count integer,
               first_seen_at timestamptz, last_updated_at timestamptz)
LANGUAGE sql STABLE AS $$
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

COMMENT ON FUNCTION rebuild_snapshots IS
    'benchmark_snapshots recomputed from benchmark_transactions + snapshot_events.';

-- Replace the live snapshot table by its rebuild (owner only). Returns the row count.
CREATE FUNCTION restore_snapshots() RETURNS bigint
LANGUAGE plpgsql AS $$
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
