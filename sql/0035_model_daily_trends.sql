-- A per-model daily rollup, so a model's trend reads one row per day, environment and
-- branch (issue 20: materialized aggregates, for scale).
--
-- v_performance_trends (0009) answered "a model's last 30 days" from the per-configuration
-- tables: a row of daily_configuration_counts per configuration-day, and for each, its
-- metrics' rows of daily_performance_trends. With 10,000 configurations (20 a model) a
-- model's 30 days were about as many trend rows as the raw log holds for them, so the
-- trend table was no faster than the log (benchmarks/bench_scale.py, 1,000,000 results:
-- 2.2 ms against the log's 1.6 ms). daily_model_trends holds the view's own grain
-- (day × model × environment × branch): the counts and the sums the view's averages are
-- made of, so a model's 30 days are about 30 rows per environment and branch, read by
-- primary key. It is derived from the two per-configuration tables by
-- refresh_model_trends(), which refresh_daily_trends() calls for the window it rebuilt,
-- in the same transaction; the view's columns and their meaning stay the same.

CREATE TABLE daily_model_trends (
    model_version  text NOT NULL,
    day            date NOT NULL,
    environment    text NOT NULL,
    branch_name    text NOT NULL,  -- '' for results that named no branch
    run_count      bigint NOT NULL CHECK (run_count > 0),
    -- sum over configurations of mean_duration_seconds × result_count, and the results
    -- of the configurations that had a duration (the view's avg_duration_seconds)
    duration_sum   numeric,
    duration_count bigint,
    -- per main metric: sum of mean × sample_count over configurations, and the samples
    f1_sum         double precision,  -- 'f1' and 'f1_score'
    f1_count       bigint,
    precision_sum  double precision,
    precision_count bigint,
    recall_sum     double precision,
    recall_count   bigint,
    accuracy_sum   double precision,
    accuracy_count bigint,
    latency_sum    double precision,  -- 'latency_ms'
    latency_count  bigint,
    PRIMARY KEY (model_version, day, environment, branch_name)
);
COMMENT ON TABLE daily_model_trends IS
    'Daily (UTC) sums per model, environment and branch, derived from the per-configuration '
    'trend tables by refresh_model_trends(); read by v_performance_trends.';

-- Rebuilds the rollup of first_day … last_day from daily_configuration_counts and
-- daily_performance_trends (which must already hold those days); returns the rows written.
CREATE FUNCTION refresh_model_trends(first_day date, last_day date) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    written bigint;
BEGIN
    DELETE FROM public.daily_model_trends WHERE day BETWEEN first_day AND last_day;
    INSERT INTO public.daily_model_trends
    SELECT c.model_version, c.day, c.environment, c.branch_name, c.run_count,
           c.duration_sum, c.duration_count, m.f1_sum, m.f1_count, m.precision_sum,
           m.precision_count, m.recall_sum, m.recall_count, m.accuracy_sum,
           m.accuracy_count, m.latency_sum, m.latency_count
      FROM (SELECT k.model_version, k.day, k.environment, k.branch_name,
                   sum(k.result_count)::bigint AS run_count,
                   sum(k.mean_duration_seconds * k.result_count) AS duration_sum,
                   sum(k.result_count) FILTER (WHERE k.mean_duration_seconds IS NOT NULL)
                       AS duration_count
              FROM public.daily_configuration_counts k
             WHERE k.day BETWEEN first_day AND last_day
             GROUP BY 1, 2, 3, 4) c
      LEFT JOIN (
            SELECT t.model_version, t.day, t.environment, t.branch_name,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score'))
                       AS f1_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric IN ('f1', 'f1_score'))
                       AS f1_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'precision')
                       AS precision_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'precision')
                       AS precision_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'recall')
                       AS recall_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'recall') AS recall_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'accuracy')
                       AS accuracy_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'accuracy')
                       AS accuracy_count,
                   sum(t.mean * t.sample_count) FILTER (WHERE t.metric = 'latency_ms')
                       AS latency_sum,
                   sum(t.sample_count) FILTER (WHERE t.metric = 'latency_ms')
                       AS latency_count
              FROM public.daily_performance_trends t
             WHERE t.day BETWEEN first_day AND last_day
               AND t.metric IN ('f1', 'f1_score', 'precision', 'recall', 'accuracy',
                                'latency_ms')
             GROUP BY 1, 2, 3, 4) m
        ON (m.model_version, m.day, m.environment, m.branch_name)
         = (c.model_version, c.day, c.environment, c.branch_name);
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;
COMMENT ON FUNCTION refresh_model_trends(date, date) IS
    'Rebuild the per-model rollup (daily_model_trends) of a range of UTC days from the '
    'per-configuration trend tables.';
REVOKE EXECUTE ON FUNCTION refresh_model_trends(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_model_trends(date, date) TO benchmon_owner;

GRANT SELECT ON daily_model_trends TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT, DELETE ON daily_model_trends TO benchmon_owner;  -- trend refresh
ALTER TABLE daily_model_trends ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON daily_model_trends FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_all ON daily_model_trends FOR ALL TO benchmon_writer
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON daily_model_trends FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);

-- The rollup of the days already built.
SELECT refresh_model_trends(min(day), max(day)) FROM daily_configuration_counts
HAVING count(*) > 0;

-- Same columns, same meaning; one row of the rollup per output row.
CREATE OR REPLACE VIEW v_performance_trends WITH (security_invoker = true) AS
SELECT r.day, r.model_version, r.environment, nullif(r.branch_name, '') AS branch_name,
       r.run_count,
       (r.f1_sum / nullif(r.f1_count, 0))::numeric AS avg_f1,
       (r.precision_sum / nullif(r.precision_count, 0))::numeric AS avg_precision,
       (r.recall_sum / nullif(r.recall_count, 0))::numeric AS avg_recall,
       (r.accuracy_sum / nullif(r.accuracy_count, 0))::numeric AS avg_accuracy,
       (r.latency_sum / nullif(r.latency_count, 0))::numeric AS avg_latency_ms,
       r.duration_sum / nullif(r.duration_count, 0) AS avg_duration_seconds
  FROM public.daily_model_trends r;

-- The (model_version, day) indexes served the old view only: a model's trend now reads
-- the rollup, and the dashboard's series the series index (0038), whose first column is
-- the model. Every refresh wrote them for nothing.
DROP INDEX daily_performance_trends_model_day, daily_configuration_counts_model_day;

-- The refresh: as 0011 (with 0018's qualified names), with the rows written in the
-- primary key's order and the rollup rebuilt for the same window. Where the time of a
-- full build went (EXPLAIN ANALYZE, 200,000 results over 10,000 configurations and 13
-- months, 1,200,000 trend rows): computing the rows 3.5 s, writing them 27 s, nearly all
-- of it in the trend table's indexes, whose pages were visited at random; at 1,000,000
-- results those indexes no longer fit in shared buffers and the build took 197 s.
CREATE OR REPLACE FUNCTION public.refresh_daily_trends(first_day date, last_day date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET work_mem TO '64MB'
    SET enable_sort TO 'off'
    AS $$
DECLARE
    seen bigint[];
    written bigint;
    days integer := last_day - first_day + 1;
    -- One chunk of days per process that can work on it (the leader and its parallel
    -- workers), each at least two weeks long: a day or two (the schedule, late data) is
    -- one chunk. Not more: a chunk's rows may lie on any page of the log (results arrive
    -- late, imports come in any order), and each chunk reads the pages its rows are on.
    chunks integer := least(1 + current_setting('max_parallel_workers_per_gather')::integer,
                            greatest(1, (last_day - first_day + 1) / 14));
    chunk_queries text;
BEGIN
    IF last_day < first_day THEN
        RAISE EXCEPTION 'refresh_daily_trends: last_day % is before first_day %',
            last_day, first_day;
    END IF;
    seen := ARRAY(SELECT marker_id FROM public.trend_dirty_days
                   WHERE day BETWEEN first_day AND last_day);

    -- CREATE TABLE AS may use parallel workers (an INSERT … SELECT may not).
    SELECT string_agg(format('SELECT * FROM public.daily_trend_rows(%L, %L)',
                             first_day + days * i / chunks,
                             first_day + days * (i + 1) / chunks - 1), ' UNION ALL ')
      INTO chunk_queries
      FROM generate_series(0, chunks - 1) AS i;
    EXECUTE 'CREATE TEMP TABLE daily_trend_refresh AS ' || chunk_queries;

    DELETE FROM public.daily_performance_trends WHERE day BETWEEN first_day AND last_day;
    DELETE FROM public.daily_configuration_counts WHERE day BETWEEN first_day AND last_day;

    WITH metric_rows AS (
        SELECT * FROM pg_temp.daily_trend_refresh WHERE metric IS NOT NULL
    ), directions AS MATERIALIZED (  -- else the planner calls public.metric_direction() per row
        SELECT c.*, public.metric_direction(c.metric, c.stated_direction, c.model_version,
                                     c.dataset_version, c.prompt_version,
                                     c.environment) AS direction
          FROM (SELECT DISTINCT metric, stated_direction, model_version, dataset_version,
                       prompt_version, environment
                  FROM metric_rows) c)
    INSERT INTO public.daily_performance_trends
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         metric, direction, sample_count, mean, min, max, stddev, p50, p95)
    SELECT r.day, r.model_version, r.dataset_version, r.prompt_version, r.environment,
           r.branch_name, r.metric, d.direction, r.sample_count, r.mean, r.min, r.max,
           r.stddev, r.p50, r.p95
      FROM metric_rows r
      JOIN directions d
        ON (d.metric, d.model_version, d.dataset_version, d.prompt_version, d.environment,
            coalesce(d.stated_direction, ''))
         = (r.metric, r.model_version, r.dataset_version, r.prompt_version, r.environment,
            coalesce(r.stated_direction, ''))
     -- in the primary key's order: the key index then grows at its end, and the series
     -- index at the end of each (model, metric) series, rather than at random pages
     ORDER BY r.day, r.model_version, r.dataset_version, r.prompt_version, r.environment,
              r.branch_name, r.metric;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO public.daily_configuration_counts
        (day, model_version, dataset_version, prompt_version, environment, branch_name,
         result_count, mean_duration_seconds)
    SELECT DISTINCT day, model_version, dataset_version, prompt_version, environment,
           branch_name, result_count, mean_duration_seconds
      FROM pg_temp.daily_trend_refresh
     ORDER BY day, model_version, dataset_version, prompt_version, environment, branch_name;

    PERFORM public.refresh_model_trends(first_day, last_day);

    DROP TABLE pg_temp.daily_trend_refresh;
    DELETE FROM public.trend_dirty_days WHERE marker_id = ANY (seen);
    RETURN written;
END $$;
