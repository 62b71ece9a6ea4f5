"""The history rule's fast paths agree with the plain computations they replace (issue 19:
CPU per judged result, verdicts unchanged)."""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest

from benchmon_pipeline.regressions.history_rule import last_change
from benchmon_pipeline.regressions.robust import (
    WINSOR_FENCE,
    RobustReference,
    _fenced_sd,
)
from benchmon_pipeline.regressions.scales import LINEAR, LOG, PROPORTION, to_scale, to_scales
from benchmon_pipeline.regressions.significance import t_as_normal_z


def _scan(values, min_size):
    """last_change as it was before its fast path: every split's t from prefix sums, one by
    one, splits without spread skipped, the first of the largest kept."""
    n = len(values)
    sums, squares = [0.0], [0.0]
    for value in values:
        sums.append(sums[-1] + value)
        squares.append(squares[-1] + value * value)
    best, where = 0.0, 0
    for k in range(min_size, n - min_size + 1):
        left_mean, right_mean = sums[k] / k, (sums[n] - sums[k]) / (n - k)
        within = (squares[k] - k * left_mean**2) + (
            squares[n] - squares[k] - (n - k) * right_mean**2
        )
        if within <= 0:
            continue
        sd = math.sqrt(within / (n - 2))
        t = abs(right_mean - left_mean) / (sd * math.sqrt(1.0 / k + 1.0 / (n - k)))
        if t > best:
            best, where = t, k
    return where if where and t_as_normal_z(best, n - 2) >= 5.0 else 0


@pytest.mark.parametrize(
    "values",
    [
        [5.0] * 30 + [6.0] * 30,  # the largest split has no spread on either side
        [1.0] * 20 + [2.0] * 20,  # … and the next two tie but for rounding
        [5.0] * 25 + [6.0] * 20 + [5.5] * 15,
        [0.1] * 12 + [0.3] * 28,
        [3.0] * 40,  # no spread anywhere
    ],
)
def test_a_step_in_constant_data_takes_the_split_the_plain_scan_takes(values):
    assert last_change(values, 10, 5.0) == _scan(values, 10)


def test_steps_and_noise_split_where_the_plain_scan_does():
    rng = random.Random(19)
    for _ in range(60):
        size = rng.choice([0.0, 1.0, 3.0, 6.0])
        at = rng.randrange(12, 48)
        values = [rng.gauss(0.0, 1.0) + (size if i >= at else 0.0) for i in range(60)]
        assert last_change(values, 10, 5.0) == _scan(values, 10)


def test_zs_are_each_values_z():
    rng = random.Random(7)
    reference = RobustReference.of([rng.gauss(100.0, 2.0) for _ in range(40)])
    values = [95.0, 100.0, 104.0, 111.5]
    assert reference.zs(values) == [reference.z(v) for v in values]


def test_a_spike_is_pulled_in_to_the_fence_for_the_level():
    values = [100.0 + 0.1 * (i % 7) for i in range(59)] + [1e6]
    reference = RobustReference.of(values)
    fence = WINSOR_FENCE * reference.scale
    pulled = [min(max(v - reference.center, -fence), fence) for v in sorted(values)]
    assert reference.level == pytest.approx(reference.center + sum(pulled) / 60, abs=1e-12)
    assert reference.level < 100.5  # the spike adds at most one fence, over 60


@pytest.mark.parametrize(
    ("scale", "values"),
    [(LOG, [120.0, 0.5, 3e4]), (PROPORTION, [0.0, 0.02, 0.97, 1.0]), (LINEAR, [-3.0, 0.0, 7.5])],
)
def test_to_scales_is_to_scale_of_each_value(scale, values):
    with pytest.raises(TypeError):  # a missing value is an error, not a NaN
        to_scales([*values, None], scale)
    # numpy's ufuncs against the math module's functions: the same up to the last bit
    assert to_scales(values, scale).tolist() == pytest.approx(
        [to_scale(v, scale) for v in values], rel=1e-15, abs=1e-300
    )


def _plain_first_fences(values):
    """Every value within ±4 MAD-σ of the median, from the sorted distances themselves."""
    center = statistics.median(values)
    mad_sigma = 1.482602218505602 * statistics.median(abs(v - center) for v in values)
    return all(abs(v - center) <= WINSOR_FENCE * mad_sigma for v in values)


@pytest.mark.parametrize("n", [10, 11, 60, 61])
def test_nothing_beyond_the_first_fences_leaves_the_plain_sd(n):
    rng = random.Random(n)
    seen = set()
    for trial in range(400):
        values = [rng.gauss(0.0, 1.0) for _ in range(n)]
        if trial % 3 == 1:  # a spike, of a size that is sometimes inside the fence
            values[rng.randrange(n)] = rng.uniform(2.0, 12.0)
        if trial % 3 == 2:  # heavy tails
            values = [v / max(1e-3, rng.random()) for v in values]
        center = statistics.median(values)
        offsets = np.sort(np.asarray(values) - center)
        squares = offsets * offsets
        sd = _fenced_sd(offsets, squares, (offsets.sum(), squares.sum()), n // 2)
        within = _plain_first_fences(values)
        seen.add(within)
        if within:  # nothing to pull in: the plain SD
            assert sd == pytest.approx(statistics.stdev(values), rel=1e-9)
    assert seen == {True, False}  # both cases taken
    zeros = np.zeros(n)  # no spread: the plain SD, 0, as before
    assert _fenced_sd(zeros, zeros, (0.0, 0.0), n // 2) == 0.0
