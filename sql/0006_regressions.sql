-- Metric directions and thresholds, the regression functions, and the views (docs/data-model.md).

-- What benchmon knows about a metric. A row here replaces the defaults for that metric
-- (NULL threshold = not judged that way); metrics without a row get a relative
-- threshold of 5 % and no absolute one. Users may insert, update or delete rows.
CREATE TABLE metric_definitions (
    name          text PRIMARY KEY,
    direction     text CHECK (direction IN ('higher', 'lower')),  -- NULL: name rule
    unit          text,
    abs_threshold numeric CHECK (abs_threshold >= 0),  -- worsening ≥ this → regression
    rel_threshold numeric CHECK (rel_threshold >= 0),  -- worsening ≥ this × |baseline|
    description   text
);

INSERT INTO metric_definitions (name, direction, abs_threshold, rel_threshold, description)
VALUES ('f1',        'higher', 0.05, 0.05, 'F1 score (0..1)'),
       ('f1_score',  'higher', 0.05, 0.05, 'F1 score (0..1)'),
       ('precision', 'higher', 0.05, 0.05, 'precision (0..1)'),
       ('recall',    'higher', 0.05, 0.05, 'recall (0..1)'),
       ('accuracy',  'higher', 0.05, 0.05, 'accuracy (0..1)');

-- The same, for one configuration (wins over metric_definitions).
CREATE TABLE metric_overrides (
    model_version   text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version  text NOT NULL,
    environment     text NOT NULL,
    metric          text NOT NULL,
    direction       text CHECK (direction IN ('higher', 'lower')),
    abs_threshold   numeric CHECK (abs_threshold >= 0),
    rel_threshold   numeric CHECK (rel_threshold >= 0),
    PRIMARY KEY (model_version, dataset_version, prompt_version, environment, metric)
);


-- The name rule (docs/data-model.md, Metric directions): a metric whose name has a word among latency,
-- duration, time, cost, error, loss, perplexity, memory, mae, rmse (plural allowed;
-- words split at non-alphanumerics and camelCase; also runtime/walltime…) is
-- lower-is-better; everything else higher-is-better.
CREATE FUNCTION metric_direction_by_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN EXISTS (
        SELECT FROM regexp_split_to_table(
                        lower(regexp_replace(name, '([a-z0-9])([A-Z])', '\1_\2', 'g')),
                        '[^a-z0-9]+') AS word
         WHERE word ~ '^(latency|duration|time|cost|error|loss|perplexity|memory|mae|rmse)(s|es)?$'
            OR word ~ '.time$')
    THEN 'lower' ELSE 'higher' END
$$;

-- Direction precedence: what the result's adapter stated → metric_overrides for the
-- configuration → metric_definitions → the name rule.
CREATE FUNCTION metric_direction(
    name text, stated text DEFAULT NULL,
    model_version text DEFAULT NULL, dataset_version text DEFAULT NULL,
    prompt_version text DEFAULT NULL, environment text DEFAULT NULL
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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


-- The F1 shape: per configuration of `model_version` that has a baseline, the
-- current and baseline F1; f1_drop ≥ threshold is a regression (numeric, so 0.90 → 0.85
-- at 0.05 is one).
CREATE FUNCTION detect_regression(model_version text, threshold numeric DEFAULT 0.05)
RETURNS TABLE (model_version text, dataset_version text, prompt_version text,
               environment text, current_version integer, baseline_version integer,
               current_f1 numeric, baseline_f1 numeric, f1_drop numeric,
               is_regression boolean)
LANGUAGE sql STABLE AS $$
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

-- Clients that send the threshold as a float (psycopg does for a Python float) get the
-- same numeric comparison: float8 → numeric keeps the shortest decimal (0.05 stays 0.05).
CREATE FUNCTION detect_regression(model_version text, threshold double precision)
RETURNS TABLE (model_version text, dataset_version text, prompt_version text,
               environment text, current_version integer, baseline_version integer,
               current_f1 numeric, baseline_f1 numeric, f1_drop numeric,
               is_regression boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM detect_regression($1, $2::numeric)
$$;


-- The general check: every metric the current version and the baseline share, judged
-- in its direction against its thresholds (absolute OR relative; equal counts).
CREATE FUNCTION detect_metric_regressions(model_version text DEFAULT NULL)
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
           AND (detect_metric_regressions.model_version IS NULL
                OR c.model_version = detect_metric_regressions.model_version)
    ), judged AS (
        SELECT p.*,
               CASE p.direction WHEN 'higher' THEN p.baseline_value - p.current_value
                                ELSE p.current_value - p.baseline_value END AS worsening,
               CASE WHEN o.metric IS NOT NULL THEN o.abs_threshold
                    WHEN d.name IS NOT NULL THEN d.abs_threshold END AS abs_threshold,
               CASE WHEN o.metric IS NOT NULL THEN o.rel_threshold
                    WHEN d.name IS NOT NULL THEN d.rel_threshold
                    ELSE 0.05 END AS rel_threshold
          FROM pairs p
          LEFT JOIN metric_overrides o
            ON (o.model_version, o.dataset_version, o.prompt_version, o.environment, o.metric)
             = (p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric)
          LEFT JOIN metric_definitions d ON d.name = p.metric
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


-- Views ----------------------------------------------------------------------------------
-- security_invoker: a view reads with the rights (and row-level security) of whoever
-- queries it, not of its owner.

CREATE VIEW v_latest_benchmarks WITH (security_invoker = true) AS
SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
       s.snapshot_version, s.id AS snapshot_id, s.transaction_id, s.metrics, s.f1_score,
       s.precision, s.recall, s.latency_ms, s.run_count, s.created_at, s.first_seen_at,
       s.last_updated_at, s.is_baseline, b.snapshot_version AS baseline_version,
       b.f1_score AS baseline_f1
  FROM benchmark_snapshots s
  LEFT JOIN benchmark_snapshots b
    ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
     = (s.model_version, s.dataset_version, s.prompt_version, s.environment)
   AND b.is_baseline
 WHERE s.is_current;

-- Daily (UTC) aggregates over the log, per model, environment and branch. One
-- definition: the view is the function with no filter. The function is a plain SQL
-- function so PostgreSQL inlines it, and `performance_trends('m', now() - '30 days')`
-- reads only that model's rows of the window through the (model_version, created_at)
-- index.
CREATE FUNCTION performance_trends(model_version text DEFAULT NULL,
                                   since timestamptz DEFAULT NULL)
RETURNS TABLE (day date, model_version text, environment text, branch_name text,
               run_count bigint, avg_f1 numeric,
               avg_precision numeric, avg_recall numeric, avg_accuracy numeric,
               avg_latency_ms numeric, avg_duration_seconds numeric)
LANGUAGE sql STABLE AS $$
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
$$;

CREATE VIEW v_performance_trends WITH (security_invoker = true) AS
SELECT * FROM performance_trends();
