"""Which way is "worse" for a metric, and whether it should be judged on a log scale.

docs/regressions.md#which-way-is-worse: the adapter's direction wins, then
`metric_definitions`, then the name rule;
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

# The name rule, word for word as the database's metric_direction_by_name() (sql/0006, 0040, 0044)
# applies it, so the database's baseline functions and these rules never disagree: split
# camelCase humps and non-alphanumerics into words; a word that is one of these (plural
# -s/-es allowed) or ends in "time" (runtime, walltime) makes the metric lower-is-better.
LOWER_IS_BETTER_WORDS = (
    "latency",
    "duration",
    "time",
    "cost",
    "error",
    "loss",
    "perplexity",
    "memory",
    "mae",
    "rmse",
    # counts nobody wants more of (sql/0040_more_lower_is_better_words.sql)
    "failure",
    "fail",
    "failed",
    "failing",
    "warning",
    "crash",
    "flake",
    "flaky",
    "retry",
    "retries",
    "timeout",
    "violation",
    # evaluation harnesses' error words (sql/0044_evaluation_error_words.sql)
    "ppl",
    "bits",
    "bpb",
    "bpc",
    "ter",
    "wer",
    "cer",
    "brier",
    "ece",
    "nll",
    "mse",
    "mape",
)
# Positive, right-skewed quantities whose changes are multiplicative (a slowdown scales every
# run): compared on a log scale, where their noise is close to symmetric.
LOG_SCALE_WORDS = ("latency", "duration", "time", "cost", "memory")

_ZERO = 0.0
_HUMP = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATOR = re.compile(r"[^a-z0-9]+")


def _word_rule(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^(" + "|".join(words) + r")(s|es)?$|.time$")


_LOWER_IS_BETTER = _word_rule(LOWER_IS_BETTER_WORDS)
_LOG_SCALE = _word_rule(LOG_SCALE_WORDS)


def _matches(name: str, rule: re.Pattern[str]) -> bool:
    words = _SEPARATOR.split(_HUMP.sub(r"\1_\2", name).lower())
    return any(rule.search(word) for word in words)


@lru_cache(maxsize=4096)
def direction_from_name(metric: str) -> str:
    """The name rule of docs/regressions.md#which-way-is-worse: a word among
    `LOWER_IS_BETTER_WORDS` (latency, time, cost, error, loss, failure, warning, …) → lower
    is better; anything else → higher is better (see above for what counts as a word)."""
    return LOWER if _matches(metric, _LOWER_IS_BETTER) else HIGHER


def resolve_direction(
    metric: str,
    *,
    override: str | None = None,
    stated: str | None = None,
    defined: str | None = None,
) -> str:
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
    if not log_scale_named(metric, direction):
        return False
    return all(map(_ZERO.__lt__, values))  # 0 < value for each, compared in C


def log_scale_named(metric: str, direction: str) -> bool:
    """Whether the metric's name and direction call for a log scale (`uses_log_scale`, before
    its values are looked at)."""
    return direction == LOWER and _log_scale_name(metric)


@lru_cache(maxsize=4096)
def _log_scale_name(metric: str) -> bool:
    return _matches(metric, _LOG_SCALE)
