"""The scale a series is judged on: one where its noise is roughly symmetric and even.

- log, for positive latency/time/cost/memory-like metrics (directions.uses_log_scale):
  their noise is multiplicative and right-skewed, so on the raw scale every slow run looks
  like the start of a regression;
- proportion (arcsine of the square root), for a series whose every value lies in [0, 1]
  (accuracy, F1, error and pass rates): binomial noise near 0 or 1 is lopsided and narrower
  than in the middle, and this transform makes it symmetric with a nearly constant spread.
  On the benchmark it halved the false alarms on rates near 0 and near 1 at the same
  detection rate;
- square-root (Anscombe's √(x + 3/8)), for a series of whole numbers ≥ 0 that is
  neither (failures, warnings, retries, flaky tests): counts' noise is Poisson-like,
  right-skewed and wider the larger the count, and on the raw scale a few high counts in a
  row looked like a regression — Poisson counts with mean 1, 3 and 10 raised 1.6, 0.8 and
  0.8 false alarms per 1,000 results there, 0.5, 0.2 and 0.25 on this scale (a latency
  in whole milliseconds with a 0 among its values lands here too: right-skewed, and no
  log of 0);
- linear, for everything else.

Every transform is increasing, so "worse" keeps its direction and medians map back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from benchmon_pipeline.regressions.directions import uses_log_scale

LOG, PROPORTION, SQUARE_ROOT, LINEAR = "log", "proportion", "square-root", "linear"
ZERO, ONE = 0.0, 1.0
ANSCOMBE = 3.0 / 8.0  # √(x + 3/8): Poisson noise's spread nearly constant, even near 0


def choose_scale(metric: str, direction: str, values: Iterable[float]) -> str:
    values = list(values)
    if uses_log_scale(metric, direction, values):
        return LOG
    # 0 ≤ value ≤ 1 for every value (NaN is neither), compared in C
    if values and all(map(ZERO.__le__, values)) and all(map(ONE.__ge__, values)):
        return PROPORTION
    if values and all(map(_whole, values)):
        return SQUARE_ROOT
    return LINEAR


def _whole(value: float) -> bool:
    return value >= 0.0 and value.is_integer()


def to_scale(value: float, scale: str) -> float:
    if scale == LOG:
        return math.log(value)
    if scale == PROPORTION:
        return math.asin(math.sqrt(value))
    if scale == SQUARE_ROOT:
        return math.sqrt(value + ANSCOMBE)
    return value


def to_scales(values: Iterable[float], scale: str) -> list[float]:
    """`to_scale` of every value (a whole series at once)."""
    if scale == LOG:
        return list(map(math.log, values))
    if scale == PROPORTION:
        return list(map(math.asin, map(math.sqrt, values)))
    if scale == SQUARE_ROOT:
        return [math.sqrt(value + ANSCOMBE) for value in values]
    return list(values)


def from_scale(value: float, scale: str) -> float:
    if scale == LOG:
        return math.exp(value)
    if scale == PROPORTION:
        return math.sin(min(max(value, 0.0), math.pi / 2)) ** 2
    if scale == SQUARE_ROOT:
        return max(value * value - ANSCOMBE, 0.0)
    return value
