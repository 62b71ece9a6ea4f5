"""The shortcuts of the batch path decide exactly as the full checks they skip.

`fields.plain_text` and `MetricSet.add_plain` accept a value only when the full check would
return it unchanged; `read_file(..., folders=…)` refuses the same links and special files
as resolving every path does; `Result.with_defaults` is `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
import math
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmon_pipeline.ingest.formats import fields
from benchmon_pipeline.ingest.formats.metrics import MAX_METRIC_NAME, MetricSet
from benchmon_pipeline.ingest.reading import read_file
from benchmon_pipeline.ingest.result import InvalidResult, Result
from benchmon_pipeline_tests.helpers import FIXTURES

SAMPLE = (FIXTURES / "sample_benchmark_results.json").read_bytes()

texts = st.one_of(
    st.none(), st.integers(), st.booleans(),
    st.text(max_size=20), st.text(alphabet=" \t\n\x00\x1fé\ud800ab", max_size=8),
    st.text(min_size=495, max_size=505, alphabet="ab"),
)


@given(value=texts, name=st.sampled_from(["model_version", "notes", "run_id"]),
       required=st.booleans())
def test_plain_text_only_where_text_returns_the_value(value, name, required):
    if not fields.plain_text(value, name, required=required):
        return
    assert fields.text(value, name, "$.x", required=required) is value


@given(value=st.text(alphabet="abc ", max_size=5), required=st.booleans())
def test_plain_ascii_text_takes_the_shortcut(value, required):
    try:
        expected = fields.text(value, "model_version", "$.x", required=required) is value
    except InvalidResult:
        expected = False
    assert fields.plain_text(value, "model_version", required=required) == expected


numbers = st.one_of(st.integers(min_value=-(2**60), max_value=2**60),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.none(), st.text(max_size=3))
names = st.one_of(st.text(max_size=5), st.text(min_size=MAX_METRIC_NAME - 1,
                                                max_size=MAX_METRIC_NAME + 1, alphabet="m"),
                  st.sampled_from(["", " ", "f1", "a\x00b", "é"]))


@given(name=names, value=numbers)
def test_add_plain_adds_only_what_add_would_add_silently(name, value):
    fast = MetricSet("$.metrics")
    if not fast.add_plain(name, value):
        return
    full = MetricSet("$.metrics")
    number = fields.number(value, name, "$.metrics.x")
    full.add(name, number, "$.metrics.x")
    assert (fast.metrics, fast.warnings) == (full.metrics, [])
    assert type(fast.metrics[name]) is type(full.metrics[name])


def test_add_plain_leaves_non_finite_and_odd_names_to_add():
    metrics = MetricSet("$.metrics")
    for name, value in [("f1", math.nan), ("f1", math.inf), ("", 1.0), ("x", True),
                        ("x", 2**60), ("x" * (MAX_METRIC_NAME + 1), 1.0), ("é", 1.0)]:
        assert not metrics.add_plain(name, value)
    assert metrics.add_plain("f1", 0.5) and not metrics.add_plain("f1", 0.6)  # a repeat
    assert metrics.metrics == {"f1": 0.5}


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("folders", [None, {}], ids=["resolve every path", "folder cache"])
def test_links_and_special_files_are_judged_alike_with_the_folder_cache(
        inbox, tmp_path, folders):
    (tmp_path / "secret.json").write_bytes(SAMPLE)
    (inbox / "link.json").symlink_to(tmp_path / "secret.json")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "r.json").write_bytes(SAMPLE)
    (inbox / "env").symlink_to(tmp_path / "elsewhere")
    (inbox / "real.json").write_bytes(SAMPLE)
    (inbox / "alias.json").symlink_to(inbox / "real.json")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "r.json").write_bytes(SAMPLE)
    os.mkfifo(inbox / "pipe.json")

    def code(name):
        try:
            read_file(inbox / name, inside=inbox, folders=folders)
        except InvalidResult as exc:
            return exc.error_code
        return "read"

    assert {name: code(name) for name in
            ["link.json", "env/r.json", "alias.json", "real.json", "sub/r.json", "pipe.json"]
            } == {"link.json": "symlink_outside_inbox", "env/r.json": "symlink_outside_inbox",
                  "alias.json": "read", "real.json": "read", "sub/r.json": "read",
                  "pipe.json": "not_a_regular_file"}
    with pytest.raises(FileNotFoundError):
        read_file(inbox / "missing.json", inside=inbox, folders=folders)


def test_a_file_read_whole_even_when_it_grew_after_stat(inbox, monkeypatch):
    from benchmon_pipeline.ingest import reading

    path = inbox / "r.json"
    path.write_bytes(SAMPLE)
    real = reading._regular_file_inside
    monkeypatch.setattr(reading, "_regular_file_inside",
                        lambda *a, **k: (real(*a, **k)[0], 10))  # stat said 10 bytes
    assert read_file(path, inside=inbox).results[0].metrics["f1"] == 0.895
    with pytest.raises(InvalidResult) as caught:
        read_file(path, inside=inbox, max_bytes=50)
    assert caught.value.error_code == "file_too_large"


@given(environment=st.one_of(st.none(), st.just(""), st.just("ci")),
       triggered_by=st.one_of(st.none(), st.just("bob")))
def test_with_defaults_is_replace(environment, triggered_by):
    result = Result("m", "d", "p", {"f1": 0.5}, environment=environment,
                    triggered_by=triggered_by, tags=("a",))
    filled = result.with_defaults(environment="local", triggered_by="inbox")
    assert filled == dataclasses.replace(result, environment=environment or "local",
                                         triggered_by=triggered_by or "inbox")
    assert filled.content_sha256() == dataclasses.replace(
        result, environment=environment or "local").content_sha256()
