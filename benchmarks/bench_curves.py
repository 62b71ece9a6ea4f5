"""Operating curves (issue 19, item 3): detection within 5 results against false alarms per
1,000 results, each rule's main threshold swept, so rules compare at equal false-alarm rates
and not only at their defaults.

    python benchmarks/bench_curves.py            # writes docs/detection_curves.{html,png}
    python benchmarks/bench_curves.py --quick    # a few seconds, writes nothing
    python benchmarks/bench_curves.py --replot   # the figure again from docs/detection_curves.json
    python benchmarks/bench_curves.py --keep-peers  # ours and Conbench again, the peers' saved

One Gaussian design for every rule (σ = 1, judged online, one result at a time, each series
alone): 60 results of history, then either a step of 2 or 3 σ in the bad direction (detected
when an alarm comes within its first 5 results) or 40 more results of pure noise (false
alarms per 1,000). Swept: ours — `threshold_z`; Conbench's lookback z-score — its z;
Otava — `max_pvalue`; E-Divisive — its permutation test's p-value. The change-point peers
run in benchmarks/.peers-venv (`make bench-peers`), on the same series as ours and Conbench
(FULL: 300 per step size, 300 of noise, 12,000 noise results). They re-analyse the whole
history at every result, ~100× our cost, so their sweep runs in PEER_PROCESSES worker
subprocesses at a time, about 6 minutes on 2 cores. The figure says how many series each
point rests on.

A second table, at the same thresholds: 2 σ steps detected within 5 beside lone outliers
(one result 4–10 σ worse, then back: an alarm on it or the 10 results after it) and the same
series without their outlier. It shows what a threshold buys on each: the outlier series'
ERRORs do not reach 0 at any threshold that keeps 2 σ steps at 75 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detection import CONBENCH_LOOKBACK, PEERS_PYTHON, ask_peers  # noqa: E402

from benchmon_pipeline.regressions.history_rule import HistorySettings, judge_newest  # noqa: E402
from benchmon_pipeline.regressions.verdicts import ERROR  # noqa: E402

SEED = 20_261_204
HISTORY, NOISE_AFTER, WITHIN = 60, 40, 5
STEPS = (2.0, 3.0)
OUTLIER = (4.0, 10.0)  # σ: a lone outlier's size, drawn uniformly
AFTER_OUTLIER = 10  # results judged after the outlier
METRIC, DIRECTION = "eval_score", "higher"  # worse is lower
OURS_THRESHOLDS = (2.8, 3.2, 3.6, 4.0, 4.3)
CONBENCH_ZS = (3.0, 4.0, 5.0, 6.0)
OTAVA_PVALUES = (1e-4, 1e-3, 1e-2, 5e-2)
E_DIVISIVE_PVALUES = (0.01, 0.05, 0.2)
DOCS = Path(__file__).resolve().parents[1] / "docs"
SAVED = DOCS / "detection_curves.json"  # every point, for --replot and --keep-peers
ZERO_AT = 0.02  # where a point with no false alarm is drawn on the log axis
PEER_PROCESSES = 2  # worker subprocesses at a time (this machine has 2 cores)


@dataclass(frozen=True)
class Sizes:
    steps: int  # series per step size
    noise: int  # pure-noise series
    peer_steps: int
    peer_noise: int
    outliers: int = 0  # lone-outlier series (and as many twins without the outlier)
    peer_outliers: int = 0


# the peers on every series but the outliers, as ours and Conbench: "no false alarm" means
# the same for all four (< ~0.25 per 1,000 at 95 %); on lone outliers, which they alarm on
# nearly always, 100 of them; the whole run took 6 min 25 s on 2 cores (12 min CPU)
FULL = Sizes(steps=300, noise=300, peer_steps=300, peer_noise=300, outliers=1000, peer_outliers=100)
QUICK = Sizes(steps=10, noise=10, peer_steps=0, peer_noise=0, outliers=20)


@dataclass(frozen=True)
class Series:
    steps: list[np.ndarray]  # STEPS[0]'s first, then STEPS[1]'s, `sizes.steps` each
    noise: list[np.ndarray]
    outliers: list[np.ndarray]  # HISTORY results, the outlier, AFTER_OUTLIER results
    twins: list[np.ndarray]  # the same series without the outlier

    def kinds(self) -> tuple[list[np.ndarray], ...]:
        """The four kinds, in the order of Alarms' fields."""
        return self.steps, self.noise, self.outliers, self.twins


def build(sizes: Sizes, seed: int) -> Series:
    rng = np.random.default_rng(seed)
    steps = []
    for size in STEPS:
        for _ in range(sizes.steps):
            values = 100.0 + rng.standard_normal(HISTORY + WITHIN)
            values[HISTORY:] -= size
            steps.append(values)
    noise = [100.0 + rng.standard_normal(HISTORY + NOISE_AFTER) for _ in range(sizes.noise)]
    outliers, twins = [], []
    for _ in range(sizes.outliers):  # drawn last: the steps and noise stay as they were
        values = 100.0 + rng.standard_normal(HISTORY + 1 + AFTER_OUTLIER)
        twins.append(values.copy())
        values[HISTORY] -= rng.uniform(*OUTLIER)
        outliers.append(values)
    return Series(steps, noise, outliers, twins)


@dataclass(frozen=True)
class Alarms:
    """One rule's alarms at one threshold, per series and judged result."""

    steps: list[list[bool]]
    noise: list[list[bool]]
    outliers: list[list[bool]]
    twins: list[list[bool]]

    def point(self) -> tuple[float, float]:
        return point(self.steps, self.noise)

    def outlier_row(self) -> tuple[float, float, float]:
        """(2 σ steps detected within 5, lone outliers alarmed, their twins alarmed)."""
        two_sigma = self.steps[: len(self.steps) // len(STEPS)]
        return _share([a[:WITHIN] for a in two_sigma]), _share(self.outliers), _share(self.twins)


def _share(alarms: list[list[bool]]) -> float:
    """The share of series with an alarm (nan for none)."""
    return sum(map(any, alarms)) / len(alarms) if alarms else float("nan")


def point(step_alarms: list[list[bool]], noise_alarms: list[list[bool]]) -> tuple[float, float]:
    """(false alarms per 1,000, share of steps alarmed within 5)."""
    results = sum(len(a) for a in noise_alarms)
    alarms = sum(sum(a) for a in noise_alarms)
    detected = sum(any(a[:WITHIN]) for a in step_alarms) / len(step_alarms)
    return 1000.0 * alarms / results, detected


def ours(series: Series, threshold: float) -> Alarms:
    settings = HistorySettings(threshold_z=threshold, warn_z=min(3.0, threshold))

    def alarms(values: np.ndarray) -> list[bool]:
        values = [float(v) for v in values]
        return [
            judge_newest(
                values[: t + 1], metric=METRIC, direction=DIRECTION, settings=settings
            ).severity
            == ERROR
            for t in range(HISTORY, len(values))
        ]

    return _judged(series, alarms)


def conbench(series: Series, z: float) -> Alarms:
    """bench_detection's lookback z-score (mean and SD of the previous 100) at `z`."""

    def alarms(values: np.ndarray) -> list[bool]:
        out = []
        for t in range(HISTORY, len(values)):
            window = values[max(0, t - CONBENCH_LOOKBACK) : t]
            out.append(bool((window.mean() - values[t]) / window.std(ddof=1) > z))
        return out

    return _judged(series, alarms)


def _judged(series: Series, alarms: Callable[[np.ndarray], list[bool]]) -> Alarms:
    return Alarms(*([alarms(values) for values in kind] for kind in series.kinds()))


def change_point_peers(series: Series, sizes: Sizes) -> dict[str, list[tuple[float, Alarms]]]:
    """Otava's and E-Divisive's alarms at each p-value, through their own environment; none
    without it. They judge the first `peer_steps` step series of each size, `peer_noise` noise
    series and `peer_outliers` outliers and twins.

    Each sweep point's series go out in PEER_PROCESSES interleaved shares, one worker
    subprocess each, PEER_PROCESSES at a time: the same alarms as one worker, in less time."""
    if not PEERS_PYTHON.exists() or not sizes.peer_steps:
        return {}
    if (
        sizes.peer_steps > sizes.steps
        or sizes.peer_noise > sizes.noise
        or sizes.peer_outliers > sizes.outliers
    ):
        raise ValueError(f"the peers judge a subset of the others' series, not {sizes}")
    per_size = len(series.steps) // len(STEPS)
    chosen = Series(
        steps=[
            series.steps[i * per_size + j]
            for i in range(len(STEPS))
            for j in range(sizes.peer_steps)
        ],
        noise=series.noise[: sizes.peer_noise],
        outliers=series.outliers[: sizes.peer_outliers],
        twins=series.twins[: sizes.peer_outliers],
    )
    kinds = chosen.kinds()
    request_series = [
        {"values": [float(v) for v in values], "direction": DIRECTION, "judge_from": HISTORY}
        for kind in kinds
        for values in kind
    ]
    sweeps = [("otava", p, {"otava_pvalue": p}) for p in OTAVA_PVALUES]
    sweeps += [("e-divisive", p, {"e_divisive_pvalue": p}) for p in E_DIVISIVE_PVALUES]

    def judge(name: str, extra: dict, share: int) -> list[list[bool]]:
        request = {
            "within": WITHIN,
            "series": request_series[share::PEER_PROCESSES],
            "only": name,
            **extra,
        }
        return ask_peers(request)[name]

    with ThreadPoolExecutor(max_workers=PEER_PROCESSES) as pool:
        shares = [
            [pool.submit(judge, name, extra, share) for share in range(PEER_PROCESSES)]
            for name, _, extra in sweeps
        ]
        out: dict[str, list[tuple[float, Alarms]]] = {"otava": [], "e-divisive": []}
        for (name, pvalue, _), futures in zip(sweeps, shares, strict=True):
            alarms: list[list[bool]] = [[] for _ in request_series]
            for share, future in enumerate(futures):
                alarms[share::PEER_PROCESSES] = future.result()
            each = iter(alarms)  # back into the kinds, in the order they went out
            out[name].append((pvalue, Alarms(*(list(islice(each, len(k))) for k in kinds))))
    return out


def figure(curves: dict[str, list[tuple[float, float, float]]], sizes: Sizes, html: Path) -> None:
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, points in curves.items():
        fig.add_trace(
            go.Scatter(
                x=[max(p[1], ZERO_AT) for p in points],
                y=[100.0 * p[2] for p in points],
                mode="lines+markers+text",
                name=name,
                text=[f"{p[0]:g}" for p in points],
                textposition="top center",
            )
        )
    fig.update_layout(
        title=(
            "Detection within 5 results (steps of 2 and 3 σ) against false alarms, "
            "each rule's threshold swept"
        ),
        xaxis_title=(
            f"false alarms (ERROR / alarm) per 1,000 pure-noise results, log scale "
            f"(none seen: drawn at {ZERO_AT:g})"
        ),
        xaxis_type="log",
        yaxis_title="steps detected within 5 results (%)",
        width=1000,
        height=600,
        annotations=[
            {
                "text": f"Gaussian, σ = 1, history {HISTORY}. Labels: threshold z or p.<br>"
                + rests_on(sizes, between="<br>"),
                "align": "left",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.3,
                "showarrow": False,
                "font": {"size": 11},
            }
        ],
        margin={"b": 160},
    )
    # plotly.js embedded (about 4.7 MB), not loaded from a CDN: the page opens offline,
    # from a clone or an archived docs folder, and draws the same PNG
    fig.write_html(html, include_plotlyjs=True)
    screenshot(html, html.with_suffix(".png"))


def rests_on(sizes: Sizes, between: str = " ") -> str:
    """How many series each point rests on, for the figure and the printed table."""

    def results(noise: int) -> str:
        return (
            f"{noise * NOISE_AFTER:,} results: one alarm is "
            f"{1000 / max(1, noise * NOISE_AFTER):.2g} per 1,000"
        )

    if (sizes.peer_steps, sizes.peer_noise) == (sizes.steps, sizes.noise):
        return (
            f"Every rule on the same {sizes.steps} series per step size and "
            f"{sizes.noise} noise series ({results(sizes.noise)}) per point."
        )
    peers = (
        f"Otava and E-Divisive: {sizes.peer_steps} per step size and {sizes.peer_noise} "
        f"({results(sizes.peer_noise)})."
        if sizes.peer_steps
        else "Otava and E-Divisive: not run."
    )
    return (
        f"Ours and Conbench: {sizes.steps} series per step size and {sizes.noise} noise "
        f"series ({results(sizes.noise)}) per point.{between}{peers}"
    )


def screenshot(html: Path, png: Path) -> None:
    """The PNG from the HTML as Chromium draws it (Debian's chromium, through Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 600})
            page.goto(html.as_uri())
            page.wait_for_selector(".main-svg")
            page.screenshot(path=str(png))
        finally:
            browser.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small sweep; writes nothing")
    parser.add_argument("--replot", action="store_true", help="redraw from the saved points")
    parser.add_argument(
        "--keep-peers",
        action="store_true",
        help="sweep ours and Conbench again; Otava's and E-Divisive's points from the saved "
        "run (they do not depend on our rule)",
    )
    args = parser.parse_args(argv)
    if args.replot:
        saved = json.loads(SAVED.read_text())
        figure(saved["curves"], Sizes(**saved["sizes"]), DOCS / "detection_curves.html")
        print("wrote docs/detection_curves.html and docs/detection_curves.png")
        return 0
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    series = build(sizes, SEED)
    judged = {
        "ours": [(t, ours(series, t)) for t in OURS_THRESHOLDS],
        "conbench": [(z, conbench(series, z)) for z in CONBENCH_ZS],
    }
    saved = json.loads(SAVED.read_text()) if args.keep_peers else None
    if saved is None:
        judged.update(change_point_peers(series, sizes))
        if not {"otava", "e-divisive"} <= judged.keys():
            sizes = replace(sizes, peer_steps=0, peer_noise=0, peer_outliers=0)
    curves = {name: [(t, *a.point()) for t, a in points] for name, points in judged.items()}
    outliers = {name: [(t, *a.outlier_row()) for t, a in points] for name, points in judged.items()}
    if saved is not None:  # the saved peers' points rest on the saved run's series
        curves.update({k: v for k, v in saved["curves"].items() if k not in curves})
        outliers.update({k: v for k, v in saved.get("outliers", {}).items() if k not in outliers})
        peers = {k: saved["sizes"].get(k, 0) for k in ("peer_steps", "peer_noise", "peer_outliers")}
        sizes = replace(sizes, **peers)
    print(f"Operating curves ({'quick' if args.quick else 'full'}, seed {SEED})")
    print(rests_on(sizes))
    print("| rule | threshold | false alarms / 1,000 | detected within 5 (2 and 3 σ) |")
    print("|---|---|---|---|")
    for name, points in curves.items():
        for threshold, alarms, detected in points:
            print(f"| {name} | {threshold:g} | {alarms:.2f} | {100 * detected:.1f} % |")
    print()
    print(
        f"Lone outliers ({OUTLIER[0]:g}–{OUTLIER[1]:g} σ; alarmed: an alarm on the outlier or "
        f"the {AFTER_OUTLIER} results after it) against 2 σ steps, at the same thresholds; "
        f"{outliers_rest_on(sizes)}"
    )
    print(
        "| rule | threshold | 2 σ detected within 5 | lone outlier: alarmed | "
        "same, no outlier: alarmed |"
    )
    print("|---|---|---|---|---|")
    for name, rows in outliers.items():
        for threshold, two_sigma, outlier, twin in rows:
            cells = " | ".join(_percent(x) for x in (two_sigma, outlier, twin))
            print(f"| {name} | {threshold:g} | {cells} |")
    if not args.quick:
        SAVED.write_text(
            json.dumps({"sizes": sizes.__dict__, "curves": curves, "outliers": outliers}, indent=1)
            + "\n"
        )
        figure(curves, sizes, DOCS / "detection_curves.html")
        print("wrote docs/detection_curves.{json,html,png}")
    print(f"({time.perf_counter() - began:.0f} s)")
    return 0


def _percent(share: float) -> str:
    return "–" if share != share else f"{100 * share:.1f} %"  # nan: not judged


def outliers_rest_on(sizes: Sizes) -> str:
    peers = f", Otava and E-Divisive on {sizes.peer_outliers}" if sizes.peer_outliers else ""
    return f"ours and Conbench on {sizes.outliers} outlier series and as many twins{peers}."


if __name__ == "__main__":
    sys.exit(main())
