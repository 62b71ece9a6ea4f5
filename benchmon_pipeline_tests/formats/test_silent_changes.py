"""Inputs that used to change silently: now refused with a code and a path, or read as
they are meant (docs/formats.md says which)."""

from __future__ import annotations

import json

import pytest

from benchmon_pipeline.ingest.reading import parse_bytes
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.helpers import FIXTURES

SAMPLE = (FIXTURES / "sample_benchmark_results.json").read_text()
GOOGLE = {"context": {"date": "2026-11-20T08:00:00"}, "benchmarks": []}


def refusal(raw: bytes, name: str = "r.json") -> InvalidResult:
    with pytest.raises(InvalidResult) as caught:
        parse_bytes(name, raw)
    return caught.value


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            '{"model_version": "m", "dataset_version": "d", "prompt_version": "p",'
            ' "metrics": {"f1": 0.9, "f1": 0.1}}',
            "f1",
        ),
        (
            '{"model_version": "a", "model_version": "b", "dataset_version": "d",'
            ' "prompt_version": "p", "metrics": {"f1": 0.9}}',
            "model_version",
        ),
        (
            'window.BENCHMARK_DATA = {"lastUpdate": 1, "lastUpdate": 2, "entries": {}};',
            "lastUpdate",
        ),
    ],
    ids=["a metric", "a configuration field", "data.js"],
)
def test_a_key_given_twice_is_refused(text, key):
    error = refusal(text.encode())
    assert error.error_code == "duplicate_key"
    assert f'the key "{key}" appears twice in one object' in error.message


@pytest.mark.parametrize(
    ("row", "path"),
    [
        ({"name": "BM_a", "real_time": "fast", "cpu_time": 3, "iterations": 9}, "real_time"),
        ({"name": "BM_a", "real_time": 3, "cpu_time": [1], "iterations": 9}, "cpu_time"),
        ({"name": "BM_a", "real_time": True, "cpu_time": 3, "iterations": 9}, "real_time"),
    ],
)
def test_a_google_benchmark_time_that_is_not_a_number_is_refused(row, path):
    document = {**GOOGLE, "benchmarks": [row]}
    error = refusal(json.dumps(document).encode())
    assert (error.error_code, error.json_path) == ("wrong_type", f"$.benchmarks[0].{path}")


def test_repetitions_with_a_time_that_is_not_a_number_are_refused():
    rows = [{"name": "BM_a", "run_name": "BM_a", "real_time": t, "iterations": 9} for t in (1, "x")]
    error = refusal(json.dumps({**GOOGLE, "benchmarks": rows}).encode())
    assert (error.error_code, error.json_path) == ("wrong_type", "$.benchmarks[1].real_time")


@pytest.mark.parametrize(
    "encoding", ["utf-16-be", "utf-16-le", "utf-16", "utf-32-be", "utf-32-le", "utf-32"]
)
def test_utf16_and_utf32_are_read_with_or_without_a_byte_order_mark(encoding):
    expected = parse_bytes("r.json", SAMPLE.encode())
    raw = (" \n" + SAMPLE).encode(encoding)  # ("utf-16"/"utf-32": with a byte-order mark)
    parsed = parse_bytes("r.json", raw)
    assert parsed.results == expected.results
    assert parsed.size == len(raw) and parsed.sha256 != expected.sha256, "of the bytes read"


def test_a_file_that_only_starts_like_utf16_is_still_refused():
    error = refusal("{\u4e00".encode("utf-16-le")[:3])
    assert error.error_code in ("not_utf8", "invalid_json")
