"""Which way is "worse" for a metric, and whether it should be judged on a log scale.

design.md §7: the adapter's direction wins, then `metric_definitions`, then the name rule;
a user's override beats all of them. The name rule exists because most results arrive
without any direction, and guessing "higher is better" for `latency_ms` would turn every
slowdown into an "improvement".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

HIGHER = "higher"
LOWER = "lower"
DIRECTIONS = (HIGHER, LOWER)

# Stems, so that "latencies", "runtime", "errors" and "losses" are caught too.
LOWER_IS_BETTER_STEMS = ("latenc", "duration", "time", "cost", "error", "loss", "perplexity",
                         "memory")
# Acronyms are matched as whole words only: "mae" must not fire inside "gemma".
LOWER_IS_BETTER_WORDS = ("mae", "rmse")
# Positive, right-skewed quantities whose changes are multiplicative (a slowdown scales every
# run): compared on a log scale, where their noise is close to symmetric.
LOG_SCALE_STEMS = ("latenc", "duration", "time", "cost", "memory")

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _numerator_words(name: str) -> list[str]:
    """The lower-case words of `name` before "per" or "/" (camelCase humps count as words).

    In `tokens_per_second` time is the unit of a rate, and a rate of things per unit of time
    is a throughput (higher is better); in `cost_per_hour` the cost comes first and decides.
    """
    words = [word.lower() for word in _WORD.findall(name.split("/", 1)[0])]
    return words[:words.index("per")] if "per" in words else words


def _matches(name: str, stems: Iterable[str], words: Iterable[str] = ()) -> bool:
    parts = _numerator_words(name)
    return any(stem in part for part in parts for stem in stems) or any(
        word in parts for word in words)


@lru_cache(maxsize=4096)
def direction_from_name(metric: str) -> str:
    """The name rule of design.md §7: latency, duration, time, cost, error, loss, perplexity,
    memory, mae, rmse → lower is better; anything else → higher is better."""
    lower = _matches(metric, LOWER_IS_BETTER_STEMS, LOWER_IS_BETTER_WORDS)
    return LOWER if lower else HIGHER


def resolve_direction(metric: str, *, override: str | None = None, stated: str | None = None,
                      defined: str | None = None) -> str:
    """The direction to judge `metric` by: a user's `override`, else the direction the result
    `stated` (the adapter's), else the one `defined` in `metric_definitions`, else the name
    rule."""
    for candidate in (override, stated, defined):
        if candidate is not None:
            return check_direction(candidate)
    return direction_from_name(metric)


def check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be {HIGHER!r} or {LOWER!r}, not {direction!r}")
    return direction


def uses_log_scale(metric: str, direction: str, values: Iterable[float]) -> bool:
    """Latency-, time-, cost- and memory-like metrics are compared on a log scale when they are
    lower-is-better and every value is positive (a log of zero would be meaningless)."""
    if direction != LOWER or not _log_scale_name(metric):
        return False
    return all(value > 0 for value in values)


@lru_cache(maxsize=4096)
def _log_scale_name(metric: str) -> bool:
    return _matches(metric, LOG_SCALE_STEMS)
