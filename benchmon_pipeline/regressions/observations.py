"""The one input shape every rule reads: (configuration, metric, created_at, value, direction).

The Dagster checks hold pandas DataFrames, the CI gate and the tests plain Python lists;
both are turned into `Observation`s here, once, with the rules of
docs/regressions.md#inputs-and-outputs applied on the
way in: non-finite values are not metrics, and a timestamp without a time zone is UTC.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

COLUMNS = ("configuration", "metric", "created_at", "value", "direction", "sample_group")
REQUIRED = COLUMNS[:4]


class Observation(NamedTuple):
    """One metric value of one result.

    `configuration` is anything hashable (the Dagster layer uses the tuple (model, dataset,
    prompt, environment)); `direction` is "higher"/"lower" or None for the name rule;
    `sample_group` marks repeated samples of one result (e.g. the run id or commit of
    several runs), None when each row is its own result.
    """

    configuration: Hashable
    metric: str
    created_at: datetime
    value: float
    direction: str | None = None
    sample_group: Hashable = None


def observations(data: Any) -> list[Observation]:
    """`data` as Observations: a pandas DataFrame with the COLUMNS (the last two optional),
    or an iterable of mappings or of tuples in COLUMNS order. Non-finite values are dropped."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        missing = [column for column in REQUIRED if column not in data.columns]
        if missing:
            raise ValueError(f"the frame lacks the column(s) {', '.join(missing)}")
        rows: Iterable[Any] = data.to_dict("records")
    else:
        rows = data
    found = []
    for row in rows:
        fields = dict(row) if isinstance(row, Mapping) else dict(zip(COLUMNS, row, strict=False))
        missing = [column for column in REQUIRED if column not in fields]
        if missing:
            raise ValueError(f"an observation lacks {', '.join(missing)}: {row!r}")
        value = fields["value"]
        if value is None or not math.isfinite(float(value)):
            continue
        direction = fields.get("direction")
        group = fields.get("sample_group")
        found.append(
            Observation(
                configuration=_hashable(fields["configuration"]),
                metric=str(fields["metric"]),
                created_at=as_utc(fields["created_at"]),
                value=float(value),
                direction=None if _missing(direction) else str(direction),
                sample_group=None if _missing(group) else _hashable(group),
            )
        )
    return found


def as_utc(moment: Any) -> datetime:
    """A time-zone-aware datetime: naive times are UTC, numbers are Unix seconds."""
    if hasattr(moment, "to_pydatetime"):  # pandas Timestamp
        moment = moment.to_pydatetime()
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    if not isinstance(moment, datetime):
        raise ValueError(f"not a time: {moment!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def by_series(rows: Iterable[Observation]) -> dict[tuple[Hashable, str], list[Observation]]:
    """Observations per (configuration, metric), oldest first (ties keep their order)."""
    series: dict[tuple[Hashable, str], list[Observation]] = {}
    for row in rows:
        series.setdefault((row.configuration, row.metric), []).append(row)
    return {key: sorted(found, key=lambda row: row.created_at) for key, found in series.items()}


def results_of(series: list[Observation]) -> list[float | list[float]]:
    """A series' results, oldest first: a value each, or the samples of one sample group."""
    if all(row.sample_group is None for row in series):
        return [row.value for row in series]
    grouped: dict[Hashable, list[float]] = {}
    for index, row in enumerate(series):
        key = ("row", index) if row.sample_group is None else ("group", row.sample_group)
        grouped.setdefault(key, []).append(row.value)
    return [samples[0] if len(samples) == 1 else samples for samples in grouped.values()]
