"""What changed in the snapshot tables since a given event: the story a materialization tells."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from benchmon_pipeline.regressions.escaping import markdown_cell  # names came with results

CHANGES = """
SELECT e.event_id, e.event_type, e.model_version, e.dataset_version, e.prompt_version,
       e.environment, e.snapshot_version, e.actor, s.f1_score, s.latency_ms
  FROM snapshot_events e
  LEFT JOIN benchmark_snapshots s ON s.id = e.snapshot_id
 WHERE e.event_id > %s
 ORDER BY e.event_id
"""


def changes_since(conn: psycopg.Connection, after_event_id: int) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(CHANGES, (after_event_id,)).fetchall()


def markdown_table(changes: list[dict], limit: int = 50) -> str:
    if not changes:
        return "No snapshot changes."
    lines = [
        "| event | model | dataset | prompt | environment | version | f1 | latency_ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in changes[-limit:]:
        lines.append(
            f"| {c['event_type']} | {markdown_cell(c['model_version'])} | "
            f"{markdown_cell(c['dataset_version'])} | {markdown_cell(c['prompt_version'])} | "
            f"{markdown_cell(c['environment'])} | v{c['snapshot_version']} | "
            f"{'' if c['f1_score'] is None else c['f1_score']} | "
            f"{'' if c['latency_ms'] is None else c['latency_ms']} |"
        )
    if len(changes) > limit:
        lines.append(f"\n… and {len(changes) - limit} earlier change(s)")
    return "\n".join(lines)
