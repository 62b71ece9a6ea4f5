"""Under a `benchmon dev` of its own: files dropped right after a long history was imported
reach the log about as fast as files dropped on a quiet instance (the Hardening issue's
item 6: the history's many trend refreshes once filled the run queue ahead of them)."""

import copy
import json
import os
import time
import uuid

import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db.server import ensure_database
from benchmon_pipeline.db.urls import with_database
from benchmon_pipeline.defs.ingest import TICK_SECONDS
from benchmon_pipeline_tests.conftest import TEMPLATE_DB, _drop
from benchmon_pipeline_tests.e2e.devserver import DevServer, wait_for
from benchmon_pipeline_tests.helpers import FIXTURES

pytestmark = pytest.mark.e2e

FILES = 200
HISTORY_RUNS = 34  # as in the issue: 34 runs over 11 months, each on its own day
DAY_MS = 86_400_000
# Where a drop falls relative to the inbox sensor's tick adds 0–TICK_SECONDS to either
# measurement, and the queue is read once a second (dagster.yaml): an allowance of one
# tick and one dequeue keeps a quiet drop that happened to just miss a tick from failing
# the comparison, and is far below the delay of a starved drop (tens of seconds).
ALLOWANCE_SECONDS = TICK_SECONDS + 1


@pytest.fixture
def own_dev(pg_server_url, template_url, tmp_path):
    """A `benchmon dev` with its own results and Dagster databases, home and port (the
    session's `running_dev` must not be flooded with this test's runs)."""
    suffix = uuid.uuid4().hex[:8]
    results, dagster = f"bm_c2_{suffix}", f"bm_c2_dagster_{suffix}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(results), sql.Identifier(TEMPLATE_DB)
            )
        )
    ensure_database(with_database(pg_server_url, dagster))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    env.update(
        BENCHMON_DATABASE_URL=with_database(pg_server_url, results),
        BENCHMON_DAGSTER_DATABASE_URL=with_database(pg_server_url, dagster),
        BENCHMON_HOME=str(tmp_path / "home"),
        BENCHMON_INBOX_ROOT=str(tmp_path / "root"),
    )
    server = DevServer(env, tmp_path / "dev.log")
    server.results_url = env["BENCHMON_DATABASE_URL"]
    server.inbox = tmp_path / "root" / "inbox"
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _drop(pg_server_url, results)
        _drop(pg_server_url, dagster)


def _put(inbox, name: str, content: str) -> None:
    path = inbox / name
    tmp = path.with_name(name + ".tmp")
    tmp.write_text(content)
    tmp.rename(path)  # appears complete; the sensor ignores *.tmp


def _drop_files(inbox, model: str) -> float:
    for n in range(FILES):
        result = {
            "model_version": model,
            "dataset_version": "d",
            "prompt_version": "p",
            "environment": "ci",
            "run_id": f"{model}-{n}",
            "metrics": {"f1": 0.5 + n / 1000},
        }
        _put(inbox, f"{model}-{n:04d}.json", json.dumps(result))
    return time.monotonic()


def _history() -> str:
    """A github-action-benchmark data.js: 34 runs of one suite, 10 days apart."""
    text = (FIXTURES / "synthetic" / "data.js").read_text()
    document = json.loads(text[text.index("{") :].rstrip().rstrip(";"))
    template = document["entries"]["Go Benchmark"][0]
    runs = []
    for n in range(HISTORY_RUNS):
        run = copy.deepcopy(template)
        run["commit"]["id"] = f"{n:040x}"
        run["date"] = 1_736_150_400_000 + n * 10 * DAY_MS  # from 2025-01-06
        runs.append(run)
    document["entries"] = {"Go Benchmark": runs}
    return "window.BENCHMARK_DATA = " + json.dumps(document) + ";\n"


def _count(url: str, query: str, *params) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def _in_log(server, model: str) -> int:
    return _count(
        server.results_url,
        "SELECT count(*) FROM benchmark_transactions WHERE model_version = %s",
        model,
    )


def _runs(server, statuses: list[str] | None = None, tags: dict | None = None) -> list[dict]:
    filters = {}
    if statuses:
        filters["statuses"] = statuses
    if tags:
        filters["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    data = server.graphql(
        """query($filter: RunsFilter) { runsOrError(filter: $filter) {
             ... on Runs { results { runId jobName status tags { key value } } } } }""",
        {"filter": filters},
    )
    return data["runsOrError"]["results"]


def _settled(server) -> bool:
    """No day waits for its trend refresh, and no run is queued or running."""
    if _count(server.results_url, "SELECT count(*) FROM trend_dirty_days"):
        return False
    return not _runs(server, ["QUEUED", "NOT_STARTED", "STARTING", "STARTED"])


def _history_refreshes(server) -> list[dict]:
    """The trend runs the late-data sensor requested for the history's days (2025)."""
    first_day_tags = ("dagster/partition", "dagster/asset_partition_range_start")
    return [
        r
        for r in _runs(server, tags={"benchmon/reason": "new results"})
        if any(t["key"] in first_day_tags and t["value"] < "2026" for t in r["tags"])
    ]


def test_files_dropped_after_a_history_import_reach_the_log_as_fast(own_dev):
    # 1. A drop on a quiet instance: the reference time.
    dropped = _drop_files(own_dev.inbox, "c2-quiet")
    wait_for(lambda: _in_log(own_dev, "c2-quiet") == FILES, 60, "the quiet drop in the log")
    quiet = time.monotonic() - dropped
    # (its follow-ups — today's trend refresh, the snapshot and check run — done first)
    wait_for(lambda: _settled(own_dev), 90, "the quiet drop's follow-up runs to finish")

    # 2. Import the history, and wait for the trend sensor to request its refresh.
    _put(own_dev.inbox, "history.js", _history())
    wait_for(
        lambda: _history_refreshes(own_dev),
        90,
        "the imported history in the log and the trend refresh of its days requested",
    )

    # 3. The same drop now, with the history's refresh queued or running.
    dropped = _drop_files(own_dev.inbox, "c2-after-import")
    limit = 2 * quiet + ALLOWANCE_SECONDS
    wait_for(
        lambda: _in_log(own_dev, "c2-after-import") == FILES,
        limit,
        f"the drop after the import in the log within 2 × {quiet:.1f} s + "
        f"{ALLOWANCE_SECONDS} s (the quiet drop took {quiet:.1f} s)",
    )
    after = time.monotonic() - dropped
    assert after <= limit

    # What made it so: the history was one refresh run, and ingest runs come first.
    history_runs = _history_refreshes(own_dev)
    assert len(history_runs) == 1, history_runs
    ingest = _runs(own_dev, tags={"benchmon/inbox": "folder"})
    assert ingest and all({"key": "dagster/priority", "value": "10"} in r["tags"] for r in ingest)
