"""Tail probabilities the rules need, in plain Python (no SciPy).

Kept dependency-free and fast on purpose: the history rule runs once per configuration ×
metric on every check, and the detection benchmark replays it on about a million results.
Each function is checked against hand-computed values in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from statistics import NormalDist

_STANDARD_NORMAL = NormalDist()
# Below this, a p-value is reported as this: the z it stands for (about 8.3) is already far
# beyond any threshold, and float arithmetic is no longer exact there.
SMALLEST_P = 1e-16


def normal_sf(z: float) -> float:
    """P(Z ≥ z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def normal_isf(p: float) -> float:
    """The z with P(Z ≥ z) = p (the normal-equivalent z of a one-sided p-value)."""
    p = min(max(p, SMALLEST_P), 1.0 - SMALLEST_P)
    return -_STANDARD_NORMAL.inv_cdf(p)


def t_as_normal_z(t: float, df: int) -> float:
    """A Student t statistic with `df` degrees of freedom re-expressed as the normal z with the
    same tail, so that evidence from short and long histories adds up on one scale.

    Wallace's (1959) approximation, z = (8ν + 1)/(8ν + 3) · √(ν · ln(1 + t²/ν)): against
    SciPy's exact t it is within 0.02 for ν ≥ 9 (the history rule's minimum) and 0.05 for
    ν ≥ 3 out to t = 8, always on the small (conservative) side, and costs a logarithm
    instead of an incomplete beta function — it runs a million times in the benchmark.
    """
    if df < 1:
        raise ValueError(f"df must be at least 1, not {df!r}")
    z = (8.0 * df + 1.0) / (8.0 * df + 3.0) * math.sqrt(df * math.log1p(t * t / df))
    return z if t >= 0 else -z


def normal_z_as_t(z: float, df: int) -> float:
    """The inverse of `t_as_normal_z`: the Student t (`df` degrees of freedom) with the tail
    of a normal z, by the same approximation."""
    if df < 1:
        raise ValueError(f"df must be at least 1, not {df!r}")
    w = abs(z) * (8.0 * df + 3.0) / (8.0 * df + 1.0)
    t = math.sqrt(df * math.expm1(w * w / df))
    return t if z >= 0 else -t


def mann_whitney_greater(sample: Sequence[float], reference: Sequence[float]) -> float:
    """One-sided p-value of Mann–Whitney U: do values of `sample` tend to exceed `reference`?

    Exact (all orderings equally likely) for small samples without ties; otherwise the normal
    approximation with the tie correction and a continuity correction, as asv and SciPy do.
    """
    n1, n2 = len(sample), len(reference)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples must be non-empty")
    ranks, tie_sizes = _midranks([*sample, *reference])
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2.0  # pairs (x, y) with x > y, ties counting ½
    if not tie_sizes and min(n1, n2) <= 10 and n1 * n2 <= 1000:
        counts = _u_counts(min(n1, n2), max(n1, n2))
        at_least = sum(counts[math.ceil(u - 1e-9) :])
        return at_least / math.comb(n1 + n2, n1)
    n = n1 + n2
    mean = n1 * n2 / 2.0
    tie_term = sum(t**3 - t for t in tie_sizes) / (n * (n - 1))
    variance = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if variance <= 0:
        return 1.0  # every value is the same: no evidence either way
    return normal_sf((u - mean - 0.5) / math.sqrt(variance))


def _midranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Ranks 1..n with tied values sharing their average rank, and the sizes of the ties."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2.0 + 1.0
        if end > start:
            ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


@lru_cache(maxsize=256)
def _u_counts(small: int, large: int) -> tuple[int, ...]:
    """How many of the C(small+large, small) orderings give U = 0, 1, …, small*large.

    The U distribution is symmetric in which sample is which, so one table serves both.
    """
    # counts[j][u] for `small` fixed, built up over the size of the other sample (Mann &
    # Whitney's recursion f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)).
    table = {(0, j): (1,) for j in range(large + 1)}
    for i in range(1, small + 1):
        table[(i, 0)] = (1,)
        for j in range(1, large + 1):
            size = i * j + 1
            with_largest_from_first = table[(i - 1, j)]
            with_largest_from_second = table[(i, j - 1)]
            row = [0] * size
            for u, count in enumerate(with_largest_from_second):
                row[u] += count
            for u, count in enumerate(with_largest_from_first):
                row[u + j] += count
            table[(i, j)] = tuple(row)
    return table[(small, large)]
