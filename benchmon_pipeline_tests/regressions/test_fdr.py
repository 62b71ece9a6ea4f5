"""Benjamini–Hochberg against hand-computed examples."""

from __future__ import annotations

import pytest

from benchmon_pipeline.regressions import bh_adjusted, bh_significant


def test_adjusted_p_values_by_hand():
    # sorted: 0.005 (rank 1), 0.01 (2), 0.03 (3), 0.04 (4); m = 4
    # p·m/rank: 0.02, 0.02, 0.04, 0.04; running minimum from the largest down: same
    assert bh_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert bh_significant([0.01, 0.04, 0.03, 0.005], 0.03) == [True, False, False, True]
    assert bh_significant([0.01, 0.04, 0.03, 0.005], 0.04) == [True, True, True, True]


def test_step_up_rejects_what_bonferroni_would_not():
    p = [0.01, 0.02, 0.03, 0.04, 0.05]  # p_(k) = 0.05 · k / 5 for every k
    assert bh_significant(p, 0.05) == [True] * 5
    assert [x <= 0.05 / 5 for x in p] == [True, False, False, False, False]  # Bonferroni


def test_the_running_minimum_lowers_a_larger_rank():
    # rank 2: 0.03·3/2 = 0.045, but rank 3 gives 0.04·3/3 = 0.04, which wins
    assert bh_adjusted([0.001, 0.03, 0.04]) == pytest.approx([0.003, 0.04, 0.04])


def test_untested_series_are_not_counted():
    assert bh_adjusted([None, 0.01, None, 0.04]) == pytest.approx([None, 0.02, None, 0.04])
    assert bh_significant([None, 0.01], 0.05) == [False, True]
    assert bh_adjusted([]) == []


def test_level_must_be_a_probability():
    with pytest.raises(ValueError):
        bh_significant([0.1], 0)
