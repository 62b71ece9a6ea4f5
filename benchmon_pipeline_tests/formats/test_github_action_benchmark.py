"""github-action-benchmark: custom JSON with a direction hint, and the data.js history."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest

from benchmon_pipeline.ingest.reading import read_file
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.formats.real_files import (
    REAL,
    SYNTHETIC,
    by_model,
    read_fixture,
    read_real,
    read_synthetic,
)

SMALLER = "github_action_benchmark/customSmallerIsBetter_numeric-range.json"
BIGGER = "github_action_benchmark/customBiggerIsBetter_example.json"


def test_smaller_is_better_from_the_file_name_and_numeric_range_into_notes():
    parsed = read_real(SMALLER)
    assert parsed.format == "github_action_benchmark"
    results = by_model(parsed.results)
    assert list(results) == ["No instrumentation", "Deactivated probe", "No logging", "Binary file"]
    first = results["No instrumentation"]
    assert (first.dataset_version, first.prompt_version) == ("default", "default")
    assert first.model_provider == "github-action-benchmark"
    assert first.metrics == {"value": 90.9439}
    assert first.directions == {"value": "lower"}
    assert first.units == {"value": "ns"}
    assert first.notes == "unit: ns\nrange: 0.519165"
    assert results["Binary file"].metrics == {"value": 3886.75}


def test_bigger_is_better_from_the_file_name_string_range_and_extra_into_notes():
    results = by_model(read_real(BIGGER).results)
    throughput = results["My Custom Bigger Is Better Benchmark - Throughput"]
    assert throughput.metrics == {"value": 70}
    assert throughput.directions == {"value": "higher"}
    assert throughput.notes == "unit: req/s"
    memory = results["My Custom Bigger Is Better Benchmark - Free Memory"]
    assert memory.metrics == {"value": 150}
    assert memory.directions == {"value": "higher"}
    assert memory.notes == (
        "unit: Megabytes\nrange: 3\n"
        "extra: Optional Value #1: 25\nHelpful Num #2: 100\nAnything Else!"
    )


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_custom_file_without_a_hint_is_refused_with_a_clear_reason(inbox):
    path = inbox / "bench-output.json"
    shutil.copy(REAL / SMALLER, path)
    with pytest.raises(InvalidResult) as caught:
        read_fixture(path)
    assert caught.value.error_code == "missing_direction"
    assert caught.value.json_path == "$"
    assert "customSmallerIsBetter" in caught.value.message
    assert "benchmon.json" in caught.value.message


@pytest.mark.parametrize(
    "sidecar_name", ["bench-output.json.benchmon.json", "bench-output.benchmon.json"]
)
def test_a_sidecar_gives_the_direction(inbox, sidecar_name):
    path = inbox / "bench-output.json"
    shutil.copy(REAL / SMALLER, path)
    (inbox / sidecar_name).write_text(json.dumps({"direction": "higher"}))
    parsed = read_fixture(path)
    assert {r.directions["value"] for r in parsed.results} == {"higher"}


def test_a_sidecar_that_contradicts_the_file_name_is_refused(inbox):
    path = inbox / "customSmallerIsBetter.json"
    shutil.copy(REAL / SMALLER, path)
    (inbox / "customSmallerIsBetter.json.benchmon.json").write_text('{"direction": "higher"}')
    with pytest.raises(InvalidResult) as caught:
        read_fixture(path)
    assert caught.value.error_code == "conflicting_direction"


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ('{"direction": "up"}', "$.direction"),
        ('{"direction": "lower", "unit": "ns"}', "$"),
        ('{"direction": ', None),
    ],
)
def test_a_bad_sidecar_is_refused(inbox, content, path):
    target = inbox / "bench.json"
    shutil.copy(REAL / SMALLER, target)
    (inbox / "bench.json.benchmon.json").write_text(content)
    with pytest.raises(InvalidResult) as caught:
        read_fixture(target)
    assert (caught.value.error_code, caught.value.json_path) == ("invalid_sidecar", path)


def test_data_js_history_imports_every_bench_of_every_run():
    parsed = read_fixture(SYNTHETIC / "data.js")
    assert parsed.format == "github_action_benchmark_history"
    results = parsed.results
    assert len(results) == 3 * 2 + 2 * 1
    go = [r for r in results if r.dataset_version == "Go Benchmark"]
    py = [r for r in results if r.dataset_version == "Python Benchmark"]
    assert len(go) == 6 and len(py) == 2
    assert {r.directions["value"] for r in go} == {"lower"}  # tool go
    assert {r.directions["value"] for r in py} == {"higher"}  # tool pytest: ops/s
    fib10 = [r for r in go if r.model_version == "BenchmarkFib10"]
    assert [r.metrics["value"] for r in fib10] == [215.3, 12.5, 11.75]
    assert [r.commit_sha[:4] for r in fib10] == ["1111", "2222", "3333"]
    assert fib10[0].created_at == datetime.fromtimestamp(1732352400, UTC)  # epoch ms
    assert fib10[0].units == {"value": "ns/op"}
    assert fib10[0].prompt_version == "default"
    assert "tool: go" in fib10[0].notes
    assert "commit: https://github.com/example/fib/commit/1111" in fib10[0].notes
    assert py[1].metrics == {"value": 45000.5}
    assert "range: stddev: 0.000005" in py[1].notes
    assert len({r.content_sha256() for r in results}) == len(results)


def test_history_with_an_unknown_tool_needs_a_sidecar(tmp_path):
    data = {
        "lastUpdate": 1,
        "repoUrl": "https://x",
        "entries": {
            "S": [
                {
                    "commit": {"id": "abc"},
                    "date": 1732352400000,
                    "tool": "mytool",
                    "benches": [{"name": "b", "value": 1, "unit": "x"}],
                }
            ]
        },
    }
    path = tmp_path / "data.js"
    path.write_text("window.BENCHMARK_DATA = " + json.dumps(data) + "\n")
    with pytest.raises(InvalidResult) as caught:
        read_file(path, inside=tmp_path)
    assert (caught.value.error_code, caught.value.json_path) == (
        "unknown_tool",
        "$.entries.S[0].tool",
    )
    (tmp_path / "data.js.benchmon.json").write_text('{"direction": "lower"}')
    (result,) = read_file(path, inside=tmp_path).results
    assert result.directions == {"value": "lower"}


def test_one_item_without_a_value_is_refused_for_that_value():
    with pytest.raises(InvalidResult) as caught:
        read_synthetic("github_action_benchmark/missingvalue-customSmallerIsBetter.json")
    assert (caught.value.error_code, caught.value.json_path) == ("missing_field", "$[1].value")
    assert "'value'" in caught.value.message


def test_an_item_without_a_unit_is_stored_without_one():
    parsed = read_synthetic("github_action_benchmark/nounit-customBiggerIsBetter.json")
    assert parsed.format == "github_action_benchmark"
    (result,) = parsed.results
    assert result.metrics == {"value": 42}
    assert result.directions == {"value": "higher"}
    assert result.units == {} and result.notes is None
