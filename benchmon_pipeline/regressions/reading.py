"""What the regression rules read from the database, as pandas DataFrames.

Two scopes (docs/regressions.md#in-the-dagster-ui-the-checks):

- the tracked scope (`Scope(branch=None)`): each configuration's tracked-branch results —
  what production's snapshots are made of;
- a branch scope (`Scope(branch="feature-x")`, a pull request): that branch's newest
  results, judged against the tracked branch's baseline and history. A branch's results never
  move the tracked snapshots, so they are read from the log.

The thresholds, directions and tracked branch are asked of the database, which defines each
rule once (metric_thresholds(), metric_direction(), tracked_branch(): sql/0022 and
sql/0006), so a check and a SQL user never disagree on what is worse or what is tracked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

import pandas as pd
import psycopg
from psycopg.rows import dict_row


@dataclass(frozen=True)
class Scope:
    """Which configurations to judge (None = all) and on which branch (None = tracked)."""

    model_version: str | None = None
    dataset_version: str | None = None
    prompt_version: str | None = None
    environment: str | None = None
    branch: str | None = None
    # Only these (model, dataset, prompt, environment), when given: the configurations a
    # check's watermark says changed (watermarks.py).
    configurations: tuple[tuple[str, str, str, str], ...] | None = None

    def params(self) -> dict:
        only = self.configurations or ()
        return {
            "model": self.model_version,
            "dataset": self.dataset_version,
            "prompt": self.prompt_version,
            "environment": self.environment,
            "branch": self.branch,
            "listed": self.configurations is not None,
            **{f"only_{i}": [c[i] for c in only] for i in range(4)},
        }

    def describe_filters(self) -> str:
        """'model m, environment ci' or 'every configuration'."""
        parts = [
            f"{name} {value}"
            for name, value in (
                ("model", self.model_version),
                ("dataset", self.dataset_version),
                ("prompt", self.prompt_version),
                ("environment", self.environment),
            )
            if value is not None
        ]
        if self.configurations is not None:
            parts.append(f"{len(self.configurations)} listed configuration(s)")
        return ", ".join(parts) or "every configuration"

    def describe(self) -> str:
        where = self.describe_filters()
        return f"{where}, branch {self.branch}" if self.branch else f"{where}, tracked branches"


CONFIGURATION = ("model_version", "dataset_version", "prompt_version", "environment")


def _in_scope(alias: str) -> str:
    return (
        f"(%(model)s::text IS NULL OR {alias}.model_version = %(model)s) "
        f"AND (%(dataset)s::text IS NULL OR {alias}.dataset_version = %(dataset)s) "
        f"AND (%(prompt)s::text IS NULL OR {alias}.prompt_version = %(prompt)s) "
        f"AND (%(environment)s::text IS NULL OR {alias}.environment = %(environment)s) "
        f"AND (NOT %(listed)s OR ({alias}.model_version, {alias}.dataset_version, "
        f"{alias}.prompt_version, {alias}.environment) IN (SELECT * FROM unnest("
        f"%(only_0)s::text[], %(only_1)s::text[], %(only_2)s::text[], %(only_3)s::text[])))"
    )


def _same_configuration(left: str, right: str) -> str:
    return (
        f"({left}.model_version, {left}.dataset_version, {left}.prompt_version, "
        f"{left}.environment) = ({right}.model_version, {right}.dataset_version, "
        f"{right}.prompt_version, {right}.environment)"
    )


# The newest result judged, per configuration: the current snapshot (tracked scope) …
_TRACKED_CURRENT = f"""
current AS (
    SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
           s.metrics, t.metric_directions, t.commit_sha, t.branch_name,
           s.snapshot_version AS current_version, b.snapshot_version AS baseline_version,
           b.metrics AS baseline_metrics,
           -- the versions between the baseline and the current one, newest first: how long
           -- a breach has persisted
           ARRAY(SELECT p.metrics FROM benchmark_snapshots p
                  WHERE {_same_configuration("p", "s")}
                    AND p.snapshot_version < s.snapshot_version
                    AND p.snapshot_version > b.snapshot_version
                  ORDER BY p.snapshot_version DESC
                  LIMIT %(previous)s) AS previous_metrics
      FROM benchmark_snapshots s
      JOIN benchmark_snapshots b ON {_same_configuration("b", "s")} AND b.is_baseline
      JOIN benchmark_transactions t ON t.id = s.transaction_id
     WHERE s.is_current AND {_in_scope("s")}
)"""


# metric_direction() (sql/0022) costs tens of microseconds a call (its name rule splits the
# name with regular expressions), a millisecond per 30 metric values. Its answer depends on
# the configuration only through a direction the result states or a per-configuration
# override; every other value takes the metric's own direction, asked once per name.
def directions(values: str, stated: str) -> str:
    """`direction` per row of `values` (columns metric plus the configuration's four parts):
    metric_direction()'s answer, computed once per metric name where no stated direction
    (`stated`: an expression of the row) or override can change it."""
    return f"""
by_name AS MATERIALIZED (
    SELECT n.metric, metric_direction(n.metric) AS direction
      FROM (SELECT DISTINCT v.metric FROM {values} v) n
), directed AS MATERIALIZED (
    SELECT v.*,
           CASE WHEN {stated} IS NOT NULL OR EXISTS (
                    SELECT 1 FROM metric_overrides o
                     WHERE (o.model_version, o.dataset_version, o.prompt_version,
                            o.environment, o.metric)
                         = (v.model_version, v.dataset_version, v.prompt_version,
                            v.environment, v.metric))
                THEN metric_direction(v.metric, {stated}, v.model_version, v.dataset_version,
                                      v.prompt_version, v.environment)
                ELSE b.direction END AS direction
      FROM {values} v JOIN by_name b ON b.metric = v.metric
)"""


# … or the branch's newest result, against the tracked baseline (the tracked current
# version when no baseline is marked).
_BRANCH_CURRENT = f"""
branch_results AS (
    SELECT t.*, row_number() OVER (
               PARTITION BY t.model_version, t.dataset_version, t.prompt_version, t.environment
               ORDER BY t.created_at DESC, t.seq DESC) AS age
      FROM benchmark_transactions t
     WHERE t.branch_name = %(branch)s AND {_in_scope("t")}
), current AS (
    SELECT r.model_version, r.dataset_version, r.prompt_version, r.environment,
           r.metrics, r.metric_directions, r.commit_sha, r.branch_name,
           NULL::integer AS current_version, b.snapshot_version AS baseline_version,
           b.metrics AS baseline_metrics,
           ARRAY(SELECT p.metrics FROM branch_results p
                  WHERE {_same_configuration("p", "r")} AND p.age > 1
                  ORDER BY p.age LIMIT %(previous)s) AS previous_metrics
      FROM branch_results r
      JOIN LATERAL (
          SELECT s.snapshot_version, s.metrics FROM benchmark_snapshots s
           WHERE {_same_configuration("s", "r")} AND (s.is_baseline OR s.is_current)
           ORDER BY s.is_baseline DESC LIMIT 1) b ON true
     WHERE r.age = 1
)"""

_PAIRS = f"""
pairs AS MATERIALIZED (
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
           c.current_version, c.baseline_version, c.commit_sha, c.branch_name,
           m.key AS metric, m.value AS current_json, c.baseline_metrics, c.previous_metrics,
           c.metric_directions ->> m.key AS stated
      FROM current c
     CROSS JOIN jsonb_each(c.metrics) AS m
     WHERE c.baseline_metrics ? m.key
       AND (c.metric_directions ->> m.key) IS DISTINCT FROM 'none'  -- informational
), {directions("pairs", "v.stated")}
SELECT d.model_version, d.dataset_version, d.prompt_version, d.environment,
       d.current_version, d.baseline_version, d.commit_sha, d.branch_name,
       d.metric, d.current_json::numeric AS current_value,
       (d.baseline_metrics -> d.metric)::numeric AS baseline_value,
       ARRAY(SELECT (p -> d.metric)::numeric FROM unnest(d.previous_metrics) AS p)
           AS previous_values,
       d.direction, th.abs_threshold, th.rel_threshold
  FROM directed d
 CROSS JOIN LATERAL metric_thresholds(d.metric, d.model_version, d.dataset_version,
                                      d.prompt_version, d.environment) AS th
 ORDER BY d.model_version, d.dataset_version, d.prompt_version, d.environment, d.metric
"""


def baseline_pairs(conn: psycopg.Connection, scope: Scope, previous: int) -> pd.DataFrame:
    """Per configuration × metric: the newest value, the baseline value, up to `previous`
    earlier values (newest first, NULL where a version lacked the metric), the direction,
    the thresholds (NULL = not judged that way), and the newest result's commit and branch."""
    current = _BRANCH_CURRENT if scope.branch else _TRACKED_CURRENT
    query = f"WITH {current}, {_PAIRS}"
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, {**scope.params(), "previous": max(previous, 0)}).fetchall()
    return pd.DataFrame(
        rows,
        columns=[
            *CONFIGURATION,
            "current_version",
            "baseline_version",
            "commit_sha",
            "branch_name",
            "metric",
            "current_value",
            "baseline_value",
            "previous_values",
            "direction",
            "abs_threshold",
            "rel_threshold",
        ],
    )


# Recent results, one row per metric value. The tracked scope reads each current
# configuration's newest `per_configuration` tracked results; a branch scope reads the
# same tracked history plus the branch's newest `per_branch` results (on_branch = true).
# Rows come grouped by series (configuration, metric), oldest first, tracked before branch.
_RECENT = f"""
WITH configurations AS (
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
           tracked_branch(c.model_version, c.dataset_version, c.prompt_version,
                          c.environment) AS tracked
      FROM (SELECT DISTINCT s.model_version, s.dataset_version, s.prompt_version,
                   s.environment
              FROM benchmark_snapshots s
             WHERE %(branch)s::text IS NULL AND s.is_current AND {_in_scope("s")}
            UNION
            SELECT DISTINCT t.model_version, t.dataset_version, t.prompt_version,
                   t.environment
              FROM benchmark_transactions t
             WHERE t.branch_name = %(branch)s AND {_in_scope("t")}) AS c
), results AS (
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment, r.*
      FROM configurations c
     CROSS JOIN LATERAL (
         SELECT t.id, t.seq, t.created_at, t.commit_sha, t.branch_name, t.metrics,
                t.metric_directions, false AS on_branch
           FROM benchmark_transactions t
          WHERE {_same_configuration("t", "c")}
            AND (t.branch_name IS NULL OR t.branch_name = c.tracked)
          ORDER BY t.created_at DESC, t.seq DESC
          LIMIT %(per_configuration)s) AS r
    UNION ALL
    SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment, r.*
      FROM configurations c
     CROSS JOIN LATERAL (
         SELECT t.id, t.seq, t.created_at, t.commit_sha, t.branch_name, t.metrics,
                t.metric_directions, true AS on_branch
           FROM benchmark_transactions t
          WHERE {_same_configuration("t", "c")} AND t.branch_name = %(branch)s
            AND %(branch)s::text IS DISTINCT FROM c.tracked
          ORDER BY t.created_at DESC, t.seq DESC
          LIMIT %(per_branch)s) AS r
)
SELECT r.model_version, r.dataset_version, r.prompt_version, r.environment, m.key,
       r.on_branch, r.created_at, r.seq, r.id, r.commit_sha, r.branch_name,
       m.value::float8, r.metric_directions ->> m.key
  FROM results r
 CROSS JOIN jsonb_each(r.metrics) AS m
 WHERE (r.metric_directions ->> m.key) IS DISTINCT FROM 'none'  -- informational: never judged
 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
"""

# One metric_direction() call per series (the database's precedence), not per value.
_DIRECTIONS = """
SELECT metric_direction(u.metric, u.stated, u.model_version, u.dataset_version,
                        u.prompt_version, u.environment)
  FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
       WITH ORDINALITY AS u(model_version, dataset_version, prompt_version, environment,
                            metric, stated, position)
 ORDER BY u.position
"""


class RecentValue(NamedTuple):
    """One metric value of one recent result."""

    configuration: tuple[str, str, str, str]
    metric: str
    on_branch: bool
    created_at: datetime
    seq: int
    id: object
    commit_sha: str | None
    branch_name: str | None
    value: float


@dataclass(frozen=True)
class Series:
    """One configuration × metric: its recent values, oldest first (tracked, then the
    branch's), and its direction."""

    configuration: tuple[str, str, str, str]
    metric: str
    direction: str
    values: list[RecentValue]


def recent_results(
    conn: psycopg.Connection, scope: Scope, per_configuration: int, per_branch: int = 0
) -> list[Series]:
    """Recent results per configuration and metric. Values are floats: the statistics need
    no exactness."""
    params = {
        **scope.params(),
        "per_configuration": per_configuration,
        "per_branch": per_branch if scope.branch else 0,
    }
    series: list[Series] = []
    stated: list[str | None] = []
    with conn.transaction():
        conn.execute("SET LOCAL work_mem = '64MB'")  # one in-memory sort, not a merge on disk
        rows = conn.execute(_RECENT, params).fetchall()
    for (*configuration, metric), group in groupby(rows, key=itemgetter(0, 1, 2, 3, 4)):
        configuration = tuple(configuration)
        values, said = [], None
        for row in group:
            values.append(RecentValue(configuration, metric, *row[5:12]))
            said = row[12] or said  # the newest stated direction wins
        series.append(Series(configuration, metric, "", values))
        stated.append(said)
    if series:
        columns = [[s.configuration[i] for s in series] for i in range(4)]
        directions = conn.execute(
            _DIRECTIONS, (*columns, [s.metric for s in series], stated)
        ).fetchall()
        series = [
            Series(s.configuration, s.metric, direction, s.values)
            for s, (direction,) in zip(series, directions, strict=True)
        ]
    return series


def database_now(conn: psycopg.Connection):
    """The database's clock: the one every created_at default came from."""
    return conn.execute("SELECT now()").fetchone()[0]


# What a filter can name: the gate says so when a --model/--dataset/… names nothing stored.
FILTERS = {
    "model_version": "--model",
    "dataset_version": "--dataset",
    "prompt_version": "--prompt",
    "environment": "--environment",
    "branch_name": "--branch",
}


def stored_values(conn: psycopg.Connection, column: str) -> list[str]:
    """Every value of `column` (a FILTERS key) among the stored results, sorted. Reads the
    snapshots (one row per version) and, for branch names, the log."""
    if column not in FILTERS:
        raise ValueError(f"not a filter column: {column}")
    table = "benchmark_transactions" if column == "branch_name" else "benchmark_snapshots"
    query = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1"
    return [row[0] for row in conn.execute(query)]


def is_stored(conn: psycopg.Connection, column: str, value: str) -> bool:
    """True if some stored result has `value` in `column` (a FILTERS key)."""
    if column not in FILTERS:
        raise ValueError(f"not a filter column: {column}")
    query = f"""SELECT EXISTS (SELECT 1 FROM benchmark_snapshots WHERE {column} = %(v)s)
                    OR EXISTS (SELECT 1 FROM benchmark_transactions WHERE {column} = %(v)s)"""
    if column == "branch_name":
        query = "SELECT EXISTS (SELECT 1 FROM benchmark_transactions WHERE branch_name = %(v)s)"
    return conn.execute(query, {"v": value}).fetchone()[0]
