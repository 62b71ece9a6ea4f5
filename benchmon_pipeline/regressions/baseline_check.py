"""The baseline check as data: what the database's detect_metric_regressions() finds,
confirmed over the configuration's previous versions (WARN first, ERROR when it persists).

No Dagster here; `checks.py` turns the findings into an asset check result.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from benchmon_pipeline.regressions.confirmation import DEFAULT_CONFIRM_RESULTS
from benchmon_pipeline.regressions.verdicts import ERROR, WARN

REGRESSIONS = """
SELECT r.*, t.commit_sha, t.branch_name
  FROM detect_metric_regressions() r
  JOIN benchmark_snapshots s
    ON (s.model_version, s.dataset_version, s.prompt_version, s.environment)
     = (r.model_version, r.dataset_version, r.prompt_version, r.environment)
   AND s.is_current
  JOIN benchmark_transactions t ON t.id = s.transaction_id
 WHERE r.is_regression
"""

PREVIOUS = """
SELECT (metrics -> %(metric)s)::numeric AS value
  FROM benchmark_snapshots
 WHERE (model_version, dataset_version, prompt_version, environment)
     = (%(model_version)s, %(dataset_version)s, %(prompt_version)s, %(environment)s)
   AND snapshot_version < %(current_version)s AND snapshot_version > %(baseline_version)s
 ORDER BY snapshot_version DESC
 LIMIT %(limit)s
"""


@dataclass(frozen=True)
class BaselineFinding:
    model_version: str
    dataset_version: str
    prompt_version: str
    environment: str
    metric: str
    direction: str
    current: Decimal
    reference: Decimal
    delta: Decimal
    percent: Decimal | None
    severity: str
    persisted: int  # consecutive versions in breach, this one included
    commit_sha: str | None
    branch_name: str | None


def _breaches(value: Decimal | None, row: dict) -> bool:
    if value is None:
        return False
    worse = (row["baseline_value"] - value if row["direction"] == "higher"
             else value - row["baseline_value"])
    return bool(
        (row["abs_threshold"] is not None and worse >= row["abs_threshold"])
        or (row["baseline_value"] != 0 and row["rel_threshold"] is not None
            and worse >= row["rel_threshold"] * abs(row["baseline_value"])))


def find_baseline_regressions(conn: psycopg.Connection,
                              confirm: int = DEFAULT_CONFIRM_RESULTS) -> list[BaselineFinding]:
    findings = []
    with conn.cursor(row_factory=dict_row) as cur:
        for row in cur.execute(REGRESSIONS).fetchall():
            earlier = [r["value"] for r in cur.execute(
                PREVIOUS, {**row, "limit": confirm - 1}).fetchall()]
            persisted = 1
            for value in earlier:
                if not _breaches(value, row):
                    break
                persisted += 1
            delta = row["current_value"] - row["baseline_value"]
            percent = (delta / abs(row["baseline_value"]) * 100
                       if row["baseline_value"] else None)
            findings.append(BaselineFinding(
                row["model_version"], row["dataset_version"], row["prompt_version"],
                row["environment"], row["metric"], row["direction"], row["current_value"],
                row["baseline_value"], delta, percent,
                ERROR if persisted >= confirm else WARN, persisted, row["commit_sha"],
                row["branch_name"]))
    return findings


def markdown(findings: list[BaselineFinding]) -> str:
    if not findings:
        return "No metric is worse than its baseline beyond its threshold."
    lines = ["| severity | model | dataset | prompt | environment | metric | current | "
             "baseline | delta | % | commit | branch |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for f in findings:
        percent = "" if f.percent is None else f"{f.percent:+.2f}"
        lines.append(
            f"| {f.severity} | {f.model_version} | {f.dataset_version} | {f.prompt_version} | "
            f"{f.environment} | {f.metric} ({f.direction} is better) | {f.current} | "
            f"{f.reference} | {f.delta:+} | {percent} | {f.commit_sha or ''} | "
            f"{f.branch_name or ''} |")
    return "\n".join(lines)
