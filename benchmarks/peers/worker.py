"""Runs in benchmarks/.peers-venv (make bench-peers), never in benchmon's environment: judges
series with Apache Otava and MongoDB's E-Divisive, online, as bench_detection.py asks.

stdin: {"series": [{"values": [...], "direction": "higher"|"lower", "judge_from": k}],
        "within": 5, "otava_pvalue": 0.001, "e_divisive_pvalue": 0.05}  (p-values optional:
        the defaults; the operating curves of bench_curves.py sweep them)
stdout: {"otava": [[alarm, ...] per series], "e-divisive": [...]} — one alarm per result
t ≥ judge_from: the analysis of results 0..t has a change point in the worse direction whose
first changed result is among the last `within`.
"""

import json
import random
import sys

import numpy as np
import signal_processing_algorithms.e_divisive.significance_test as significance_test
from otava.analysis import compute_change_points
from signal_processing_algorithms.e_divisive.calculators import cext_calculator, numpy_calculator
from signal_processing_algorithms.e_divisive.e_divisive import EDivisive
from signal_processing_algorithms.e_divisive.significance_test import (
    QHatPermutationsSignificanceTester,
)


class _Random:
    """signal-processing-algorithms 1.3.5 calls random.shuffle(x, random.random), whose second
    argument Python 3.11 removed; the same shuffle without it."""

    random = staticmethod(random.random)

    @staticmethod
    def shuffle(values, _random=None):
        random.shuffle(values)


significance_test.random = _Random

OTAVA_WINDOW, OTAVA_PVALUE = 50, 0.001  # Otava's defaults (--window, --max-pvalue)
E_DIVISIVE_PVALUE, E_DIVISIVE_PERMUTATIONS = 0.05, 100  # default_implementation()'s


def _worse(values, index, boundaries, direction):
    before = [b for b in boundaries if b < index]
    after = [b for b in boundaries if b > index]
    left = values[(before[-1] if before else 0) : index]
    right = values[index : (after[0] if after else len(values))]
    if not len(left) or not len(right):
        return False
    change = float(np.mean(right) - np.mean(left))
    return change < 0 if direction == "higher" else change > 0


def otava(values, direction, within, pvalue=OTAVA_PVALUE):
    points, _ = compute_change_points(
        np.asarray(values, dtype=float), window_len=OTAVA_WINDOW, max_pvalue=pvalue
    )
    indexes = sorted(p.index for p in points)
    last = len(values) - within
    return any(i >= last and _worse(values, i, indexes, direction) for i in indexes)


def e_divisive(values, direction, within, pvalue=E_DIVISIVE_PVALUE):
    """default_implementation() (C calculator, 100 permutations, seed 1234) at `pvalue`."""
    random.seed(1234)
    calculator = cext_calculator if cext_calculator.C_EXTENSION_LOADED else numpy_calculator
    tester = QHatPermutationsSignificanceTester(
        calculator=calculator, pvalue=pvalue, permutations=E_DIVISIVE_PERMUTATIONS
    )
    algorithm = EDivisive(seed=1234, calculator=calculator, significance_tester=tester)
    points = algorithm.get_change_points(np.asarray(values, dtype=float))
    indexes = sorted(p.index for p in points)
    last = len(values) - within
    return any(i >= last and _worse(values, i, indexes, direction) for i in indexes)


def main():
    request = json.load(sys.stdin)
    within = request["within"]
    pvalues = {
        "otava": request.get("otava_pvalue", OTAVA_PVALUE),
        "e-divisive": request.get("e_divisive_pvalue", E_DIVISIVE_PVALUE),
    }
    judges = {"otava": otava, "e-divisive": e_divisive}
    if request.get("only"):  # one peer: a point of its operating curve
        judges = {request["only"]: judges[request["only"]]}
    out = {name: [] for name in judges}
    for item in request["series"]:
        values, direction = item["values"], item["direction"]
        for name, judge in judges.items():
            out[name].append(
                [
                    judge(values[: t + 1], direction, within, pvalues[name])
                    for t in range(item["judge_from"], len(values))
                ]
            )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
