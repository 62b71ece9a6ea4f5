"""The textbook test as a yardstick for bench_detection.py: how many 2 σ steps can any rule
of its kind catch within 5 results while it keeps to the false-alarm budget?

The textbook test for a step in independent noise: the mean of the newest n results against
the mean and SD of the (up to) 100 results before them (our window), a two-sample z, the
largest over n = 3, 4, 5 (a step may have begun 3, 4 or 5 results ago). It has none of a
product rule's guards (no robust scale, no cap on one result, no allowance for heavy tails
or for a short reference), so on Gaussian noise nothing of its kind does much better. Judged
on the same suite, the same series and the same scales (log, arcsine-square-root) as ours,
with its threshold set as low as the budget allows: the smallest threshold at which no noise
family raises more than `budget` alarms per 1,000 results. Its 2 σ detection at that
threshold says how far the 2 σ target can be reached at all under that budget on this suite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmon_pipeline.regressions.history_rule import HistorySettings
from benchmon_pipeline.regressions.scales import choose_scale, to_scales

RUNS = (3, 4, 5)  # newest results judged together
WINDOW = HistorySettings.window  # results in the reference: ours
MIN_REFERENCE = 10


def scan_statistics(values: np.ndarray) -> np.ndarray:
    """For each result (bigger is worse), the largest two-sample z of the newest n results
    against the up to WINDOW before them, n in RUNS; -inf where no n has MIN_REFERENCE
    results before it."""
    count = len(values)
    sums = np.concatenate([[0.0], np.cumsum(values)])
    squares = np.concatenate([[0.0], np.cumsum(values * values)])
    best = np.full(count, -math.inf)
    ends = np.arange(count)  # the newest result of each window
    for n in RUNS:
        first = ends - n + 1  # the window's first result; the reference ends before it
        start = np.maximum(0, first - WINDOW)
        size = first - start
        ok = (first >= 0) & (size >= MIN_REFERENCE)
        if not ok.any():
            continue
        e, f, s, m = ends[ok], first[ok], start[ok], size[ok].astype(float)
        run_mean = (sums[e + 1] - sums[f]) / n
        mean = (sums[f] - sums[s]) / m
        variance = np.maximum((squares[f] - squares[s]) - m * mean * mean, 0.0) / (m - 1)
        sd = np.sqrt(variance)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (run_mean - mean) / (sd * np.sqrt(1.0 / n + 1.0 / m))
        z = np.where(sd > 0, z, -math.inf)
        best[ok] = np.maximum(best[ok], z)
    return best


@dataclass(frozen=True)
class FamilyBound:
    threshold: float  # the lowest z at which the family's noise stays within the budget
    false_alarms: float  # per 1,000 results at that threshold
    detected: dict[float, float]  # step size → share detected within `within`


def _judged(configuration, index: int, family) -> tuple[np.ndarray, int]:
    """The family's series with missing results dropped, turned so bigger is worse and put
    on the scale ours judges it on; and where the judged part begins in it."""
    raw = np.asarray(configuration.series[index], dtype=float)
    present = ~np.isnan(raw)
    values = raw[present]
    scale = choose_scale(family.metric, family.direction, values)
    scaled = to_scales(values, scale)
    if family.direction == "higher":
        scaled = -scaled
    begin = int(present[: configuration.evaluate_from].sum())
    return scaled, begin


def bound(
    configurations: Sequence, families: Sequence, budget: float = 0.5, within: int = 5
) -> dict[str, FamilyBound]:
    """Per noise family, the textbook test with the lowest threshold that keeps that family's
    pure noise at or below `budget` alarms per 1,000 results — tuned to each family's own
    noise, as no rule that must judge every family with one threshold can be — and the share
    of its steps, by size, it then detects within `within` results."""
    noise: dict[str, list[np.ndarray]] = {family.name: [] for family in families}
    steps: dict[str, list[tuple[float, np.ndarray]]] = {family.name: [] for family in families}
    for configuration in configurations:
        if configuration.kind == "noise":
            for index, family in enumerate(families):
                values, begin = _judged(configuration, index, family)
                stats = scan_statistics(values)[begin:]
                noise[family.name].append(stats[np.isfinite(stats)])
        elif configuration.kind == "step":
            family = families[configuration.changed]
            values, begin = _judged(configuration, configuration.changed, family)
            stats = scan_statistics(values)[begin : begin + within]
            steps[family.name].append((configuration.size, stats))
    out = {}
    for name, parts in noise.items():
        pooled = np.concatenate(parts)
        # the smallest threshold within the budget: just above the k-th largest noise z,
        # k the number of alarms the budget allows
        allowed = math.floor(budget * len(pooled) / 1000.0)
        ordered = np.sort(pooled)[::-1]
        threshold = float(np.nextafter(ordered[min(allowed, len(ordered) - 1)], math.inf))
        hits: dict[float, list[bool]] = {}
        for size, stats in steps[name]:
            hits.setdefault(size, []).append(bool((stats >= threshold).any()))
        out[name] = FamilyBound(
            threshold=threshold,
            false_alarms=1000.0 * float((pooled >= threshold).mean()),
            detected={size: float(np.mean(h)) for size, h in sorted(hits.items())},
        )
    return out


def lines(bounds: dict[str, FamilyBound], ours: dict[str, float], budget: float = 0.5) -> list[str]:
    """The yardstick beside ours: 2 σ steps detected within 5 results, per family."""
    rows = [
        f"| {name:17} | {b.threshold:9.2f} | {b.false_alarms:17.2f} | "
        f"{100 * b.detected.get(2.0, math.nan):15.1f} % | {100 * ours[name]:5.1f} % |"
        for name, b in bounds.items()
    ]
    mean_textbook = float(np.mean([b.detected.get(2.0, math.nan) for b in bounds.values()]))
    mean_ours = float(np.mean(list(ours.values())))
    return [
        f"Yardstick: the textbook test (the largest two-sample z of the mean of the newest "
        f"{RUNS[0]}–{RUNS[-1]} results against the mean and SD of the {WINDOW} before, on the "
        f"same series and scales), its threshold tuned to each family's own noise: the lowest "
        f"that keeps it at ≤ {budget:g} false alarms per 1,000",
        "| family            | threshold | false alarms / 1k | textbook: 2 σ ≤ 5 | ours    |",
        "|-------------------|-----------|-------------------|-------------------|---------|",
        *rows,
        f"| {'mean':17} |           |                   | {100 * mean_textbook:15.1f} % | "
        f"{100 * mean_ours:5.1f} % |",
    ]
