"""Which scale a series is judged on, and that every transform keeps order and inverts."""

from __future__ import annotations

import pytest

from benchmon_pipeline.regressions.scales import (
    LINEAR,
    LOG,
    PROPORTION,
    SQUARE_ROOT,
    choose_scale,
    from_scale,
    to_scale,
)


@pytest.mark.parametrize(
    ("metric", "direction", "values", "scale"),
    [
        ("latency_ms", "lower", [120.0, 130.0], LOG),
        ("latency_s", "lower", [0.2, 0.3], LOG),  # log wins over [0, 1]
        ("latency_ms", "lower", [0.0, 130.0], SQUARE_ROOT),  # no log of 0
        ("latency_ms", "lower", [0.5, 0.0, 130.0], LINEAR),
        ("accuracy", "higher", [0.97, 1.0], PROPORTION),
        ("error_rate", "lower", [0.0, 0.02], PROPORTION),
        ("bleu", "higher", [0.3, 31.0], LINEAR),
        ("failures", "lower", [0.0, 3.0, 1.0, 12.0], SQUARE_ROOT),
        ("errors", "lower", [0.0, 1.0, 1.0], PROPORTION),  # only 0s and 1s: a pass rate
        ("failures", "lower", [0.0, 3.0, 1.5], LINEAR),  # not every value whole
        ("balance", "higher", [-2.0, 3.0], LINEAR),  # whole but negative
        ("latency_ms", "lower", [12.0, 13.0], LOG),  # log wins over whole numbers
        ("throughput", "higher", [], LINEAR),
    ],
)
def test_choose_scale(metric, direction, values, scale):
    assert choose_scale(metric, direction, values) == scale


@pytest.mark.parametrize("scale", [LOG, PROPORTION, SQUARE_ROOT, LINEAR])
def test_transforms_keep_order_and_invert(scale):
    values = {
        LOG: [0.5, 1.0, 120.0, 1e6],
        SQUARE_ROOT: [0.0, 1.0, 2.0, 17.0, 1e6],
    }.get(scale, [0.001, 0.02, 0.5, 0.97, 1.0])
    turned = [to_scale(v, scale) for v in values]
    assert turned == sorted(turned) and len(set(turned)) == len(turned)
    assert [from_scale(t, scale) for t in turned] == pytest.approx(values)


def test_counts_spread_evenly_on_their_scale():
    # Poisson noise's SD is √mean on the raw scale, about ½ at every mean on the count
    # scale: a count of 3 and a count of 300 wander alike there
    import numpy as np

    rng = np.random.default_rng(5)
    for mean in (3.0, 30.0, 300.0):
        turned = [to_scale(float(v), SQUARE_ROOT) for v in rng.poisson(mean, 4000)]
        assert float(np.std(turned)) == pytest.approx(0.5, abs=0.03), mean
