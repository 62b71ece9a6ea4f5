"""What the benchmark scripts share: a database to measure in, raw COPY, verdicts."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from benchmon_pipeline.db import embedded, migrations  # noqa: E402
from benchmon_pipeline.db.server import ensure_database  # noqa: E402
from benchmon_pipeline.db.urls import libpq_url, with_database  # noqa: E402
from benchmon_pipeline.ingest.result import Result  # noqa: E402

RAW_COLUMNS = ("created_at", "commit_sha", "branch_name", "model_version", "model_provider",
               "dataset_version", "prompt_version", "environment", "metrics",
               "duration_seconds", "tags", "notes", "run_id", "triggered_by",
               "content_sha256", "source", "metric_directions")


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """A server URL (database `postgres`): BENCHMON_DATABASE_URL's, or a temporary embedded one."""
    if url:
        yield with_database(libpq_url(url), "postgres")
        return
    home = Path(tempfile.mkdtemp(prefix="benchmon-bench-"))
    try:
        yield with_database(embedded.start(home / "pgdata"), "postgres")
    finally:
        embedded.stop(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


def fresh_database(server_url: str, name: str, migrate: bool = True) -> str:
    """A new database on the server (dropped first if it exists), migrated by default."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    url = with_database(server_url, name)
    ensure_database(url)
    if migrate:
        migrations.upgrade(url)
    return url


def raw_rows(batch: list[Result], source: str = "bench") -> list[tuple]:
    """The rows exactly as they land in the table (made before the clock starts)."""
    return [(r.created_at, r.commit_sha, r.branch_name, r.model_version, r.model_provider,
             r.dataset_version, r.prompt_version, r.environment, json.dumps(r.metrics),
             r.duration_seconds, list(r.tags), r.notes, r.run_id, r.triggered_by,
             r.content_sha256(), source, json.dumps(r.directions)) for r in batch]


def raw_copy(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """COPY straight into the log: the floor any ingest path is measured against."""
    with conn.transaction(), conn.cursor() as cur, cur.copy(
            f"COPY benchmark_transactions ({', '.join(RAW_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def verdict(ok: bool) -> str:
    return "target met" if ok else "TARGET MISSED"
