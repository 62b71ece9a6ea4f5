-- Checks whose cost follows change, not size (issue 19, item 4).
--
-- The history check used to re-read and re-judge every configuration's history on every
-- run: at 10,000 configurations × 100 results, seconds of work to learn that the 99 % with
-- no new result have not changed. Now the database says which configurations changed
-- since a rule last judged them, and the check judges only those; every other
-- configuration keeps its verdict — its unresolved alert stays open and is reported again.
--
--   rule_evaluations   one row per rule: what the last run was judged under (the rule's
--                      code and settings, as a digest the caller computes), the newest
--                      settings_changes row it saw (thresholds, directions, tracked
--                      branches), and through_xact: the lowest transaction id that may
--                      not have been visible to it. Every log row written by a transaction
--                      at or after it is "new" to the next run (the (xact_id, seq) index
--                      finds them in one range scan). Not seq: a seq is taken at insert
--                      and a transaction with a lower seq may commit after a higher one
--                      was read, so "seq > the highest judged" could skip a row for good.
--   rule_watermarks    one row per rule × configuration judged: the newest log seq of the
--                      configuration when it was judged, its history's restart points
--                      (accepted changes, baseline) then, and when.
--
-- configurations_to_judge(rule, judged_under) answers "which configurations, and why";
-- record_rule_evaluation(...) moves the watermarks after the verdicts are recorded, in the
-- same transaction as the alerts. A configuration is judged again when
--   * a result of it was written since the last run (any branch: the cheap, safe side);
--   * it has no watermark (a new configuration);
--   * its restart points moved (an accepted change, a new baseline);
--   * a person resolved one of its alerts of this rule since it was judged (the next
--     evaluation re-opens the alert if the regression is still there, as before);
-- and every configuration is judged when the rule's code or settings changed, when a
-- threshold, direction or tracked branch changed, or on the first run.

CREATE TABLE rule_evaluations (
    rule             text PRIMARY KEY CHECK (rule <> ''),
    judged_under     text NOT NULL CHECK (judged_under <> ''),
    settings_through bigint NOT NULL,  -- max(settings_changes.id) seen; 0 when none
    through_xact     xid8 NOT NULL,
    evaluated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE rule_evaluations IS
    'Per rule: what its last incremental run was judged under and which log rows it may not have seen.';

CREATE TABLE rule_watermarks (
    rule            text NOT NULL REFERENCES rule_evaluations (rule) ON DELETE CASCADE,
    model_version   text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version  text NOT NULL,
    environment     text NOT NULL,
    newest_seq      bigint,  -- the configuration's newest log seq when it was judged
    restarts        text NOT NULL DEFAULT '',  -- its history_restarts points then
    judged_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule, model_version, dataset_version, prompt_version, environment)
);
COMMENT ON TABLE rule_watermarks IS
    'Per rule × configuration: when it was last judged, up to which log seq, under which restart points.';

-- A configuration's restart points as one comparable text ('' = none).
CREATE FUNCTION configuration_restarts()
RETURNS TABLE (model_version text, dataset_version text, prompt_version text,
               environment text, restarts text)
LANGUAGE sql STABLE AS $$
    SELECT r.model_version, r.dataset_version, r.prompt_version, r.environment,
           string_agg(r.metric || '=' || r.source || '@' || r.seq, ',' ORDER BY r.metric)
      FROM history_restarts r
     GROUP BY r.model_version, r.dataset_version, r.prompt_version, r.environment
$$;

-- Why every configuration must be judged, or NULL when only the changed ones need be.
CREATE FUNCTION rule_full_run_reason(p_rule text, p_judged_under text)
RETURNS text LANGUAGE sql STABLE AS $$
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

-- The current configurations `p_rule` must judge now, each with why; all of them (with
-- the full-run reason) when rule_full_run_reason() says so.
CREATE FUNCTION configurations_to_judge(p_rule text, p_judged_under text)
RETURNS TABLE (model_version text, dataset_version text, prompt_version text,
               environment text, why text)
LANGUAGE plpgsql STABLE AS $$
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

-- After the verdicts of `p_rule` on these configurations were recorded: their watermarks
-- and the rule's run. `p_through` is pg_snapshot_xmin(pg_current_snapshot()) taken
-- before configurations_to_judge() was asked.
CREATE FUNCTION record_rule_evaluation(
    p_rule text, p_judged_under text, p_through xid8,
    p_models text[], p_datasets text[], p_prompts text[], p_environments text[])
RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO rule_evaluations AS e (rule, judged_under, settings_through, through_xact)
    VALUES (p_rule, p_judged_under,
            (SELECT coalesce(max(c.id), 0) FROM settings_changes c), p_through)
    ON CONFLICT (rule) DO UPDATE
       SET judged_under = excluded.judged_under,
           settings_through = excluded.settings_through,
           through_xact = excluded.through_xact, evaluated_at = now();
    INSERT INTO rule_watermarks AS w (rule, model_version, dataset_version, prompt_version,
                                      environment, newest_seq, restarts)
    SELECT p_rule, c.model_version, c.dataset_version, c.prompt_version, c.environment,
           (SELECT max(t.seq) FROM benchmark_transactions t
             WHERE (t.model_version, t.dataset_version, t.prompt_version, t.environment)
                 = (c.model_version, c.dataset_version, c.prompt_version, c.environment)),
           coalesce(r.restarts, '')
      FROM unnest(p_models, p_datasets, p_prompts, p_environments)
           AS c(model_version, dataset_version, prompt_version, environment)
      LEFT JOIN configuration_restarts() r
        ON (r.model_version, r.dataset_version, r.prompt_version, r.environment)
         = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
     ORDER BY 2, 3, 4, 5  -- a fixed lock order between concurrent runs
    ON CONFLICT (rule, model_version, dataset_version, prompt_version, environment)
    DO UPDATE SET newest_seq = excluded.newest_seq, restarts = excluded.restarts,
                  judged_at = now();
$$;

-- Whoever runs the checks writes the watermarks (the pipeline's login, or a person's
-- granted benchmon_writer); readers may see them.
GRANT SELECT, INSERT, UPDATE, DELETE ON rule_evaluations, rule_watermarks
    TO benchmon_writer, benchmon_owner;
GRANT SELECT ON rule_evaluations, rule_watermarks TO benchmon_reader;
