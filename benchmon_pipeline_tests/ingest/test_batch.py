"""The batch path on a real folder and a real database: nothing lost, nothing twice."""

import json
import os
import shutil
from contextlib import contextmanager

import psycopg
import pytest

from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file, rows

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
REAL = FIXTURES / "real"


def result(**changes):
    return {**SAMPLE, **changes}


def run(url, inbox, names=None, **kwargs):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    names = names if names is not None else [f.name for f in inbox.ready_files()]
    return ingest_batch(
        names, inbox, connect, inbox_kind="folder", default_environment="local", **kwargs
    )


@pytest.fixture
def inbox(tmp_path):
    box = FolderInbox(tmp_path)
    box.ensure_layout()
    return box


BAD_CORPUS = {
    # name: (content, error_code, json_path)
    "truncated.json": ('{"model_version": "m", "metrics": {"f1": 0.9', "invalid_json", None),
    "empty.json": ("", "empty_file", None),
    "wrong_types.json": (result(metrics={"f1": "high"}), "metric_not_a_number", "$.metrics.f1"),
    "only_nonfinite.json": (
        '{"model_version": "m", "dataset_version": "d", "prompt_version":'
        ' "p", "metrics": {"f1": NaN, "latency_ms": Infinity}}',
        "no_finite_metrics",
        "$.metrics",
    ),
    "not_utf8.json": (b'{"model_version": "caf\xe9"}', "not_utf8", None),
    "nested_garbage.json": ("[" * 100_000 + "]" * 100_000, "too_deeply_nested", None),
    "unknown.json": ({"hello": "world"}, "unknown_format", "$"),
}


def test_bad_files_are_quarantined_with_reasons_and_good_ones_land(db_url, inbox, tmp_path):
    for name, (content, _, _) in BAD_CORPUS.items():
        drop_file(tmp_path, name, content)
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps(result(model_version="stolen")))
    os.symlink(outside, inbox.inbox_dir / "link.json")
    drop_file(tmp_path, "good one é.json", result(model_version="good"))
    drop_file(
        tmp_path, "bom.json", b"\xef\xbb\xbf" + json.dumps(result(model_version="bom")).encode()
    )
    drop_file(tmp_path, "production/sub.json", result(model_version="sub"))

    report = run(
        db_url,
        inbox,
        names=[*BAD_CORPUS, "link.json", "good one é.json", "bom.json", "production/sub.json"],
    )

    for name, (_, code, path) in BAD_CORPUS.items():
        error = json.loads(
            (inbox.quarantine_dir / name.replace(".json", ".error.json")).read_text()
        )
        assert (error["file"], error["error_code"], error["json_path"]) == (name, code, path), name
        assert error["message"]
    link_error = json.loads((inbox.quarantine_dir / "link.error.json").read_text())
    assert link_error["error_code"] == "symlink_outside_inbox"
    assert outside.exists(), "the link's target outside the inbox is left alone"

    with psycopg.connect(db_url) as conn:
        stored = rows(
            conn,
            "SELECT model_version, environment FROM benchmark_transactions ORDER BY model_version",
        )
        ledger = rows(
            conn,
            "SELECT uri, status, error_code, format, file_sha256, size_bytes FROM ingested_files",
        )
    assert stored == [
        {"model_version": "bom", "environment": "local"},
        {"model_version": "good", "environment": "local"},
        {"model_version": "sub", "environment": "production"},
    ]
    assert len(ledger) == len(BAD_CORPUS) + 4, "one ledger row per file"
    statuses = {os.path.basename(r["uri"]): r["status"] for r in ledger}
    assert statuses["good one é.json"] == statuses["bom.json"] == "ingested"
    assert sum(s == "quarantined" for s in statuses.values()) == len(BAD_CORPUS) + 1
    good = next(r for r in ledger if r["uri"].endswith("good one é.json"))
    assert (
        good["format"] == "benchmon" and len(good["file_sha256"]) == 64 and good["size_bytes"] > 0
    )
    assert list(inbox.inbox_dir.rglob("*.json")) == []
    assert report.count("quarantined") == len(BAD_CORPUS) + 1


def test_file_over_the_size_limit_is_quarantined(db_url, inbox, tmp_path):
    drop_file(tmp_path, "big.json", json.dumps(result(notes="x" * 5000)))
    run(db_url, inbox, max_bytes=1000)
    error = json.loads((inbox.quarantine_dir / "big.error.json").read_text())
    assert error["error_code"] == "file_too_large"
    assert "1,000" in error["message"]


def test_the_same_file_twice_is_stored_once_and_the_ledger_says_duplicate(db_url, inbox, tmp_path):
    drop_file(tmp_path, "a.json", SAMPLE)
    first = run(db_url, inbox)
    drop_file(tmp_path, "again/a.json", {**SAMPLE, "environment": "local"})  # same content
    drop_file(tmp_path, "b.json", SAMPLE)
    second = run(db_url, inbox)
    assert first.count("ingested") == 1
    assert second.count("duplicate") == 2
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone() == (1,)
        ledger = rows(
            conn, "SELECT status, results_new, transaction_ids FROM ingested_files ORDER BY id"
        )
    assert [r["status"] for r in ledger] == ["ingested", "duplicate", "duplicate"]
    assert len({tuple(r["transaction_ids"]) for r in ledger}) == 1


def test_rerunning_a_batch_whose_files_were_moved_changes_nothing(db_url, inbox, tmp_path):
    drop_file(tmp_path, "a.json", SAMPLE)
    run(db_url, inbox, names=["a.json"])
    report = run(db_url, inbox, names=["a.json"])
    assert report.missing == ["a.json"] and report.outcomes == []


def test_a_crash_before_the_move_leaves_the_file_to_be_found_as_duplicate(db_url, inbox, tmp_path):
    drop_file(tmp_path, "a.json", SAMPLE)
    kept = tmp_path / "kept.json"
    shutil.copy(inbox.path_of("a.json"), kept)
    run(db_url, inbox)
    shutil.copy(kept, inbox.path_of("a.json"))  # as if the process died before moving it
    report = run(db_url, inbox, names=["a.json"])
    assert report.count("duplicate") == 1
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM benchmark_transactions").fetchone() == (1,)


def test_real_world_files_land_with_their_formats(db_url, inbox, tmp_path):
    real = {
        "lm_eval/rwkv7-1.5b-world_lambada.json": "lm_eval",
        "pytest_benchmark/gab-example_v3.2.2_fib.json": "pytest_benchmark",
        "google_benchmark/gab-example_fib.json": "google_benchmark",
        "github_action_benchmark/customSmallerIsBetter_numeric-range.json": "github_action_benchmark",
        "lm_eval/gpt-4o-mini_tgpred_nan-inf.json": None,
    }
    for relative in real:
        target = inbox.inbox_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / relative, target)
        os.utime(target, (0, 0))
    run(db_url, inbox)
    with psycopg.connect(db_url) as conn:
        ledger = {
            r["uri"].split("/inbox/")[1]: r
            for r in rows(conn, "SELECT uri, status, format, error_code FROM ingested_files")
        }
        directions = rows(
            conn,
            "SELECT metric_directions->>'perplexity' AS p,"
            " metric_directions->>'acc' AS acc FROM benchmark_transactions"
            " WHERE model_provider = 'hf'",
        )
    for relative, fmt in real.items():
        if fmt:
            assert (ledger[relative]["status"], ledger[relative]["format"]) == ("ingested", fmt)
    nan_file = ledger["lm_eval/gpt-4o-mini_tgpred_nan-inf.json"]
    assert (nan_file["status"], nan_file["error_code"]) == ("quarantined", "no_finite_metrics")
    assert directions == [{"p": "lower", "acc": "higher"}]


def test_the_ledger_names_each_files_log_rows_in_order(db_url, inbox, tmp_path):
    for i in range(2):
        drop_file(
            tmp_path,
            f"run-{i}.json",
            {"results": [result(dataset_version=f"set-{i}-{j}") for j in range(3)]},
        )
    report = run(db_url, inbox)
    assert report.count("ingested") == 2
    with psycopg.connect(db_url) as conn:
        for outcome in report.outcomes:
            (ledger,) = conn.execute(
                "SELECT transaction_ids FROM ingested_files WHERE uri = %s", (outcome.uri,)
            ).fetchone()
            logged = [
                i
                for (i,) in conn.execute(
                    "SELECT id FROM benchmark_transactions WHERE source = %s ORDER BY seq",
                    (outcome.uri,),
                )
            ]
            assert ledger == logged and len(logged) == 3
            assert [str(i) for i in logged] == outcome.transaction_ids
