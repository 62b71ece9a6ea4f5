"""Which scale a series is judged on, and that every transform keeps order and inverts."""

from __future__ import annotations

import pytest

from benchmon_pipeline.regressions.scales import (
    LINEAR,
    LOG,
    PROPORTION,
    choose_scale,
    from_scale,
    to_scale,
)


@pytest.mark.parametrize(
    ("metric", "direction", "values", "scale"),
    [
        ("latency_ms", "lower", [120.0, 130.0], LOG),
        ("latency_s", "lower", [0.2, 0.3], LOG),  # log wins over [0, 1]
        ("latency_ms", "lower", [0.0, 130.0], LINEAR),
        ("accuracy", "higher", [0.97, 1.0], PROPORTION),
        ("error_rate", "lower", [0.0, 0.02], PROPORTION),
        ("bleu", "higher", [0.3, 31.0], LINEAR),
        ("throughput", "higher", [], LINEAR),
    ],
)
def test_choose_scale(metric, direction, values, scale):
    assert choose_scale(metric, direction, values) == scale


@pytest.mark.parametrize("scale", [LOG, PROPORTION, LINEAR])
def test_transforms_keep_order_and_invert(scale):
    values = [0.001, 0.02, 0.5, 0.97, 1.0] if scale != LOG else [0.5, 1.0, 120.0, 1e6]
    turned = [to_scale(v, scale) for v in values]
    assert turned == sorted(turned) and len(set(turned)) == len(turned)
    assert [from_scale(t, scale) for t in turned] == pytest.approx(values)
