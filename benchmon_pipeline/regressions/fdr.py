"""Benjamini–Hochberg: many metrics × configurations tested at once, few false discoveries.

Testing 500 series at a fixed per-test level would raise a steady trickle of false alarms
on every run; BH keeps the expected share of false alarms among those raised at or below the
level, and is only as strict as Bonferroni when nothing is going on.
"""

from __future__ import annotations

from collections.abc import Sequence


def bh_adjusted(p_values: Sequence[float | None]) -> list[float | None]:
    """BH-adjusted p-values (the smallest level at which each test would be rejected).

    `None` marks a series that was not tested; it is neither counted in m nor adjusted.
    """
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):  # step-up: from the largest p down
        p, index = tested[rank - 1]
        running = min(running, p * m / rank)
        adjusted[index] = running
    return adjusted


def bh_significant(p_values: Sequence[float | None], level: float) -> list[bool]:
    """Which tests BH rejects at `level` (untested ones are never significant)."""
    if not 0 < level < 1:
        raise ValueError(f"the BH level must be between 0 and 1, not {level!r}")
    return [p is not None and p <= level for p in bh_adjusted(p_values)]
