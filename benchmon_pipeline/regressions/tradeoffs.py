"""Trade-offs: one metric better, another worse beyond its threshold, in the same change.

"F1 +1 %" alone reads as good news and "cost +40 %" alone as a regression; together they
are a decision someone has to make, so the check's metadata says both in one sentence.
Meant for baseline verdicts, whose "worse" is already judged against each metric's
threshold; an improvement counts when it is at least `min_improvement_percent`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from benchmon_pipeline.regressions.directions import HIGHER
from benchmon_pipeline.regressions.verdicts import Verdict


@dataclass(frozen=True)
class MetricChange:
    metric: str
    direction: str
    current: float
    reference: float
    delta: float
    percent: float | None

    def describe(self) -> str:
        change = f"{self.percent:+.1f} %" if self.percent is not None else f"{self.delta:+.4g}"
        return f"{self.metric} {change} ({self.reference:.4g} → {self.current:.4g})"


@dataclass(frozen=True)
class TradeOff:
    configuration: Hashable
    improved: tuple[MetricChange, ...]
    worsened: tuple[MetricChange, ...]  # each beyond its threshold
    description: str


def _change(verdict: Verdict) -> MetricChange:
    return MetricChange(
        verdict.metric,
        verdict.direction,
        verdict.current,
        verdict.reference,
        verdict.delta,
        verdict.percent,
    )


def improved(verdict: Verdict, min_improvement_percent: float = 0.0) -> bool:
    """Whether the verdict's metric moved in its good direction (by at least the minimum)."""
    if verdict.delta is None or verdict.delta == 0:
        return False
    better = verdict.delta > 0 if verdict.direction == HIGHER else verdict.delta < 0
    if not better:
        return False
    return verdict.percent is None or abs(verdict.percent) >= min_improvement_percent


def find_tradeoffs(
    verdicts: Iterable[Verdict], *, min_improvement_percent: float = 0.0
) -> list[TradeOff]:
    """Per configuration, the metrics that improved next to those that failed their check."""
    by_configuration: dict[Hashable, list[Verdict]] = {}
    for verdict in verdicts:
        by_configuration.setdefault(verdict.configuration, []).append(verdict)
    found = []
    for configuration, group in by_configuration.items():
        better = tuple(
            _change(v) for v in group if v.passed and improved(v, min_improvement_percent)
        )
        worse = tuple(_change(v) for v in group if not v.passed and v.delta is not None)
        if better and worse:
            description = (
                ", ".join(c.describe() for c in better)
                + " while "
                + ", ".join(c.describe() for c in worse)
                + (" is" if len(worse) == 1 else " are")
                + " worse beyond "
                + ("its threshold" if len(worse) == 1 else "their thresholds")
            )
            found.append(TradeOff(configuration, better, worse, description))
    return found
