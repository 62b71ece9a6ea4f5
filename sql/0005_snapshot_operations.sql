-- The stored functions over snapshots (docs/data-model.md, Functions and views). A configuration is passed
-- as four arguments (model ids may contain '/'). Every change of state takes the
-- configuration's advisory lock and records a snapshot event in the same transaction.

-- Append one result and make it the next current version of its configuration,
-- atomically. The same content again returns the existing id and creates nothing.
CREATE FUNCTION upsert_benchmark_result(
    model_version     text,
    dataset_version   text,
    prompt_version    text,
    environment       text,
    metrics           jsonb,
    created_at        timestamptz DEFAULT NULL,  -- NULL: now(), and not hashed
    commit_sha        text DEFAULT NULL,
    branch_name       text DEFAULT NULL,
    model_provider    text DEFAULT NULL,
    duration_seconds  numeric DEFAULT NULL,
    tags              text[] DEFAULT '{}',
    notes             text DEFAULT NULL,
    run_id            text DEFAULT NULL,
    triggered_by      text DEFAULT NULL,
    source            text DEFAULT NULL,
    metric_directions jsonb DEFAULT '{}'
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_variable
DECLARE
    content_key text := benchmark_content_sha256(
        model_version, dataset_version, prompt_version, environment, model_provider,
        commit_sha, branch_name, run_id, created_at, metrics, coalesce(tags, '{}'), notes,
        duration_seconds);
    new_id uuid;
BEGIN
    INSERT INTO benchmark_transactions AS t
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
        SELECT t.id INTO new_id FROM benchmark_transactions t WHERE t.content_sha256 = content_key;
        RETURN new_id;
    END IF;
    PERFORM fold_transactions(own_rows_only => true, actor => triggered_by);
    RETURN new_id;
END $$;


-- The configuration's version `version`, with the configuration locked until commit.
CREATE FUNCTION locked_snapshot(
    model_version text, dataset_version text, prompt_version text, environment text,
    version integer
) RETURNS benchmark_snapshots
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION record_snapshot_event(
    event_type text, target benchmark_snapshots, actor text, reason text
) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO snapshot_events
        (event_type, model_version, dataset_version, prompt_version, environment,
         snapshot_version, snapshot_id, actor, reason)
    VALUES (event_type, target.model_version, target.dataset_version, target.prompt_version,
            target.environment, target.snapshot_version, target.id,
            coalesce(actor, session_user), reason)
$$;


-- Rollback: make an earlier (or any) version current; nothing is deleted.
CREATE FUNCTION checkout_snapshot(
    model_version text, dataset_version text, prompt_version text, environment text,
    version integer, actor text DEFAULT NULL, reason text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT target.is_active THEN
        RAISE EXCEPTION 'snapshot version % is deactivated; activate it before checking it out',
            version USING ERRCODE = 'check_violation';
    END IF;
    UPDATE benchmark_snapshots s SET is_current = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_current AND s.id <> target.id;
    UPDATE benchmark_snapshots s SET is_current = true, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM record_snapshot_event('checkout', target, actor, reason);
    RETURN target.id;
END $$;


-- Mark one version golden (the previous baseline, if any, stops being one).
CREATE FUNCTION set_baseline(
    model_version text, dataset_version text, prompt_version text, environment text,
    version integer, actor text DEFAULT NULL, reason text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT target.is_active THEN
        RAISE EXCEPTION 'snapshot version % is deactivated and cannot be the baseline', version
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE benchmark_snapshots s SET is_baseline = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_baseline AND s.id <> target.id;
    UPDATE benchmark_snapshots s SET is_baseline = true, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM record_snapshot_event('baseline_set', target, actor, reason);
    RETURN target.id;
END $$;

CREATE FUNCTION clear_baseline(
    model_version text, dataset_version text, prompt_version text, environment text,
    actor text DEFAULT NULL, reason text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots;
BEGIN
    PERFORM lock_configuration(model_version, dataset_version, prompt_version, environment);
    UPDATE benchmark_snapshots s SET is_baseline = false, last_updated_at = now()
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (model_version, dataset_version, prompt_version, environment)
       AND s.is_baseline
    RETURNING s.* INTO target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'configuration (%, %, %, %) has no baseline to clear',
            model_version, dataset_version, prompt_version, environment
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM record_snapshot_event('baseline_cleared', target, actor, reason);
    RETURN target.id;
END $$;


-- Soft delete (and undo). The current version and the baseline cannot be deactivated:
-- check out another version / clear the baseline first.
CREATE FUNCTION set_snapshot_active(
    model_version text, dataset_version text, prompt_version text, environment text,
    version integer, active boolean, actor text DEFAULT NULL, reason text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_variable
DECLARE
    target benchmark_snapshots :=
        locked_snapshot(model_version, dataset_version, prompt_version, environment, version);
BEGIN
    IF NOT active AND (target.is_current OR target.is_baseline) THEN
        RAISE EXCEPTION 'snapshot version % is the current version or the baseline and cannot be deactivated',
            version USING ERRCODE = 'check_violation';
    END IF;
    UPDATE benchmark_snapshots s SET is_active = active, last_updated_at = now()
     WHERE s.id = target.id;
    PERFORM record_snapshot_event(CASE WHEN active THEN 'activated' ELSE 'deactivated' END,
                                  target, actor, reason);
    RETURN target.id;
END $$;


-- Per metric of either version: value a, value b, delta = b − a, and the change in
-- percent of a, rounded to 2 places (NULL when a is 0 or the metric is missing on a side).
CREATE FUNCTION compare_snapshots(
    model_version text, dataset_version text, prompt_version text, environment text,
    version_a integer, version_b integer
) RETURNS TABLE (metric text, value_a numeric, value_b numeric, delta numeric,
                 percent_change numeric)
LANGUAGE plpgsql STABLE AS $$
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


-- The last `history_limit` versions of a configuration, newest first.
CREATE FUNCTION get_snapshot_history(
    model_version text, dataset_version text, prompt_version text, environment text,
    history_limit integer DEFAULT 10
) RETURNS SETOF benchmark_snapshots
LANGUAGE sql STABLE AS $$
    SELECT s.* FROM benchmark_snapshots s
     WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (get_snapshot_history.model_version, get_snapshot_history.dataset_version,
            get_snapshot_history.prompt_version, get_snapshot_history.environment)
     ORDER BY s.snapshot_version DESC
     LIMIT history_limit
$$;
