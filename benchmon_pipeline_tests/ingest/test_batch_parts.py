"""How a batch is cut — files read in parts, parts streamed into transactions — changes
nothing about what is stored, moved and recorded."""

import gc
import json
import os
from contextlib import contextmanager

import psycopg

import benchmon_pipeline.ingest.batch as batch
from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline_tests.helpers import drop_file, rows


def _connect(url):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return connect


def _result(i, **changes):
    return {
        "model_version": f"model-{i % 3}",
        "dataset_version": "d",
        "prompt_version": "p",
        "run_id": f"run-{i}",
        "metrics": {"f1": i / 100, "latency_ms": 100 + i},
        **changes,
    }


def _drop_mixed_inbox(root):
    """Good files of one and of several results, repeats, bad files, a subfolder."""
    for i in range(40):
        drop_file(root, f"one/r{i:03d}.json", _result(i))
    for i in range(10):
        drop_file(
            root,
            f"runs/run{i:02d}.json",
            {"commit_sha": f"{i:040x}", "results": [_result(100 + 10 * i + k) for k in range(4)]},
        )
    drop_file(root, "again/r000.json", {**_result(0), "environment": "one"})  # a repeat
    drop_file(root, "production/p.json", _result(500))
    drop_file(root, "bad/truncated.json", '{"model_version": "m", "metrics": {"f1": 0.9')
    drop_file(root, "bad/types.json", _result(501, metrics={"f1": "high"}))


def _ingest(url, root, **kwargs):
    inbox = FolderInbox(root, settle_seconds=0)
    names = [f.name for f in inbox.ready_files()]
    return ingest_batch(
        names, inbox, _connect(url), inbox_kind="folder", default_environment="local", **kwargs
    )


def _stored(url):
    with psycopg.connect(url) as conn:
        log = rows(
            conn,
            "SELECT content_sha256, environment, source FROM benchmark_transactions"
            " ORDER BY content_sha256",
        )
        ledger = rows(
            conn,
            "SELECT uri, status, error_code, results_total, results_new"
            " FROM ingested_files ORDER BY uri",
        )
        links = conn.execute("SELECT count(*) FROM transaction_log_chain").fetchone()[0]
    strip = lambda r: {**r, "uri": r["uri"].split("/inbox/")[1]}  # noqa: E731
    return (
        [{**r, "source": r["source"].split("/inbox/")[1]} for r in log],
        [strip(r) for r in ledger],
        links,
    )


def test_small_parts_store_exactly_what_one_part_does(fresh_database, tmp_path, monkeypatch):
    whole_url, parts_url = fresh_database(), fresh_database()
    _drop_mixed_inbox(tmp_path / "whole")
    _drop_mixed_inbox(tmp_path / "parts")

    whole = _ingest(whole_url, tmp_path / "whole", chunk_files=100)
    monkeypatch.setattr(batch, "READ_FILES", 7)
    parts = _ingest(parts_url, tmp_path / "parts", chunk_files=20)

    for report in (whole, parts):
        assert (
            report.count("ingested"),
            report.count("duplicate"),
            report.count("quarantined"),
            report.rows_appended,
        ) == (51, 1, 2, 81)
    log, ledger, links = _stored(parts_url)
    assert _stored(whole_url)[:2] == (log, ledger)
    assert _stored(whole_url)[2] == 1, "one part, one transaction"
    assert len(log) == 81 and len(ledger) == 54, "one row per result, a ledger row per file"
    assert links >= 3, "no transaction holds more than chunk_files files"
    assert {r["environment"] for r in log if r["source"] == "production/p.json"} == {"production"}
    for root in (tmp_path / "whole", tmp_path / "parts"):
        assert list((root / "inbox").rglob("*.json")) == []
        assert len(list((root / "archive").rglob("*.json"))) == 52
        assert {p.name for p in (root / "quarantine").rglob("*.error.json")} == {
            "truncated.error.json",
            "types.error.json",
        }


def test_many_result_files_commit_in_several_transactions(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "RESULTS_PER_TRANSACTION", 10)
    monkeypatch.setattr(batch, "READ_FILES", 2)
    for i in range(9):
        drop_file(tmp_path, f"run{i}.json", {"results": [_result(4 * i + k) for k in range(4)]})
    report = _ingest(db_url, tmp_path)
    assert report.rows_appended == 36
    with psycopg.connect(db_url) as conn:
        per_transaction = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM benchmark_transactions GROUP BY xact_id ORDER BY 1"
            )
        ]
        assert conn.execute("SELECT count(*) FROM ingested_files").fetchone() == (9,)
    assert per_transaction == [4, 16, 16], "closed once 10 results or more are held"


def test_a_link_to_nothing_is_quarantined_and_a_vanished_file_is_already_handled(db_url, tmp_path):
    inbox = FolderInbox(tmp_path, settle_seconds=0)
    inbox.ensure_layout()
    os.symlink(inbox.inbox_dir / "gone.json", inbox.inbox_dir / "dangling.json")
    drop_file(tmp_path, "good.json", _result(1))
    report = ingest_batch(
        ["dangling.json", "vanished.json", "good.json"],
        inbox,
        _connect(db_url),
        inbox_kind="folder",
        default_environment="local",
    )
    assert report.missing == ["vanished.json"]
    error = json.loads((inbox.quarantine_dir / "dangling.error.json").read_text())
    assert error["error_code"] == "not_a_regular_file"
    assert report.count("ingested") == 1


def test_versions_follow_the_files_across_transactions_in_flight(db_url, tmp_path, monkeypatch):
    """Two transactions are in flight at once; the later one folds only after the earlier
    one commits, so one configuration's versions are its files in order (the fold's locks
    would order them too: either alone keeps this true)."""
    monkeypatch.setattr(batch, "READ_FILES", 1)
    for i in range(8):
        drop_file(tmp_path, f"r{i}.json", {**_result(3 * i), "metrics": {"f1": i / 10}})
    report = _ingest(db_url, tmp_path, chunk_files=1)
    assert report.rows_appended == 8
    with psycopg.connect(db_url) as conn:
        versions = conn.execute(
            "SELECT s.snapshot_version, t.source, s.is_current, (s.metrics->>'f1')::float"
            "  FROM benchmark_snapshots s JOIN benchmark_transactions t"
            "    ON t.id = s.transaction_id ORDER BY s.snapshot_version"
        ).fetchall()
        links = conn.execute("SELECT count(*) FROM transaction_log_chain").fetchone()[0]
    assert links == 8, "a transaction per file"
    assert [(v, source.rsplit("/", 1)[1], f1) for v, source, _, f1 in versions] == [
        (i + 1, f"r{i}.json", i / 10) for i in range(8)
    ]
    assert [current for *_, current, _ in versions] == [False] * 7 + [True]


class _StoppingInbox(FolderInbox):
    """An inbox whose run is stopped (as Dagster stops a run) while reading one file."""

    def __init__(self, root, stop_at):
        super().__init__(root, settle_seconds=0)
        self.stop_at = stop_at

    def parse(self, name, *args, **kwargs):
        if name == self.stop_at:
            raise KeyboardInterrupt("the run was stopped")
        return super().parse(name, *args, **kwargs)


def test_a_run_stopped_mid_batch_rolls_back_what_is_in_flight(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "READ_FILES", 1)
    for i in range(9):
        drop_file(tmp_path, f"r{i}.json", _result(i))
    inbox = _StoppingInbox(tmp_path, stop_at="r8.json")  # r6, r7 already streamed
    names = [f.name for f in inbox.ready_files()]
    try:
        ingest_batch(
            names,
            inbox,
            _connect(db_url),
            inbox_kind="folder",
            default_environment="local",
            chunk_files=3,
        )
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the stop was swallowed")
    assert gc.isenabled(), "the cycle collector runs again after a stopped batch"

    with psycopg.connect(db_url) as conn:
        stored = {
            source.rsplit("/", 1)[1]
            for (source,) in conn.execute("SELECT source FROM benchmark_transactions")
        }
        ledger = {
            uri.rsplit("/", 1)[1] for (uri,) in conn.execute("SELECT uri FROM ingested_files")
        }
    waiting = {p.name for p in (tmp_path / "inbox").glob("*.json")}
    assert {"r6.json", "r7.json", "r8.json"} <= waiting, "the transaction being read"
    assert stored == ledger == {f"r{i}.json" for i in range(9)} - waiting, (
        "a file is stored, recorded and moved, or none of these"
    )

    report = _ingest(db_url, tmp_path, chunk_files=3)  # the sensor's next run
    assert report.rows_appended == len(waiting)
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "SELECT count(*), count(DISTINCT content_sha256)  FROM benchmark_transactions"
        ).fetchone() == (9, 9)
    assert list((tmp_path / "inbox").glob("*.json")) == []


def test_the_cycle_collector_is_paused_for_the_batch_only(db_url, tmp_path):
    for i in range(3):
        drop_file(tmp_path, f"r{i}.json", _result(i))
    during = []
    assert gc.isenabled()
    _ingest(db_url, tmp_path, chunk_files=1, progress=lambda _: during.append(gc.isenabled()))
    assert during == [False, False, False]
    assert gc.isenabled()
