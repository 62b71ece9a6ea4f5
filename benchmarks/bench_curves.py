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
subprocesses at a time, about 5 minutes on 2 cores. The figure says how many series each
point rests on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
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
METRIC, DIRECTION = "eval_score", "higher"  # worse is lower
OURS_THRESHOLDS = (2.8, 3.2, 3.6, 4.0, 4.3)
CONBENCH_ZS = (3.0, 4.0, 5.0, 6.0)
OTAVA_PVALUES = (1e-4, 1e-3, 1e-2, 5e-2)
E_DIVISIVE_PVALUES = (0.01, 0.05, 0.2)
DOCS = Path(__file__).resolve().parents[1] / "docs"
ZERO_AT = 0.02  # where a point with no false alarm is drawn on the log axis
PEER_PROCESSES = 2  # worker subprocesses at a time (this machine has 2 cores)


@dataclass(frozen=True)
class Sizes:
    steps: int  # series per step size
    noise: int  # pure-noise series
    peer_steps: int
    peer_noise: int


# the peers on every series, as ours and Conbench: "no false alarm" means the same for all
# four (< ~0.25 per 1,000 at 95 %); the whole run took 5 min 8 s on 2 cores (10 min CPU)
FULL = Sizes(steps=300, noise=300, peer_steps=300, peer_noise=300)
QUICK = Sizes(steps=10, noise=10, peer_steps=0, peer_noise=0)


def build(sizes: Sizes, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    steps = []
    for size in STEPS:
        for _ in range(sizes.steps):
            values = 100.0 + rng.standard_normal(HISTORY + WITHIN)
            values[HISTORY:] -= size
            steps.append(values)
    noise = [100.0 + rng.standard_normal(HISTORY + NOISE_AFTER) for _ in range(sizes.noise)]
    return steps, noise


def point(step_alarms: list[list[bool]], noise_alarms: list[list[bool]]) -> tuple[float, float]:
    """(false alarms per 1,000, share of steps alarmed within 5)."""
    results = sum(len(a) for a in noise_alarms)
    alarms = sum(sum(a) for a in noise_alarms)
    detected = sum(any(a[:WITHIN]) for a in step_alarms) / len(step_alarms)
    return 1000.0 * alarms / results, detected


def ours(steps, noise, threshold: float) -> tuple[float, float]:
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

    return point([alarms(s) for s in steps], [alarms(s) for s in noise])


def conbench(steps, noise, z: float) -> tuple[float, float]:
    """bench_detection's lookback z-score (mean and SD of the previous 100) at `z`."""

    def alarms(values: np.ndarray) -> list[bool]:
        out = []
        for t in range(HISTORY, len(values)):
            window = values[max(0, t - CONBENCH_LOOKBACK) : t]
            out.append(bool((window.mean() - values[t]) / window.std(ddof=1) > z))
        return out

    return point([alarms(s) for s in steps], [alarms(s) for s in noise])


def change_point_peers(steps, noise, sizes: Sizes) -> dict[str, list[tuple[float, float, float]]]:
    """Otava's and E-Divisive's points through their own environment; none without it.

    Each sweep point's series go out in PEER_PROCESSES interleaved shares, one worker
    subprocess each, PEER_PROCESSES at a time: the same alarms as one worker, in less time."""
    if not PEERS_PYTHON.exists() or not sizes.peer_steps:
        return {}
    if sizes.peer_steps > sizes.steps or sizes.peer_noise > sizes.noise:
        raise ValueError(f"the peers judge a subset of the others' series, not {sizes}")
    per_size = len(steps) // len(STEPS)
    chosen_steps = [
        steps[i * per_size + j] for i in range(len(STEPS)) for j in range(sizes.peer_steps)
    ]
    chosen_noise = noise[: sizes.peer_noise]
    series = [
        {"values": [float(v) for v in s], "direction": DIRECTION, "judge_from": HISTORY}
        for s in (*chosen_steps, *chosen_noise)
    ]
    sweeps = [("otava", p, {"otava_pvalue": p}) for p in OTAVA_PVALUES]
    sweeps += [("e-divisive", p, {"e_divisive_pvalue": p}) for p in E_DIVISIVE_PVALUES]

    def judge(name: str, extra: dict, share: int) -> list[list[bool]]:
        request = {
            "within": WITHIN,
            "series": series[share::PEER_PROCESSES],
            "only": name,
            **extra,
        }
        return ask_peers(request)[name]

    with ThreadPoolExecutor(max_workers=PEER_PROCESSES) as pool:
        shares = [
            [pool.submit(judge, name, extra, share) for share in range(PEER_PROCESSES)]
            for name, _, extra in sweeps
        ]
        out: dict[str, list[tuple[float, float, float]]] = {"otava": [], "e-divisive": []}
        for (name, pvalue, _), futures in zip(sweeps, shares, strict=True):
            alarms: list[list[bool]] = [[] for _ in series]
            for share, future in enumerate(futures):
                alarms[share::PEER_PROCESSES] = future.result()
            n = len(chosen_steps)
            out[name].append((pvalue, *point(alarms[:n], alarms[n:])))
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
    html.with_suffix(".json").write_text(
        json.dumps({"sizes": sizes.__dict__, "curves": curves}, indent=1) + "\n"
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
        saved = json.loads((DOCS / "detection_curves.json").read_text())
        figure(saved["curves"], Sizes(**saved["sizes"]), DOCS / "detection_curves.html")
        print("wrote docs/detection_curves.html and docs/detection_curves.png")
        return 0
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    steps, noise = build(sizes, SEED)
    curves = {
        "ours": [(t, *ours(steps, noise, t)) for t in OURS_THRESHOLDS],
        "conbench": [(z, *conbench(steps, noise, z)) for z in CONBENCH_ZS],
    }
    if args.keep_peers:
        saved = json.loads((DOCS / "detection_curves.json").read_text())
        curves.update({k: v for k, v in saved["curves"].items() if k not in curves})
        # the saved peers' points rest on the saved run's series, not on FULL's
        peers = {k: saved["sizes"][k] for k in ("peer_steps", "peer_noise")}
        sizes = replace(sizes, **peers)
    else:
        curves.update(change_point_peers(steps, noise, sizes))
        if not {"otava", "e-divisive"} <= curves.keys():
            sizes = replace(sizes, peer_steps=0, peer_noise=0)
    print(f"Operating curves ({'quick' if args.quick else 'full'}, seed {SEED})")
    print(rests_on(sizes))
    print("| rule | threshold | false alarms / 1,000 | detected within 5 (2 and 3 σ) |")
    print("|---|---|---|---|")
    for name, points in curves.items():
        for threshold, alarms, detected in points:
            print(f"| {name} | {threshold:g} | {alarms:.2f} | {100 * detected:.1f} % |")
    if not args.quick:
        figure(curves, sizes, DOCS / "detection_curves.html")
        print("wrote docs/detection_curves.html and docs/detection_curves.png")
    print(f"({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
