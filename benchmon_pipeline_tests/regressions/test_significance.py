"""The tail probabilities against printed tables and hand-counted permutations."""

from __future__ import annotations

import math

import pytest

from benchmon_pipeline.regressions.significance import (
    mann_whitney_greater,
    normal_isf,
    normal_sf,
    normal_z_as_t,
    t_as_normal_z,
)


def test_normal_tails():
    assert normal_sf(1.959964) == pytest.approx(0.025, rel=1e-5)
    assert normal_sf(0.0) == 0.5
    assert normal_isf(0.025) == pytest.approx(1.959964, rel=1e-5)
    assert normal_isf(1e-9) == pytest.approx(5.997807, rel=1e-5)
    assert normal_isf(0.0) < math.inf  # clamped, not an error


@pytest.mark.parametrize(
    ("t", "df", "z"),
    [
        (2.5706, 5, 1.9600),  # t(0.975; 5)
        (3.1693, 10, 2.5758),  # t(0.995; 10)
        (4.2968, 9, 3.0902),  # t(0.999; 9)
        (3.3852, 30, 3.0902),  # t(0.999; 30)
        (3.4632, 59, 3.2905),  # t(0.9995; 59)
    ],
)
def test_t_quantiles_map_to_the_normal_quantile_of_the_same_tail(t, df, z):
    assert t_as_normal_z(t, df) == pytest.approx(z, abs=0.01)
    assert t_as_normal_z(t, df) <= z + 1e-3  # never less conservative than the exact value
    assert t_as_normal_z(-t, df) == pytest.approx(-z, abs=0.01)
    assert normal_z_as_t(z, df) == pytest.approx(t, rel=0.02)


@pytest.mark.parametrize("df", [1, 9, 11, 59])
def test_normal_z_as_t_inverts_t_as_normal_z(df):
    for z in (-3.6, 0.0, 0.5, 2.5, 3.6, 6.0):
        assert t_as_normal_z(normal_z_as_t(z, df), df) == pytest.approx(z, abs=1e-9)


def test_mann_whitney_exact_by_counting_orderings():
    # every sample value above every reference value: 1 of C(7, 3) = 35 orderings
    assert mann_whitney_greater([5, 6, 7], [1, 2, 3, 4]) == pytest.approx(1 / 35)
    assert mann_whitney_greater([1, 2, 3], [4, 5, 6, 7]) == pytest.approx(1.0)
    # U = 5 of 8 pairs; counts of U = 0..8 for sizes (2, 4): 1 1 2 2 3 2 2 1 1 → P(U ≥ 5)
    assert mann_whitney_greater([3, 5], [1, 2, 4, 6]) == pytest.approx(6 / 15)


def test_mann_whitney_with_ties_uses_the_corrected_normal_approximation():
    # ranks of 1,2,2,2,2,2,3: 1, five times 4, 7 → sample ranks 4+4+7 = 15, U = 15 − 6 = 9;
    # mean 6, variance 3·4/12 · (8 − (5³ − 5)/(7·6)) = 5.142857; z = (9 − 6 − ½)/2.267787
    expected = normal_sf((9 - 6 - 0.5) / math.sqrt(8 - 120 / 42))
    assert mann_whitney_greater([2, 2, 3], [1, 2, 2, 2]) == pytest.approx(expected)
    assert mann_whitney_greater([2, 2], [2, 2, 2]) == 1.0  # all equal: no evidence


def test_mann_whitney_large_samples_are_approximated_and_ordered():
    low = mann_whitney_greater(list(range(20, 40)), list(range(30)))
    high = mann_whitney_greater(list(range(40, 60)), list(range(30)))
    assert 0 < high < low < 0.5


def test_mann_whitney_needs_two_samples():
    with pytest.raises(ValueError):
        mann_whitney_greater([], [1.0])
