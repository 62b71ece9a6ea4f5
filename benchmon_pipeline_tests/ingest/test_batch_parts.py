"""Reading ahead in reader processes changes nothing about what is stored, moved and
recorded; readers report errors and end with their parent."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import psycopg
import pytest

import benchmon_pipeline.ingest.batch as batch
from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.readers import ReaderPool
from benchmon_pipeline.ingest.reading import decode
from benchmon_pipeline_tests.e2e.devserver import wait_for
from benchmon_pipeline_tests.helpers import drop_file, rows


def _connect(url):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return connect


def _result(i, **changes):
    return {"model_version": f"model-{i % 3}", "dataset_version": "d", "prompt_version": "p",
            "run_id": f"run-{i}", "metrics": {"f1": i / 100, "latency_ms": 100 + i},
            **changes}


def _drop_mixed_inbox(root):
    """Good files of one and of several results, repeats, bad files, a subfolder."""
    for i in range(40):
        drop_file(root, f"one/r{i:03d}.json", _result(i))
    for i in range(10):
        drop_file(root, f"runs/run{i:02d}.json",
                  {"commit_sha": f"{i:040x}", "results": [_result(100 + 10 * i + k)
                                                          for k in range(4)]})
    drop_file(root, "again/r000.json", {**_result(0), "environment": "one"})  # a repeat
    drop_file(root, "production/p.json", _result(500))
    drop_file(root, "bad/truncated.json", '{"model_version": "m", "metrics": {"f1": 0.9')
    drop_file(root, "bad/types.json", _result(501, metrics={"f1": "high"}))


def _ingest(url, root, **kwargs):
    inbox = FolderInbox(root, settle_seconds=0)
    names = [f.name for f in inbox.ready_files()]
    return ingest_batch(names, inbox, _connect(url), inbox_kind="folder",
                        default_environment="local", **kwargs)


def _stored(url):
    with psycopg.connect(url) as conn:
        log = rows(conn, "SELECT content_sha256, environment, source FROM benchmark_transactions"
                         " ORDER BY content_sha256")
        ledger = rows(conn, "SELECT uri, status, error_code, results_total, results_new"
                            " FROM ingested_files ORDER BY uri")
        links = conn.execute("SELECT count(*) FROM transaction_log_chain").fetchone()[0]
    strip = lambda r: {**r, "uri": r["uri"].split("/inbox/")[1]}  # noqa: E731
    return ([{**r, "source": r["source"].split("/inbox/")[1]} for r in log],
            [strip(r) for r in ledger], links)


@pytest.fixture
def readers_always(monkeypatch):
    """Readers start at once, parts are small, and every pool started is recorded."""
    started = []

    class RecordedPool(ReaderPool):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(batch, "READERS_WORTH_SECONDS", 0)
    monkeypatch.setattr(batch, "READ_FILES", 7)
    monkeypatch.setattr(batch, "ReaderPool", RecordedPool)
    return started


def test_reading_in_reader_processes_stores_exactly_what_reading_here_does(
        fresh_database, tmp_path, readers_always):
    here_url, readers_url = fresh_database(), fresh_database()
    _drop_mixed_inbox(tmp_path / "here")
    _drop_mixed_inbox(tmp_path / "readers")

    here = _ingest(here_url, tmp_path / "here", workers=0, chunk_files=20)
    assert readers_always == []
    with_readers = _ingest(readers_url, tmp_path / "readers", workers=2, chunk_files=20)
    assert len(readers_always) == 1 and len(readers_always[0].pids) == 2

    for report in (here, with_readers):
        assert (report.count("ingested"), report.count("duplicate"),
                report.count("quarantined"), report.rows_appended) == (51, 1, 2, 81)
    log, ledger, links = _stored(here_url)
    assert _stored(readers_url)[:2] == (log, ledger)
    assert len(log) == 81 and len(ledger) == 54, "one row per result, a ledger row per file"
    assert links >= 3, "no transaction holds more than chunk_files files"
    assert {r["environment"] for r in log if r["source"] == "production/p.json"} == {
        "production"}
    for root in (tmp_path / "here", tmp_path / "readers"):
        assert list((root / "inbox").rglob("*.json")) == []
        assert len(list((root / "archive").rglob("*.json"))) == 52
        assert {p.name for p in (root / "quarantine").rglob("*.error.json")} == {
            "truncated.error.json", "types.error.json"}


def test_many_result_files_commit_in_several_transactions(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "RESULTS_PER_TRANSACTION", 10)
    monkeypatch.setattr(batch, "READ_FILES", 2)
    for i in range(9):
        drop_file(tmp_path, f"run{i}.json", {"results": [_result(4 * i + k) for k in range(4)]})
    report = _ingest(db_url, tmp_path, workers=0)
    assert report.rows_appended == 36
    with psycopg.connect(db_url) as conn:
        per_transaction = [n for (n,) in conn.execute(
            "SELECT count(*) FROM benchmark_transactions GROUP BY xact_id ORDER BY 1")]
        assert conn.execute("SELECT count(*) FROM ingested_files").fetchone() == (9,)
    assert per_transaction == [4, 16, 16], "closed once 10 results or more are held"


def test_a_link_to_nothing_is_quarantined_and_a_vanished_file_is_already_handled(
        db_url, tmp_path):
    inbox = FolderInbox(tmp_path, settle_seconds=0)
    inbox.ensure_layout()
    os.symlink(inbox.inbox_dir / "gone.json", inbox.inbox_dir / "dangling.json")
    drop_file(tmp_path, "good.json", _result(1))
    report = ingest_batch(["dangling.json", "vanished.json", "good.json"], inbox,
                          _connect(db_url), inbox_kind="folder", default_environment="local")
    assert report.missing == ["vanished.json"]
    error = json.loads((inbox.quarantine_dir / "dangling.error.json").read_text())
    assert error["error_code"] == "not_a_regular_file"
    assert report.count("ingested") == 1


def test_a_reader_sends_back_the_error_of_a_call(tmp_path):
    pool = ReaderPool(1, depth=3)
    try:
        pool.submit(math.sqrt, -1)
        pool.submit(decode, b"")  # InvalidResult: its own __init__ does not survive pickling
        pool.submit(math.sqrt, 16)
        with pytest.raises(ValueError, match="math domain error"):
            pool.result(wait=True)
        with pytest.raises(RuntimeError, match="InvalidResult: the file is empty"):
            pool.result(wait=True)
        assert pool.result(wait=True) == (True, 4.0)
        assert pool.result(wait=False) == (False, None)
    finally:
        pool.close()


def test_a_reader_that_dies_is_reported(tmp_path):
    pool = ReaderPool(1, depth=2)
    try:
        pool.submit(time.sleep, 30)
        os.kill(pool.pids[0], signal.SIGKILL)
        with pytest.raises(RuntimeError, match="ended unexpectedly"):
            pool.result(wait=True)
    finally:
        pool.close()


PARENT = """
import sys, time
from benchmon_pipeline.ingest.readers import ReaderPool
from benchmon_pipeline.ingest.reading import decode
pool = ReaderPool(1, depth=2)
pool.submit(time.sleep, 0.2)
print(pool.pids[0], flush=True)
time.sleep(60)
"""


def test_readers_end_when_their_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              text=True)
    try:
        reader = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
        parent.wait()

        def gone() -> bool:
            try:
                os.kill(reader, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{reader}/stat") as stat:  # a zombie is gone too
                return stat.read().rsplit(")", 1)[1].split()[0] == "Z"

        wait_for(gone, 20, "the reader to end after its parent was killed", every=0.1)
    finally:
        parent.kill()
        parent.wait()
