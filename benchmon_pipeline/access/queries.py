"""The SQL the data-access API asks, one constant per question (parameters by name).

Filters are written `(%(x)s::text IS NULL OR col = %(x)s)`: psycopg sends each query
unprepared (`prepare_threshold=None` in api.py), so PostgreSQL plans it with the values
known, folds the filters that are not given away, and reaches the indexes through the
ones that are.
"""

from __future__ import annotations

from benchmon_pipeline.regressions.reading import directions


def in_scope(alias: str) -> str:
    return (
        f"(%(model_version)s::text IS NULL OR {alias}.model_version = %(model_version)s)"
        f" AND (%(dataset_version)s::text IS NULL"
        f" OR {alias}.dataset_version = %(dataset_version)s)"
        f" AND (%(prompt_version)s::text IS NULL OR {alias}.prompt_version = %(prompt_version)s)"
        f" AND (%(environment)s::text IS NULL OR {alias}.environment = %(environment)s)"
    )


LATEST_SNAPSHOTS = f"""
SELECT v.model_version, v.dataset_version, v.prompt_version, v.environment,
       v.snapshot_version, v.is_baseline, v.baseline_version, v.run_count, v.created_at,
       v.first_seen_at, v.last_updated_at, v.transaction_id::text, v.f1_score::float8,
       v."precision"::float8, v.recall::float8, v.latency_ms::float8, v.baseline_f1::float8,
       v.metrics
  FROM v_latest_benchmarks v
 WHERE {in_scope("v")}
 ORDER BY 1, 2, 3, 4
"""

TRANSACTIONS = f"""
SELECT t.id::text, t.seq, t.created_at, t.ingested_at, t.model_version, t.dataset_version,
       t.prompt_version, t.environment, t.branch_name, t.commit_sha, t.run_id,
       t.model_provider, t.duration_seconds::float8, t.triggered_by, t.source, t.tags, t.metrics
  FROM benchmark_transactions t
 WHERE {in_scope("t")}
   AND (%(branch)s::text IS NULL OR t.branch_name = %(branch)s)
   AND (%(commit)s::text IS NULL OR t.commit_sha = %(commit)s)
   AND t.created_at >= coalesce(%(since)s::timestamptz, '-infinity')
   AND t.created_at < coalesce(%(until)s::timestamptz, 'infinity')
 ORDER BY t.created_at DESC, t.seq DESC
 LIMIT %(limit)s
"""

# Whole-day buckets from the daily trend table: its rows are already per day, configuration,
# branch and metric, so a month of one model is a few hundred rows read by (model, metric,
# day) from one index. Days with results the trends job has not folded in yet (a marker in
# trend_dirty_days: today after the last refresh, late data) are computed from the log
# instead, whole; when there is none, the log is not in the query at all (planning it over
# every month partition was a fifth of the answer's time).
_TREND_DAYS = f"""
    SELECT t.day, t.model_version, t.dataset_version, t.prompt_version, t.environment,
           t.sample_count AS n, t.mean, t.min, t.max
      FROM daily_performance_trends t
     WHERE t.model_version = ANY (%(models)s::text[]) AND t.metric = %(metric)s
       AND t.day >= %(first_day)s::date
       AND {in_scope("t")}
       AND (%(branch)s::text IS NULL OR t.branch_name = %(branch)s)"""

# Rows come out by model, bucket, then configuration. With one-day buckets that is the
# order of the trend table's series index (sql/0038), so grouping a configuration's
# branches together needs no sort; a sum of int counts stays bigint, not numeric.
_DAY_BUCKETS = """
SELECT {bucket}::timestamp AT TIME ZONE 'UTC' AS bucket_start,
       d.model_version, d.dataset_version, d.prompt_version, d.environment,
       %(metric)s::text AS metric, sum(d.n) AS sample_count,
       sum(d.mean * d.n) / sum(d.n) AS mean, min(d.min) AS min, max(d.max) AS max
  FROM days d
 GROUP BY d.model_version, {bucket}, d.dataset_version, d.prompt_version, d.environment
 ORDER BY d.model_version, {bucket}, d.dataset_version, d.prompt_version, d.environment
"""
_ONE_DAY = "d.day"
_DAYS = "date_bin(%(bucket)s::interval, d.day::timestamp, %(origin)s::timestamp)"

_DIRTY_DAYS = f"""
WITH dirty AS MATERIALIZED (
    SELECT DISTINCT d.day FROM trend_dirty_days d WHERE d.day >= %(first_day)s::date
), days AS ({_TREND_DAYS}
       AND t.day NOT IN (SELECT day FROM dirty)
    UNION ALL
    SELECT (l.created_at AT TIME ZONE 'UTC')::date, l.model_version, l.dataset_version,
           l.prompt_version, l.environment, count(*)::int,
           avg((l.metrics ->> %(metric)s)::float8), min((l.metrics ->> %(metric)s)::float8),
           max((l.metrics ->> %(metric)s)::float8)
      FROM benchmark_transactions l
     WHERE l.model_version = ANY (%(models)s::text[])
       AND l.created_at >= %(first_day)s::timestamp AT TIME ZONE 'UTC'
       AND l.created_at >= (SELECT min(day) FROM dirty)::timestamp AT TIME ZONE 'UTC'
       AND (l.created_at AT TIME ZONE 'UTC')::date IN (SELECT day FROM dirty)
       AND l.metrics ? %(metric)s
       AND {in_scope("l")}
       AND (%(branch)s::text IS NULL OR coalesce(l.branch_name, '') = %(branch)s)
     GROUP BY 1, 2, 3, 4, 5
)"""
_CLEAN_DAYS = f"WITH days AS ({_TREND_DAYS}\n)"

# one-day buckets, and buckets of several whole days; each with days the trends job has
# not folded in yet (read from the log), and without ("clean": the log is not asked)
TIME_SERIES_DAYS = _DIRTY_DAYS + _DAY_BUCKETS.format(bucket=_ONE_DAY)
TIME_SERIES_CLEAN_DAYS = _CLEAN_DAYS + _DAY_BUCKETS.format(bucket=_ONE_DAY)
TIME_SERIES_BINS = _DIRTY_DAYS + _DAY_BUCKETS.format(bucket=_DAYS)
TIME_SERIES_CLEAN_BINS = _CLEAN_DAYS + _DAY_BUCKETS.format(bucket=_DAYS)

# Is any day from first_day on marked for the trends job (read from the log)?
DIRTY_SINCE = "SELECT EXISTS (SELECT FROM trend_dirty_days WHERE day >= %(first_day)s::date)"

# Buckets shorter than a day (or not whole days): the log itself, through
# (model_version, created_at).
TIME_SERIES_LOG = f"""
SELECT date_bin(%(bucket)s::interval, t.created_at, %(origin)s::timestamptz) AS bucket_start,
       t.model_version, t.dataset_version, t.prompt_version, t.environment,
       %(metric)s::text AS metric, count(*) AS sample_count,
       avg((t.metrics ->> %(metric)s)::float8) AS mean,
       min((t.metrics ->> %(metric)s)::float8) AS min,
       max((t.metrics ->> %(metric)s)::float8) AS max
  FROM benchmark_transactions t
 WHERE t.model_version = ANY (%(models)s::text[])
   AND t.created_at >= %(since)s::timestamptz
   AND t.metrics ? %(metric)s
   AND {in_scope("t")}
   AND (%(branch)s::text IS NULL OR coalesce(t.branch_name, '') = %(branch)s)
 GROUP BY 2, 1, 3, 4, 5
 ORDER BY 2, 1, 3, 4, 5
"""


# The current version of every configuration of the models, one row per metric, ranked
# among the models that ran the same dataset, prompt and environment (1 = best by the
# metric's direction).
COMPARE_MODELS = f"""
WITH values AS MATERIALIZED (
    SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
           s.snapshot_version, m.key AS metric, m.value::float8 AS value,
           t.metric_directions ->> m.key AS stated
      FROM benchmark_snapshots s
      JOIN benchmark_transactions t ON t.id = s.transaction_id
     CROSS JOIN jsonb_each(s.metrics) AS m
     WHERE s.is_current AND s.model_version = ANY (%(models)s::text[])
       AND (%(metrics)s::text[] IS NULL OR m.key = ANY (%(metrics)s::text[]))
       AND {in_scope("s")}
), {directions("values", "v.stated")}
SELECT d.model_version, d.dataset_version, d.prompt_version, d.environment,
       d.snapshot_version, d.metric, d.value, d.direction,
       rank() OVER (
           PARTITION BY d.dataset_version, d.prompt_version, d.environment, d.metric
           ORDER BY CASE WHEN d.direction = 'lower' THEN d.value ELSE -d.value END) AS rank
  FROM directed d
 ORDER BY d.dataset_version, d.prompt_version, d.environment, d.metric, rank, d.model_version
"""

# The baseline version of every configuration that has one, one row per numeric metric, with
# the direction the configuration's current result gives it (as detect_regressions judges):
# what a chart of current metrics shows the change against, without judging anything.
BASELINES = f"""
WITH values AS MATERIALIZED (
    SELECT b.model_version, b.dataset_version, b.prompt_version, b.environment,
           b.snapshot_version AS baseline_version, m.key AS metric,
           m.value::float8 AS baseline, t.metric_directions ->> m.key AS stated
      FROM benchmark_snapshots b
      JOIN benchmark_snapshots s
        ON (s.model_version, s.dataset_version, s.prompt_version, s.environment)
         = (b.model_version, b.dataset_version, b.prompt_version, b.environment)
       AND s.is_current
      JOIN benchmark_transactions t ON t.id = s.transaction_id
     CROSS JOIN jsonb_each(b.metrics) AS m
     WHERE b.is_baseline AND jsonb_typeof(m.value) = 'number'
       AND (%(metrics)s::text[] IS NULL OR m.key = ANY (%(metrics)s::text[]))
       AND (%(models)s::text[] IS NULL OR b.model_version = ANY (%(models)s::text[]))
       AND {in_scope("b")}
), {directions("values", "v.stated")}
SELECT d.model_version, d.dataset_version, d.prompt_version, d.environment,
       d.baseline_version, d.metric, d.baseline, d.direction
  FROM directed d
 ORDER BY 1, 2, 3, 4, 6
"""

# Two sides of a comparison, judged: per metric a, b, delta, percent, the direction stated by
# b's result (else a's), a per-configuration override, the definition or the name rule
# (metric_direction()), and whether b is better or worse by it. The one place that rule is
# written: `benchmon compare` and the API's compare_versions/compare_results both read it.
_JUDGED = """
SELECT m.metric, m.a::float8, m.b::float8, m.delta::float8, m.percent::float8, d.direction,
       CASE WHEN m.delta IS NULL OR d.stated = 'none' THEN NULL  -- informational
            WHEN m.delta = 0 THEN 'same'
            WHEN (m.delta > 0) = (d.direction = 'higher') THEN 'better'
            ELSE 'worse' END AS change
  FROM ({pairs}) AS m
 CROSS JOIN LATERAL (
       SELECT coalesce(({stated_b}) ->> m.metric, ({stated_a}) ->> m.metric) AS stated) s
 CROSS JOIN LATERAL (
       SELECT s.stated, metric_direction(m.metric, s.stated, %(model_version)s,
                                         %(dataset_version)s, %(prompt_version)s,
                                         %(environment)s) AS direction) d
 ORDER BY m.metric
"""

_VERSION_STATED = """SELECT t.metric_directions FROM benchmark_snapshots s
                       JOIN benchmark_transactions t ON t.id = s.transaction_id
                      WHERE (s.model_version, s.dataset_version, s.prompt_version,
                             s.environment, s.snapshot_version)
                          = (%(model_version)s, %(dataset_version)s, %(prompt_version)s,
                             %(environment)s, {version})"""

# Two versions: compare_snapshots() (sql/0005) does the arithmetic.
COMPARE_VERSIONS = _JUDGED.format(
    pairs="""SELECT c.metric, c.value_a AS a, c.value_b AS b, c.delta,
                    c.percent_change AS percent
               FROM compare_snapshots(%(model_version)s, %(dataset_version)s,
                                      %(prompt_version)s, %(environment)s, %(a)s, %(b)s) c""",
    stated_a=_VERSION_STATED.format(version="%(a)s"),
    stated_b=_VERSION_STATED.format(version="%(b)s"),
)

_RESULT = "SELECT t.{column} FROM benchmark_transactions t WHERE t.id = %({side})s::uuid"

# Two results of the log (the newest of two commits or branches), by id: the same arithmetic
# as compare_snapshots().
COMPARE_RESULTS = _JUDGED.format(
    pairs=f"""SELECT coalesce(ma.key, mb.key) AS metric, ma.value::numeric AS a,
                     mb.value::numeric AS b, mb.value::numeric - ma.value::numeric AS delta,
                     round((mb.value::numeric - ma.value::numeric)
                           / nullif(abs(ma.value::numeric), 0) * 100, 2) AS percent
                FROM jsonb_each(({_RESULT.format(column="metrics", side="a")})) AS ma
                FULL JOIN jsonb_each(({_RESULT.format(column="metrics", side="b")})) AS mb
                  ON mb.key = ma.key""",
    stated_a=_RESULT.format(column="metric_directions", side="a"),
    stated_b=_RESULT.format(column="metric_directions", side="b"),
)

# The newest result of a commit (a prefix will do) or of a branch, per configuration.
NEWEST_RESULTS = f"""
SELECT DISTINCT ON (t.model_version, t.dataset_version, t.prompt_version, t.environment)
       t.model_version, t.dataset_version, t.prompt_version, t.environment, t.id::text,
       t.created_at, t.commit_sha, t.branch_name, t.metrics,
       -- every commit of the configuration the prefix matches: more than one is ambiguous
       CASE WHEN %(commit)s::text IS NOT NULL THEN ARRAY(
           SELECT DISTINCT u.commit_sha FROM benchmark_transactions u
            WHERE (u.model_version, u.dataset_version, u.prompt_version, u.environment)
                = (t.model_version, t.dataset_version, t.prompt_version, t.environment)
              AND starts_with(u.commit_sha, %(commit)s)
              AND (%(branch)s::text IS NULL OR u.branch_name = %(branch)s)
            ORDER BY 1) END AS commits_matched
  FROM benchmark_transactions t
 WHERE (%(commit)s::text IS NULL OR starts_with(t.commit_sha, %(commit)s))
   AND (%(branch)s::text IS NULL OR t.branch_name = %(branch)s)
   AND {in_scope("t")}
 ORDER BY t.model_version, t.dataset_version, t.prompt_version, t.environment,
          t.created_at DESC, t.seq DESC
"""

# Every configuration: its current and baseline version, how many versions, its newest
# result and the branch whose results make its versions (tracked_branch()).
CONFIGURATIONS = f"""
SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
       c.snapshot_version AS current_version, b.snapshot_version AS baseline_version,
       (SELECT v.snapshot_version FROM benchmark_snapshots v
         WHERE (v.model_version, v.dataset_version, v.prompt_version, v.environment)
             = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
         ORDER BY v.snapshot_version DESC LIMIT 1) AS versions,
       (SELECT t.created_at FROM benchmark_transactions t
         WHERE (t.model_version, t.dataset_version, t.prompt_version, t.environment)
             = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
         ORDER BY t.created_at DESC, t.seq DESC LIMIT 1) AS last_result_at,
       tracked_branch(c.model_version, c.dataset_version, c.prompt_version,
                      c.environment) AS tracked_branch
  FROM benchmark_snapshots c
  LEFT JOIN benchmark_snapshots b
    ON (b.model_version, b.dataset_version, b.prompt_version, b.environment)
     = (c.model_version, c.dataset_version, c.prompt_version, c.environment)
   AND b.is_baseline
 WHERE c.is_current AND {in_scope("c")}
 ORDER BY 1, 2, 3, 4
"""

SNAPSHOT_HISTORY = """
SELECT h.snapshot_version, h.created_at, h.first_seen_at, h.last_updated_at, h.is_current,
       h.is_baseline, h.is_active, h.run_count, t.commit_sha, t.branch_name,
       coalesce(h.metrics -> 'f1_score', h.metrics -> 'f1')::float8, -- as the f1_score column
       h.transaction_id::text, h.metrics, t.created_at AS result_at
  FROM get_snapshot_history(%(model_version)s, %(dataset_version)s, %(prompt_version)s,
                            %(environment)s, %(n)s) h
  JOIN benchmark_transactions t ON t.id = h.transaction_id
 ORDER BY h.snapshot_version DESC
"""

PERFORMANCE_TRENDS = """
SELECT v.day, v.model_version, v.environment, v.branch_name, v.run_count,
       v.avg_f1::float8, v.avg_precision::float8, v.avg_recall::float8,
       v.avg_accuracy::float8, v.avg_latency_ms::float8, v.avg_duration_seconds::float8
  FROM v_performance_trends v
 WHERE v.day >= %(first_day)s::date
   AND (%(model_version)s::text IS NULL OR v.model_version = %(model_version)s)
   AND (%(environment)s::text IS NULL OR v.environment = %(environment)s)
   AND (%(branch)s::text IS NULL OR v.branch_name = %(branch)s)
 ORDER BY v.model_version, v.environment, v.branch_name NULLS FIRST, v.day
"""

# Discovery: one row per stored value of a configuration part, from the current versions
# (exactly one per configuration).
DISCOVER = """
SELECT s.{column}, count(*) AS configurations, max(s.created_at) AS last_version_at
  FROM benchmark_snapshots s
 WHERE s.is_current
   AND (%(metric)s::text IS NULL OR s.metrics ? %(metric)s)
   AND (%(environment)s::text IS NULL OR s.environment = %(environment)s)
 GROUP BY 1
 ORDER BY 1
"""

METRICS = """
SELECT m.key AS metric, metric_direction(m.key) AS direction, d.unit, d.abs_threshold,
       CASE WHEN d.name IS NULL THEN default_rel_threshold() ELSE d.rel_threshold END,
       count(*) AS configurations, d.name IS NOT NULL AS defined
  FROM benchmark_snapshots s
 CROSS JOIN jsonb_object_keys(s.metrics) AS m(key)
  LEFT JOIN metric_definitions d ON d.name = m.key
 WHERE s.is_current
 GROUP BY m.key, d.name, d.unit, d.abs_threshold, d.rel_threshold
 ORDER BY 1
"""

# The alerts not yet resolved (open or acknowledged), worst first, each with the time of the
# result its configuration's current version shows: where a chart of the configuration
# marks the alert (the baseline rule's `current` is that result's value).
OPEN_ALERTS = f"""
SELECT a.id, a.rule, a.model_version, a.dataset_version, a.prompt_version, a.environment,
       a.metric, a.severity, a.status, a.reason, a.direction, a.current::float8,
       a.reference::float8, a.delta::float8, a.percent::float8, a.commit_sha, a.branch_name,
       a.run_length, a.first_seen_at, a.last_seen_at, t.created_at AS result_at
  FROM regression_alerts a
  LEFT JOIN benchmark_snapshots s
    ON (s.model_version, s.dataset_version, s.prompt_version, s.environment)
     = (a.model_version, a.dataset_version, a.prompt_version, a.environment)
   AND s.is_current
  LEFT JOIN benchmark_transactions t ON t.id = s.transaction_id
 WHERE a.status <> 'resolved' AND {in_scope("a")}
 ORDER BY (a.severity = 'ERROR') DESC, a.last_seen_at DESC, a.id DESC
"""
