"""pytest-benchmark files: seconds lower, ops higher, rounds/iterations informational."""

from __future__ import annotations

from datetime import UTC, datetime

from benchmon_pipeline.formats.detect import parse_document
from benchmon_pipeline_tests.formats.real_files import by_model, read_real

TIMES = ("min", "max", "mean", "median", "stddev", "iqr")


def test_fib_file_maps_every_benchmark():
    parsed = read_real("pytest_benchmark/gab-example_v3.2.2_fib.json")
    assert parsed.format == "pytest_benchmark"
    results = by_model(parsed.results)
    assert set(results) == {"bench.py::test_fib_10", "bench.py::test_fib_20"}
    fib10 = results["bench.py::test_fib_10"]
    assert (fib10.dataset_version, fib10.prompt_version) == ("default", "default")
    assert fib10.model_provider == "pytest-benchmark"
    assert fib10.metrics == {
        "min": 2.2067000000181025e-05,
        "max": 0.0003125999999999962,
        "mean": 2.408868133322941e-05,
        "median": 2.2300000000363696e-05,
        "stddev": 6.175090189861328e-06,
        "iqr": 1.2670000003600634e-06,
        "ops": 41513.272817492856,
        "rounds": 38523,
        "iterations": 1,
    }
    assert fib10.directions == {**dict.fromkeys(TIMES, "lower"), "ops": "higher"}
    assert set(fib10.informational) == {"rounds", "iterations"}
    assert fib10.units["mean"] == "s"
    # naive ISO → UTC; commit and branch from commit_info; machine node into notes
    assert fib10.created_at == datetime(2019, 11, 17, 2, 22, 16, 817862, tzinfo=UTC)
    assert fib10.commit_sha == "9d55ab0434c9088746ae2d134702d782bf088644"
    assert fib10.branch_name == "pytest"
    assert "machine: Corgi.local" in fib10.notes


def test_several_units_keeps_seconds_from_nanoseconds_to_seconds():
    results = by_model(read_real("pytest_benchmark/gab-example_v3.2.2_several-units.json").results)
    assert len(results) == 4
    assert results["bench.py::test_fib_1"].metrics["mean"] == 1.4995610248628836e-07
    assert results["bench.py::test_fib_1"].metrics["iterations"] == 100
    assert results["bench.py::test_sleep_2"].metrics["mean"] == 2.0038430469999997
    assert results["bench.py::test_sleep_2"].metrics["ops"] == 0.49904108083570886
    assert {r.branch_name for r in results.values()} == {"master"}
    assert {r.created_at for r in results.values()} == {
        datetime(2019, 12, 6, 8, 58, 58, 115974, tzinfo=UTC)
    }


def test_legacy_2x_group_and_params():
    document = {
        "machine_info": {"node": "ci-7"},
        "commit_info": {"id": "abc", "branch": "main", "dirty": False},
        "datetime": "2016-03-01T10:00:00+01:00",
        "version": "2.5.0",
        "benchmarks": [
            {
                "group": "parsing",
                "name": "test_parse[big]",
                "param": "big",
                "params": {"size": "big", "n": 3},
                "stats": {
                    "min": 0.1,
                    "max": 0.3,
                    "mean": 0.2,
                    "stddev": 0.05,
                    "rounds": 10,
                    "median": 0.2,
                    "iqr": 0.1,
                    "q1": 0.15,
                    "q3": 0.25,
                },
            }
        ],
    }
    (result,) = parse_document("legacy.json", document).results
    assert result.model_version == "test_parse[big]"  # no fullname in 2.x
    assert result.dataset_version == "parsing"
    assert result.prompt_version == '{"n":3,"size":"big"}'
    assert set(result.metrics) == {*TIMES, "rounds"}  # no ops, total or iterations
    assert result.created_at == datetime(2016, 3, 1, 9, 0, tzinfo=UTC)
    assert result.notes == "machine: ci-7"
