"""What the benchmark scripts share: a database to measure in, raw COPY, verdicts."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from benchmon_pipeline.db import embedded, migrations  # noqa: E402
from benchmon_pipeline.db.server import ensure_database  # noqa: E402
from benchmon_pipeline.db.urls import libpq_url, with_database  # noqa: E402
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse.encoding import LOG_COLUMNS  # noqa: E402

# The log's columns a raw COPY fills (the id is the table's default).
RAW_COLUMNS = tuple(name for name in LOG_COLUMNS if name != "id")


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
    return [
        (
            r.created_at,
            r.commit_sha,
            r.branch_name,
            r.model_version,
            r.model_provider,
            r.dataset_version,
            r.prompt_version,
            r.environment,
            json.dumps(r.metrics),
            r.duration_seconds,
            list(r.tags),
            r.notes,
            r.run_id,
            r.triggered_by,
            r.content_sha256(),
            source,
            json.dumps(r.directions),
            r.content_json(),  # checked against the key by the database, as ingest sends it
        )
        for r in batch
    ]


def raw_copy(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """COPY straight into the log: the floor any ingest path is measured against."""
    with (
        conn.transaction(),
        conn.cursor() as cur,
        cur.copy(f"COPY benchmark_transactions ({', '.join(RAW_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def write_files(folder: Path, count: int, offset: int = 0) -> None:
    """`count` result files, each one result of one of 100 configurations."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(offset, offset + count):
        result = {
            "model_version": f"org/model-{i % 10}",
            "dataset_version": f"set-{i % 5}",
            "prompt_version": f"prompt-v{i % 2}",
            "environment": "ci",
            "branch_name": "main",
            "commit_sha": f"{i:040x}",
            "run_id": f"run-{i}",
            "created_at": 1_790_000_000 + i,
            "metrics": {
                "f1": 0.8 + (i % 100) / 1000,
                "precision": 0.9,
                "recall": 0.7,
                "latency_ms": 400 + i % 50,
            },
        }
        (folder / f"result-{i:06d}.json").write_text(json.dumps(result))
    old = time.time() - 60  # settled
    for path in folder.iterdir():
        os.utime(path, (old, old))


def write_run_files(folder: Path, files: int, per_file: int, offset: int = 0) -> None:
    """`files` result files, each one run holding `per_file` results: one model on
    `per_file` datasets, the run's context (commit, branch, run id, time) stated once in
    benchmon's `{"results": [...]}` form — the shape of an lm-eval run over several tasks
    or a pytest-benchmark file of several benchmarks."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(offset, offset + files):
        run = {
            "environment": "ci",
            "branch_name": "main",
            "commit_sha": f"{i:040x}",
            "run_id": f"run-{i}",
            "created_at": 1_790_000_000 + i,
            "results": [
                {
                    "model_version": f"org/model-{i % 10}",
                    "dataset_version": f"set-{j}",
                    "prompt_version": f"prompt-v{i % 2}",
                    "metrics": {
                        "f1": 0.8 + (i * per_file + j) % 100 / 1000,
                        "precision": 0.9,
                        "recall": 0.7,
                        "latency_ms": 400 + (i + j) % 50,
                    },
                }
                for j in range(per_file)
            ],
        }
        (folder / f"run-{i:06d}.json").write_text(json.dumps(run))
    old = time.time() - 60  # settled
    for path in folder.iterdir():
        os.utime(path, (old, old))


def timed_ms(conn: psycopg.Connection, query: str, params: tuple, repeat: int) -> float:
    """Median wall time of one execute + fetch, in ms, warm, prepared."""
    for _ in range(5):
        conn.execute(query, params, prepare=True).fetchall()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        conn.execute(query, params, prepare=True).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def drop_and_wait(
    server_url: str, files: int, work: Path, name: str, ready: Callable[[str], bool], what: str
) -> float:
    """Start `benchmon dev` on fresh databases, make FILES files appear in its inbox at
    once, and return the seconds until `ready(results_url)`."""
    from benchmon_pipeline_tests.e2e.devserver import DevServer, wait_for

    url = fresh_database(server_url, name)
    dagster_url = fresh_database(server_url, f"{name}_dagster", migrate=False)
    root = work / name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(
        BENCHMON_DATABASE_URL=url,
        BENCHMON_DAGSTER_DATABASE_URL=dagster_url,
        BENCHMON_HOME=str(work / f"{name}_home"),
        BENCHMON_INBOX_ROOT=str(root),
    )
    write_files(root / "staging", files)
    dev = DevServer(env, work / f"{name}.log")
    dev.start()
    try:
        start = time.perf_counter()
        os.rename(root / "staging", root / "inbox" / "drop")  # all files appear at once
        wait_for(lambda: ready(url), 600, what, every=0.2)
        return time.perf_counter() - start
    finally:
        dev.stop()


def verdict(ok: bool) -> str:
    return "target met" if ok else "TARGET MISSED"
