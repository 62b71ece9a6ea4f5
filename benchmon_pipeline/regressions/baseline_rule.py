"""The baseline rule over stored results: every configuration × metric of a scope, its
current version against its baseline, judged by `compare_to_baseline`.

One loop for its two callers: the evaluation behind the checks and the CI gate
(evaluation.py, with each metric's stored thresholds) and the data-access API's
`detect_regressions` (access/api.py, which may pass a threshold of its own for every
metric). What a caller's threshold replaces is the threshold only: which versions count
as a run, and when a run is confirmed, stay the rule's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import psycopg

from benchmon_pipeline.regressions.reading import CONFIGURATION, Scope, baseline_pairs
from benchmon_pipeline.regressions.thresholds import Threshold, compare_to_baseline
from benchmon_pipeline.regressions.verdicts import Verdict


class Judged(NamedTuple):
    """One configuration × metric: the row `baseline_pairs` read, the threshold applied, and
    the verdict."""

    row: Any  # a baseline_pairs() row (itertuples)
    threshold: Threshold
    verdict: Verdict


def stored_threshold(absolute: Any, relative: Any) -> Threshold | None:
    """The thresholds metric_thresholds() gave a metric; None when it has neither (the
    definition says: not judged against a baseline)."""
    if absolute is None and relative is None:
        return None
    return Threshold(absolute=absolute, relative=relative)


def judge_baselines(
    conn: psycopg.Connection,
    scope: Scope,
    *,
    confirm_results: int,
    threshold: Threshold | None = None,
    metrics: Iterable[str] | None = None,
) -> Iterator[Judged]:
    """Each configuration × metric of `scope` that has a baseline, judged.

    `threshold` None: each metric's stored thresholds (metrics stored with none are left
    out); else this one for every metric. `metrics` None: every metric. `confirm_results`
    consecutive breaching versions make an ERROR (BENCHMON_CONFIRM_RESULTS).
    """
    wanted = None if metrics is None else set(metrics)
    pairs = baseline_pairs(conn, scope, previous=confirm_results - 1)
    # as Python objects first: iterating pandas' Arrow-backed text columns value by value
    # took 42 ms at 4,000 rows, converting them all 16 (benchmarks/bench_dashboard.py).
    # Those columns hold NaN for a missing value (a result without a commit beside one with
    # a commit): None again, as SQL gave it
    rows = pairs.astype(object)
    for row in rows.where(pairs.notna(), None).itertuples(index=False):
        if wanted is not None and row.metric not in wanted:
            continue
        rule = threshold or stored_threshold(row.abs_threshold, row.rel_threshold)
        if rule is None:
            continue
        previous = []
        for value in row.previous_values or ():  # newest first; a gap ends the run
            if value is None:
                break
            previous.append(value)
        verdict = compare_to_baseline(
            row.current_value,
            row.baseline_value,
            metric=row.metric,
            threshold=rule,
            direction=row.direction,
            configuration=tuple(getattr(row, name) for name in CONFIGURATION),
            previous=previous[::-1],
            confirm_results=confirm_results,
        )
        yield Judged(row, rule, verdict)
