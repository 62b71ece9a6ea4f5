"""WARN on the first breach, ERROR after K in a row."""

from __future__ import annotations

import pytest

from benchmon_pipeline.regressions import ERROR, WARN, severity_for, trailing_run


def test_trailing_run_counts_only_the_newest_breaches():
    assert trailing_run([]) == 0
    assert trailing_run([True, True, False]) == 0
    assert trailing_run([True, False, True, True]) == 2


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_warn_until_k_then_error(k):
    severities = [severity_for([True] * n, k) for n in range(k + 2)]
    assert severities[0] is None
    assert severities[1:k] == [WARN] * (k - 1)
    assert severities[k:] == [ERROR, ERROR]


def test_a_clean_result_resets_the_run():
    assert severity_for([True, True, False, True], 3) == WARN


@pytest.mark.parametrize("k", [0, -1, 1.5])
def test_k_must_be_a_positive_whole_number(k):
    with pytest.raises(ValueError):
        severity_for([True], k)
