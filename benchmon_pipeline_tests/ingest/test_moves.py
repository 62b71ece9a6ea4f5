"""Moving handled files: names at the file system's limit, and files rewritten between
their read and their move — on a real folder and a real database (and a real S3 server)."""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES
from benchmon_pipeline.ingest.s3_inbox import S3Inbox
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file, rows

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
NAME_MAX = 255  # bytes in a file name (ext4, XFS, tmpfs …)


def run(url, inbox, names, inbox_kind="folder"):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return ingest_batch(names, inbox, connect, inbox_kind=inbox_kind, default_environment="local")


def ledger(url) -> list[dict]:
    with psycopg.connect(url) as conn:
        return rows(
            conn,
            "SELECT uri, status, error_code, file_sha256, warnings FROM ingested_files ORDER BY id",
        )


@pytest.fixture
def inbox(tmp_path):
    box = FolderInbox(tmp_path)
    box.ensure_layout()
    return box


# Names of exactly NAME_MAX (255) bytes: one of ASCII, one of two-byte characters (a
# shortened name must not cut one in two).
LONG = ["q" * (NAME_MAX - 5) + ".json", "é" * ((NAME_MAX - 5) // 2) + ".json"]


def test_a_refused_file_at_the_name_limit_gets_its_report(db_url, inbox, tmp_path):
    for name in LONG:
        assert len(name.encode()) == NAME_MAX
        drop_file(tmp_path, name, '{"metrics": ')
    run(db_url, inbox, LONG)
    assert sorted(inbox.quarantined()) == sorted(LONG)
    for name in LONG:
        report = inbox.error_report(name)
        assert report is not None and report["error_code"] == "invalid_json", name
        assert report["file"] == name
    reports = [p.name for p in inbox.quarantine_dir.iterdir() if p.name.endswith(".error.json")]
    assert len(reports) == 2 and all(len(r.encode()) <= NAME_MAX for r in reports)
    assert [r["status"] for r in ledger(db_url)] == ["quarantined", "quarantined"]
    inbox.replay(LONG[0])  # and back: the report found by the same name, and dropped
    assert inbox.path_of(LONG[0]).exists() and inbox.error_report(LONG[0]) is None


def test_a_file_at_the_name_limit_dropped_again_is_archived_once_per_run(db_url, inbox, tmp_path):
    for name in LONG:
        drop_file(tmp_path, name, {**SAMPLE, "model_version": name[:3]})
    first = run(db_url, inbox, LONG)
    for name in LONG:  # the same again: its archive copy needs another name that fits
        drop_file(tmp_path, name, {**SAMPLE, "model_version": name[:3]})
    second = run(db_url, inbox, LONG)
    third = run(db_url, inbox, LONG)

    assert first.count("ingested") == 2 and second.count("duplicate") == 2
    assert third.outcomes == [] and sorted(third.missing) == sorted(LONG), "nothing came back"
    assert [r["status"] for r in ledger(db_url)] == ["ingested"] * 2 + ["duplicate"] * 2
    assert list(inbox.inbox_dir.iterdir()) == []
    archived = [p.name for p in inbox.archive_dir.glob("*/*")]
    assert len(archived) == 4 and set(LONG) <= set(archived)
    assert all(len(name.encode()) <= NAME_MAX for name in archived)
    assert all(name.encode().decode() == name for name in archived), "no character cut"


class RewritingInbox(FolderInbox):
    """A real folder inbox that rewrites one file right after the batch has read it — the
    moment between read and move where a writer can replace a file (`how`: in place, or
    by renaming a new file over it, as careful writers do)."""

    def __init__(self, root: Path, target: str, new: bytes, how: str):
        super().__init__(root)
        object.__setattr__(self, "rewrite", (target, new, how))

    def parse(self, name, max_bytes=MAX_FILE_BYTES, cache=None):
        parsed = super().parse(name, max_bytes, cache=cache)
        target, new, how = self.rewrite
        if name == target:
            path = self.path_of(name)
            if how == "in place":
                with open(path, "r+b") as file:
                    file.write(new)
                    file.truncate()
            else:
                path.with_name(name + ".tmp").write_bytes(new)
                os.replace(path.with_name(name + ".tmp"), path)
        return parsed


@pytest.mark.parametrize("how", ["in place", "replaced"])
def test_a_file_rewritten_between_read_and_move_is_left_for_the_next_run(db_url, tmp_path, how):
    old = json.dumps({**SAMPLE, "model_version": "old"}).encode()
    new = json.dumps({**SAMPLE, "model_version": "new"}).encode()
    drop_file(tmp_path, "a.json", old)
    drop_file(tmp_path, "b.json", {**SAMPLE, "model_version": "b"})
    inbox = RewritingInbox(tmp_path, "a.json", new, how)
    inbox.ensure_layout()

    report = run(db_url, inbox, ["a.json", "b.json"])

    left = inbox.path_of("a.json")
    assert left.exists() and left.read_bytes() == new, "left in the inbox, as rewritten"
    assert [p.name for p in inbox.archive_dir.glob("*/*")] == ["b.json"]
    assert [o.name for o in report.changed] == ["a.json"]
    rows_now = ledger(db_url)
    assert [(r["uri"].rsplit("/", 1)[1], r["status"]) for r in rows_now] == [
        ("a.json", "ingested"),
        ("b.json", "ingested"),
        ("a.json", "changed"),
    ]
    assert rows_now[0]["file_sha256"] == hashlib.sha256(old).hexdigest()
    assert rows_now[2]["file_sha256"] == hashlib.sha256(new).hexdigest()
    assert "left in the inbox" in rows_now[2]["warnings"][0]

    # The next run (a plain inbox) takes the new content, and archives it under its hash.
    again = run(db_url, FolderInbox(tmp_path), ["a.json"])
    assert again.count("ingested") == 1 and again.changed == []
    (archived,) = inbox.archive_dir.glob("*/a.json")
    assert archived.read_bytes() == new
    assert ledger(db_url)[-1]["file_sha256"] == hashlib.sha256(new).hexdigest()
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            "SELECT model_version FROM benchmark_transactions ORDER BY model_version"
        ).fetchall()
    assert stored == [("b",), ("new",), ("old",)]


class RewritingS3Inbox(S3Inbox):
    def parse(self, name, max_bytes=MAX_FILE_BYTES, cache=None):
        parsed = super().parse(name, max_bytes, cache=cache)
        if name == "a.json":
            self.client.put_object(
                Bucket=self.bucket, Key=self._key("inbox", name), Body=b'{"rewritten": 1}'
            )
        return parsed


def test_an_s3_object_rewritten_between_read_and_move_stays_in_the_inbox(s3_bucket, db_url):
    client, bucket, _ = s3_bucket
    for name, model in (("a.json", "old"), ("b.json", "b")):
        client.put_object(
            Bucket=bucket,
            Key=f"inbox/{name}",
            Body=json.dumps({**SAMPLE, "model_version": model}).encode(),
        )
    inbox = RewritingS3Inbox(client, bucket)

    report = run(db_url, inbox, ["a.json", "b.json"], inbox_kind="s3")

    listed = client.list_objects_v2(Bucket=bucket, Prefix="inbox/").get("Contents", [])
    assert [o["Key"] for o in listed] == ["inbox/a.json"], "left in the inbox"
    assert [o.name for o in report.changed] == ["a.json"]
    body = client.get_object(Bucket=bucket, Key="inbox/a.json")["Body"].read()
    assert body == b'{"rewritten": 1}'
    listed = client.list_objects_v2(Bucket=bucket, Prefix="archive/").get("Contents", [])
    assert [o["Key"].rsplit("/", 1)[1] for o in listed] == ["b.json"]
    assert [r["status"] for r in ledger(db_url)] == ["ingested", "ingested", "changed"]
