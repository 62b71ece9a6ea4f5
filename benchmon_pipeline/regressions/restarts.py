"""Where the history rule's reference restarts: accepted changes and baselines.

A person who accepts a change (`benchmon alerts accept`, sql/0023) or marks a version as
the baseline (`set_baseline`) says the level from that result on is intended. The history
rule's reference then begins at the later of its window's start and that point, so the
new level is the reference at once instead of after ~half a window of new results.

The database defines the points (the `history_restarts` view: per configuration × metric,
'' meaning every metric of the configuration); this module only asks it and says, per
series, from which result on the tracked history counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import psycopg

_RESTARTS = """
SELECT r.model_version, r.dataset_version, r.prompt_version, r.environment, r.metric,
       r.source, r.created_at, r.seq
  FROM history_restarts r
  JOIN unnest(%s::text[], %s::text[], %s::text[], %s::text[])
       AS c(model_version, dataset_version, prompt_version, environment)
    USING (model_version, dataset_version, prompt_version, environment)
"""


@dataclass(frozen=True)
class Restart:
    """The first result (by created_at, then seq: the log's order) the reference keeps."""

    created_at: datetime
    seq: int
    source: str  # "accepted" | "baseline"

    def keeps(self, created_at: datetime, seq: int) -> bool:
        return (created_at, seq) >= (self.created_at, self.seq)


class Restarts:
    """The restart points of some configurations; `of(configuration, metric)` is the later
    of the metric's own and the whole configuration's, or None."""

    def __init__(self, points: dict[tuple[tuple[str, ...], str], Restart]):
        self._points = points

    def of(self, configuration: tuple[str, ...], metric: str) -> Restart | None:
        found = [
            point
            for point in (
                self._points.get((configuration, metric)),
                self._points.get((configuration, "")),
            )
            if point is not None
        ]
        return max(found, key=lambda p: (p.created_at, p.seq)) if found else None


def history_restarts(
    conn: psycopg.Connection, configurations: Iterable[tuple[str, ...]]
) -> Restarts:
    """The restart points of `configurations` (model, dataset, prompt, environment)."""
    configurations = sorted(set(configurations))
    if not configurations:
        return Restarts({})
    columns = [[c[i] for c in configurations] for i in range(4)]
    rows = conn.execute(_RESTARTS, columns).fetchall()
    return Restarts(
        {
            (tuple(row[:4]), row[4]): Restart(created_at=row[6], seq=row[7], source=row[5])
            for row in rows
        }
    )
