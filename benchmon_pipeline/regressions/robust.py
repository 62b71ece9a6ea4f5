"""Where a series usually is and how much it wanders, without being fooled by outliers.

The location is the median. The scale is a winsorized standard deviation: values beyond
median ± 4 MAD-σ are pulled in to that fence first, so a past spike or an earlier regression
in the window cannot inflate it, and it is never taken below the MAD-σ itself. Why not the
MAD alone: it uses only the middle half of the data (37 % efficiency), so with a few dozen
results its own noise, and heavy-tailed noise it cannot see, both turn into false alarms —
on the detection benchmark the MAD alone raised three times as many (four times on
Student-t noise) at the same detection rate.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul

from benchmon_pipeline.regressions.significance import t_as_normal_z

MAD_TO_SIGMA = 1.482602218505602  # 1 / Φ⁻¹(3/4): the MAD of a normal sample estimates 0.6745 σ
WINSOR_FENCE = 4.0  # in MAD-σ
# A reference that never moved has scale 0; any change is then news. This floor (relative to
# the level) only keeps float rounding, such as 0.1 + 0.2 vs 0.3, from counting as change.
RELATIVE_FLOOR = 1e-9


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


@dataclass(frozen=True)
class RobustReference:
    """The trailing window a new result is compared with, summarised robustly."""

    center: float
    scale: float  # σ-equivalent, before the small-sample allowance of `z`
    size: int

    @property
    def spread(self) -> float:
        """The scale widened by √(1 + π/2n): the median itself is uncertain (its variance is
        about π/2 · σ²/n), so a new value is compared with a slightly wider yardstick."""
        return self.scale * math.sqrt(1.0 + math.pi / (2.0 * self.size))

    @classmethod
    def of(cls, values: Sequence[float]) -> RobustReference:
        n = len(values)
        if n < 2:
            raise ValueError("a reference needs at least two values")
        ordered = sorted(values)
        middle = n // 2
        center = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0
        offsets = [value - center for value in ordered]  # still sorted
        mad_sigma = MAD_TO_SIGMA * median(list(map(abs, offsets)))
        if mad_sigma > 0:  # pull the tails in to the fences, then take the SD
            fence = WINSOR_FENCE * mad_sigma
            low, high = bisect_left(offsets, -fence), bisect_right(offsets, fence)
            kept = offsets[low:high]
            pulled = n - len(kept)
            total = sum(kept) + fence * ((n - high) - low)
            squares = sum(map(mul, kept, kept)) + fence * fence * pulled
        else:  # more than half the values are equal: the fences collapsed, use them all
            total, squares = sum(offsets), sum(map(mul, offsets, offsets))
        sigma = math.sqrt(max(0.0, squares - total * total / n) / (n - 1))
        floor = RELATIVE_FLOOR * max(abs(center), 1e-300)
        return cls(center, max(mad_sigma, sigma, floor), n)

    def z(self, value: float) -> float:
        """How far `value` is above the center, in normal-equivalent σ: the distance over the
        `spread`, read as a Student t with n − 1 degrees of freedom, so that a short history
        needs a bigger jump before it says anything."""
        return t_as_normal_z((value - self.center) / self.spread, self.size - 1)
