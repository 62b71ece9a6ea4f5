"""The robust reference: a scale that does not collapse with few values, and a run's evidence
that counts the reference's own errors once."""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest

from benchmon_pipeline.regressions.robust import RobustReference, resolution


def gaussian(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0.0, 1.0) for _ in range(n)]


def test_a_mad_that_collapsed_by_chance_does_not_drag_the_scale_down():
    # seven of twelve values close together: MAD-σ 0.16 of the SD; fences at 4 MAD-σ
    # alone would clip five ordinary values
    values = [-1.6, -1.1, -0.05, -0.03, -0.02, 0.0, 0.01, 0.02, 0.04, 0.9, 1.3, 1.7]
    reference = RobustReference.of(values)
    assert reference.scale == pytest.approx(statistics.stdev(values), rel=1e-12)


def test_a_spike_barely_moves_the_scale():
    values = gaussian(59, seed=3)
    with_spike = RobustReference.of([*values, 10.0]).scale
    assert with_spike < 1.2 * RobustReference.of([*values, 0.0]).scale
    assert with_spike < 0.8 * statistics.stdev([*values, 10.0])


def test_a_runs_evidence_is_calibrated_on_a_short_reference():
    # 12 reference results and a run of 5, no change: z ≥ 2 should happen ≤ 2.3 % of the
    # time. Stouffer's sum over √5 of per-result z's: 3.8 %.
    trials, beyond = 5000, 0
    for seed in range(trials):
        values = gaussian(17, seed)
        reference = RobustReference.of(values[:12])
        beyond += reference.run_z(values[12:], clip_z=100.0, threshold_z=3.6) >= 2.0
    assert 0.010 <= beyond / trials <= 0.0228


def test_one_result_is_judged_as_before_and_capped_in_a_run():
    reference = RobustReference.of(gaussian(30, seed=4))
    x = reference.center + 3 * reference.scale
    assert reference.run_z([x], clip_z=100.0, threshold_z=3.6) == reference.z(x)
    # one extreme result and two ordinary ones cannot reach the threshold
    spike = reference.center + 1e6 * reference.scale
    ordinary = reference.center + 0.5 * reference.scale
    assert reference.run_z([spike, ordinary, ordinary], clip_z=2.5, threshold_z=3.6) < 3.6
    assert not math.isnan(reference.run_z([spike, ordinary, ordinary], 2.5, 3.6))


def test_new_values_are_measured_from_the_winsorized_mean():
    # two alternating levels: the median sits on one of them by chance, the mean between
    values = [29.0, 31.0] * 10 + [29.0]
    reference = RobustReference.of(values)
    assert reference.center == 29.0
    assert reference.level == pytest.approx(sum(values) / len(values))
    assert reference.t(reference.level) == 0.0
    # a lone spike is pulled in to the fence, not averaged in whole
    spiked = RobustReference.of([*([100.0, 101.0, 99.0, 100.5, 99.5] * 4), 1e6])
    assert spiked.level < 100.0 + 4.0 * spiked.scale / 21 + 1e-9


def test_heavy_tails_are_kept_in_the_scale_but_not_a_lone_spike():
    rng = random.Random(4)
    heavy = [rng.gauss(0.0, 1.0) / max(0.05, rng.random()) ** 0.4 for _ in range(60)]
    offsets = sorted(v - statistics.median(heavy) for v in heavy)
    reference = RobustReference.of(heavy)
    sd_without_the_farthest = statistics.stdev(
        offsets[1:] if -offsets[0] > offsets[-1] else offsets[:-1]
    )
    assert reference.scale >= sd_without_the_farthest - 1e-12
    spike = RobustReference.of([*[100.0 + 0.1 * (i % 7) for i in range(59)], 1e6])
    assert spike.scale < 1.0  # the spike itself is left out


def test_heavy_tails_cost_degrees_of_freedom_a_lone_spike_does_not():
    rng = random.Random(8)
    gaussian = RobustReference.of([rng.gauss(0.0, 1.0) for _ in range(60)])
    heavy = RobustReference.of([rng.gauss(0.0, 1.0) / max(1e-3, rng.random()) for _ in range(60)])
    spiked = RobustReference.of([*(rng.gauss(0.0, 1.0) for _ in range(59)), 50.0])
    assert gaussian.scale_df >= 40
    assert heavy.scale_df < 20
    assert spiked.scale_df >= 20
    assert gaussian.scale_df <= 59 and RobustReference.of([1.0, 2.0]).scale_df == 1


def test_light_tailed_noise_is_measured_by_its_sd_not_its_mad():
    # uniform noise and two alternating levels: their MAD-σ is 1.28× and 1.45× the SD, so a
    # scale floored at it made a 2 σ step look like 1.4 σ
    rng = random.Random(7)
    uniform = [rng.uniform(-math.sqrt(3), math.sqrt(3)) for _ in range(60)]
    levels = [(0.98 if i % 2 else -0.98) + rng.gauss(0.0, 0.2) for i in range(60)]
    for values in (uniform, levels):
        reference = RobustReference.of(values)
        mad_sigma = 1.482602218505602 * statistics.median(
            abs(v - statistics.median(values)) for v in values
        )
        assert mad_sigma > 1.2 * statistics.stdev(values)
        assert reference.scale == pytest.approx(statistics.stdev(values), rel=0.02)


def test_tails_count_as_light_only_when_clearly_lighter_than_a_gaussians():
    rng = random.Random(9)
    uniform = RobustReference.of([rng.uniform(-math.sqrt(3), math.sqrt(3)) for _ in range(60)])
    levels = RobustReference.of([(0.98 if i % 2 else -0.98) + rng.gauss(0, 0.2) for i in range(60)])
    # uniform noise: excess kurtosis −1.2, less the margin √(24/60) ≈ 0.63; two levels: −1.8
    assert -0.9 < uniform.light < -0.2
    assert levels.light < -0.9
    # Gaussian references: light only when their kurtosis is a standard error below 0 by
    # chance (about one in seven of 60 values), and then only a little
    lights = [RobustReference.of(gaussian(60, seed)).light for seed in range(300)]
    chance = [light for light in lights if light < 0.0]
    assert len(chance) / 300 < 0.2 and statistics.fmean(chance) > -0.25
    # too few values to tell
    assert RobustReference.of([rng.uniform(-1.0, 1.0) for _ in range(29)]).light == 0.0


def test_a_light_tailed_reference_reads_a_run_as_rarer_only_in_its_tail():
    rng = random.Random(10)
    reference = RobustReference.of([rng.uniform(-math.sqrt(3), math.sqrt(3)) for _ in range(60)])
    assert reference.light < 0.0

    def run_z(t: float, light_tails: bool, k: int = 3) -> float:
        run = [reference.baseline + t * reference.spread] * k
        return reference.run_z(run, 3.0, 3.6, light_tails=light_tails)

    plain, light = run_z(2.0, False), run_z(2.0, True)
    # Cornish–Fisher, first order: z + |κ|/k/24 · (z³ − 3z) for the mean of k = 3 results
    expected = plain - reference.light / 3 / 24 * (plain**3 - 3 * plain)
    assert light == pytest.approx(expected, rel=1e-12) and light > plain + 0.1
    # a longer run's mean is nearer normal: less is added
    assert run_z(1.6, True, k=5) - run_z(1.6, False, k=5) < light - plain
    # below √3 (where z³ − 3z is negative) nothing changes: light tails never take evidence away
    assert run_z(0.8, True) == run_z(0.8, False)


def test_a_reference_counts_as_skewed_only_when_its_octiles_say_so():
    rng = random.Random(11)
    exponential = RobustReference.of([rng.expovariate(1.0) for _ in range(100)])
    mirrored = RobustReference.of([-rng.expovariate(1.0) for _ in range(100)])
    assert 1.0 < exponential.skew <= 3.0, "exponential noise: skewness 2, toward worse"
    assert mirrored.skew == 0.0, "a long better tail takes no evidence away"
    # Gaussian references pass by chance about once in 200; Student t₃ ones, whose moment
    # skewness one far value makes large, hardly more often (the octiles barely see tails)
    assert sum(RobustReference.of(gaussian(100, seed)).skew > 0 for seed in range(400)) <= 6
    t3 = np.random.default_rng(12).standard_t(3, (400, 100))
    assert sum(RobustReference.of(row).skew > 0 for row in t3) <= 8
    # too few values to tell
    assert RobustReference.of([rng.expovariate(1.0) for _ in range(29)]).skew == 0.0


def test_a_skewed_reference_reads_a_run_as_less_rare():
    rng = random.Random(13)
    reference = RobustReference.of([rng.expovariate(1.0) for _ in range(100)])
    assert reference.skew > 0.0

    def run_z(t: float, skewed_tails: bool, k: int = 3) -> float:
        run = [reference.baseline + t * reference.spread] * k
        return reference.run_z(run, 3.0, 3.6, skewed_tails=skewed_tails)

    plain, skewed = run_z(2.5, False), run_z(2.5, True)
    # Cornish–Fisher: the normal q whose quantile of the run's mean, q + a(q² − 1) with
    # a = γ/(6√k), is the plain z
    a = reference.skew / math.sqrt(3) / 6
    assert skewed + a * (skewed**2 - 1) == pytest.approx(plain, rel=1e-12)
    assert skewed < plain - 0.5
    # a longer run's mean is nearer normal: less is taken away
    assert run_z(2.0, False, k=5) - run_z(2.0, True, k=5) < plain - skewed
    # no evidence to speak of: nothing changes
    assert run_z(0.5, True) == run_z(0.5, False)


def ar1(n: int, rho: float, seed: int, level: float = 0.0) -> list[float]:
    rng = random.Random(seed)
    values = [rng.gauss(0.0, 1.0) / math.sqrt(1.0 - rho * rho)]
    for _ in range(n - 1):
        values.append(rho * values[-1] + rng.gauss(0.0, 1.0))
    return [level + value for value in values]


def test_serial_correlation_is_what_independent_noise_does_not_show_by_chance():
    from benchmon_pipeline.regressions.robust import serial_correlation

    # independent noise: beyond two standard errors (2/√60 ≈ 0.26) about 2 % of the time,
    # so the guard stays off (0) for nearly every reference
    independent = [serial_correlation(gaussian(60, seed)) for seed in range(400)]
    assert sum(rho == 0.0 for rho in independent) / 400 > 0.95
    # AR(1) noise with ρ 0.6: seen, as its lag-1 autocorrelation (a little low with 60 values)
    seen = statistics.median(serial_correlation(ar1(60, 0.6, seed)) for seed in range(200))
    assert 0.45 < seen < 0.65
    # the plain lag-1 autocorrelation, when it is beyond the bar
    values = ar1(60, 0.6, 7)
    mean = statistics.fmean(values)
    plain = sum((a - mean) * (b - mean) for a, b in zip(values, values[1:], strict=False)) / sum(
        (a - mean) ** 2 for a in values
    )
    assert plain > 0.3 and serial_correlation(values) == pytest.approx(plain, rel=1e-9)
    # the same at a far level (sums of products of 1e9-sized values would cancel)
    far = serial_correlation(ar1(60, 0.6, 7, level=1e9))
    assert far == pytest.approx(serial_correlation(ar1(60, 0.6, 7)), abs=1e-6)
    assert serial_correlation([5.0] * 60) == 0.0 and serial_correlation([1.0, 2.0, 3.0]) == 0.0


def test_a_run_of_neighbours_that_move_together_needs_more_evidence():
    reference = RobustReference.of(gaussian(60, seed=4))
    run = [reference.baseline + 2.2 * reference.spread] * 3
    independent = reference.run_z(run, 3.0, 3.6)
    together = reference.run_z(run, 3.0, 3.6, serial=0.4)
    # Var(sum of 3) / 3 under AR(1) with ρ 0.4: 1 + 2 (2/3 · 0.4 + 1/3 · 0.16) = 1.64
    assert independent / together == pytest.approx(math.sqrt(1.64), rel=0.05)
    assert reference.run_z(run, 3.0, 3.6, serial=0.0) == independent


def test_resolution_is_the_lattice_step_of_quantized_values():
    assert resolution([3.0, 5.0, 3.0, 4.0, 7.0]) == 1.0
    assert resolution([2.5, 2.7, 2.5, 2.6]) == pytest.approx(0.1)
    assert resolution([4.0, 4.0, 4.0]) == 0.0  # no two distinct values: no lattice seen
    assert resolution(gaussian(20, 3)) == 0.0  # continuous: no two alike


def test_a_coarse_lattice_shrinks_each_results_excess_a_fine_one_does_not():
    # rounded to whole numbers, noise of SD 0.3 sits at 100 with a rare ±1: three +1s in a
    # row are 5 % events thrice (p ≈ 1e-4), not three 3 σ results (p ≈ 1e-7)
    rng = random.Random(6)
    coarse = [float(round(100 + 0.3 * rng.gauss(0, 1))) for _ in range(60)]
    coarse[:2] = [99.0, 101.0]  # at least one excursion each way
    reference = RobustReference.of(coarse)
    assert 3 * reference.scale < 1.0  # the step is beyond three scales: fully coarse
    run = [101.0, 101.0, 101.0]
    plain = reference.run_z(run, 3.0, 3.6)
    corrected = reference.run_z(run, 3.0, 3.6, step=1.0)
    assert plain >= 3.6 > corrected
    # two steps up is still far out, corrected or not
    assert reference.run_z([102.0] * 3, 3.0, 3.6, step=1.0) >= 3.6
    # rounded to whole numbers, noise of SD 1 is fine against its step: nothing changes
    fine = RobustReference.of([float(round(10 + rng.gauss(0, 1))) for _ in range(60)])
    assert fine.run_z([12.0, 12.0, 13.0], 3.0, 3.6, step=1.0) == fine.run_z(
        [12.0, 12.0, 13.0], 3.0, 3.6
    )


def test_the_sd_without_the_farthest_value_is_exact_with_or_without_a_dwarfing_spike():
    from benchmon_pipeline.regressions.robust import _sd_but_farthest

    for spike in (3.5, -4.0, 1e12, -1e15):  # an ordinary far value, and ones that dwarf all
        values = sorted([*gaussian(40, 9), spike])
        offsets = np.asarray(values) - statistics.median(values)
        squares = offsets * offsets
        rest = [o for o in offsets if o != max(offsets, key=abs)]
        expected = statistics.stdev(rest)
        got = _sd_but_farthest(offsets, squares, (offsets.sum(), squares.sum()))
        assert got == pytest.approx(expected, rel=1e-9), spike
