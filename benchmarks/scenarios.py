"""Issue 19's scenarios for bench_detection.py: the shapes of trouble a noise family alone
does not show, each a Gaussian series judged alone, one result at a time.

- short histories: pure noise of 10–20 results (false alarms where the reference is young);
- lone outliers: one result 4–10 σ worse, then back (should never be an ERROR); beside
  them the same series without the outlier, so that the share alarmed shows how much of it
  the outlier caused and how much is the rule's false alarms on those 11 noise results;
- transient regressions: 3 σ worse for 2, 3, 5 or 10 results, then recovered (reported?);
- a staircase: a 3 σ step, then another 20–30 results later (is the second one caught?);
  and a staircase of four such steps, judged on its fourth, when the reference window holds
  the three levels before it;
- a variance change: the SD doubles, the mean does not (no target; a mean rule's alarms
  here say how it reads a wider spread);
- autocorrelated noise: AR(1) with ρ 0.5 and SD 1, no change at all (no target; real
  histories drift with a machine's warmth or a shared runner's load, and runs of bad
  results there are common without any regression);
- coarse whole numbers: Gaussian noise of SD 0.3 rounded to whole numbers, no change (no
  target; a metric that nearly always reads one value, with a rare ±1);
- counts: Poisson with mean 3, higher is worse, no change (no target; failures, warnings,
  retries: right-skewed, and whole numbers);
- skewed noise: exponential, SD 1, its long tail on the worse side, no change, and the same
  with a 3 σ step (no target; a loss or a count near 0: runs of bad results are far more
  common than on Gaussian noise, and a step needs more evidence to stand out).

Every rule sees the same series; "reported" counts a WARN or an ERROR of ours (an alarm of a
CI rule), "detected" an ERROR (an alarm).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from support import verdict

from benchmon_pipeline.regressions.history_rule import HistorySettings, decide, gather_evidence
from benchmon_pipeline.regressions.verdicts import ERROR, WARN

METRIC, DIRECTION, LEVEL = "eval_score", "higher", 100.0  # σ = 1; worse is lower
HISTORY = 60  # results before a change
TRANSIENT_SIZE = 3.0  # σ
TRANSIENT_LENGTHS = (2, 3, 5, 10)
STAIR_SIZE = 3.0  # σ, each step
STAIR_GAPS = (20, 30)
LONG_STAIR = 4  # steps in the long staircase (its newest step judged)
WITHIN = 5
NO_OUTLIER = "same, no outlier"  # the lone-outlier series without their outlier
LONG_STAIRCASE = f"staircase of {LONG_STAIR}"
SERIAL_RHO = 0.5  # the autocorrelated noise's lag-1 autocorrelation
COARSE_SD = 0.3  # the coarse whole numbers' noise, in steps of 1
COUNT_MEAN = 3.0  # the counts' Poisson mean
SKEWED, SKEWED_STEP = "skewed", "skewed, 3 σ step"  # exponential noise, long tail worse


@dataclass(frozen=True)
class Sizes:
    short: int
    outliers: int
    transients: int  # per length
    staircases: int
    variance: int
    autocorrelated: int
    quantized: int  # series of coarse whole numbers, and as many of counts
    long_staircases: int
    skewed: int  # series of skewed noise, and as many with a step


FULL = Sizes(
    short=3000,
    outliers=1000,
    transients=400,
    staircases=400,
    variance=200,
    autocorrelated=300,
    quantized=300,
    long_staircases=400,
    skewed=300,
)
QUICK = Sizes(
    short=60,
    outliers=20,
    transients=8,
    staircases=8,
    variance=4,
    autocorrelated=4,
    quantized=4,
    long_staircases=8,
    skewed=4,
)


@dataclass(frozen=True)
class Series:
    family: str
    values: np.ndarray  # σ-units around LEVEL
    judge_from: int  # results before this are history only
    bad: tuple[int, int] = (0, 0)  # [start, end) of the changed results, if any
    direction: str = DIRECTION


def build(sizes: Sizes, seed: int) -> list[Series]:
    rng = np.random.default_rng(seed + 19)
    out: list[Series] = []

    def noise(n: int) -> np.ndarray:
        return LEVEL + rng.standard_normal(n)

    for _ in range(sizes.short):
        out.append(Series("short history", noise(int(rng.integers(10, 21))), 10))
    twins = []
    for _ in range(sizes.outliers):
        values = noise(HISTORY + 11)
        twins.append(Series(NO_OUTLIER, values.copy(), HISTORY, (HISTORY, HISTORY + 1)))
        values[HISTORY] -= rng.uniform(4.0, 10.0)
        out.append(Series("lone outlier", values, HISTORY, (HISTORY, HISTORY + 1)))
    for length in TRANSIENT_LENGTHS:
        for _ in range(sizes.transients):
            values = noise(HISTORY + length + WITHIN)
            values[HISTORY : HISTORY + length] -= TRANSIENT_SIZE
            out.append(Series(f"lasting {length}", values, HISTORY, (HISTORY, HISTORY + length)))
    for _ in range(sizes.staircases):
        gap = int(rng.integers(STAIR_GAPS[0], STAIR_GAPS[1] + 1))
        second = HISTORY + gap
        values = noise(second + 30)
        values[HISTORY:] -= STAIR_SIZE
        values[second:] -= STAIR_SIZE
        out.append(Series("staircase", values, second, (second, len(values))))
    for _ in range(sizes.variance):
        values = noise(2 * HISTORY)
        values[HISTORY:] = LEVEL + 2.0 * rng.standard_normal(HISTORY)
        out.append(Series("variance ×2", values, HISTORY, (HISTORY, 2 * HISTORY)))
    for _ in range(sizes.autocorrelated):  # drawn last: the others' draws stay as they were
        shocks = math.sqrt(1.0 - SERIAL_RHO**2) * rng.standard_normal(2 * HISTORY)
        values = np.empty(2 * HISTORY)
        values[0] = rng.standard_normal()
        for i in range(1, len(values)):
            values[i] = SERIAL_RHO * values[i - 1] + shocks[i]
        out.append(Series("autocorrelated", LEVEL + values, HISTORY, (HISTORY, 2 * HISTORY)))
    for _ in range(sizes.quantized):  # drawn after the others, for the same reason
        values = np.round(LEVEL + COARSE_SD * rng.standard_normal(2 * HISTORY))
        out.append(Series("whole numbers", values, HISTORY, (HISTORY, 2 * HISTORY)))
        counts = rng.poisson(COUNT_MEAN, 2 * HISTORY).astype(float)
        out.append(Series("counts", counts, HISTORY, (HISTORY, 2 * HISTORY), "lower"))
    for _ in range(sizes.long_staircases):  # drawn after the others, for the same reason
        gaps = rng.integers(STAIR_GAPS[0], STAIR_GAPS[1] + 1, LONG_STAIR - 1)
        starts = [HISTORY, *(HISTORY + int(total) for total in np.cumsum(gaps))]
        values = noise(starts[-1] + 30)
        for start in starts:
            values[start:] -= STAIR_SIZE
        out.append(Series(LONG_STAIRCASE, values, starts[-1], (starts[-1], len(values))))
    for _ in range(sizes.skewed):  # drawn after the others, for the same reason
        # mean LEVEL, SD 1; higher is better, so the exponential's long tail is the worse side
        values = LEVEL + 1.0 - rng.exponential(1.0, 2 * HISTORY)
        out.append(Series(SKEWED, values, HISTORY, (HISTORY, 2 * HISTORY)))
        stepped = LEVEL + 1.0 - rng.exponential(1.0, HISTORY + WITHIN)
        stepped[HISTORY:] -= STAIR_SIZE
        out.append(Series(SKEWED_STEP, stepped, HISTORY, (HISTORY, HISTORY + WITHIN)))
    return out + twins


def _ours(settings: HistorySettings) -> Callable[[Sequence[float], str], str | None]:
    def judge(values: Sequence[float], direction: str) -> str | None:
        evidence = gather_evidence(values, metric=METRIC, direction=direction, settings=settings)
        return decide([evidence], settings)[0].severity

    return judge


def judge_all(
    series: list[Series],
    settings: HistorySettings,
    peers: dict[str, Callable[[Sequence[float], float, str], bool]],
) -> list[dict[str, list]]:
    """Per series, per rule: the decision on each judged result (ours: its severity)."""
    ours = _ours(settings)
    out = []
    for item in series:
        values = [float(v) for v in item.values]
        decisions: dict[str, list] = {"ours": [], **{name: [] for name in peers}}
        for t in range(item.judge_from, len(values)):
            decisions["ours"].append(ours(values[: t + 1], item.direction))
            for name, alarm in peers.items():
                decisions[name].append(alarm(values[:t], values[t], item.direction))
        out.append(decisions)
    return out


def _alarm(decision, at_least_warn: bool) -> bool:
    if decision is None or decision is False:
        return False
    if decision is True:
        return True
    return decision == ERROR or (at_least_warn and decision == WARN)


def report(
    series: list[Series], judged: list[dict[str, list]], rules: Sequence[str]
) -> tuple[list[str], dict[str, float]]:
    """The scenario table, and ours's figures for the issue's targets."""
    groups: dict[str, list[tuple[Series, dict]]] = {}
    for item, decisions in zip(series, judged, strict=True):
        groups.setdefault(item.family, []).append((item, decisions))

    def judged_by(family: str, rule: str) -> list[tuple[Series, dict]]:
        """The family's series this rule judged (the change-point peers judge a sample)."""
        return [(s, d) for s, d in groups.get(family, []) if rule in d]

    def share(family: str, rule: str, hit: Callable[[Series, list], bool]) -> float:
        members = judged_by(family, rule)
        return sum(hit(s, d[rule]) for s, d in members) / len(members) if members else math.nan

    def per_1000(family: str, rule: str, from_bad: bool) -> float:
        alarms = results = 0
        for item, decisions in judged_by(family, rule):
            offset = item.bad[0] - item.judge_from if from_bad else 0
            chosen = decisions[rule][offset:]
            alarms += sum(_alarm(d, False) for d in chosen)
            results += len(chosen)
        return 1000.0 * alarms / results if results else math.nan

    def during(at_least_warn: bool):
        def hit(item: Series, decisions: list) -> bool:
            start, end = (b - item.judge_from for b in item.bad)
            return any(_alarm(d, at_least_warn) for d in decisions[start:end])

        return hit

    def within(item: Series, decisions: list) -> bool:
        return any(_alarm(d, False) for d in decisions[:WITHIN])

    def after_outlier(item: Series, decisions: list) -> bool:
        return any(_alarm(d, False) for d in decisions)

    rows, figures = [], {}
    for rule in rules:
        row = {
            "short": per_1000("short history", rule, False),
            "outlier": share("lone outlier", rule, after_outlier),
            "no outlier": share(NO_OUTLIER, rule, after_outlier),
            **{
                f"reported {n}": share(f"lasting {n}", rule, during(True))
                for n in TRANSIENT_LENGTHS
            },
            "stair": share("staircase", rule, within),
            "long stair": share(LONG_STAIRCASE, rule, within),
            "variance": per_1000("variance ×2", rule, True),
            "autocorrelated": per_1000("autocorrelated", rule, True),
            "whole numbers": per_1000("whole numbers", rule, True),
            "counts": per_1000("counts", rule, True),
            "skewed": per_1000(SKEWED, rule, True),
            "skewed step": share(SKEWED_STEP, rule, within),
        }
        figures[rule] = row
        rows.append(
            [
                rule,
                _rate(row["short"]),
                _percent(row["outlier"]),
                _percent(row["no outlier"]),
                *(_percent(row[f"reported {n}"]) for n in TRANSIENT_LENGTHS),
                _percent(row["stair"]),
                _percent(row["long stair"]),
                _rate(row["variance"]),
                _rate(row["autocorrelated"]),
                _rate(row["whole numbers"]),
                _rate(row["counts"]),
                _rate(row["skewed"]),
                _percent(row["skewed step"]),
            ]
        )
    counts = {family: len(members) for family, members in groups.items()}
    out = [
        "Issue 19 scenarios (Gaussian but the whole numbers, counts and skewed noise "
        "(exponential), each series judged alone; "
        + ", ".join(f"{family}: {n}" for family, n in counts.items())
        + ")",
        _table(
            [
                "rule",
                "short history: alarms / 1,000",
                "lone outlier: alarmed",
                "same, no outlier: alarmed",
                *(f"lasting {n}: reported" for n in TRANSIENT_LENGTHS),
                f"staircase: 2nd step ≤ {WITHIN}",
                f"{LONG_STAIRCASE}: step {LONG_STAIR} ≤ {WITHIN}",
                "variance ×2: alarms / 1,000",
                f"AR(1) ρ {SERIAL_RHO:g}: alarms / 1,000",
                f"whole numbers, SD {COARSE_SD:g}: alarms / 1,000",
                f"counts, mean {COUNT_MEAN:g}: alarms / 1,000",
                "skewed: alarms / 1,000",
                f"skewed, {STAIR_SIZE:g} σ step: ≤ {WITHIN}",
            ],
            rows,
        ),
        f"(reported: a WARN or an ERROR of ours, an alarm of a CI rule, during the "
        f"regression; transient regressions are {TRANSIENT_SIZE:g} σ; the staircase's steps "
        f"{STAIR_SIZE:g} σ each, {STAIR_GAPS[0]}–{STAIR_GAPS[1]} results apart (the long one "
        f"judged on its newest step, its reference window holding up to three levels); lone "
        f"outlier: an alarm on the outlier or the 10 results after it, and on the same 11 "
        f"results of the same series without the outlier)",
    ]
    return out, figures["ours"]


def targets(ours_main: dict, ours_scenarios: dict) -> list[str]:
    """Issue 19's targets, ours only, each met or missed."""
    checks = [
        (
            "steps ≥ 3 σ detected within 5 results ≥ 99 %",
            ours_main["detected"] >= 0.99,
            _percent(ours_main["detected"]),
        ),
        (
            "median results to detection ≤ 2",
            ours_main["median"] <= 2,
            f"{ours_main['median']:g}",
        ),
        (
            "2 σ steps detected within 5 results ≥ 75 %",
            ours_main["two_sigma"] >= 0.75,
            _percent(ours_main["two_sigma"]),
        ),
        (
            "regressions lasting 3 results reported ≥ 80 %",
            ours_scenarios["reported 3"] >= 0.80,
            _percent(ours_scenarios["reported 3"]),
        ),
        (
            f"a {STAIR_SIZE:g} σ shift 20–30 results after another detected within 5 ≥ 95 %",
            min(ours_scenarios["stair"], ours_scenarios["long stair"]) >= 0.95,
            f"{_percent(ours_scenarios['stair'])} (step {LONG_STAIR} of a staircase of "
            f"{LONG_STAIR}: {_percent(ours_scenarios['long stair']).strip()})",
        ),
        *(
            (
                f"false alarms ≤ 0.5 per 1,000 on {family}",
                rate <= 0.5,
                _rate(rate),
            )
            for family, rate in ours_main["noise"].items()
        ),
        (
            "false alarms ≤ 0.5 per 1,000 on histories of 10–20 results",
            ours_scenarios["short"] <= 0.5,
            _rate(ours_scenarios["short"]),
        ),
        (
            "no ERROR on a lone outlier",
            ours_scenarios["outlier"] == 0,
            f"{_percent(ours_scenarios['outlier'])} (the same series without the outlier: "
            f"{_percent(ours_scenarios['no outlier']).strip()})",
        ),
    ]
    return ["Targets (issue 19), ours:"] + [
        f"  {verdict(ok):13}  {text}: {figure}" for text, ok, figure in checks
    ]


def _percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{100 * value:5.1f} %"


def _rate(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])
