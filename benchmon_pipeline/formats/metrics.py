"""Collect one result's metrics with their directions, units and the informational ones.

Every adapter goes through here so the non-finite rule of docs/formats.md ("How the format
is detected") is applied once: NaN and ±Infinity are dropped with a warning naming the
value's JSON path, and a result left with nothing to judge — no finite metric, or only
informational ones such as a standard error without its value — cannot be stored
(`no_finite_metrics`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from benchmon_pipeline.formats.fields import check_text
from benchmon_pipeline.results.model import InvalidResult

MAX_METRIC_NAME = 200
MAX_METRICS = 1_000


@dataclass
class MetricSet:
    path: str  # JSON path of the result, for the error when nothing is left
    metrics: dict[str, float] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)
    informational: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def add(
        self,
        name: str,
        value: float | None,
        path: str,
        *,
        direction: str | None = None,
        informational: bool = False,
        unit: str | None = None,
    ) -> None:
        """Add one value (already a number, or `None` for absent) found at `path`."""
        if value is None:
            return
        if not name.strip():
            raise InvalidResult("bad_metric_name", "a metric name must not be empty", path)
        check_text(name, "metric name", path, MAX_METRIC_NAME)
        if not math.isfinite(value):
            self.warnings.append(f"{path}: {value} is not finite and was not stored")
            self.dropped.append(f"{name} is {value}")
            return
        if name in self.metrics:
            raise InvalidResult("duplicate_metric", f"metric {name!r} is given twice", path)
        if len(self.metrics) >= MAX_METRICS:
            raise InvalidResult(
                "too_many_metrics", f"more than {MAX_METRICS:,} metrics in one result", path
            )
        self.metrics[name] = value
        if informational:
            self.informational.append(name)
        elif direction:
            self.directions[name] = direction
        if unit:
            self.units[name] = check_text(unit, "unit", path, 100)

    def add_plain(self, name: str, value: object) -> bool:
        """Add a finite number under a plain ASCII name exactly as `add()` would, and say so;
        False (nothing added) means `add()` must decide and report. Saves building a JSON
        path per metric in the common case."""
        if not (
            type(value) is float
            and math.isfinite(value)
            or type(value) is int
            and -(2**53) <= value <= 2**53
        ):
            return False
        if not (
            type(name) is str
            and len(name) <= MAX_METRIC_NAME
            and name.isascii()
            and "\x00" not in name
            and name.strip()
        ):
            return False
        if name in self.metrics or len(self.metrics) >= MAX_METRICS:
            return False
        self.metrics[name] = value
        return True

    def fields(self) -> dict:
        """The `Result` keyword arguments, once every value is in."""
        judged = [name for name in self.metrics if name not in self.informational]
        if not judged:
            if self.dropped:
                problem = "its only values are not finite: " + ", ".join(self.dropped)
            elif self.metrics:
                problem = "it has only informational metrics (" + ", ".join(self.metrics) + ")"
            else:
                problem = "it has no metric values"
            raise InvalidResult(
                "no_finite_metrics",
                f"the result cannot be stored: {problem} (NaN and ±Infinity are not stored)",
                self.path,
            )
        return {
            "metrics": self.metrics,
            "directions": self.directions,
            "informational": tuple(self.informational),
            "units": self.units,
            "warnings": tuple(self.warnings),
        }
