"""The database ties content_sha256 to the row's content (issue 14, defect 7).

A writer used to be able to store a forged row under the key of a result not yet
reported: the genuine file then landed as a "duplicate" of the forgery, and the forged
metrics became the current version. Every path into the log now has its key checked:
rows sent with their canonical JSON (ingestion), rows sent without (plain SQL), and
rows with no key at all (the database fills it in).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import pytest

from benchmon_pipeline.formats import detect
from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.results.model import Result
from benchmon_pipeline_tests.db.logins import login_as
from benchmon_pipeline_tests.helpers import drop_file, rows

GENUINE = {
    "model_version": "org/model-7",
    "dataset_version": "set-a",
    "prompt_version": "v3",
    "environment": "ci",
    "commit_sha": "a" * 40,
    "created_at": "2026-11-30T12:00:00Z",
    "tags": ["nightly", "gpu"],
    "metrics": {"f1": 0.91, "latency_ms": 412},
}

INSERT = (
    "INSERT INTO benchmark_transactions (created_at, model_version, dataset_version,"
    " prompt_version, environment, commit_sha, tags, metrics, content_sha256{extra})"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s{placeholder})"
)


def _genuine_result() -> Result:
    (parsed,) = detect.parse_document("genuine.json", GENUINE).results
    return parsed  # (triggered_by, which ingestion fills in, is not content)


def _forge(conn, metrics: dict, key: str, content_json: str | None = None) -> None:
    """The genuine result's configuration with other metrics, under the genuine key."""
    extra = ", content_json" if content_json is not None else ""
    conn.execute(
        INSERT.format(extra=extra, placeholder=", %s" if extra else ""),
        (
            datetime(2026, 11, 30, 12, tzinfo=UTC),
            GENUINE["model_version"],
            GENUINE["dataset_version"],
            GENUINE["prompt_version"],
            GENUINE["environment"],
            GENUINE["commit_sha"],
            GENUINE["tags"],
            json.dumps(metrics),
            key,
            *([content_json] if content_json is not None else []),
        ),
    )


def _ingest(url: str, inbox: FolderInbox, names: list[str]):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return ingest_batch(names, inbox, connect, inbox_kind="folder", default_environment="local")


@pytest.mark.parametrize("with_content_json", [False, True], ids=["plain", "with-json"])
def test_a_writer_cannot_store_a_row_under_a_future_results_key(
    db_url, tmp_path, with_content_json
):
    genuine = _genuine_result()
    key = genuine.content_sha256()
    with login_as(db_url, "benchmon_writer") as writer:
        with pytest.raises(psycopg.errors.CheckViolation, match="is not the hash of the row"):
            # the genuine JSON (it hashes to the key) next to forged metrics
            _forge(
                writer,
                {"f1": 0.99, "latency_ms": 1},
                key,
                genuine.content_json() if with_content_json else None,
            )
    with psycopg.connect(db_url) as conn:
        assert rows(conn, "SELECT count(*) AS n FROM benchmark_transactions")[0]["n"] == 0

    # The genuine file is stored as itself, not reported a duplicate of a forgery.
    inbox = FolderInbox(tmp_path)
    inbox.ensure_layout()
    drop_file(tmp_path, "genuine.json", GENUINE)
    _ingest(db_url, inbox, ["genuine.json"])
    with psycopg.connect(db_url) as conn:
        (ledger,) = rows(conn, "SELECT status FROM ingested_files")
        assert ledger["status"] == "ingested"
        (stored,) = rows(conn, "SELECT metrics, content_sha256 FROM benchmark_transactions")
        assert stored == {"metrics": GENUINE["metrics"], "content_sha256": key}


def test_json_that_hashes_to_the_key_must_say_what_the_row_says(db):
    """The fast path (canonical JSON sent with the row) checks every field it states."""
    genuine = _genuine_result()
    stated = json.loads(genuine.content_json())
    changes = {
        "model_version": "org/other",
        "commit_sha": "b" * 40,
        "environment": None,
        "tags": ["nightly"],
        "metrics": {"f1": 0.91},
        "created_at": "2026-11-30T12:00:01+00:00",
    }
    for field, value in changes.items():
        forged = {**stated, field: value}
        with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
            db.execute(
                "INSERT INTO benchmark_transactions (created_at, model_version,"
                " dataset_version, prompt_version, environment, commit_sha, tags, metrics,"
                " content_sha256, content_json)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
                (
                    datetime.fromisoformat(forged["created_at"]),
                    forged["model_version"],
                    forged["dataset_version"],
                    forged["prompt_version"],
                    forged["environment"],
                    forged["commit_sha"],
                    forged["tags"],
                    json.dumps(forged["metrics"]),
                    genuine.content_sha256(),
                    genuine.content_json(),
                ),
            )
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 0


def test_keys_are_filled_in_and_json_is_never_kept(db):
    """A row sent without a key gets the one Python computes; a row sent with its JSON
    keeps none of it (the column stays empty, and a CHECK keeps it so)."""
    genuine = _genuine_result()
    _forge(db, GENUINE["metrics"], None)  # (the genuine content, no key)
    (stored,) = rows(db, "SELECT content_sha256, content_json FROM benchmark_transactions")
    assert stored == {"content_sha256": genuine.content_sha256(), "content_json": None}
    db.execute(
        "ALTER TABLE benchmark_transactions DISABLE TRIGGER benchmark_transactions_content_key"
    )
    with pytest.raises(psycopg.errors.CheckViolation, match="content_json_is_not_kept"):
        _forge(db, {"f1": 0.5}, "0" * 64, "{}")
