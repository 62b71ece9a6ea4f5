"""The bad-input corpus at the parsing level: every file gets a code and a path, no crash.

The inbox-level tests (quarantine, good files in the same batch still ingested) build on
these; here each case asserts exactly what the quarantine report will say.
"""

from __future__ import annotations

import json
import os

import pytest

from benchmon_pipeline.ingest import reading
from benchmon_pipeline.ingest.reading import is_sidecar, parse_bytes, read_file
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.helpers import FIXTURES

SAMPLE = (FIXTURES / "sample_benchmark_results.json").read_bytes()
GOOD = json.loads(SAMPLE)


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _refusal(inbox, content: bytes, name: str = "bad.json", **kwargs) -> InvalidResult:
    path = inbox / name
    path.write_bytes(content)
    with pytest.raises(InvalidResult) as caught:
        read_file(path, inside=inbox, **kwargs)
    return caught.value


CORPUS = [
    # (case, bytes, error_code, json_path)
    ("truncated", b'{"model_version": "m", "metrics": ', "invalid_json", None),
    ("empty", b"", "empty_file", None),
    ("whitespace only", b"  \n\t ", "empty_file", None),
    ("not utf-8", b'{"model_version": "caf\xe9"}', "not_utf8", None),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000, "too_deeply_nested", None),
    ("nested garbage", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "too_deeply_nested", None),
    ("wrong top-level type", b'"just a string"', "unknown_format", "$"),
    (
        "wrong field type",
        json.dumps({**GOOD, "prompt_version": 4}).encode(),
        "wrong_type",
        "$.prompt_version",
    ),
    (
        "wrong metrics type",
        json.dumps({**GOOD, "metrics": [0.9]}).encode(),
        "wrong_type",
        "$.metrics",
    ),
    (
        "wrong type in a list",
        json.dumps({"results": [GOOD, GOOD, GOOD, {**GOOD, "metrics": {"f1": "high"}}]}).encode(),
        "metric_not_a_number",
        "$.results[3].metrics.f1",
    ),
    (
        "missing metrics",
        json.dumps({k: v for k, v in GOOD.items() if k != "metrics"}).encode(),
        "missing_field",
        "$.metrics",
    ),
    (
        "only non-finite metrics",
        b'{"model_version": "m", "dataset_version": "d", '
        b'"prompt_version": "p", "metrics": {"f1": NaN, "loss": Infinity, "x": -Infinity}}',
        "no_finite_metrics",
        "$.metrics",
    ),
    ("no results", b'{"results": []}', "no_results", "$.results"),
    ("huge integer", b'{"metrics": {"f1": 1' + b"0" * 5000 + b"}}", "invalid_json", None),
    ("trailing garbage", SAMPLE + b"\n}", "invalid_json", None),
    ("data.js without data", b"window.BENCHMARK_DATA = ;", "invalid_json", None),
]


@pytest.mark.parametrize(
    ("case", "content", "code", "path"), CORPUS, ids=[case[0] for case in CORPUS]
)
def test_bad_file_is_refused_with_code_and_path(inbox, case, content, code, path):
    error = _refusal(inbox, content)
    assert (error.error_code, error.json_path) == (code, path)
    assert error.message
    assert set(error.report()) == {"error_code", "message", "json_path"}


def test_invalid_json_says_where(inbox):
    error = _refusal(inbox, b'{\n  "metrics": {"f1": 0.9,}\n}')
    assert error.error_code == "invalid_json"
    assert "line 2" in error.message


def test_file_over_the_size_limit(inbox):
    error = _refusal(inbox, SAMPLE, max_bytes=100)
    assert (error.error_code, error.json_path) == ("file_too_large", None)
    assert f"{len(SAMPLE):,} bytes" in error.message
    with pytest.raises(InvalidResult) as caught:
        parse_bytes("x.json", SAMPLE, max_bytes=100)
    assert caught.value.error_code == "file_too_large"


def test_symlink_pointing_outside_the_inbox(inbox, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_bytes(SAMPLE)
    link = inbox / "link.json"
    link.symlink_to(outside)
    with pytest.raises(InvalidResult) as caught:
        read_file(link, inside=inbox)
    assert (caught.value.error_code, caught.value.json_path) == ("symlink_outside_inbox", None)


def test_a_symlinked_folder_pointing_outside_is_refused_too(inbox, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "r.json").write_bytes(SAMPLE)
    (inbox / "env").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InvalidResult) as caught:
        read_file(inbox / "env" / "r.json", inside=inbox)
    assert caught.value.error_code == "symlink_outside_inbox"


def test_a_symlink_inside_the_inbox_is_read(inbox):
    (inbox / "real.json").write_bytes(SAMPLE)
    (inbox / "alias.json").symlink_to(inbox / "real.json")
    assert read_file(inbox / "alias.json", inside=inbox).results[0].metrics["f1"] == 0.895


def test_a_fifo_is_not_read(inbox):
    os.mkfifo(inbox / "pipe.json")
    with pytest.raises(InvalidResult) as caught:
        read_file(inbox / "pipe.json", inside=inbox)
    assert caught.value.error_code == "not_a_regular_file"


def test_utf8_bom_parses_normally(inbox):
    path = inbox / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE)
    parsed = read_file(path, inside=inbox)
    assert parsed.format == "benchmon"
    assert parsed.results[0].metrics["f1"] == 0.895


def test_non_finite_values_are_dropped_with_a_warning(inbox):
    path = inbox / "partly.json"
    path.write_text(
        json.dumps({**GOOD, "metrics": {"f1": 0.9, "loss": float("nan"), "cost": float("-inf")}})
    )
    parsed = read_file(path, inside=inbox)
    assert parsed.results[0].metrics == {"f1": 0.9}
    assert parsed.warnings == [
        "$.metrics.loss: nan is not finite and was not stored",
        "$.metrics.cost: -inf is not finite and was not stored",
    ]


def test_data_js_with_trailing_garbage_says_where(inbox):
    error = _refusal(inbox, b'window.BENCHMARK_DATA = {"entries": {}};\nalert(1)', "data.js")
    assert error.error_code == "invalid_json"
    assert "line 2, column 1" in error.message


def test_sidecars_are_recognised_for_the_lister():
    assert is_sidecar("bench.json.benchmon.json")
    assert is_sidecar("env/bench.benchmon.json")
    assert not is_sidecar("bench.json")


ADAPTER_CASES = [
    # (case, file name, document, error_code, json_path)
    ("benchmon results not a list", "r.json", {"results": {"a": 1}}, "wrong_type", "$.results"),
    (
        "pytest stats missing",
        "p.json",
        {"machine_info": {}, "benchmarks": [{"name": "t"}]},
        "missing_field",
        "$.benchmarks[0].stats",
    ),
    (
        "pytest mean is text",
        "p.json",
        {"machine_info": {}, "benchmarks": [{"name": "t", "stats": {"mean": "fast"}}]},
        "wrong_type",
        "$.benchmarks[0].stats.mean",
    ),
    (
        "pytest no benchmarks",
        "p.json",
        {"machine_info": {}, "benchmarks": []},
        "no_results",
        "$.benchmarks",
    ),
    (
        "pytest naive datetime garbage",
        "p.json",
        {
            "machine_info": {},
            "datetime": "17/11/2019",
            "benchmarks": [{"name": "t", "stats": {"mean": 1.0}}],
        },
        "bad_timestamp",
        "$.datetime",
    ),
    (
        "google unknown unit",
        "g.json",
        {
            "context": {},
            "benchmarks": [{"name": "b", "real_time": 1, "cpu_time": 1, "time_unit": "fortnights"}],
        },
        "bad_unit",
        "$.benchmarks[0].time_unit",
    ),
    (
        "google name missing",
        "g.json",
        {"context": {}, "benchmarks": [{"real_time": 1}]},
        "missing_field",
        "$.benchmarks[0].name",
    ),
    (
        "google only errors",
        "g.json",
        {"context": {}, "benchmarks": [{"name": "b", "error_occurred": True}]},
        "no_results",
        "$.benchmarks",
    ),
    (
        "custom value missing in one item",
        "customSmallerIsBetter.json",
        [{"name": "a", "unit": "ms", "value": 1}, {"name": "b", "unit": "ms"}],
        "missing_field",
        "$[1].value",
    ),
    (
        "custom value is boolean",
        "customSmallerIsBetter.json",
        [{"name": "n", "unit": "ms", "value": True}],
        "wrong_type",
        "$[0].value",
    ),
    (
        "custom value is NaN",
        "customSmallerIsBetter.json",
        [{"name": "n", "unit": "ms", "value": float("nan")}],
        "no_finite_metrics",
        "$[0]",
    ),
    (
        "custom range is an object",
        "customSmallerIsBetter.json",
        [{"name": "n", "unit": "ms", "value": 1, "range": {"lo": 1}}],
        "wrong_type",
        "$[0].range",
    ),
    (
        "custom both hints in the name",
        "customBiggerIsBetter-customSmallerIsBetter.json",
        [{"name": "n", "unit": "ms", "value": 1}],
        "conflicting_direction",
        None,
    ),
    (
        "history benches missing",
        "data.js",
        {"lastUpdate": 1, "entries": {"S": [{"tool": "go", "date": 1732352400000}]}},
        "missing_field",
        "$.entries.S[0].benches",
    ),
    (
        "history suite not a list",
        "data.js",
        {"lastUpdate": 1, "entries": {"My suite": {}}},
        "wrong_type",
        '$.entries["My suite"]',
    ),
    ("history empty", "data.js", {"lastUpdate": 1, "entries": {}}, "no_results", "$.entries"),
]


@pytest.mark.parametrize(
    ("case", "name", "document", "code", "path"),
    ADAPTER_CASES,
    ids=[case[0] for case in ADAPTER_CASES],
)
def test_bad_adapter_input(case, name, document, code, path):
    with pytest.raises(InvalidResult) as caught:
        parse_bytes(name, json.dumps(document).encode())
    assert (caught.value.error_code, caught.value.json_path) == (code, path)


def test_an_adapter_bug_costs_one_file_not_the_batch(inbox, monkeypatch):
    def broken(name, document, sidecar):
        raise TypeError("unforeseen shape")

    monkeypatch.setattr(reading, "parse_document", broken)
    error = _refusal(inbox, SAMPLE)
    assert error.error_code == "internal_error"
    assert "TypeError: unforeseen shape" in error.message


def test_read_file_returns_the_format_and_the_results(inbox):
    (inbox / "r.json").write_bytes(SAMPLE)
    parsed = read_file(inbox / "r.json", inside=inbox)
    assert parsed.format == "benchmon"
    (result,) = parsed.results
    assert result.model_version == "medgemma-v1.2"
