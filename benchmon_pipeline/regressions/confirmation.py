"""WARN on the first breach, ERROR only once it has persisted.

One noisy CI run should not page anyone, but a regression that shows up run after run must.
The same rule serves the baseline check (versions breaching their threshold), missing data
(a metric absent from consecutive results) and, with its evidence added up over the run,
the history rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from benchmon_pipeline.regressions.verdicts import ERROR, WARN

DEFAULT_CONFIRM_RESULTS = 2


def trailing_run(breaches: Iterable[bool]) -> int:
    """How many of the newest results in a row breached (oldest first in `breaches`)."""
    run = 0
    for breached in breaches:
        run = run + 1 if breached else 0
    return run


def severity_for_run(run_length: int, confirm_results: int = DEFAULT_CONFIRM_RESULTS) -> str | None:
    """`None` with no breach, WARN while the run is shorter than K, ERROR from K on."""
    check_confirm_results(confirm_results)
    if run_length <= 0:
        return None
    return ERROR if run_length >= confirm_results else WARN


def severity_for(
    breaches: Iterable[bool], confirm_results: int = DEFAULT_CONFIRM_RESULTS
) -> str | None:
    """The severity of a series of breach flags, oldest first."""
    return severity_for_run(trailing_run(breaches), confirm_results)


def check_confirm_results(confirm_results: int) -> int:
    if int(confirm_results) != confirm_results or confirm_results < 1:
        raise ValueError(f"K (confirm_results) must be a whole number ≥ 1, not {confirm_results!r}")
    return int(confirm_results)
