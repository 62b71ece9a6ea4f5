"""What every rule returns: one row of a check's metadata table.

One shape for the baseline and the history rules, so the Dagster checks, the alerts table
and the CI report can show them side by side without knowing which rule spoke.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass

WARN = "WARN"
ERROR = "ERROR"
SEVERITIES = (WARN, ERROR)


@dataclass(frozen=True)
class Verdict:
    """One (configuration, metric) judged by one rule.

    `delta` is `current - reference` in the metric's own units (its sign says up or down, not
    better or worse: `direction` says which is good); `percent` is `100 * delta / |reference|`,
    `None` when the reference is 0. `severity` is `None` when `passed`.
    """

    rule: str  # "baseline" | "history"
    configuration: Hashable
    metric: str
    direction: str
    current: float
    reference: float | None
    delta: float | None
    percent: float | None
    passed: bool
    severity: str | None
    reason: str
    p_value: float | None = None  # history only: the nominal one-sided p-value of the evidence
    z: float | None = None  # history only: the combined robust z (normal-equivalent units)
    run_length: int = 0  # consecutive results on the bad side, the newest included
    reference_size: int = 0  # how many results the reference is made of
    scale: str = "linear"  # history: "linear" | "log" | "proportion" | "square-root" (scales.py)

    def as_row(self) -> dict:
        """A flat dict for a metadata table or a DataFrame row."""
        return asdict(self)


def change(current: float, reference: float | None) -> tuple[float | None, float | None]:
    """`(delta, percent)` of `current` against `reference`."""
    if reference is None:
        return None, None
    delta = current - reference
    percent = None if reference == 0 else 100.0 * delta / abs(reference)
    return delta, percent


def verdicts_frame(verdicts: Iterable[Verdict]):
    """The verdicts as a pandas DataFrame (one row each, the dataclass fields as columns)."""
    import pandas as pd

    rows = [verdict.as_row() for verdict in verdicts]
    columns = list(Verdict.__dataclass_fields__)
    return pd.DataFrame(rows, columns=columns)
