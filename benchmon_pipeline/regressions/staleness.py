"""Missing and stale data, as alerts in their own right.

A benchmark that silently stops running looks exactly like one that never regresses, and a
metric that drops out of the results (a renamed key, a crashed evaluator) takes its
regression checks with it. Two rules:

- a stale configuration: it reported regularly, and has now been silent for several of its
  own typical intervals (the median of its recent intervals, so nightly and per-commit
  series are each judged by their own rhythm);
- a disappeared metric: it was in (nearly) every recent result of a configuration, and the
  newest results lack it. WARN on the first result without it, ERROR once K in a row lack it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmon_pipeline.regressions.confirmation import (
    DEFAULT_CONFIRM_RESULTS,
    check_confirm_results,
    severity_for_run,
)
from benchmon_pipeline.regressions.observations import Observation, as_utc, observations
from benchmon_pipeline.regressions.robust import median
from benchmon_pipeline.regressions.verdicts import ERROR, WARN


@dataclass(frozen=True)
class StalenessSettings:
    min_results: int = 5  # results before a configuration's rhythm is trusted
    intervals: int = 20  # the recent intervals its typical interval is the median of
    warn_after: float = 3.0  # silence, in typical intervals, before a WARN
    error_after: float = 6.0  # … before an ERROR
    metric_lookback: int = 20  # results before the gap in which a metric must have been …
    metric_presence: float = 0.8  # … present this often (and at least min_results times)
    confirm_results: int = DEFAULT_CONFIRM_RESULTS  # K results in a row without it: ERROR
    retired_after: int = 30  # absent from this many results in a row: retired, not missing

    def __post_init__(self) -> None:
        if self.min_results < 2 or self.intervals < 1:
            raise ValueError("need min_results ≥ 2 and intervals ≥ 1")
        if not 0 < self.warn_after <= self.error_after:
            raise ValueError("need 0 < warn_after ≤ error_after")
        if not 0 < self.metric_presence <= 1:
            raise ValueError("metric_presence must be in (0, 1]")
        check_confirm_results(self.confirm_results)
        if self.retired_after <= self.confirm_results:
            raise ValueError("retired_after must exceed confirm_results")


@dataclass(frozen=True)
class StaleConfiguration:
    configuration: Hashable
    last_seen: datetime
    typical_interval: timedelta
    silent_for: timedelta
    missed: float  # silent_for / typical_interval
    passed: bool
    severity: str | None
    reason: str


@dataclass(frozen=True)
class MissingMetric:
    configuration: Hashable
    metric: str
    last_seen: datetime
    absent_from: int  # the newest results in a row without the metric
    present_in: int  # of the `looked_at` results before them
    looked_at: int
    severity: str  # WARN or ERROR (only missing metrics are reported)
    reason: str


def _result_times(rows: list[Observation]) -> dict[Hashable, list[datetime]]:
    """Per configuration, the distinct times of its results, oldest first."""
    times: dict[Hashable, set[datetime]] = {}
    for row in rows:
        times.setdefault(row.configuration, set()).add(row.created_at)
    return {configuration: sorted(found) for configuration, found in times.items()}


def stale_configurations(
    data, now: datetime, settings: StalenessSettings | None = None
) -> list[StaleConfiguration]:
    """Every configuration with enough results to have a rhythm, judged at `now`.

    Configurations with fewer than `min_results` results are left out: they have no rhythm
    to break yet.
    """
    settings = settings or StalenessSettings()
    now = as_utc(now)
    found = []
    times_by_configuration = _result_times(observations(data))
    for configuration in sorted(times_by_configuration, key=str):
        times = times_by_configuration[configuration]
        if len(times) < settings.min_results:
            continue
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        typical = median(gaps[-settings.intervals :])
        silent = max(now - times[-1], timedelta(0))
        missed = silent / typical
        severity = (
            ERROR
            if missed >= settings.error_after
            else WARN
            if missed >= settings.warn_after
            else None
        )
        if severity is None:
            reason = (
                f"last result {_span(silent)} ago, within its usual rhythm of one every "
                f"{_span(typical)}"
            )
        else:
            reason = (
                f"silent for {_span(silent)}, {missed:.1f}× its typical interval of "
                f"{_span(typical)} (WARN from {settings.warn_after:g}×, ERROR from "
                f"{settings.error_after:g}×)"
            )
        found.append(
            StaleConfiguration(
                configuration,
                times[-1],
                typical,
                silent,
                missed,
                severity is None,
                severity,
                reason,
            )
        )
    return found


def metric_presence_judged(data, settings: StalenessSettings | None = None) -> int:
    """How many configurations `disappeared_metrics` can judge: those with more than
    `min_results` results, since a metric counts as missing only after it was present in
    `min_results` results or more before the newest. A younger one is not judged, so that a
    gate over young configurations does not pass having judged nothing."""
    settings = settings or StalenessSettings()
    return sum(
        len(times) > settings.min_results for times in _result_times(observations(data)).values()
    )


def disappeared_metrics(data, settings: StalenessSettings | None = None) -> list[MissingMetric]:
    """Metrics that a configuration's recent results carried and its newest results lack."""
    settings = settings or StalenessSettings()
    rows = observations(data)
    metrics_at: dict[Hashable, dict[datetime, set[str]]] = {}
    for row in rows:
        metrics_at.setdefault(row.configuration, {}).setdefault(row.created_at, set()).add(
            row.metric
        )
    found = []
    for configuration in sorted(metrics_at, key=str):
        times = sorted(metrics_at[configuration])
        results = [metrics_at[configuration][t] for t in times]
        for metric in sorted(set().union(*results)):
            absent = 0
            while absent < len(results) and metric not in results[-1 - absent]:
                absent += 1
            if absent == 0 or absent >= settings.retired_after:
                continue
            before = results[:-absent][-settings.metric_lookback :]
            present = sum(metric in result for result in before)
            if present < settings.min_results or present < settings.metric_presence * len(before):
                continue
            severity = severity_for_run(absent, settings.confirm_results)
            last_seen = max(t for t, result in zip(times, results, strict=True) if metric in result)
            found.append(
                MissingMetric(
                    configuration,
                    metric,
                    last_seen,
                    absent,
                    present,
                    len(before),
                    severity,
                    f"absent from the newest {absent} result(s), present in {present} of the "
                    f"{len(before)} before (ERROR once {settings.confirm_results} in a row lack "
                    "it)",
                )
            )
    return found


def _span(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
