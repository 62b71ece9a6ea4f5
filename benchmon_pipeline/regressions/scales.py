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

import numpy as np

from benchmon_pipeline.regressions.directions import log_scale_named

LOG, PROPORTION, SQUARE_ROOT, LINEAR = "log", "proportion", "square-root", "linear"
ZERO, ONE = 0.0, 1.0
ANSCOMBE = 3.0 / 8.0  # √(x + 3/8): Poisson noise's spread nearly constant, even near 0


def choose_scale(metric: str, direction: str, values: Iterable[float] | np.ndarray) -> str:
    values = _array(values)
    named = log_scale_named(metric, direction)
    if not len(values):
        return LOG if named else LINEAR
    low, high = float(values.min()), float(values.max())  # NaN in either: every test fails
    if named and low > ZERO:
        return LOG
    if low >= ZERO and high <= ONE:
        return PROPORTION
    if low >= ZERO and math.isfinite(high) and _whole(values):
        return SQUARE_ROOT
    return LINEAR


def _whole(values: np.ndarray) -> bool:
    """Every one of finite `values` a whole number (the newest looked at first)."""
    return float(values[-1]).is_integer() and bool((values == np.floor(values)).all())


def _array(values: Iterable[float] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values.astype(float, copy=False)
    return np.fromiter(map(float, values), dtype=float)  # float(None) fails, as it did; no NaN


def to_scale(value: float, scale: str) -> float:
    if scale == LOG:
        return math.log(value)
    if scale == PROPORTION:
        return math.asin(math.sqrt(value))
    if scale == SQUARE_ROOT:
        return math.sqrt(value + ANSCOMBE)
    return value


def to_scales(values: Iterable[float] | np.ndarray, scale: str) -> np.ndarray:
    """`to_scale` of every value (a whole series at once, as array arithmetic: a Python
    loop of `math.log` over the 105 values the history rule reads cost more than a tenth of a
    judged result, bench_detection.py)."""
    values = _array(values)
    if scale == LOG:
        return np.log(values)
    if scale == PROPORTION:
        return np.arcsin(np.sqrt(values))
    if scale == SQUARE_ROOT:
        return np.sqrt(values + ANSCOMBE)
    return values.copy()


def from_scale(value: float, scale: str) -> float:
    if scale == LOG:
        return math.exp(value)
    if scale == PROPORTION:
        return math.sin(min(max(value, 0.0), math.pi / 2)) ** 2
    if scale == SQUARE_ROOT:
        return max(value * value - ANSCOMBE, 0.0)
    return value
