-- Daily trend tables, materialized per UTC day by the `daily_performance_trends` asset
-- (one Dagster partition = one day), and the bookkeeping that finds late data.
--
-- daily_performance_trends   per day × configuration × branch × metric: count, mean,
--                            min, max, stddev, p50, p95 and the metric's direction;
-- daily_configuration_counts per day × configuration × branch: results and mean duration;
-- trend_dirty_days           a work list: one marker per (insert statement, day) of the
--                            log, consumed by refresh_daily_trends().
-- A refresh replaces exactly its window in one transaction, so re-running it is harmless.

CREATE TABLE daily_performance_trends (
    day             date NOT NULL,
    model_version   text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version  text NOT NULL,
    environment     text NOT NULL,
    branch_name     text NOT NULL,  -- '' for results that named no branch
    metric          text NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('higher', 'lower')),
    sample_count    integer NOT NULL CHECK (sample_count > 0),
    mean            double precision NOT NULL,
    min             double precision NOT NULL,
    max             double precision NOT NULL,
    stddev          double precision,  -- sample standard deviation; NULL for one sample
    p50             double precision NOT NULL,
    p95             double precision NOT NULL,
    refreshed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, model_version, dataset_version, prompt_version, environment,
                 branch_name, metric)
);
CREATE INDEX daily_performance_trends_model_day
    ON daily_performance_trends (model_version, day);

CREATE TABLE daily_configuration_counts (
    day                   date NOT NULL,
    model_version         text NOT NULL,
    dataset_version       text NOT NULL,
    prompt_version        text NOT NULL,
    environment           text NOT NULL,
    branch_name           text NOT NULL,
    result_count          integer NOT NULL CHECK (result_count > 0),
    mean_duration_seconds numeric,
    PRIMARY KEY (day, model_version, dataset_version, prompt_version, environment,
                 branch_name)
);
CREATE INDEX daily_configuration_counts_model_day
    ON daily_configuration_counts (model_version, day);

COMMENT ON TABLE daily_performance_trends IS
    'Daily (UTC) aggregates per configuration, branch and metric; rebuilt per day partition.';


-- Late data -------------------------------------------------------------------------------
-- Every insert into the log marks the days its rows fall on. Markers are plain inserts
-- (no upsert, so concurrent writers never wait on each other here); a refresh deletes
-- exactly the markers it saw before reading the log, so a row committed during a refresh
-- leaves its marker behind and its day is refreshed again.
CREATE TABLE trend_dirty_days (
    marker_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day       date NOT NULL,
    marked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trend_dirty_days_day ON trend_dirty_days (day);

CREATE FUNCTION mark_trend_days() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO trend_dirty_days (day)
    SELECT DISTINCT (n.created_at AT TIME ZONE 'UTC')::date FROM new_rows n;
    RETURN NULL;
END $$;

CREATE TRIGGER benchmark_transactions_mark_trend_days
    AFTER INSERT ON benchmark_transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mark_trend_days();


-- The refresh -------------------------------------------------------------------------
-- Rebuilds days first_day … last_day (inclusive) from the log; returns the number of
-- trend rows written. Percentiles interpolate linearly between samples (as pandas'
-- quantile does); stddev is the sample standard deviation.
CREATE FUNCTION refresh_daily_trends(first_day date, last_day date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    seen bigint[];
    written bigint;
    window_start timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    window_end timestamptz := (last_day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF last_day < first_day THEN
        RAISE EXCEPTION 'refresh_daily_trends: last_day % is before first_day %',
            last_day, first_day;
    END IF;
    seen := ARRAY(SELECT marker_id FROM trend_dirty_days
                   WHERE day BETWEEN first_day AND last_day);

    DELETE FROM daily_performance_trends WHERE day BETWEEN first_day AND last_day;
    DELETE FROM daily_configuration_counts WHERE day BETWEEN first_day AND last_day;

    INSERT INTO daily_performance_trends
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         metric, direction, sample_count, mean, min, max, stddev, p50, p95)
    SELECT g.day, g.model_version, g.dataset_version, g.prompt_version, g.environment,
           g.branch_name, g.metric,
           metric_direction(g.metric, g.stated, g.model_version, g.dataset_version,
                            g.prompt_version, g.environment),
           g.n, g.mean, g.min, g.max, g.stddev, g.p50, g.p95
      FROM (SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, t.model_version,
                   t.dataset_version, t.prompt_version, t.environment,
                   coalesce(t.branch_name, '') AS branch_name, m.key AS metric,
                   min(t.metric_directions ->> m.key) AS stated,
                   count(*) AS n, avg(m.v) AS mean, min(m.v) AS min, max(m.v) AS max,
                   stddev_samp(m.v) AS stddev,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY m.v) AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY m.v) AS p95
              FROM benchmark_transactions t
             CROSS JOIN LATERAL (SELECT e.key, e.value::double precision AS v
                                   FROM jsonb_each(t.metrics) e) m
             WHERE t.created_at >= window_start AND t.created_at < window_end
             GROUP BY 1, 2, 3, 4, 5, 6, 7) g;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO daily_configuration_counts
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         result_count, mean_duration_seconds)
    SELECT (t.created_at AT TIME ZONE 'UTC')::date, t.model_version, t.dataset_version,
           t.prompt_version, t.environment, coalesce(t.branch_name, ''), count(*),
           avg(t.duration_seconds)
      FROM benchmark_transactions t
     WHERE t.created_at >= window_start AND t.created_at < window_end
     GROUP BY 1, 2, 3, 4, 5, 6;

    DELETE FROM trend_dirty_days WHERE marker_id = ANY (seen);
    RETURN written;
END $$;

COMMENT ON FUNCTION refresh_daily_trends(date, date) IS
    'Rebuild the trend tables for a range of UTC days from the log (idempotent).';


-- v_performance_trends keeps its documented meaning (per day and model: run counts and
-- averages of the main metrics) but reads the trend tables instead of the raw log;
-- performance_trends() (0006) still answers the same question from the log.
-- Written so that a filter on day and model_version reaches the counts table's index
-- and each configuration-day's metrics are read by primary key.
DROP VIEW v_performance_trends;
CREATE VIEW v_performance_trends WITH (security_invoker = true) AS
SELECT c.day, c.model_version, c.environment, nullif(c.branch_name, '') AS branch_name,
       sum(c.result_count)::bigint AS run_count,
       (sum(m.f1_sum) / nullif(sum(m.f1_n), 0))::numeric AS avg_f1,
       (sum(m.precision_sum) / nullif(sum(m.precision_n), 0))::numeric AS avg_precision,
       (sum(m.recall_sum) / nullif(sum(m.recall_n), 0))::numeric AS avg_recall,
       (sum(m.accuracy_sum) / nullif(sum(m.accuracy_n), 0))::numeric AS avg_accuracy,
       (sum(m.latency_sum) / nullif(sum(m.latency_n), 0))::numeric AS avg_latency_ms,
       sum(c.mean_duration_seconds * c.result_count)
         / nullif(sum(c.result_count) FILTER (WHERE c.mean_duration_seconds IS NOT NULL), 0)
         AS avg_duration_seconds
  FROM daily_configuration_counts c
 CROSS JOIN LATERAL (
    SELECT sum(t.mean * t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score')) AS f1_sum,
           sum(t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score')) AS f1_n,
           sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'precision') AS precision_sum,
           sum(t.sample_count) FILTER (WHERE t.metric = 'precision') AS precision_n,
           sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'recall') AS recall_sum,
           sum(t.sample_count) FILTER (WHERE t.metric = 'recall') AS recall_n,
           sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'accuracy') AS accuracy_sum,
           sum(t.sample_count) FILTER (WHERE t.metric = 'accuracy') AS accuracy_n,
           sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'latency_ms') AS latency_sum,
           sum(t.sample_count) FILTER (WHERE t.metric = 'latency_ms') AS latency_n
      FROM daily_performance_trends t
     WHERE (t.day, t.model_version, t.dataset_version, t.prompt_version, t.environment,
            t.branch_name)
         = (c.day, c.model_version, c.dataset_version, c.prompt_version, c.environment,
            c.branch_name)
       AND t.metric IN ('f1', 'f1_score', 'precision', 'recall', 'accuracy', 'latency_ms')
 ) m
 GROUP BY c.day, c.model_version, c.environment, c.branch_name;

GRANT SELECT ON daily_performance_trends, daily_configuration_counts, v_performance_trends
    TO benchmon_writer, benchmon_reader;
GRANT SELECT ON trend_dirty_days TO benchmon_writer, benchmon_reader;
REVOKE EXECUTE ON FUNCTION refresh_daily_trends(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_daily_trends(date, date) TO benchmon_writer;
