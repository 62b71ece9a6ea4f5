"""Where a series usually is and how much it wanders, without being fooled by outliers.

The location is the median. The scale is a winsorized standard deviation: values beyond
median ± 4 MAD-σ are pulled in to that fence first, so a past spike or an earlier regression
in the window cannot inflate it. It is not floored at the MAD-σ: on light-tailed noise
(uniform, or two alternating levels) the MAD-σ is 1.3–1.5× the SD, and such a floor made
a 2 σ step there look like 1.4 σ. Why not the
MAD alone: it uses only the middle half of the data (37 % efficiency), so with a few dozen
results its own noise, and heavy-tailed noise it cannot see, both turn into false alarms —
on the detection benchmark the MAD alone raised three times as many (four times on
Student-t noise) at the same detection rate.

With few values the MAD itself can collapse (five of twelve Gaussian values close together
give a MAD-σ a third of the true σ), and fences at 4 such MAD-σ would clip ordinary values
and drag the SD down with it. So the fences are set again at 4 × the winsorized SD until
the scale settles (Huber's iteration; a few steps, each one only widening the fences):
ordinary values are then left alone, while a spike of 10 σ among 60 values adds about 16 %
to the scale (11 % with the MAD fences alone; a plain SD: about 60 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmon_pipeline.regressions.significance import normal_z_as_t, t_as_normal_z

MAD_TO_SIGMA = 1.482602218505602  # 1 / Φ⁻¹(3/4): the MAD of a normal sample estimates 0.6745 σ
SERIAL_BAR = 2.0  # in standard errors of a lag-1 autocorrelation: serial_correlation
PRIOR_KURTOSIS, PRIOR_WEIGHT = 1.0, 20  # _tails' prior: excess kurtosis, in values
WINSOR_FENCE = 4.0  # in MAD-σ, then in the winsorized SD
MAX_REFENCES = 10  # the fences settle in a few steps; this only bounds the loop
SETTLED = 1e-3  # relative change of the scale below which the fences have settled
# A reference that never moved has scale 0; any change is then news. This floor (relative to
# the level) only keeps float rounding, such as 0.1 + 0.2 vs 0.3, from counting as change.
RELATIVE_FLOOR = 1e-9
LATTICE_FINE, LATTICE_COARSE = 2.0, 3.0  # a lattice step, in scales: _coarseness
LIGHT_MIN = 30  # values a reference needs before its tails may count as light: _tails
# A reference is skewed toward the worse side when its octile skewness is beyond SKEW_BAR
# standard errors of a Gaussian sample's (OCTILE_SE/√n, measured): _skew
OCTILE_SE, SKEW_BAR, SKEW_MAX = 1.06, 2.6, 3.0
SQRT3 = math.sqrt(3.0)  # where z³ − 3z turns positive: light tails only ever add evidence


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


@dataclass(frozen=True)
class RobustReference:
    """The trailing window a new result is compared with, summarised robustly."""

    center: float  # the median: what verdicts report as the reference
    scale: float  # σ-equivalent, before the small-sample allowance of `z`
    size: int
    # What new values are measured from: the mean of the values pulled in to ±4 scales.
    # The median's own error is π/2 · σ²/n only on Gaussian noise; on uniform noise it is
    # 3 σ²/n and on two alternating levels far more (little data sits between them), and
    # that error is shared by every result of a run. The winsorized mean's is about σ²/n
    # on all of them, and a lone spike is still pulled in. None: the median.
    level: float | None = None
    # The scale's degrees of freedom: n − 1 on Gaussian noise; fewer when the reference's
    # tails are heavy (its kurtosis), because the SD of heavy-tailed noise is itself noisier
    # and usually comes out small. None: n − 1.
    df: float | None = None
    # The excess kurtosis of clearly light tails (uniform noise, two alternating levels), ≤ 0:
    # the sample's, less one standard error of a Gaussian sample's (√(24/n)), and 0 when that
    # is not below 0 or with fewer than LIGHT_MIN values. The mean of a few such results has
    # lighter tails than a Gaussian's, and `run_z` reads it so (Cornish–Fisher).
    light: float = 0.0
    # The skewness of a reference clearly skewed toward the worse side (exponential-like
    # noise, counts near 0), ≥ 0: `_skew`. The mean of a few such results has a long worse
    # tail, and `run_z` reads it so (Cornish–Fisher).
    skew: float = 0.0

    @property
    def scale_df(self) -> float:
        return self.size - 1 if self.df is None else self.df

    @property
    def baseline(self) -> float:
        """What new values are measured from: `level`, or the median without one."""
        return self.center if self.level is None else self.level

    @property
    def _share(self) -> float:
        """The center's error variance, in σ², over n."""
        return (1.0 if self.level is not None else math.pi / 2.0) / self.size

    @property
    def spread(self) -> float:
        """The scale widened by √(1 + share): the center itself is uncertain (its variance is
        about σ²/n, π/2 · σ²/n for a median), so a new value is compared with a slightly
        wider yardstick."""
        return self.scale * math.sqrt(1.0 + self._share)

    @classmethod
    def of(cls, values: Sequence[float] | np.ndarray) -> RobustReference:
        return cls.of_ordered(np.sort(np.asarray(values, dtype=float)))

    @classmethod
    def of_ordered(cls, ordered: np.ndarray) -> RobustReference:
        """`of` values already sorted, as a float array (history_rule sorts each window).

        Array arithmetic throughout: with the window of 100 results, about 8 % less CPU per
        judged result than the same sums over Python lists (bench_detection.py's CPU line)."""
        n = len(ordered)
        if n < 2:
            raise ValueError("a reference needs at least two values")
        middle = n // 2
        if n % 2:
            center = float(ordered[middle])
        else:
            center = (float(ordered[middle - 1]) + float(ordered[middle])) / 2.0
        offsets = ordered - center  # still sorted
        squares = offsets * offsets  # every sum of squares below is of these
        # their sums, taken once: no fence pulls a value in on most references, and then
        # every sum below is of them all
        sums = (float(offsets.sum()), float(squares.sum()))
        sigma = _fenced_sd(offsets, squares, sums, middle)
        floor = RELATIVE_FLOOR * max(abs(center), 1e-300)
        # Not floored at the MAD-σ: on light-tailed noise the MAD-σ exceeds the SD (uniform
        # noise: 1.28×; two alternating levels: 1.45×), and such a floor hid 2 σ steps there.
        scale = max(sigma, _sd_but_farthest(offsets, squares, sums), floor)
        fence = WINSOR_FENCE * scale
        if offsets[0] < -fence or offsets[-1] > fence:  # min(max(v, −fence), fence) of each
            offsets = np.clip(offsets, -fence, fence)
            squares = offsets * offsets
            sums = (float(offsets.sum()), float(squares.sum()))
        total = sums[0]
        powers = (*sums, float(squares @ offsets), float(squares @ squares))
        df, light, skewness = _tails(n, *powers)
        skew = _skew(ordered, center, skewness) if skewness > 0.0 and n >= LIGHT_MIN else 0.0
        return cls(center, scale, n, center + total / n, df, light, skew)

    def t(self, value: float) -> float:
        """How far `value` is above the center, over the `spread` (a Student t, n − 1 df)."""
        return (value - self.baseline) / self.spread

    def z(self, value: float) -> float:
        """How far `value` is above the center, in normal-equivalent σ: the distance over the
        `spread`, read as a Student t with n − 1 degrees of freedom, so that a short history
        needs a bigger jump before it says anything."""
        return t_as_normal_z(self.t(value), self.scale_df)

    def zs(self, values: Sequence[float]) -> list[float]:
        """`z` of each of `values`."""
        level = self.baseline
        spread, df = self.spread, self.scale_df
        return [t_as_normal_z((value - level) / spread, df) for value in values]

    def run_z(
        self,
        values: Sequence[float],
        clip_z: float,
        threshold_z: float,
        serial: float = 0.0,
        step: float = 0.0,
        light_tails: bool = True,
        skewed_tails: bool = True,
    ) -> float:
        """The evidence of k results compared with this one reference, as a normal z.

        One two-sample t for the run, not Stouffer's sum of per-result z's over √k: the
        z's share the reference's errors, and that sum counts them k times. The median's
        error (variance π/2n in σ²) makes the t's correlate by ρ = (π/2n)/(1 + π/2n), so
        their sum's variance is k + k(k − 1)ρ; a scale small by chance makes every z too
        big at once, so the run's own spread is pooled into the scale and the sum is read
        once as a t with n + k − 2 degrees of freedom. With a reference of 12 Gaussian
        results and a run of 5, the old sum passed 2 σ (nominal 2.3 %) 3.8 % of the time;
        this one 1.7 %.

        With `serial` (ρ, serial_correlation) the results of a run move together as AR(1)
        noise does, and their sum's own variance is k(1 + 2 Σ (1 − j/k) ρʲ) instead of k.

        With `step` (resolution: the values sit on a lattice) each worse result's excess is
        first shrunk by up to half a step, the continuity correction, when the lattice is
        coarse against the scale (`_coarseness`).

        With `light_tails`, a reference whose tails are clearly lighter than a Gaussian's
        (`light`: uniform noise, two alternating levels) makes a run's mean rarer than a
        normal z says, and the evidence is read so (Cornish–Fisher, first order in the
        kurtosis). On the detection benchmark 2 σ steps caught within 5 results went from
        74 to 79 % on uniform noise and from 83 to 99 % on two alternating levels, their
        false alarms 0.06 → 0.08 and 0 per 1,000. One Gaussian reference of 60 in seven
        is a standard error below 0 by chance, and then only a little (κ about −0.14
        against uniform noise's −0.55): its false alarms went from 0.27 to 0.28.

        With `skewed_tails`, a reference clearly skewed toward the worse side (`skew`:
        exponential-like noise, counts near 0) makes a run's mean less rare than a normal z
        says: three results of exponential noise beyond 3.85 σ together are about 60 times
        as common as three Gaussian ones. The evidence is read with the skewness of the
        run's mean (Cornish–Fisher, the quadratic term solved exactly). On 149,000
        held-out results of such noise, ERRORs per 1,000 went from 1.78 to 0.65, on
        Poisson counts with mean 0.5 from 1.81 to 0.29; the benchmark's families, none of
        them skewed on their scales, kept every figure.

        Each t is capped at `clip_z` in the units the threshold is judged in (clip_z ·
        t(threshold_z)/threshold_z at these degrees of freedom), so no one result confirms
        a run alone, at any history length.
        """
        k = len(values)
        df = self.scale_df + k - 1
        run_mean = sum(values) / k
        own = sum((value - run_mean) ** 2 for value in values)
        pooled = math.sqrt(((self.size - 1) * self.scale**2 + own) / (self.size + k - 2))
        scale = self.scale if k == 1 else pooled
        cap = clip_z * normal_z_as_t(threshold_z, df) / threshold_z
        share = self._share
        rho = share / (1.0 + share)
        spread = scale * math.sqrt(1.0 + share)  # `t` over the pooled scale
        level = self.baseline
        shrink = step / 2.0 * _coarseness(step, self.scale) if step > 0.0 else 0.0
        if shrink:  # quantized values: each worse result's excess less half a step
            total = sum(min(_toward_zero(v - level, shrink) / spread, cap) for v in values)
        else:
            total = sum(min((value - level) / spread, cap) for value in values)
        own = k if serial <= 0.0 or k == 1 else k * _serial_inflation(serial, k)
        z = t_as_normal_z(total / math.sqrt(own + k * (k - 1) * rho), df)
        if light_tails and self.light < 0.0 and z > SQRT3:
            # Cornish–Fisher: the mean of k results has excess kurtosis κ/k, and a statistic
            # x from such tails is as rare as a normal z = x − (κ/k)/24 · (x³ − 3x)
            z -= self.light / k / 24.0 * (z * z * z - 3.0 * z)
        if skewed_tails and self.skew > 0.0 and z > 1.0:
            # Cornish–Fisher: the mean of k results has skewness γ/√k, and its quantile
            # at a normal q lies at x = q + a(q² − 1), a = γ/(6√k): x is as rare as that q
            a = self.skew / math.sqrt(k) / 6.0
            z = (-1.0 + math.sqrt(1.0 + 4.0 * a * (z + a))) / (2.0 * a)
        return z


def _skew(ordered: np.ndarray, center: float, skewness: float) -> float:
    """`RobustReference.skew` of sorted values (median `center`) whose moment skewness is
    `skewness`: that skewness (at most SKEW_MAX) when the octile skewness,
    (Q⅞ + Q⅛ − 2·median)/(Q⅞ − Q⅛), is beyond SKEW_BAR standard errors of a Gaussian
    sample's, else 0.

    The moment skewness alone cannot be the test: on symmetric heavy-tailed noise (Student
    t₃) one far value makes it large by chance, and reading those references as skewed cost
    4 % of the 2 σ steps there. The octiles barely move with the tails (their SE on t₃ is
    1.1× a Gaussian's), while exponential noise's octile skewness is 0.41, 4 standard errors
    at 100 values. A Gaussian reference passes about once in 200."""
    n = len(ordered)
    low = float(ordered[round((n - 1) / 8)])
    high = float(ordered[round((n - 1) * 7 / 8)])
    octile = (high + low - 2.0 * center) / (high - low) if high > low else 0.0
    return min(skewness, SKEW_MAX) if octile >= SKEW_BAR * OCTILE_SE / math.sqrt(n) else 0.0


def _fenced_sd(
    offsets: np.ndarray, squares: np.ndarray, sums: tuple[float, float], middle: int
) -> float:
    """The winsorized SD of sorted `offsets` (`squares`, `sums`: as `_winsorized_sd` takes
    them): fences at ±4 MAD-σ, set again at 4 × the SD until it settles."""
    n = len(offsets)
    distances = np.sort(np.abs(offsets))
    if n % 2:
        mad = float(distances[middle])
    else:
        mad = (float(distances[middle - 1]) + float(distances[middle])) / 2.0
    mad_sigma = MAD_TO_SIGMA * mad
    if not mad_sigma > 0:  # more than half the values are equal: the fences collapsed
        return _winsorized_sd(offsets, squares, math.inf, sums)[0]
    sigma, pulled = _winsorized_sd(offsets, squares, WINSOR_FENCE * mad_sigma, sums)
    # fences set again from that SD until it settles: a MAD that collapsed by chance (few
    # values) no longer clips ordinary ones
    for _ in range(MAX_REFENCES):
        if not pulled:
            break
        before = sigma
        fence = WINSOR_FENCE * max(mad_sigma, sigma)
        sigma, pulled = _winsorized_sd(offsets, squares, fence, sums)
        if sigma <= before * (1.0 + SETTLED):
            break
    return sigma


def _coarseness(step: float, scale: float) -> float:
    """How much of half a lattice `step` each result's excess loses, 0–1: none while the step
    is within `LATTICE_FINE` scales, all of it beyond `LATTICE_COARSE`, linear between.

    Rounded to a step under 2 σ, noise stays nearly normal (a rounded normal's excess
    kurtosis is under 0.1) and so do sums of results. Rounded coarser, a result is either on
    the center's point or one step off, a rare excursion the SD reads as 3 σ or more, and a
    run of two or three such excursions looked like a regression: on whole numbers with an
    SD of 0.3, 0.93 false alarms per 1,000 results, 0 with the shrink. Shrinking always
    (or by (step/σ)²) cost a third of the 2 σ steps on whole numbers with an SD of 1."""
    ratio = step / scale if scale > 0 else math.inf
    return min(1.0, max(0.0, (ratio - LATTICE_FINE) / (LATTICE_COARSE - LATTICE_FINE)))


def _toward_zero(deviation: float, by: float) -> float:
    """A worse-side `deviation` shrunk by `by` (not past 0); a better-side one as it is."""
    return deviation if deviation <= 0.0 else max(0.0, deviation - by)


def resolution(values: Sequence[float]) -> float:
    """The smallest gap between two distinct `values`: the step of the lattice coarsely
    quantized values sit on (counts, whole milliseconds, a metric read to one decimal). When
    no two values are alike it is taken as 0: a lattice coarse enough to matter (a step of
    2 σ or more, `_coarseness`) puts nearly every value on one of three or four points, and
    continuous values are never alike."""
    if len(set(values)) == len(values):
        return 0.0
    ordered = sorted(values)
    return min((b - a for a, b in zip(ordered, ordered[1:], strict=False) if b > a), default=0.0)


def _serial_inflation(rho: float, k: int) -> float:
    """Var(sum of k results) / (k σ²) when neighbours correlate as AR(1) with lag-1 ρ."""
    return 1.0 + 2.0 * sum((1.0 - j / k) * rho**j for j in range(1, k))


def serial_correlation(values: Sequence[float] | np.ndarray) -> float:
    """How much neighbours in `values` (time order) move together: their lag-1
    autocorrelation ρ when it is beyond `SERIAL_BAR` standard errors (1/√n) — more than
    independent noise shows by chance, about 2 % of the time — and 0 otherwise (and with fewer
    than 10 values). Independent noise keeps its power (2 σ steps caught within 5 results:
    unchanged on the detection benchmark), while AR(1) noise with ρ 0.4 or 0.6 raises half
    and a quarter as many false alarms as when its results were judged as independent."""
    n = len(values)
    if n < 10:
        return 0.0
    values = np.asarray(values, dtype=float)
    centred = values - values[0]  # sums of products near 0: no cancellation at a far level
    total = float(centred.sum())
    mean = total / n
    variance = float(centred @ centred) - total * mean
    if not variance > 0:
        return 0.0
    # Σ (xᵢ − m)(xᵢ₊₁ − m) over the n − 1 neighbour pairs; the pairs' two sums of xᵢ
    # together are 2·total − first − last
    ends = 2.0 * total - float(centred[0]) - float(centred[-1])
    lagged = float(centred[:-1] @ centred[1:]) - mean * ends + (n - 1) * mean * mean
    rho = lagged / variance
    return rho if rho > SERIAL_BAR / math.sqrt(n) else 0.0


def _tails(
    n: int, total: float, total_squares: float, total_cubes: float, total_fourths: float
) -> tuple[float, float, float]:
    """What the sample's excess kurtosis κ says about its tails: the degrees of freedom of
    the variance estimate, and `RobustReference.light`; and the sample's skewness (`_skew`
    decides whether it counts).

    Degrees of freedom:
    Var(s²) ≈ σ⁴ (2/(n − 1) + κ/n), matched to a χ² (Satterthwaite). Gaussian noise keeps
    about n − 1; Student t₃ noise of 60 results gets ~10–20, so a run must be clearer before
    it counts. Light tails (κ < 0) never get more than n − 1.

    From the sums of the n values' offsets from the center and of their 2nd, 3rd and 4th
    powers: the central moments come from these raw ones (the offsets are from the median,
    so their mean is small and the subtraction loses little), without a pass over the
    deviations from the mean."""
    if n < 4:
        return float(n - 1), 0.0, 0.0
    mean = total / n
    raw2 = total_squares / n
    m2 = raw2 - mean * mean
    if not m2 * m2 > 0:  # no spread, or so little that its square underflows
        return float(n - 1), 0.0, 0.0
    raw3, raw4 = total_cubes / n, total_fourths / n
    skewness = (raw3 - 3.0 * mean * raw2 + 2.0 * mean**3) / m2**1.5
    m4 = raw4 - 4.0 * mean * raw3 + 6.0 * mean * mean * raw2 - 3.0 * mean**4
    kurtosis = m4 / (m2 * m2) - 3.0
    # light only when a standard error of a Gaussian sample's kurtosis below 0
    light = min(0.0, kurtosis + math.sqrt(24.0 / n)) if n >= LIGHT_MIN else 0.0
    # a few values cannot show heavy tails (their kurtosis is bounded by about n): shrink
    # toward a prior of mildly heavy tails, worth PRIOR_WEIGHT values
    kurtosis = (n * max(kurtosis, 0.0) + PRIOR_WEIGHT * PRIOR_KURTOSIS) / (n + PRIOR_WEIGHT)
    return max(3.0, min(n - 1.0, 2.0 / (2.0 / (n - 1) + kurtosis / n))), light, skewness


def _sd_but_farthest(offsets: np.ndarray, squares: np.ndarray, sums: tuple[float, float]) -> float:
    """The plain SD of sorted `offsets` (`squares`: squared; `sums`: the sums of both)
    without the one farthest from the center.

    Winsorizing is right about a lone spike but, on heavy-tailed noise (Student t with 2.5
    or 3 df), it also pulls in the tails that are simply how the series is: the scale comes
    out ~20 % small and a run's mean — whose noise is the SD's, tails included — looks that
    much more significant. Only the single farthest value is left out (a lone spike)."""
    n = len(offsets)
    if n < 4:
        return 0.0
    out = 0 if -offsets[0] > offsets[-1] else n - 1
    farthest, farthest_square = float(offsets[out]), float(squares[out])
    # the one value subtracted from the sums, unless it dwarfs the rest (no precision lost)
    if farthest_square < 0.5 * sums[1]:
        total, total_squares = sums[0] - farthest, sums[1] - farthest_square
    else:  # a spike that dwarfs the rest: sum the rest itself
        kept = slice(1, n) if out == 0 else slice(0, n - 1)
        total, total_squares = float(offsets[kept].sum()), float(squares[kept].sum())
    return math.sqrt(max(0.0, total_squares - total * total / (n - 1)) / (n - 2))


def _winsorized_sd(
    offsets: np.ndarray,
    squares: np.ndarray,
    fence: float,
    sums: tuple[float, float],
) -> tuple[float, tuple[int, int]]:
    """The SD of sorted `offsets` (from the center; `squares`: squared; `sums`: the sums of
    both) after pulling them in to ±`fence`, and how many were pulled in from below and from
    above."""
    n = len(offsets)
    low = int(offsets.searchsorted(-fence, "left"))
    high = int(offsets.searchsorted(fence, "right"))
    pulled = n - (high - low)
    if pulled:
        total = float(offsets[low:high].sum()) + fence * ((n - high) - low)
        sum_squares = float(squares[low:high].sum()) + fence * fence * pulled
    else:
        total, sum_squares = sums
    sd = math.sqrt(max(0.0, sum_squares - total * total / n) / (n - 1))
    return sd, ((low, n - high) if pulled else ())
