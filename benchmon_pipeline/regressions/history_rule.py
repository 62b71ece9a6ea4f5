"""The history rule: are the newest results worse than this series' own recent past?

For one configuration × metric, oldest result first:

1. Put the values on a scale where the noise is roughly symmetric (scales.py: log for
   positive latency/time/cost/memory metrics, arcsine-square-root for proportions) and
   turn them so that "bigger" means "worse".
2. Compare each of the newest `max_run` results with one reference: the trailing `window`
   results before them (in a history shorter than `min_history` + `max_run`, the first
   `min_history` results), or the part of it after its last clear change of level when that
   says more about the newest result (`segment_z`; binary segmentation, `level_start`). A
   robust z (median; winsorized, MAD-fenced σ; a small-sample allowance). With repeated
   samples in a result (several runs of one commit), a Mann–Whitney rank test of its
   samples instead.
3. The run: how many of the newest results in a row sit on the bad side of that reference
   (which ends before any run begins, so a run does not contaminate its own yardstick).
   The evidence of the newest n results together is one two-sample t — the mean of their
   t's, each capped at `clip_z` and the largest counted at most `top_slack_z` above the
   second largest, or left out as a lone outlier, the rest capped among themselves (so no
   single result, however extreme, carries it), over its standard error, read with the
   reference's degrees of freedom (robust.py `run_z`) — widened as AR(1) noise's when the
   reference's neighbours clearly move together (`serial`), and each result's excess
   shrunk by half a step when the values sit on a lattice coarse against their noise
   (`lattice`), and read as rarer when the reference's tails are clearly lighter than a
   Gaussian's (`light_tails`), as less rare when the reference is clearly skewed toward
   the worse side (`skewed_tails`); with repeated samples, Stouffer's sum of the rank
   tests' z's over √n.
   With `scan`, the newest K..`max_run` results are judged together even when one of them
   dipped back (a small step whose results do not all breach), as long as the newest
   result is itself on the bad side.
4. ERROR when the newest K (`confirm_results`) or more results carry evidence beyond
   `threshold_z` — a window's evidence weighed for its length: `longer_run_z` added per
   result it counts beyond the middle of K..`max_run` (taken away below it), so five results
   need 3.35 σ and three 3.85 σ (the false-alarm budget goes where small steps are caught; a
   reference younger than `pair_min_history` weighs none) — or sooner (adaptive
   confirmation) when a shorter run's every result breaches `pair_z` on its own and they lie
   within `pair_gap_z` of each other, in the reference's own σ (`_gap`; a large step needs
   no third result; a lone outlier is followed by an ordinary one, and an outlier beside a
   noise result that happens to breach stands far above it). A window whose largest result
   is left out as a lone outlier confirms only when K results remain without it. WARN when
   only the newest result (or a run shorter than K) is beyond `warn_z`: the first breach.
   When many series are judged together the p-values go through Benjamini–Hochberg
   (fdr.py) first.

Nothing is judged until `min_history` results precede the newest one. The rule keeps no
state: it re-reads the history each time, so a re-run of a check gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from operator import mul
from typing import NamedTuple

import numpy as np

from benchmon_pipeline.regressions.directions import HIGHER, resolve_direction
from benchmon_pipeline.regressions.fdr import bh_significant
from benchmon_pipeline.regressions.observations import by_series, observations, results_of
from benchmon_pipeline.regressions.robust import (
    RobustReference,
    median,
    resolution,
    serial_correlation,
)
from benchmon_pipeline.regressions.scales import LINEAR, choose_scale, from_scale, to_scales
from benchmon_pipeline.regressions.significance import (
    mann_whitney_greater,
    normal_isf,
    normal_sf,
    t_as_normal_z,
)
from benchmon_pipeline.regressions.verdicts import ERROR, WARN, Verdict, change

Result = float | Sequence[float]  # one value, or the repeated samples of one result
LATTICE_SAMPLE = 20  # newest results a quantized series' step is read from (robust.resolution)


@dataclass(frozen=True)
class HistorySettings:
    """The knobs of the history rule; the defaults were tuned on benchmarks/bench_detection.py
    (see docs/regressions.md for what each one trades)."""

    window: int = 100  # results in the trailing reference
    min_history: int = 10  # results needed before the first verdict
    threshold_z: float = 3.6  # evidence needed alone, in normal-equivalent σ (p ≈ 1.6e-4)
    confirm_results: int = 3  # K: an ERROR needs at least this many bad results in a row
    clip_z: float = 3.0  # the most one result can add to a run's evidence
    pair_z: float | None = 2.8  # two results in a row each beyond this: ERROR before K
    warn_z: float | None = 3.0  # the bar for a WARN (first breach); None: threshold_z
    run_floor_z: float = 0.5  # a result stays in the run while its z is at least this
    scan: bool = True  # K or more newest results judged together even when not all breach
    segment_z: float | None = 5.0  # a level shift this clear inside the window restarts it
    pair_min_history: int = 20  # results a reference needs before pair_z may confirm
    pair_gap_z: float = 1.5  # a short run's results this far apart (t's): outlier beside noise
    outlier_gap_z: float = 2.0  # a run's largest this far above its second is left out
    outlier_z: float = 4.0  # ... and so is one beyond this, standing top_slack_z above it
    top_slack_z: float = 1.0  # a run's largest counts at most this far above its second
    max_run: int = 5  # the longest run looked back on
    longer_run_z: float = 0.25  # a run of K..max_run results needs this much less per result
    # counted beyond the middle length (and more below it): the false-alarm budget goes to
    # the long runs that small steps need
    serial: bool = True  # a run's yardstick widened when the reference's neighbours correlate
    lattice: bool = True  # coarsely quantized values: a result's excess less half a step
    light_tails: bool = True  # a run's evidence read with a light-tailed reference's kurtosis
    skewed_tails: bool = True  # ... and with the skewness of one skewed toward the worse side
    min_repeats: int = 3  # samples in one result before the rank test replaces the z
    fdr_level: float | None = None  # BH level; None: the one-sided p of threshold_z

    def __post_init__(self) -> None:
        if self.min_history < 2 or self.window < self.min_history:
            raise ValueError("need 2 ≤ min_history ≤ window")
        if self.confirm_results < 1 or self.max_run < self.confirm_results:
            raise ValueError("need 1 ≤ confirm_results ≤ max_run")
        if self.clip_z <= 0 or self.threshold_z <= 0:
            raise ValueError("threshold_z and clip_z must be positive")
        if self.min_repeats < 2:
            raise ValueError("min_repeats must be at least 2")
        if self.pair_z is not None and self.pair_z <= 0:
            raise ValueError("pair_z must be positive (or None: no early confirmation)")
        if self.pair_gap_z <= 0:
            raise ValueError("pair_gap_z must be positive")
        if self.top_slack_z < 0 or self.outlier_gap_z < self.top_slack_z:
            raise ValueError("need 0 ≤ top_slack_z ≤ outlier_gap_z")
        if self.warn_z is not None and not 0 < self.warn_z <= self.threshold_z:
            raise ValueError("warn_z must be positive and at most threshold_z")
        if self.fdr_level is not None and not 0 < self.fdr_level < 1:
            raise ValueError("fdr_level must be between 0 and 1")
        if self.longer_run_z < 0:
            raise ValueError("longer_run_z must be at least 0")
        bar = normal_isf(self.level) - self.length_weight(self.confirm_results)
        if self.clip_z * math.sqrt(self.confirm_results) < bar:
            # a run of K results can carry at most clip_z·√K: K would silently become larger
            raise ValueError(
                f"with clip_z {self.clip_z:g} a run of {self.confirm_results} "
                f"results can never reach {bar:.2f} σ; raise "
                "clip_z or confirm_results"
            )

    @property
    def middle_run(self) -> float:
        """The run length whose evidence is read as it is: K..max_run's middle."""
        return (self.confirm_results + self.max_run) / 2.0

    def length_weight(self, counted: int) -> float:
        """What a window of `counted` results (K or more) adds to its evidence: below 0
        for the short windows, above 0 for the long ones (`longer_run_z`)."""
        return self.longer_run_z * (counted - self.middle_run)

    @property
    def level(self) -> float:
        """The BH level: with one series tested alone, the same as `threshold_z`."""
        return self.fdr_level if self.fdr_level is not None else normal_sf(self.threshold_z)

    @property
    def warn_level(self) -> float:
        """The BH level of a first breach (WARN): `warn_z`'s, scaled as `level` is."""
        if self.warn_z is None:
            return self.level
        return self.level * normal_sf(self.warn_z) / normal_sf(self.threshold_z)


@dataclass(frozen=True)
class Evidence:
    """What the history says about the newest result of one series, before BH."""

    configuration: Hashable
    metric: str
    direction: str
    scale: str  # "log" | "proportion" | "square-root" | "linear"
    current: float
    reference: float | None  # median of the reference, in the metric's units
    reference_size: int
    run_length: int
    z_first: float | None  # the newest result alone (and short runs), uncapped
    z_confirmed: float | None  # the best run of ≥ K results, capped per result
    method: str  # "robust-z" | "mann-whitney"
    not_judged: str | None = None  # why there is no verdict, when there is none
    by_pair: bool = False  # z_confirmed is a short run's, each result beyond pair_z
    newest_after: int = 1  # the newest results after the reference (it ends before them)

    @property
    def p_first(self) -> float | None:
        return None if self.z_first is None else normal_sf(self.z_first)

    @property
    def p_confirmed(self) -> float | None:
        return None if self.z_confirmed is None else normal_sf(self.z_confirmed)


class _Weighed(NamedTuple):
    center: float  # the reference's median, turned
    size: int
    run: int
    z_first: float | None
    z_confirmed: float | None
    ranked: bool  # the newest result was judged by the rank test
    by_pair: bool
    newest_after: int  # the newest results after the reference


def gather_evidence(
    results: Sequence[Result],
    *,
    metric: str,
    direction: str | None = None,
    configuration: Hashable = None,
    settings: HistorySettings | None = None,
) -> Evidence:
    """Judge the newest of `results` (oldest first) against the ones before it."""
    settings = settings or HistorySettings()
    direction = resolve_direction(metric, stated=direction)
    tail = results[-(settings.window + settings.max_run) :]
    if not len(tail):
        raise ValueError("there is no result to judge")
    try:
        samples, raw = None, np.fromiter(map(float, tail), float, len(tail))
    except TypeError:  # some results carry repeated samples
        samples = [_samples(result) for result in tail]
        raw = np.array([median(values) for values in samples])
    scale = choose_scale(metric, direction, raw if samples is None else _flat(samples))
    sign = -1.0 if direction == HIGHER else 1.0  # turned so that bigger is worse

    def turn(values: Sequence[float] | np.ndarray) -> np.ndarray:
        scaled = to_scales(values, scale)
        return -scaled if sign < 0 else scaled

    def unturn(value: float) -> float:
        return from_scale(sign * value, scale)

    worse = turn(raw)
    worse_samples = None if samples is None else [turn(values).tolist() for values in samples]
    base = dict(
        configuration=configuration,
        metric=metric,
        direction=direction,
        scale=scale,
        current=float(raw[-1]),
    )
    before = len(worse) - 1

    def not_judged(why: str) -> Evidence:
        return Evidence(
            **base,
            reference=None,
            reference_size=before,
            run_length=0,
            z_first=None,
            z_confirmed=None,
            method="robust-z",
            not_judged=why,
        )

    if before < settings.min_history:
        return not_judged(
            f"{before} earlier result(s); {settings.min_history} needed before the history "
            "rule judges"
        )
    try:  # numpy's overflow raises FloatingPointError, an ArithmeticError, as Python's does
        with np.errstate(over="raise", invalid="raise"):
            weighed = _weigh(worse, worse_samples, settings)
    except ArithmeticError as error:  # values so far apart that their squares overflow
        return not_judged(
            f"the values are too far apart to compute with ({error}); check the series for "
            "a value in the wrong unit"
        )
    return Evidence(
        **base,
        reference=unturn(weighed.center),
        reference_size=weighed.size,
        run_length=weighed.run,
        z_first=weighed.z_first,
        z_confirmed=weighed.z_confirmed,
        method="mann-whitney" if weighed.ranked else "robust-z",
        by_pair=weighed.by_pair,
        newest_after=weighed.newest_after,
    )


def _weigh(
    values: np.ndarray, worse_samples: list[list[float]] | None, settings: HistorySettings
) -> _Weighed:
    """The newest results of `values` (turned: bigger is worse) weighed against the ones
    before them: the run, the first-breach and the confirmed evidence (see the module
    docstring). May raise ArithmeticError on values too far apart for floating point.

    The windows' sums are array arithmetic (robust.py); a run's few newest results are
    judged one by one, as Python floats (`worse`)."""
    worse = values.tolist()

    def rank_tested(i: int) -> bool:
        return worse_samples is not None and len(worse_samples[i]) >= settings.min_repeats

    def any_rank_tested(since: int) -> bool:
        return worse_samples is not None and any(map(rank_tested, range(since, len(worse))))

    length = len(worse)
    # One reference for every run looked back on: the `window` results that end where the
    # longest run (`max_run`) begins — or, in a history shorter than that, the first
    # `min_history` results — so no run contaminates its own yardstick, and the reference
    # is summarised once, not once per run length (a quarter less CPU per judged result).
    end = max(length - settings.max_run, settings.min_history)
    start = max(0, end - settings.window)

    def judged_against(first: int) -> tuple[RobustReference, list[float]]:
        """The reference of values[first:end] and the z of each result after it."""
        reference = RobustReference.of(values[first:end])
        if not any_rank_tested(end):
            return reference, reference.zs(worse[end:])
        pooled = _flat(worse_samples[first:end])
        return reference, [
            normal_isf(mann_whitney_greater(worse_samples[i], pooled))
            if rank_tested(i)
            else reference.z(worse[i])
            for i in range(end, length)
        ]

    reference, after = judged_against(start)
    level_since = start  # where the reference's current level begins
    if settings.segment_z is not None:
        # segmentation: when the window holds a clear change of level, the part after it is
        # judged too, and the one that says more about the newest result serves every run
        cut = level_start(values[start:end], settings.min_history, settings.segment_z)
        if cut and end - (start + cut) >= settings.min_history:
            level_since = start + cut
            segment, segment_after = judged_against(level_since)
            if segment_after[-1] > after[-1]:
                reference, after = segment, segment_after
    # noise whose neighbours move together (a machine warming, a shared runner's load)
    # makes runs of bad results common; measured on the reference's current level (a change
    # of level is no autocorrelation), when a run first needs it
    serial = None if settings.serial else 0.0

    def serial_of() -> float:
        nonlocal serial
        if serial is None:
            serial = serial_correlation(values[level_since:end])
        return serial

    # values on a lattice coarse against their noise (robust.py `_coarseness`): read from the
    # newest results when a run first needs it
    step = None if settings.lattice else 0.0

    def step_of() -> float:
        nonlocal step
        if step is None:
            step = resolution(worse[-LATTICE_SAMPLE:])
        return step

    alone = after[-1]  # the newest result alone
    z_first, z_confirmed, by_pair, run = alone, None, False, 0
    for n in range(1, min(settings.max_run, length - end) + 1):
        zs = after[length - n - end :]
        if run < n - 1 and (not settings.scan or alone < settings.run_floor_z):
            break  # the run has ended and no scan goes on
        if run == n - 1 and min(zs) >= settings.run_floor_z:
            run = n  # still a run: every result so far on the bad side
        elif not settings.scan or alone < settings.run_floor_z:
            break  # a scan only judges a window whose newest result is itself bad
        elif n < settings.confirm_results:
            continue  # a short window counts only as a run
        ranked = any_rank_tested(length - n)
        if ranked:
            kept, outlier = _top_pulled(zs, zs, settings)
            evidence = sum(min(z, settings.clip_z) for z in kept) / math.sqrt(len(kept))
        else:  # one t for the window: the shared reference's errors counted once
            kept, outlier = _top_pulled(worse[length - n :], zs, settings)
            evidence = reference.run_z(
                kept,
                settings.clip_z,
                settings.threshold_z,
                serial_of(),
                step_of(),
                settings.light_tails,
                settings.skewed_tails,
            )
        if n >= settings.confirm_results and n - outlier < settings.confirm_results:
            continue  # a lone outlier was left out: the rest is too short to confirm
        if n >= settings.confirm_results:
            if reference.size >= settings.pair_min_history:  # weighed for its length
                evidence += settings.length_weight(len(kept))
            if run == n or evidence >= settings.threshold_z:  # a scanned window that is no
                # run enters the BH family only when it would pass alone (as runs did before)
                if z_confirmed is None or evidence > z_confirmed:
                    z_confirmed, by_pair = evidence, False
            continue
        z_first = max(z_first, evidence)
        if (
            n >= 2
            and settings.pair_z is not None
            and reference.size >= settings.pair_min_history
            and min(zs) >= settings.pair_z
            and _gap(zs if ranked else list(map(reference.t, worse[length - n :])))
            <= settings.pair_gap_z
        ):
            # adaptive confirmation: every result of a short run breaches on its own, so
            # it is no lone outlier; its evidence needs no cap
            pair = (
                sum(zs) / math.sqrt(n)
                if ranked
                else reference.run_z(
                    worse[length - n :],
                    math.inf,
                    settings.threshold_z,
                    serial_of(),
                    step_of(),
                    settings.light_tails,
                    settings.skewed_tails,
                )
            )
            if z_confirmed is None or pair > z_confirmed:
                z_confirmed, by_pair = pair, True
    return _Weighed(
        center=reference.center,
        size=reference.size,
        run=run,
        z_first=z_first,
        z_confirmed=z_confirmed,
        ranked=rank_tested(len(worse) - 1),
        by_pair=by_pair,
        newest_after=length - end,
    )


def level_start(values: Sequence[float], min_size: int, z_bar: float) -> int:
    """Where the current level of `values` begins (0: no clear change of level in them).

    Without it, a step 20–30 results after an earlier one is judged against a window that
    mixes the two earlier levels: its center sits between them and its scale holds the first
    step, so the second one looks smaller than it is. Accepted changes (restarts.py) cut the
    history the same way, by a person's word instead of the data's.

    Binary segmentation: the clearest change (`last_change`), then the clearest on each side
    of it, until no part holds one. Taking only the clearest change, a staircase of three or
    four steps 20–30 results apart left two levels after the cut, and its newest step was
    caught within 5 results 59 % and 33 % of the time (3 σ steps); with every change taken
    out, 100 %.

    Noise whose neighbours move together (AR(1)) wanders in long swings that the t reads as
    changes of level: the mean of m such values varies (1 + ρ)/(1 − ρ) times as much as
    independent values' do. So when the values about their own segment's mean are clearly
    autocorrelated (robust.py `serial_correlation`, ρ; every change taken out first, since a
    step left in a segment looks autocorrelated too), the segmentation is done again with
    each t shrunk by that factor's root. On ρ 0.5 noise a spurious cut handed the newest
    results a short reference just after a swing: about a quarter of its false alarms."""
    values = np.asarray(values, dtype=float)
    changes = _changes(values, 0, len(values), min_size, z_bar, 1.0)
    if not changes:
        return 0
    bounds = [0, *changes, len(values)]
    about_means = np.concatenate(
        [values[a:b] - values[a:b].mean() for a, b in zip(bounds, bounds[1:], strict=False)]
    )
    rho = serial_correlation(about_means)
    if rho > 0.0:
        widen = math.sqrt((1.0 + rho) / (1.0 - rho))
        changes = _changes(values, 0, len(values), min_size, z_bar, widen)
    return changes[-1] if changes else 0


def _changes(
    values: np.ndarray, low: int, high: int, min_size: int, z_bar: float, widen: float
) -> list[int]:
    """Every clear change of level in values[low:high], in order (binary segmentation)."""
    at = last_change(values[low:high], min_size, z_bar, widen)
    if not at:
        return []
    return [
        *_changes(values, low, low + at, min_size, z_bar, widen),
        low + at,
        *_changes(values, low + at, high, min_size, z_bar, widen),
    ]


def last_change(values: Sequence[float], min_size: int, z_bar: float, widen: float = 1.0) -> int:
    """Where the clearest change of level in `values` begins (0: none): the split with the
    largest two-sample t (pooled within-segment SD, both segments at least `min_size` long),
    when that t, over `widen`, read as a normal z is at least `z_bar`. Prefix sums: O(n) per
    reference."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2 * min_size:
        return 0
    # The t grows with the between-segment sum of squares B (t² = (n − 2)·B / (T − B), T the
    # total), so the largest t is found on B, with no square root per split, and only that
    # split's t is worked out. B = n·u²/(k(n − k)), u the sum of the first k values' deviations
    # from the mean (the CUSUM): one running sum, no means of segments, and no cancellation
    # between sums of values far from 0.
    centred = values - float(values.sum()) / n
    drift = np.cumsum(centred)  # drift[k − 1]: u of k
    inner = drift[min_size - 1 : n - min_size]
    between = inner * inner * _splits(n, min_size)  # B/n of each split
    at = int(between.argmax())  # the first of the largest
    if not between[at] > 0:
        return 0  # the same mean on both sides of every split
    k = min_size + at
    within = float(centred @ centred) - n * float(between[at])  # T − B
    if within > 0:
        t = math.sqrt((n - 2) * n * float(between[at]) / within)
    else:  # no spread within the segments of that split (a step in constant data):
        k, t = _scan_splits(values.tolist(), min_size)  # the largest t among splits with spread
    return k if k and t_as_normal_z(t / widen, n - 2) >= z_bar else 0


def _split_t(
    n: int, k: int, left: float, total: float, left_squares: float, total_squares: float
) -> float | None:
    """The two-sample t (pooled within-segment SD) of splitting n values after the first `k`,
    from the sums of the first k and of all (`left`, `total`) and of their squares; None when
    neither segment has any spread."""
    left_mean, right_mean = left / k, (total - left) / (n - k)
    within = (left_squares - k * left_mean**2) + (
        total_squares - left_squares - (n - k) * right_mean**2
    )
    if within <= 0:
        return None
    sd = math.sqrt(within / (n - 2))
    return abs(right_mean - left_mean) / (sd * math.sqrt(1.0 / k + 1.0 / (n - k)))


def _scan_splits(values: Sequence[float], min_size: int) -> tuple[int, float]:
    """Every split's t, one by one: the first with the largest t (0, 0.0: none has spread)."""
    n = len(values)
    sums = list(accumulate(values, initial=0.0))
    squares = list(accumulate(map(mul, values, values), initial=0.0))
    best, where = 0.0, 0
    for k in range(min_size, n - min_size + 1):
        t = _split_t(n, k, sums[k], sums[n], squares[k], squares[n])
        if t is not None and t > best:
            best, where = t, k
    return where, best


@lru_cache(maxsize=64)
def _splits(n: int, min_size: int) -> np.ndarray:
    """1/(k·(n − k)) of each split `last_change` weighs, k = min_size … n − min_size."""
    sizes = np.arange(min_size, n - min_size + 1, dtype=float)
    inverse = 1.0 / (sizes * (n - sizes))
    inverse.flags.writeable = False  # shared by every call: lru_cache
    return inverse


def _top_pulled(
    values: Sequence[float], zs: Sequence[float], settings: HistorySettings
) -> tuple[list[float], bool]:
    """The run (three or more results) with its largest value counted at most `top_slack_z`
    σ (`zs`) above the second largest: one wild result among ordinary ones cannot carry the
    run, while a real step, whose results are alike (the largest of five Gaussian results
    stands about 0.7 σ above the second), loses little. Pulling it all the way down to the
    second cost a sixth of the 2 σ steps caught within 5 results.

    The largest is a lone outlier, not part of a level, when it stands more than
    `outlier_gap_z` above the second, or is beyond `outlier_z` and at least `top_slack_z`
    above it (a 2 σ step's results are rarely beyond 4 σ; a 4–10 σ spike beside noise nearly
    always is). It is then left out and the others are capped among themselves, as they were
    when judged before it came: left out with the others uncapped, three results that had
    been judged and said nothing could raise an ERROR once a spike followed them. (Counting
    it as an ordinary result at the reference instead did as well on outliers and cost
    heavy-tailed steps, whose largest result is often part of the step.) The flag says
    whether it was left out."""
    if len(values) < 3:
        return list(values), False
    top, second = _top_two(zs)
    gap = zs[top] - zs[second]
    if gap > settings.outlier_gap_z or (
        zs[top] >= settings.outlier_z and gap >= settings.top_slack_z
    ):
        rest = [values[i] for i in range(len(values)) if i != top]
        rest_zs = [zs[i] for i in range(len(zs)) if i != top]
        return _capped(rest, rest_zs, settings.top_slack_z, *_top_two(rest_zs)), True
    return _capped(values, zs, settings.top_slack_z, top, second), False


def _gap(values: Sequence[float]) -> float:
    """How far apart the results of a short run lie: in the reference's own σ (its `t`s),
    not in normal-equivalent z. A heavy-tailed reference reads its t's with few degrees of
    freedom, which squeezes large ones together: on Student t₃ noise a 9 σ outlier beside a
    4.5 σ noise result read as z's 5.3 and 4.5, within `pair_gap_z`, and confirmed as a
    pair. Measured in t's, ERRORs while a 4–10 σ outlier was among the newest 5 results
    went from 1.3 to 0.6 % of outliers on t₃ noise after 30 results (Laplace: 0.9 → 0.6 %)
    and on no benchmark family did a step wait longer. (With repeated samples: the rank
    tests' z's.)"""
    return max(values) - min(values)


def _top_two(zs: Sequence[float]) -> tuple[int, int]:
    """Where the largest of `zs` (two or more) is, and where the second largest is."""
    top = max(range(len(zs)), key=zs.__getitem__)
    second = max(range(len(zs)), key=lambda i: -math.inf if i == top else zs[i])
    return top, second


def _capped(
    values: Sequence[float], zs: Sequence[float], slack: float, top: int, second: int
) -> list[float]:
    """`values` with the largest (at `top`) counted at most `slack` σ (`zs`) above the
    second largest (at `second`)."""
    gap = zs[top] - zs[second]
    if gap <= slack:
        return list(values)
    # the values are on the zs' scale up to the reference's affine map: cap proportionally
    capped = values[second] + (values[top] - values[second]) * slack / gap
    return [capped if i == top else v for i, v in enumerate(values)]


def _flat(nested: Sequence[Sequence[float]]) -> list[float]:
    return [value for values in nested for value in values]


def _samples(result: Result) -> list[float]:
    if isinstance(result, float | int):
        return [float(result)]
    samples = [float(v) for v in result]
    if not samples:
        raise ValueError("a result with repeated samples needs at least one")
    return samples


def decide(evidence: Sequence[Evidence], settings: HistorySettings | None = None) -> list[Verdict]:
    """Verdicts for series judged together: BH over their p-values, then the severity."""
    settings = settings or HistorySettings()
    confirmed = bh_significant([e.p_confirmed for e in evidence], settings.level)
    first = bh_significant([e.p_first for e in evidence], settings.warn_level)
    verdicts = []
    for item, is_confirmed, is_first in zip(evidence, confirmed, first, strict=True):
        severity = ERROR if is_confirmed else WARN if is_first else None
        z = {ERROR: item.z_confirmed, WARN: item.z_first}.get(severity, _strongest(item))
        delta, percent = change(item.current, item.reference)
        verdicts.append(
            Verdict(
                rule="history",
                configuration=item.configuration,
                metric=item.metric,
                direction=item.direction,
                current=item.current,
                reference=item.reference,
                delta=delta,
                percent=percent,
                passed=severity is None,
                severity=severity,
                reason=_reason(item, severity, settings),
                p_value=None if z is None else normal_sf(z),
                z=z,
                run_length=item.run_length,
                reference_size=item.reference_size,
                scale=item.scale,
            )
        )
    return verdicts


def _reason(item: Evidence, severity: str | None, settings: HistorySettings) -> str:
    if item.not_judged:
        return f"not judged: {item.not_judged}"
    worse = "lower" if item.direction == HIGHER else "higher"
    on = "" if item.scale == LINEAR else f"{item.scale} scale, "
    before = "" if item.newest_after == 1 else f" the newest {item.newest_after}"
    against = (
        f"the median of the {item.reference_size} results before{before} ({on}{worse} is worse)"
    )
    if severity == ERROR:
        if item.by_pair or item.run_length >= settings.confirm_results:
            what = f"{item.run_length} results in a row worse than {against}"
        else:  # a scanned window: the newest results together, one of them dipped back
            what = (
                f"the newest results together worse than {against}, the newest "
                f"{item.run_length} in a row"
            )
        return (
            f"{what}: "
            f"{item.z_confirmed:.1f} σ (p = {item.p_confirmed:.1e}), significant after "
            f"Benjamini–Hochberg at {settings.level:.1e}; confirmed ("
            + (
                f"each beyond {settings.pair_z:g} σ on its own"
                if item.by_pair
                else f"K = {settings.confirm_results}"
            )
            + ")"
        )
    if severity == WARN:
        return (
            f"the newest result is {item.z_first:.1f} σ (p = {item.p_first:.1e}) worse "
            f"than {against}: first breach, not confirmed until "
            f"{settings.confirm_results} results in a row"
        )
    z = _strongest(item)
    if z is not None and z < 0:
        return f"better than {against} ({-z:.1f} σ)"
    return f"within the noise of {against} ({z:+.1f} σ)"


def _strongest(item: Evidence) -> float | None:
    """The verdict's z: the stronger of the first-breach and the confirmed evidence."""
    found = [z for z in (item.z_first, item.z_confirmed) if z is not None]
    return max(found) if found else None


def judge_newest(
    results: Sequence[Result],
    *,
    metric: str,
    direction: str | None = None,
    configuration: Hashable = None,
    settings: HistorySettings | None = None,
) -> Verdict:
    """One series on its own (a family of one: BH changes nothing)."""
    evidence = gather_evidence(
        results, metric=metric, direction=direction, configuration=configuration, settings=settings
    )
    return decide([evidence], settings)[0]


def check_history(data, settings: HistorySettings | None = None) -> list[Verdict]:
    """Every (configuration, metric) series in `data` judged on its newest result, all of
    them together (one BH family), as one run of the history check does.

    `data`: a DataFrame or records of (configuration, metric, created_at, value[, direction]
    [, sample_group]) — see observations.py. The verdicts come sorted by configuration and
    metric (by their text), whatever order the rows came in.
    """
    settings = settings or HistorySettings()
    evidence = []
    series = by_series(observations(data))
    for key in sorted(series, key=lambda k: (str(k[0]), k[1])):
        rows = series[key]
        direction = next((row.direction for row in rows if row.direction), None)
        evidence.append(
            gather_evidence(
                results_of(rows),
                metric=key[1],
                direction=direction,
                configuration=key[0],
                settings=settings,
            )
        )
    return decide(evidence, settings)
