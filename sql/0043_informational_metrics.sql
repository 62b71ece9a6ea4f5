-- Informational metrics are stored as such, and never judged.
--
-- The adapters mark the metrics that describe a measurement rather than judge it: a
-- standard error (lm-eval's acc_stderr), pytest-benchmark's rounds and iterations, Google
-- Benchmark's iterations, repetitions and the spread of its counters (docs/formats.md).
-- The mark was never stored, so the rules gave them a direction by their names
-- (acc_stderr, iterations: higher is better) and a halved standard error failed the gate
-- as an 82 % regression.
--
-- A result now states 'none' in metric_directions for each of them. metric_direction()
-- does not read it (it falls through to the name rule, so charts and exports keep a
-- direction), but no rule judges a metric its result states 'none' for: the baseline rule
-- here and in regressions/reading.py, the history rule in reading.py, and compare says
-- neither better nor worse.

ALTER TABLE benchmark_transactions DROP CONSTRAINT metric_directions_are_known;
ALTER TABLE benchmark_transactions ADD CONSTRAINT metric_directions_are_known CHECK (
    jsonb_typeof(metric_directions) = 'object'
    AND NOT jsonb_path_exists(metric_directions,
                              '$.* ? (@ != "higher" && @ != "lower" && @ != "none")'));
COMMENT ON COLUMN benchmark_transactions.metric_directions IS
    'Per metric, the direction the result states: higher or lower is better, or none (informational: never judged).';

CREATE OR REPLACE FUNCTION detect_metric_regressions(model_version text DEFAULT NULL)
RETURNS TABLE (model_version text, dataset_version text, prompt_version text,
               environment text, current_version integer, baseline_version integer,
               metric text, direction text, baseline_value numeric, current_value numeric,
               worsening numeric, abs_threshold numeric, rel_threshold numeric,
               is_regression boolean)
LANGUAGE sql STABLE AS $$
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
