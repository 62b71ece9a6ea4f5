"""Regression detection: the statistics behind the regression checks, with no Dagster in it.

The Dagster checks, the alerts table and the CI gate call this API and only turn its
answers into check results, rows and exit codes. Input everywhere: a pandas DataFrame or a
list of records with the columns (configuration, metric, created_at, value[, direction]
[, sample_group]) — see `observations`. Output: frozen dataclasses.

Rules (docs/regressions.md explains each decision and how to tune it):

- `check_baseline` / `compare_to_baseline` (thresholds.py): current version vs the
  configuration's baseline with absolute and/or relative `Threshold`s, exact decimal
  comparison, a drop equal to the threshold counts → `Verdict`s (rule "baseline").
- `check_history` / `judge_newest` (history_rule.py): newest results vs a trailing window of
  the same series, robust z or Mann–Whitney, log scale where it fits, confirmation over K
  results, Benjamini–Hochberg across everything judged at once → `Verdict`s (rule
  "history"). `gather_evidence` + `decide` are the same in two steps.
- `severity_for` (confirmation.py): WARN on the first breach, ERROR after K in a row.
- `stale_configurations` / `disappeared_metrics` (staleness.py) → `StaleConfiguration`,
  `MissingMetric`.
- `find_tradeoffs` (tradeoffs.py): one metric better, another worse beyond its threshold →
  `TradeOff` with a one-sentence `description`.
- `bh_adjusted` / `bh_significant` (fdr.py), `resolve_direction` / `direction_from_name`
  (directions.py).
"""

from benchmon_pipeline.regressions.confirmation import (
    DEFAULT_CONFIRM_RESULTS,
    severity_for,
    severity_for_run,
    trailing_run,
)
from benchmon_pipeline.regressions.directions import (
    HIGHER,
    LOWER,
    direction_from_name,
    resolve_direction,
    uses_log_scale,
)
from benchmon_pipeline.regressions.fdr import bh_adjusted, bh_significant
from benchmon_pipeline.regressions.history_rule import (
    Evidence,
    HistorySettings,
    check_history,
    decide,
    gather_evidence,
    judge_newest,
)
from benchmon_pipeline.regressions.observations import Observation, observations
from benchmon_pipeline.regressions.staleness import (
    MissingMetric,
    StaleConfiguration,
    StalenessSettings,
    disappeared_metrics,
    stale_configurations,
)
from benchmon_pipeline.regressions.thresholds import (
    BOTH,
    EITHER,
    Threshold,
    check_baseline,
    compare_to_baseline,
)
from benchmon_pipeline.regressions.tradeoffs import MetricChange, TradeOff, find_tradeoffs
from benchmon_pipeline.regressions.verdicts import ERROR, WARN, Verdict, verdicts_frame

__all__ = [
    "BOTH",
    "DEFAULT_CONFIRM_RESULTS",
    "EITHER",
    "ERROR",
    "HIGHER",
    "LOWER",
    "WARN",
    "Evidence",
    "HistorySettings",
    "MetricChange",
    "MissingMetric",
    "Observation",
    "StaleConfiguration",
    "StalenessSettings",
    "Threshold",
    "TradeOff",
    "Verdict",
    "bh_adjusted",
    "bh_significant",
    "check_baseline",
    "check_history",
    "compare_to_baseline",
    "decide",
    "direction_from_name",
    "disappeared_metrics",
    "find_tradeoffs",
    "gather_evidence",
    "judge_newest",
    "observations",
    "resolve_direction",
    "severity_for",
    "severity_for_run",
    "stale_configurations",
    "trailing_run",
    "uses_log_scale",
    "verdicts_frame",
]
