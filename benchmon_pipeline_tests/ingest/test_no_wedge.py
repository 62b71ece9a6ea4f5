"""No file can wedge a batch: whatever one file holds or is called, it ends ingested,
duplicate or quarantined with a report, and the other files of its batch land.

Each case used to fail the whole run (so Dagster retried it, the sensor requested the same
batch again, and no good file of it was ever stored): an integer of 309+ digits in a
numeric field (OverflowError), a lone surrogate in a text field (the ledger's COPY could
not encode the error message), a file or folder name that is not UTF-8 (the log's and the
ledger's COPY could not encode the path), an exception no adapter foresaw.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmon_pipeline.formats import detect
from benchmon_pipeline.ingest.batch import ingest_batch
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file, rows

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
HUGE = 10**309  # one digit more than a float can hold
TEXT = {"model_version": "m", "dataset_version": "d", "prompt_version": "p"}


def run(url, inbox, names, run_id=None):
    @contextmanager
    def connect():
        with psycopg.connect(url) as conn:
            yield conn

    return ingest_batch(
        names,
        inbox,
        connect,
        inbox_kind="folder",
        default_environment="local",
        dagster_run_id=run_id,
    )


def good(model: str) -> dict:
    return {**SAMPLE, "model_version": model}


# A 309-digit integer in a numeric field of each format (the only value of its result):
# (file name, document as JSON text, error code)
HUGE_NUMBERS = {
    "huge-benchmon.json": ({**TEXT, "metrics": {"f1": HUGE}}, "no_finite_metrics"),
    "huge-benchmon-duration.json": (
        {**TEXT, "metrics": {"f1": 0.5}, "duration_seconds": HUGE},
        "wrong_type",
    ),
    "huge-lm-eval.json": (
        {"results": {"task": {"acc,none": -HUGE}}, "model_name": "m", "versions": {}},
        "no_finite_metrics",
    ),
    "huge-pytest-benchmark.json": (
        {"machine_info": {}, "benchmarks": [{"name": "t", "stats": {"mean": HUGE}}]},
        "no_finite_metrics",
    ),
    "huge-google-benchmark.json": (
        {"context": {}, "benchmarks": [{"name": "BM", "real_time": HUGE, "iterations": 1}]},
        "no_finite_metrics",
    ),
    "huge-customSmallerIsBetter.json": (
        [{"name": "n", "unit": "ms", "value": HUGE}],
        "no_finite_metrics",
    ),
    "huge-history.json": (
        {
            "lastUpdate": 1,
            "entries": {
                "suite": [
                    {
                        "tool": "go",
                        "date": 1.7e12,
                        "benches": [{"name": "b", "unit": "ns", "value": HUGE}],
                    }
                ]
            },
        },
        "no_finite_metrics",
    ),
}


def _huge_numbers(root: Path) -> dict[str, str]:
    for name, (document, _) in HUGE_NUMBERS.items():
        drop_file(root, name, json.dumps(document))
    return {name: code for name, (_, code) in HUGE_NUMBERS.items()}


def _lone_surrogates(root: Path) -> dict[str, str]:
    """In a text field (refused), and in an unknown field's name (stored, with a warning)."""
    drop_file(root, "surrogate.json", json.dumps({**SAMPLE, "model_version": "\ud800"}))
    drop_file(root, "surrogate-key.json", json.dumps({**good("warned"), "x\udfff": 1}))
    return {"surrogate.json": "invalid_text", "surrogate-key.json": None}


ODD_FILE = os.fsdecode(b"caf\xe9-\xff.json")
ODD_FOLDER = os.fsdecode(b"env-\xe9") + "/run.json"


def _non_utf8_file_name(root: Path) -> dict[str, str]:
    """A good file: stored, its path escaped in the log and the ledger."""
    drop_file(root, ODD_FILE, good("odd-name"))
    return {ODD_FILE: None}


def _non_utf8_folder_name(root: Path) -> dict[str, str]:
    """The folder's name would be the environment of the file in it: refused."""
    drop_file(root, ODD_FOLDER, good("odd-folder"))
    return {ODD_FOLDER: "invalid_text"}


@pytest.mark.parametrize(
    "family", [_huge_numbers, _lone_surrogates, _non_utf8_file_name, _non_utf8_folder_name]
)
def test_each_wedge_family_costs_its_own_files_only(db_url, tmp_path, family):
    inbox = FolderInbox(tmp_path)
    inbox.ensure_layout()
    expected = family(tmp_path)  # name: error code, or None when it is stored
    for i in range(3):
        drop_file(tmp_path, f"good-{i}.json", good(f"good-{i}"))
    names = [*expected, *(f"good-{i}.json" for i in range(3))]

    report = run(db_url, inbox, names)

    quarantined = {name: code for name, code in expected.items() if code}
    assert report.count("quarantined") == len(quarantined)
    for name, code in quarantined.items():
        error = inbox.error_report(name)
        assert error is not None, f"no report for {name!r}"
        assert error["error_code"] == code, (name, error)
    with psycopg.connect(db_url) as conn:
        stored = {
            r["model_version"]: r["source"]
            for r in rows(conn, "SELECT model_version, source FROM benchmark_transactions")
        }
        ledger = rows(conn, "SELECT uri, status, error_code, warnings FROM ingested_files")
    assert {"good-0", "good-1", "good-2"} <= set(stored), "the good files landed"
    assert len(ledger) == len(names), "one ledger row per file"
    assert [p for p in inbox.inbox_dir.rglob("*") if p.is_file()] == [], "every file moved"
    by_uri = {r["uri"].rsplit("/inbox/", 1)[1]: r for r in ledger}
    if family is _lone_surrogates:
        assert "\\ud800" in inbox.error_report("surrogate.json")["message"]
        assert any("\\udfff" in w for w in by_uri["surrogate-key.json"]["warnings"])
        assert "warned" in stored
    if family is _non_utf8_file_name:
        assert stored["odd-name"].endswith("/inbox/caf\\xe9-\\xff.json")
        assert ODD_FILE in [p.name for p in inbox.archive_dir.glob("*/*")], "its own bytes"
    if family is _non_utf8_folder_name:
        assert by_uri["env-\\xe9/run.json"]["error_code"] == "invalid_text"


def test_an_unforeseen_exception_quarantines_its_file_as_internal_error(
    db_url, tmp_path, monkeypatch
):
    """A file benchmon fails on, in two ways: a link that loops (reading raises an OSError
    no check foresaw) and a format whose adapter has a bug (registered here)."""
    inbox = FolderInbox(tmp_path)
    inbox.ensure_layout()
    os.symlink("loop.json", inbox.path_of("loop.json"))

    def looks_like(document):
        return isinstance(document, dict) and "explode" in document

    def adapt(document, direction=None):
        return [], [1 / 0]

    monkeypatch.setattr(detect, "FORMATS", (("exploding", looks_like, adapt), *detect.FORMATS))
    drop_file(tmp_path, "bug.json", {"explode": True})
    drop_file(tmp_path, "good.json", good("good"))

    report = run(db_url, inbox, ["loop.json", "bug.json", "good.json"])

    assert report.count("ingested") == 1
    loop, bug = inbox.error_report("loop.json"), inbox.error_report("bug.json")
    assert loop["error_code"] == bug["error_code"] == "internal_error"
    assert "OSError: [Errno 40]" in loop["message"]
    assert "ZeroDivisionError: division by zero" in bug["message"]
    with psycopg.connect(db_url) as conn:
        ledger = rows(conn, "SELECT status, error_code, error_message FROM ingested_files")
    assert sorted((r["status"], r["error_code"]) for r in ledger) == [
        ("ingested", None),
        ("quarantined", "internal_error"),
        ("quarantined", "internal_error"),
    ]


# The fuzz test: a value from these families put into one field of a document of one
# format, in a file whose name is drawn too.
WEDGES = st.sampled_from(
    [HUGE, -(10**400), 2**1024, 1e308, "\ud800", "x\udc80y", "\x00", "N/A", "é" * 600, ""]
)
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None) | st.characters(categories=["Cs"]), max_size=8)
    | WEDGES
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=4) | WEDGES.filter(lambda v: isinstance(v, str)), inner, max_size=3
        )
    ),
    max_leaves=6,
)


def _templates(value) -> list[object]:
    """One document of each format with `value` in one of its fields."""
    return [
        {**TEXT, "metrics": {"f1": value}},
        {**TEXT, "metrics": {"f1": 0.5, "x": value}},
        {**TEXT, "metrics": {"f1": 0.5}, "notes": value},
        {**TEXT, "metrics": {"f1": 0.5}, "created_at": value},
        {**TEXT, "metrics": {"f1": 0.5}, "duration_seconds": value},
        {"results": [{**TEXT, "metrics": {"f1": 0.5}}], "tags": value},
        {"results": {"t": {"acc,none": value}}, "model_name": "m", "n-shot": {"t": 0}},
        {"results": {"t": {"acc,none": 0.5}}, "model_name": "m", "n-shot": {"t": value}},
        {"results": {"t": {"acc,none": 0.5}}, "versions": {}, "model_name": value, "date": value},
        {"machine_info": {}, "benchmarks": [{"name": "t", "stats": {"mean": value}}]},
        {"machine_info": {}, "benchmarks": [{"name": "t", "params": value, "stats": {"mean": 1}}]},
        {"context": {"date": value}, "benchmarks": [{"name": "B", "real_time": value}]},
        {"context": {}, "benchmarks": [{"name": value, "cpu_time": 3, "time_unit": value}]},
        [{"name": "n", "unit": "ms", "value": value, "range": value}],
        {"lastUpdate": 1, "entries": {"s": [{"tool": "go", "date": value, "benches": value}]}},
        value,
    ]


NAMES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=30),
    st.binary(min_size=1, max_size=30).map(
        lambda b: os.fsdecode(b.replace(b"/", b"_").replace(b"\x00", b"_"))
    ),
    st.integers(min_value=200, max_value=250).map(lambda n: "n" * n),
    st.integers(min_value=60, max_value=125).map(lambda n: "é" * n),
).map(lambda stem: stem + ".json")


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=JSON, template=st.integers(min_value=0, max_value=15), name=NAMES)
def test_fuzz_every_file_ends_stored_or_quarantined_with_a_report(db_url, value, template, name):
    document = _templates(value)[template]
    name = "x.json" if name == "zz-good.json" else name
    run_id = uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as root:
        inbox = FolderInbox(Path(root))
        inbox.ensure_layout()
        try:
            drop_file(Path(root), name, json.dumps(document))
        except OSError:  # a name this file system cannot hold (more than 255 bytes)
            name = "fallback.json"
            drop_file(Path(root), name, json.dumps(document))
        drop_file(Path(root), "zz-good.json", good(f"good-{run_id}"))

        report = run(db_url, inbox, [name, "zz-good.json"], run_id)

        with psycopg.connect(db_url) as conn:
            ledger = rows(
                conn,
                "SELECT status, error_code FROM ingested_files WHERE dagster_run_id = %s "
                "ORDER BY id",
                run_id,
            )
            landed = conn.execute(
                "SELECT count(*) FROM benchmark_transactions WHERE model_version = %s",
                (f"good-{run_id}",),
            ).fetchone()[0]
        assert landed == 1, "the good file of the batch landed"
        assert len(ledger) == 2 and len(report.outcomes) == 2, "one outcome per file"
        (outcome,) = [o for o in report.outcomes if o.name == name]
        assert outcome.status in ("ingested", "duplicate", "quarantined")
        if outcome.status == "quarantined":
            error = inbox.error_report(name)
            assert error is not None and error["error_code"] == outcome.error["error_code"]
        else:
            assert list(inbox.archive_dir.glob("*/*")), "archived"
        assert [p for p in inbox.inbox_dir.rglob("*") if p.is_file()] == [], "the inbox is empty"
