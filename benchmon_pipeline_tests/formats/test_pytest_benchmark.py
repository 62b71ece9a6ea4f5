"""pytest-benchmark files: seconds lower, ops higher, rounds/iterations informational."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from benchmon_pipeline.formats.detect import parse_document
from benchmon_pipeline_tests.formats.real_files import by_model, read_real, read_synthetic

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


def _compact(params) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_long_params_are_shortened_to_a_label_with_a_digest():
    parsed = read_synthetic("pytest_benchmark/pt_v4_long_params.json")
    results = by_model(parsed.results)
    # data0 and data1 differ only after their first 440 characters
    for name, data in (("data0", list(range(200))), ("data1", [*range(199), 1000])):
        compact = _compact({"data": data, "label": "x"})
        digest = hashlib.sha256(compact.encode()).hexdigest()[:16]
        label = results[f"t.py::test_big[{name}]"].prompt_version
        assert label == compact[:440] + "…" + digest
        assert len(label) == 457
    labels = {r.prompt_version for r in results.values()}
    assert len(labels) == 3
    # the label of short params is what it always was
    assert results["t.py::test_big[data2]"].prompt_version == '{"data":[0,1,2],"label":"x"}'
    # pinned: a label once stored must come out the same forever
    assert results["t.py::test_big[data0]"].prompt_version.endswith("…180f29ceac8c23fe")
    warning = (
        "$.benchmarks[0].params: the params are 712 characters as JSON, more than the 500 of"
        " prompt_version; the label was shortened to their first 440 and a sha256 digest of"
        " the whole: …180f29ceac8c23fe"
    )
    assert results["t.py::test_big[data0]"].warnings == (warning,)
    assert warning in parsed.warnings
    assert results["t.py::test_big[data2]"].warnings == ()


def test_params_are_shortened_only_beyond_500_characters():
    params = {n: {"s": "é" * (n - len(_compact({"s": ""})))} for n in (500, 501)}
    assert [len(_compact(p)) for p in params.values()] == [500, 501]
    document = {
        "machine_info": {},
        "benchmarks": [
            {"name": f"t{n}", "params": p, "stats": {"mean": 1.0}} for n, p in params.items()
        ],
    }
    at_limit, beyond = parse_document("long.json", document).results
    assert at_limit.prompt_version == _compact(params[500])
    assert at_limit.warnings == ()
    assert beyond.prompt_version.startswith(_compact(params[501])[:440] + "…")
    assert len(beyond.prompt_version) == 457


def test_extra_info_numbers_are_metrics_whose_direction_the_name_rule_gives():
    parsed = read_synthetic("pytest_benchmark/pt_v5_extra_info.json")
    results = by_model(parsed.results)
    parse = results["tests/test_parse.py::test_parse[small-3]"]
    assert parse.metrics == {
        "min": 0.001,
        "max": 0.003,
        "mean": 0.002,  # the stats value, not extra_info's 0.5
        "median": 0.002,
        "stddev": 0.0005,
        "iqr": 0.0004,
        "ops": 500.0,
        "rounds": 100,
        "iterations": 1,
        "peak_memory_mb": 412.5,
        "items": 1000,
    }
    # no direction stated: the database's name rule decides (memory → lower, items → higher)
    assert parse.directions == {**dict.fromkeys(TIMES, "lower"), "ops": "higher"}
    assert set(parse.informational) == {"rounds", "iterations"}
    where = "$.benchmarks[0].extra_info"
    assert parse.warnings == (
        f"{where}.hit_rate: nan is not finite and was not stored",
        f'{where}: not stored (the stats give a metric of the same name): "mean"',
        f'{where}: not stored (not numbers): "dataset", "cached", "sizes"',
    )
    assert parsed.warnings == list(parse.warnings)
    # an empty extra_info changes nothing
    one_round = results["tests/test_parse.py::test_one_round"]
    assert set(one_round.metrics) == {*TIMES, "ops", "rounds", "iterations"}
    assert one_round.warnings == ()


def test_extra_info_that_cannot_be_stored_is_skipped_and_never_refuses_the_file():
    stats = {"mean": 1.0}
    many = {f"m{i}": i for i in range(1000)}  # beside mean: one past the 1,000 metrics
    benchmarks = [
        {"name": "names", "stats": stats, "extra_info": {"": 1, "x" * 201: 2, "ok": 3}},
        {"name": "not an object", "stats": stats, "extra_info": [1, 2]},
        {"name": "too many", "stats": stats, "extra_info": many},
        {"name": "huge", "stats": stats, "extra_info": {"big": 10**400}},
    ]
    parsed = parse_document("x.json", {"machine_info": {}, "benchmarks": benchmarks})
    names, not_object, too_many, huge = parsed.results
    assert names.metrics == {"mean": 1.0, "ok": 3}
    assert names.warnings[0] == (
        '$.benchmarks[0].extra_info[""]: a metric name must not be empty; not stored'
    )
    assert "'metric name' is 201 characters; the limit is 200; not stored" in names.warnings[1]
    assert not_object.metrics == {"mean": 1.0}
    assert not_object.warnings == ("$.benchmarks[1].extra_info: [1, 2] is not an object; not read",)
    assert len(too_many.metrics) == 1_000
    assert too_many.warnings == (
        '$.benchmarks[2].extra_info: not stored (past the 1,000 metrics of a result): "m999"',
    )
    assert huge.metrics == {"mean": 1.0}
    assert huge.warnings == (
        "$.benchmarks[3].extra_info.big: inf is not finite and was not stored",
    )
