"""The baseline rule: the current version against the configuration's golden version.

docs/regressions.md#baseline: a drop *equal* to the threshold is a regression
(F1 0.90 → 0.85 at 0.05 is
one). In binary floating point 0.85 − 0.80 is 0.04999999999999993, so comparing floats would
let exactly-at-threshold drops through depending on the numbers. Values are therefore
compared as the decimals they were written as (`Decimal(repr(x))`: the shortest repr
round-trips, so 0.85 is 0.85), like the database's `numeric`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from benchmon_pipeline.regressions.confirmation import (
    DEFAULT_CONFIRM_RESULTS,
    severity_for_run,
    trailing_run,
)
from benchmon_pipeline.regressions.directions import HIGHER, check_direction, resolve_direction
from benchmon_pipeline.regressions.verdicts import Verdict

EITHER = "either"  # a regression when the worsening reaches either threshold
BOTH = "both"  # … only when it reaches both (the absolute one as a materiality floor)


@dataclass(frozen=True)
class Threshold:
    """How much worse than the baseline is a regression.

    `absolute` is in the metric's units (0.05 F1 points); `relative` is a fraction of the
    baseline (0.10 = 10 %; never reached when the baseline is 0, like
    detect_metric_regressions() in SQL). Give one or both; with both, `require` says whether
    reaching either is enough (default, as in SQL) or both are needed.
    """

    absolute: float | None = None
    relative: float | None = None
    require: str = EITHER

    def __post_init__(self) -> None:
        if self.absolute is None and self.relative is None:
            raise ValueError("a threshold needs an absolute or a relative part")
        for name in ("absolute", "relative"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise ValueError(f"the {name} threshold must be ≥ 0, not {value!r}")
        if self.require not in (EITHER, BOTH):
            raise ValueError(f"require must be {EITHER!r} or {BOTH!r}, not {self.require!r}")

    def describe(self) -> str:
        parts = []
        if self.absolute is not None:
            parts.append(f"{self.absolute:g}")
        if self.relative is not None:
            parts.append(f"{self.relative * 100:g} %")
        joiner = " or " if self.require == EITHER else " and "
        return joiner.join(parts)


def exact(value: float | int | str | Decimal) -> Decimal:
    """The decimal a number was written as (0.85 → Decimal('0.85'), not 0.84999…)."""
    if isinstance(value, Decimal):
        found = value
    elif isinstance(value, str):
        found = Decimal(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        found = Decimal(value)
    else:  # float, NumPy scalars: the shortest repr is the number as it was written
        found = Decimal(repr(float(value)))
    if not found.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return found


def exact_change(current: float, baseline: float) -> tuple[float, float | None]:
    """`(delta, percent)` computed on the exact decimals, so 0.90 → 0.85 shows −0.05."""
    delta = exact(current) - exact(baseline)
    percent = None if exact(baseline) == 0 else float(100 * delta / abs(exact(baseline)))
    return float(delta), percent


def worsening(current: float, baseline: float, direction: str) -> Decimal:
    """How much worse `current` is than `baseline`, exactly (negative when it is better)."""
    drop = exact(baseline) - exact(current)
    return drop if check_direction(direction) == HIGHER else -drop


def breaches(current: float, baseline: float, direction: str, threshold: Threshold) -> bool:
    """Whether `current` is worse than `baseline` by at least `threshold` (equal counts)."""
    worse = worsening(current, baseline, direction)
    if worse <= 0:
        return False  # unchanged or better: never a regression, whatever the threshold
    reached = []
    if threshold.absolute is not None:
        reached.append(worse >= exact(threshold.absolute))
    if threshold.relative is not None:  # a share of nothing judges nothing (as in SQL)
        reached.append(
            exact(baseline) != 0 and worse >= exact(threshold.relative) * abs(exact(baseline))
        )
    return any(reached) if threshold.require == EITHER else all(reached)


def compare_to_baseline(
    current: float,
    baseline: float,
    *,
    metric: str,
    threshold: Threshold,
    direction: str | None = None,
    configuration: Hashable = None,
    previous: Sequence[float] = (),
    confirm_results: int = DEFAULT_CONFIRM_RESULTS,
) -> Verdict:
    """One metric of one configuration against its baseline.

    `previous` are the values of the versions before the current one (oldest first, any
    number): WARN when only the current version breaches, ERROR when the last
    `confirm_results` versions all do. `direction` defaults to the name rule.
    """
    direction = resolve_direction(metric, stated=direction)
    flags = [breaches(value, baseline, direction, threshold) for value in (*previous, current)]
    run = trailing_run(flags)
    severity = severity_for_run(run, confirm_results)
    delta, percent = exact_change(current, baseline)
    worse = worsening(current, baseline, direction)
    if severity is None:
        how = "better than" if worse < 0 else "as good as" if worse == 0 else "worse than"
        reason = f"{how} the baseline"
        if worse > 0:
            reason += f" by {worse}, less than the threshold {threshold.describe()}"
    else:
        reason = (
            f"worse than the baseline by {worse} (threshold {threshold.describe()}, "
            f"{'lower' if direction == HIGHER else 'higher'} is worse); "
            f"{run} consecutive version(s) breaching, K = {confirm_results}"
        )
    return Verdict(
        rule="baseline",
        configuration=configuration,
        metric=metric,
        direction=direction,
        current=current,
        reference=baseline,
        delta=delta,
        percent=percent,
        passed=severity is None,
        severity=severity,
        reason=reason,
        run_length=run,
    )


def check_baseline(
    configuration: Hashable,
    current: Mapping[str, float],
    baseline: Mapping[str, float],
    thresholds: Mapping[str, Threshold],
    *,
    directions: Mapping[str, str] | None = None,
    previous: Mapping[str, Sequence[float]] | None = None,
    confirm_results: int = DEFAULT_CONFIRM_RESULTS,
) -> list[Verdict]:
    """Every metric of one configuration that has a baseline value and a threshold.

    `thresholds` is already resolved for this configuration (per-configuration overrides
    applied by the caller); metrics without one are not judged, and metrics missing from
    `current` are the missing-data rule's business, not this one's.
    """
    directions = directions or {}
    previous = previous or {}
    verdicts = []
    for metric in sorted(current):
        if metric not in baseline or metric not in thresholds:
            continue
        verdicts.append(
            compare_to_baseline(
                current[metric],
                baseline[metric],
                metric=metric,
                threshold=thresholds[metric],
                direction=directions.get(metric),
                configuration=configuration,
                previous=previous.get(metric, ()),
                confirm_results=confirm_results,
            )
        )
    return verdicts
