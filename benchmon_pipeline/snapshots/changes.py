"""What changed in the snapshot tables since a given event: the story a materialization tells.

Each change shows the version's metrics — whatever they are named: F1 and latency for a
model evaluation, ns/op or bytes for a software benchmark — next to the version before it
of the same configuration, largest relative change first.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from benchmon_pipeline.regressions.escaping import markdown_cell  # names came with results

CHANGES = """
SELECT e.event_id, e.event_type, e.model_version, e.dataset_version, e.prompt_version,
       e.environment, e.snapshot_version, e.actor, s.metrics, p.metrics AS previous_metrics
  FROM snapshot_events e
  LEFT JOIN benchmark_snapshots s ON s.id = e.snapshot_id
  LEFT JOIN benchmark_snapshots p
         ON (p.model_version, p.dataset_version, p.prompt_version, p.environment)
          = (s.model_version, s.dataset_version, s.prompt_version, s.environment)
        AND p.snapshot_version = s.snapshot_version - 1
 WHERE e.event_id > %s
 ORDER BY e.event_id
"""

METRICS_SHOWN = 6  # per change; the rest are counted


def changes_since(conn: psycopg.Connection, after_event_id: int) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(CHANGES, (after_event_id,)).fetchall()


def _number(value) -> str:
    return f"{value:.6g}" if isinstance(value, int | float) else str(value)


def metric_changes(metrics: dict | None, previous: dict | None) -> list[str]:
    """'name value (was v, ±p %)' per metric, the largest relative change first (then by
    name); a metric new in this version says so. Names are escaped (`markdown_cell`)."""
    if not metrics:
        return []
    previous = previous or {}
    shown = []
    for name, value in sorted(metrics.items()):
        before = previous.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            shown.append((0.0, f"{markdown_cell(name)} {markdown_cell(_number(value))}"))
        elif before is None or not isinstance(before, int | float):
            new = " (new)" if previous else ""
            shown.append((0.0, f"{markdown_cell(name)} {_number(value)}{new}"))
        elif before == value:
            shown.append((0.0, f"{markdown_cell(name)} {_number(value)} (=)"))
        else:
            percent = 100 * (value - before) / abs(before) if before else float("inf")
            text = f"{percent:+.1f} %" if before else "from 0"
            shown.append(
                (
                    abs(percent),
                    f"{markdown_cell(name)} {_number(value)} (was {_number(before)}, {text})",
                )
            )
    shown.sort(key=lambda item: -item[0])  # stable: names stay in order among equals
    texts = [text for _, text in shown[:METRICS_SHOWN]]
    if len(shown) > METRICS_SHOWN:
        texts.append(f"+{len(shown) - METRICS_SHOWN} more")
    return texts


def markdown_table(changes: list[dict], limit: int = 50) -> str:
    if not changes:
        return "No snapshot changes."
    header = "event | model | dataset | prompt | environment | version"
    lines = [f"| {header} | metrics (vs the version before) |", "|---|---|---|---|---|---|---|"]
    for c in changes[-limit:]:
        metrics = "; ".join(metric_changes(c.get("metrics"), c.get("previous_metrics")))
        lines.append(
            f"| {c['event_type']} | {markdown_cell(c['model_version'])} | "
            f"{markdown_cell(c['dataset_version'])} | {markdown_cell(c['prompt_version'])} | "
            f"{markdown_cell(c['environment'])} | v{c['snapshot_version']} | {metrics} |"
        )
    if len(changes) > limit:
        lines.append(f"\n… and {len(changes) - limit} earlier change(s)")
    return "\n".join(lines)
