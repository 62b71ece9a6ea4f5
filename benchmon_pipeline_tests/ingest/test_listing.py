"""What the folder inbox lists: nothing that could hold results is left unseen — suffixes in
any letter case, and links to folders (listed themselves, then quarantined with a reason;
never followed, least of all out of the inbox)."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import PurePosixPath

import psycopg

from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox, is_candidate
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file, rows

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())


def run(url, inbox, names):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return ingest_batch(names, inbox, connect, inbox_kind="folder", default_environment="local")


def test_suffixes_count_in_any_letter_case():
    assert is_candidate(PurePosixPath("RUN.JSON")) and is_candidate(PurePosixPath("data.Js"))
    assert not is_candidate(PurePosixPath("RUN.ERROR.JSON"))
    assert not is_candidate(PurePosixPath("x.Benchmon.Json"))
    assert not is_candidate(PurePosixPath("RUN.JSON.TMP"))


def test_upper_case_json_and_links_to_folders_are_handled_not_skipped(db_url, tmp_path):
    inbox = FolderInbox(tmp_path)
    inbox.ensure_layout()
    drop_file(tmp_path, "RUN.JSON", {**SAMPLE, "model_version": "upper"})
    drop_file(tmp_path, "real/r.json", {**SAMPLE, "model_version": "real"})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps({**SAMPLE, "model_version": "secret"}))
    os.symlink(outside, inbox.inbox_dir / "out")  # leaves the inbox
    os.symlink(inbox.inbox_dir / "real", inbox.inbox_dir / "alias")  # stays inside
    for link in ("out", "alias"):
        os.utime(inbox.inbox_dir / link, (0, 0), follow_symlinks=False)

    names = [f.name for f in inbox.ready_files()]
    assert names == ["RUN.JSON", "alias", "out", "real/r.json"]

    report = run(db_url, inbox, names)

    assert report.count("ingested") == 2 and report.count("quarantined") == 2
    assert inbox.error_report("out")["error_code"] == "symlink_outside_inbox"
    alias = inbox.error_report("alias")
    assert alias["error_code"] == "not_a_regular_file" and "link to a folder" in alias["message"]
    assert (outside / "secret.json").exists(), "nothing is read or moved out of the inbox"
    assert os.path.islink(inbox.quarantine_dir / "out"), "the link itself is quarantined"
    with psycopg.connect(db_url) as conn:
        stored = rows(conn, "SELECT model_version FROM benchmark_transactions ORDER BY 1")
    assert stored == [{"model_version": "real"}, {"model_version": "upper"}]
    assert inbox.ready_files() == []
