-- A check that judged nothing does not pass.
--
-- The history check judges only the configurations with something new (0033), so how many
-- series one run judged says nothing about the rest: a run after a young configuration's
-- second result judges nothing, and so does a run after a settled one's 200th result.
-- Whether the rule could judge anything is a fact per configuration, kept beside its
-- watermark: `judged` says the rule judged at least one series of the configuration when
-- it last looked (false: every series was younger than the rule's minimum history, or was
-- cut that short by a restart point). rule_judged_configurations(rule) counts the current
-- configurations it judged. When that is 0 the check fails with WARN ("nothing judged")
-- instead of passing, as the CI gate exits 3.
--
-- Rows from before this migration read true: the rule's code changed with it, so the next
-- run judges every configuration again and writes the real answer.

ALTER TABLE rule_watermarks ADD COLUMN judged boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN rule_watermarks.judged IS
    'Whether the rule judged any series of the configuration when it last looked (false: all too young).';

DROP FUNCTION record_rule_evaluation(text, text, xid8, text[], text[], text[], text[]);

-- After the verdicts of `p_rule` on these configurations were recorded: their watermarks
-- and the rule's run. `p_through` is pg_snapshot_xmin(pg_current_snapshot()) taken
-- before configurations_to_judge() was asked; `p_judged[i]`: whether the rule judged any
-- series of the i-th configuration.
CREATE FUNCTION record_rule_evaluation(
    p_rule text, p_judged_under text, p_through xid8,
    p_models text[], p_datasets text[], p_prompts text[], p_environments text[],
    p_judged boolean[])
RETURNS void LANGUAGE sql VOLATILE AS $$
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

-- How many current configurations `p_rule` judged any series of when it last looked at
-- them: 0 means its check has judged nothing, whatever this run did.
CREATE FUNCTION rule_judged_configurations(p_rule text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*)
      FROM rule_watermarks w
      JOIN benchmark_snapshots s
        ON (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (w.model_version, w.dataset_version, w.prompt_version, w.environment)
     WHERE w.rule = p_rule AND w.judged AND s.is_current
$$;
