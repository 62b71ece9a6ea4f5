-- Thresholds, directions and tracked branches set by a benchmon_writer login
-- (`benchmon thresholds set|unset`, `benchmon branches track|untrack`: cli/thresholds.py).
--
-- The writer may only SELECT metric_definitions, metric_overrides and tracked_branches
-- (0006, 0016); these functions are the one way it changes them, each a single upsert or
-- delete. An override is a whole row — metric_thresholds() (0022) takes both thresholds
-- from an override when one exists — so a new override starts from the thresholds in force
-- and changes only what it is given. A tracked branch changes under the configuration's
-- lock, the one the fold holds, so a fold sees the branch either before or after.

CREATE FUNCTION public.set_metric_definition(
    metric text, direction text DEFAULT NULL, abs_threshold numeric DEFAULT NULL,
    rel_threshold numeric DEFAULT NULL, unit text DEFAULT NULL, description text DEFAULT NULL
) RETURNS public.metric_definitions
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

CREATE FUNCTION public.unset_metric_definition(metric text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH gone AS (DELETE FROM public.metric_definitions d
                   WHERE d.name = unset_metric_definition.metric RETURNING 1)
    SELECT EXISTS (SELECT FROM gone)
$$;

CREATE FUNCTION public.set_metric_override(
    model_version text, dataset_version text, prompt_version text, environment text,
    metric text, direction text DEFAULT NULL, abs_threshold numeric DEFAULT NULL,
    rel_threshold numeric DEFAULT NULL
) RETURNS public.metric_overrides
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

CREATE FUNCTION public.unset_metric_override(
    model_version text, dataset_version text, prompt_version text, environment text,
    metric text
) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH gone AS (
        DELETE FROM public.metric_overrides o
         WHERE (o.model_version, o.dataset_version, o.prompt_version, o.environment, o.metric)
             = (unset_metric_override.model_version, unset_metric_override.dataset_version,
                unset_metric_override.prompt_version, unset_metric_override.environment,
                unset_metric_override.metric)
        RETURNING 1)
    SELECT EXISTS (SELECT FROM gone)
$$;

-- The configuration's tracked branch from now on; returns the one before.
CREATE FUNCTION public.track_branch(
    model_version text, dataset_version text, prompt_version text, environment text,
    branch_name text
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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

-- Back to default_tracked_branch(); returns the branch tracked before.
CREATE FUNCTION public.untrack_branch(
    model_version text, dataset_version text, prompt_version text, environment text
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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


-- Privileges (0007, 0015, 0016) ---------------------------------------------------------------
GRANT INSERT, UPDATE, DELETE ON metric_definitions, metric_overrides, tracked_branches
    TO benchmon_owner;

REVOKE EXECUTE ON FUNCTION
    set_metric_definition(text, text, numeric, numeric, text, text),
    unset_metric_definition(text),
    set_metric_override(text, text, text, text, text, text, numeric, numeric),
    unset_metric_override(text, text, text, text, text),
    track_branch(text, text, text, text, text),
    untrack_branch(text, text, text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    set_metric_definition(text, text, numeric, numeric, text, text),
    unset_metric_definition(text),
    set_metric_override(text, text, text, text, text, text, numeric, numeric),
    unset_metric_override(text, text, text, text, text),
    track_branch(text, text, text, text, text),
    untrack_branch(text, text, text, text)
    TO benchmon_writer;
GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION set_metric_definition(text, text, numeric, numeric, text, text)
    OWNER TO benchmon_owner;
ALTER FUNCTION unset_metric_definition(text) OWNER TO benchmon_owner;
ALTER FUNCTION set_metric_override(text, text, text, text, text, text, numeric, numeric)
    OWNER TO benchmon_owner;
ALTER FUNCTION unset_metric_override(text, text, text, text, text) OWNER TO benchmon_owner;
ALTER FUNCTION track_branch(text, text, text, text, text) OWNER TO benchmon_owner;
ALTER FUNCTION untrack_branch(text, text, text, text) OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
