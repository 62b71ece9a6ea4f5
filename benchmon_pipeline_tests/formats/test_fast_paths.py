"""The shortcuts of the batch path decide exactly as the full checks they skip.

`fields.plain_text` and `MetricSet.add_plain` accept a value only when the full check would
return it unchanged; `read_file(..., folders=…)` refuses the same links and special files
as resolving every path does; the content key's written JSON is the encoder's.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmon_pipeline.formats import benchmon, fields
from benchmon_pipeline.formats.metrics import MAX_METRIC_NAME, MetricSet
from benchmon_pipeline.ingest.reading import read_file
from benchmon_pipeline.results.model import InvalidResult, Result
from benchmon_pipeline_tests.helpers import FIXTURES

SAMPLE = (FIXTURES / "sample_benchmark_results.json").read_bytes()

texts = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.text(max_size=20),
    st.text(alphabet=" \t\n\x00\x1fé\ud800ab", max_size=8),
    st.text(min_size=495, max_size=505, alphabet="ab"),
)


@given(
    value=texts, name=st.sampled_from(["model_version", "notes", "run_id"]), required=st.booleans()
)
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


numbers = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)
names = st.one_of(
    st.text(max_size=5),
    st.text(min_size=MAX_METRIC_NAME - 1, max_size=MAX_METRIC_NAME + 1, alphabet="m"),
    st.sampled_from(["", " ", "f1", "a\x00b", "é"]),
)


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
    for name, value in [
        ("f1", math.nan),
        ("f1", math.inf),
        ("", 1.0),
        ("x", True),
        ("x", 2**60),
        ("x" * (MAX_METRIC_NAME + 1), 1.0),
        ("é", 1.0),
    ]:
        assert not metrics.add_plain(name, value)
    assert metrics.add_plain("f1", 0.5) and not metrics.add_plain("f1", 0.6)  # a repeat
    assert metrics.metrics == {"f1": 0.5}


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("folders", [None, {}], ids=["resolve every path", "folder cache"])
def test_links_and_special_files_are_judged_alike_with_the_folder_cache(inbox, tmp_path, folders):
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

    assert {
        name: code(name)
        for name in [
            "link.json",
            "env/r.json",
            "alias.json",
            "real.json",
            "sub/r.json",
            "pipe.json",
        ]
    } == {
        "link.json": "symlink_outside_inbox",
        "env/r.json": "symlink_outside_inbox",
        "alias.json": "read",
        "real.json": "read",
        "sub/r.json": "read",
        "pipe.json": "not_a_regular_file",
    }
    with pytest.raises(FileNotFoundError):
        read_file(inbox / "missing.json", inside=inbox, folders=folders)


def test_a_file_read_whole_even_when_it_grew_after_stat(inbox, monkeypatch):
    from benchmon_pipeline.ingest import reading

    path = inbox / "r.json"
    path.write_bytes(SAMPLE)
    real = reading._regular_file_inside
    monkeypatch.setattr(
        reading, "_regular_file_inside", lambda *a, **k: (real(*a, **k)[0], 10)
    )  # stat said 10 bytes
    assert read_file(path, inside=inbox).results[0].metrics["f1"] == 0.895
    with pytest.raises(InvalidResult) as caught:
        read_file(path, inside=inbox, max_bytes=50)
    assert caught.value.error_code == "file_too_large"


def test_with_defaults_fills_only_what_the_result_did_not_state():
    stated = Result("m", "d", "p", {"f1": 0.5}, environment="ci", triggered_by="bob")
    assert stated.with_defaults(environment="local", triggered_by="inbox") is stated
    bare = Result("m", "d", "p", {"f1": 0.5}, environment="", tags=("a",))
    filled = bare.with_defaults(environment="local", triggered_by="inbox")
    assert (filled.environment, filled.triggered_by, filled.tags) == ("local", "inbox", ("a",))
    assert (bare.environment, bare.triggered_by) == ("", None)  # (a new result)


plain_items = st.fixed_dictionaries(
    {
        "model_version": st.sampled_from(["org/m", "é", " ", "m" * 501]),
        "dataset_version": st.just("d"),
        "prompt_version": st.just("p"),
        "metrics": st.dictionaries(names, numbers, max_size=4),
    },
    optional={
        "environment": texts,
        "commit_sha": texts,
        "notes": texts,
        "created_at": st.one_of(
            st.integers(-10, 2 * 10**12), st.text(max_size=25), st.just("2026-11-23T10:00:00Z")
        ),
        "duration_seconds": numbers,
        "tags": st.lists(st.text(max_size=3), max_size=2),
        "directions": st.just({"f1": "higher"}),
        "colour": st.just("red"),
    },
)


@given(item=plain_items)
def test_the_plain_result_path_makes_what_the_checked_path_makes(item):
    """Where the shortcut answers, the full checks give the same result, value types
    included; where they would refuse or warn, the shortcut leaves it to them."""
    plain = benchmon._plain_result(item)
    try:
        checked = benchmon._checked_result(item, "$")
    except InvalidResult:
        assert plain is None
        return
    if plain is None:
        return
    assert plain == checked and not checked.warnings
    assert [type(v) for v in plain.metrics.values()] == [type(v) for v in checked.metrics.values()]
    assert plain.content_sha256() == checked.content_sha256()


def test_the_plain_result_path_takes_a_typical_result():
    item = {
        "model_version": "org/m",
        "dataset_version": "d",
        "prompt_version": "p",
        "environment": "ci",
        "created_at": 1_790_000_000,
        "duration_seconds": 3,
        "metrics": {"f1": 0.9, "latency_ms": 412},
    }
    assert benchmon._plain_result(item) == benchmon._checked_result(item, "$")


class _Text(str):
    """A str subclass: json.dumps writes it as the str it is."""


@given(
    model=st.one_of(texts, st.builds(_Text, st.text(max_size=5))),
    notes=texts,
    tags=st.lists(st.one_of(st.text(max_size=4), st.none(), st.integers()), max_size=3),
    metrics=st.dictionaries(st.text(max_size=4), numbers, min_size=1, max_size=4),
    duration=st.one_of(st.none(), st.integers(0, 10**6), st.floats()),
    created_at=st.one_of(st.none(), st.datetimes(timezones=st.timezones()), st.datetimes()),
)
def test_the_written_key_is_the_encoders_key(model, notes, tags, metrics, duration, created_at):
    """`content_sha256` writes its canonical JSON out itself; the text (and so the key of
    every result already stored) is what json.dumps(sort_keys=True) gives."""
    result = Result(
        model,
        "d",
        "p",
        metrics,
        notes=notes,
        tags=tuple(tags),
        duration_seconds=duration,
        created_at=created_at,
        environment="ci",
    )
    try:
        reference = hashlib.sha256(
            json.dumps(
                {
                    "model_version": model,
                    "dataset_version": "d",
                    "prompt_version": "p",
                    "environment": "ci",
                    "model_provider": None,
                    "commit_sha": None,
                    "branch_name": None,
                    "run_id": None,
                    "created_at": created_at.astimezone(UTC).isoformat() if created_at else None,
                    "metrics": {k: float(v) for k, v in metrics.items()},
                    "tags": sorted(tags),
                    "notes": notes,
                    "duration_seconds": float(duration) if duration is not None else None,
                },
                sort_keys=True,
                separators=(",", ":"),
                allow_nan=False,
            ).encode()
        ).hexdigest()
    except (TypeError, ValueError, OverflowError):  # not a result that can be stored
        with pytest.raises((TypeError, ValueError, OverflowError)):
            result.content_sha256()
        return
    assert result.content_sha256() == reference


def test_the_content_key_of_a_result_is_the_one_it_always_had():
    """The key of every result already stored: canonical JSON (sorted keys, no spaces,
    numbers as floats, created_at in UTC, tags sorted, text ASCII-escaped), hashed."""
    result = Result(
        "org/m",
        "d",
        "p",
        {"f1": 0.5, "latency_ms": 412},
        environment="ci",
        commit_sha="a" * 40,
        created_at=datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        tags=("b", "a"),
        notes='café "x"',
        duration_seconds=3,
    )
    assert result.content_json() == (
        '{"branch_name":null,"commit_sha":"' + "a" * 40 + '",'
        '"created_at":"2026-11-23T08:00:00+00:00","dataset_version":"d",'
        '"duration_seconds":3.0,"environment":"ci","metrics":{"f1":0.5,"latency_ms":412.0},'
        '"model_provider":null,"model_version":"org/m","notes":"caf\\u00e9 \\"x\\"",'
        '"prompt_version":"p","run_id":null,"tags":["a","b"]}'
    )
    assert result.content_sha256() == (
        "20eabdb64d9f4bf66dd7a2d02c4b43956cb8c352162998f9b39877c0f6f745a8"
    )
    with pytest.raises(ValueError):  # a non-finite number has no canonical JSON
        Result("m", "d", "p", {"f1": math.nan}).content_sha256()


@given(metrics=st.dictionaries(st.text(max_size=4), numbers, max_size=4))
def test_the_written_metrics_are_json_dumps(metrics):
    """The stored metrics, written with the key's pass, are the value json.dumps gives (the
    column is jsonb: same keys, same numbers, an int still an int); anything but finite
    numbers goes to the encoder itself."""
    from benchmon_pipeline.results.model import metric_texts

    try:
        expected = json.dumps(metrics)
    except (TypeError, ValueError):
        return
    texts = metric_texts(metrics)
    plain = all(type(v) is int or type(v) is float and math.isfinite(v) for v in metrics.values())
    assert (texts is not None) == plain
    if plain:
        stored = json.loads(texts[0])
        assert stored == json.loads(expected)
        assert {k: type(v) for k, v in stored.items()} == {k: type(v) for k, v in metrics.items()}


shared_context = st.fixed_dictionaries(
    {},
    optional={
        "environment": texts,
        "commit_sha": texts,
        "run_id": texts,
        "created_at": st.one_of(st.integers(-10, 2 * 10**12), st.text(max_size=25)),
        "duration_seconds": numbers,
        "tags": st.lists(st.text(max_size=3), max_size=2),
    },
)


@given(item=plain_items, shared=shared_context)
def test_a_documents_shared_context_checked_once_is_checked_alike(item, shared):
    """`{"results": [...]}` judges its shared context fields once for all its results; each
    result is still what checking it merged with that context gives, errors included."""
    document = {**shared, "results": [item]}
    try:
        checked = benchmon._checked_result({**shared, **item}, "$.results[0]")
    except InvalidResult as expected:
        with pytest.raises(InvalidResult) as caught:
            benchmon.adapt(document)
        assert (caught.value.error_code, caught.value.json_path) == (
            expected.error_code,
            expected.json_path,
        )
        return
    (result,), _ = benchmon.adapt(document)
    assert result == checked and result.warnings == checked.warnings
    assert [type(v) for v in result.metrics.values()] == [type(v) for v in checked.metrics.values()]


def test_a_typical_run_file_takes_the_shared_context_path(monkeypatch):
    document = {
        "environment": "ci",
        "commit_sha": "a" * 40,
        "created_at": 1_790_000_000,
        "results": [
            {
                "model_version": "m",
                "dataset_version": f"d{i}",
                "prompt_version": "p",
                "metrics": {"f1": 0.5},
            }
            for i in range(3)
        ],
    }
    monkeypatch.setattr(benchmon, "_checked_result", None)  # never called
    results, _ = benchmon.adapt(document)
    assert [r.dataset_version for r in results] == ["d0", "d1", "d2"]
    assert {(r.environment, r.commit_sha, r.created_at.year) for r in results} == {
        ("ci", "a" * 40, 2026)
    }
