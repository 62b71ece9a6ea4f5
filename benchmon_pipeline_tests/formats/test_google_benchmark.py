"""Google Benchmark files: times in nanoseconds, lower is better; aggregates fold in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmon_pipeline.formats.detect import parse_document
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.formats.real_files import by_model, read_real, read_synthetic


def test_fib_file_maps_iterations_and_times():
    parsed = read_real("google_benchmark/gab-example_fib.json")
    assert parsed.format == "google_benchmark"
    results = by_model(parsed.results)
    fib10 = results["fib_10"]
    assert (fib10.dataset_version, fib10.prompt_version) == ("default", "default")
    assert fib10.model_provider == "google-benchmark"
    assert fib10.metrics == {
        "real_time": 2.1498980114547953e02,
        "cpu_time": 2.1365507206163295e02,
        "iterations": 3070566,
    }
    assert fib10.directions == {"real_time": "lower", "cpu_time": "lower"}
    assert fib10.informational == ("iterations",)
    assert fib10.units == {"real_time": "ns", "cpu_time": "ns"}
    assert fib10.created_at == datetime(2019, 11, 29, 21, 26, 59, tzinfo=UTC)
    assert fib10.notes == "host: Corgi.local"
    assert results["fib_20"].metrics["real_time"] == 2.7455600415007055e04


def _row(name, real, cpu, unit="us", **extra):
    return {
        "name": name,
        "run_name": name.split("_mean")[0],
        "run_type": "iteration",
        "iterations": 1000,
        "real_time": real,
        "cpu_time": cpu,
        "time_unit": unit,
        **extra,
    }


def test_units_are_converted_and_aggregates_become_metrics_of_their_run():
    agg = {"run_name": "BM_sort/1024", "run_type": "aggregate", "time_unit": "us", "iterations": 3}
    document = {
        "context": {"date": "2024-05-01T12:00:00+02:00", "host_name": "ci"},
        "benchmarks": [
            _row("BM_sort/1024", 10.0, 9.0, items_per_second=1e6),
            _row("BM_sort/1024", 12.0, 11.0, items_per_second=9e5),
            {
                **agg,
                "name": "BM_sort/1024_mean",
                "aggregate_name": "mean",
                "real_time": 11.0,
                "cpu_time": 10.0,
                "items_per_second": 9.5e5,
            },
            {
                **agg,
                "name": "BM_sort/1024_stddev",
                "aggregate_name": "stddev",
                "real_time": 1.0,
                "cpu_time": 1.0,
                "items_per_second": 5e4,
            },
            {
                **agg,
                "name": "BM_sort/1024_cv",
                "aggregate_name": "cv",
                "aggregate_unit": "percentage",
                "real_time": 0.09,
                "cpu_time": 0.1,
            },
            _row("BM_copy", 2.0, 2.0, unit="ms"),
            {
                "name": "BM_fail",
                "run_name": "BM_fail",
                "run_type": "iteration",
                "error_occurred": True,
                "error_message": "out of memory",
                "iterations": 0,
                "real_time": 0,
                "cpu_time": 0,
                "time_unit": "ns",
            },
        ],
    }
    parsed = parse_document("bench.json", document)
    results = by_model(parsed.results)
    assert set(results) == {"BM_sort/1024", "BM_copy"}  # one per run; the failure skipped
    assert parsed.warnings == [
        '$.benchmarks[6]: the benchmark reported an error ("out of memory") and was not stored'
    ]
    sort = results["BM_sort/1024"]
    assert sort.metrics["real_time"] == pytest.approx(11_000.0)  # the mean, us → ns
    assert sort.metrics["real_time_stddev"] == pytest.approx(1_000.0)
    assert sort.metrics["real_time_cv"] == 0.09  # a ratio: not scaled
    assert sort.metrics["items_per_second"] == 9.5e5
    assert sort.metrics["repetitions"] == 2
    assert sort.directions["real_time"] == "lower"
    assert sort.directions["real_time_stddev"] == "lower"
    assert "items_per_second" not in sort.directions  # user counter: name rule downstream
    assert {"repetitions", "items_per_second_stddev"} <= set(sort.informational)
    assert sort.created_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert results["BM_copy"].metrics["cpu_time"] == 2_000_000.0  # ms → ns


@pytest.mark.parametrize(
    ("relative", "runs"),
    [
        ("google_benchmark/gb_complexity.json", ["BM_Vec/8", "BM_Vec/64"]),
        ("google_benchmark/gb_old_v14_bigo.json", ["BM_Find/1024", "BM_Find/4096"]),
    ],
    ids=["run_type layout", "1.4 layout"],
)
def test_complexity_rows_are_skipped_with_a_warning_and_the_runs_stored(relative, runs):
    parsed = read_synthetic(relative)
    results = by_model(parsed.results)
    assert list(results) == runs
    assert results[runs[1]].metrics["real_time"] > results[runs[0]].metrics["real_time"]
    assert [w.split(":")[0] for w in parsed.warnings] == ["$.benchmarks[2]", "$.benchmarks[3]"]
    assert "complexity aggregate BigO" in parsed.warnings[0]
    assert "complexity aggregate RMS" in parsed.warnings[1]


def test_a_1_4_file_reads_its_aggregates_by_their_name_suffix():
    parsed = read_synthetic("google_benchmark/gb_old_v14_aggregates.json")
    (result,) = parsed.results  # not BM_Copy/64_mean, _median, _stddev of their own
    assert result.model_version == "BM_Copy/64"
    assert result.metrics["real_time"] == 51.0  # the mean row, as in the newer layout
    assert result.metrics["real_time_median"] == 51.0
    assert result.metrics["cpu_time_stddev"] == 1.4
    assert result.metrics["repetitions"] == 2
    assert parsed.warnings == []  # a mean row is there: nothing was computed


def test_a_1_4_file_with_aggregates_only_still_folds_them_into_their_run():
    rows = [
        {"name": f"BM_a/8_{a}", "iterations": 3, "real_time": t, "cpu_time": t, "time_unit": "ns"}
        for a, t in (("mean", 10), ("median", 9), ("stddev", 1))
    ]
    (result,) = parse_document("g.json", {"context": {}, "benchmarks": rows}).results
    assert result.model_version == "BM_a/8"
    assert result.metrics["real_time"] == 10 and result.metrics["real_time_median"] == 9


def test_a_1_4_benchmark_whose_name_only_ends_like_an_aggregate_keeps_its_name():
    row = {"name": "BM_running_mean", "iterations": 9, "real_time": 5, "cpu_time": 5}
    (result,) = parse_document("g.json", {"context": {}, "benchmarks": [row]}).results
    assert result.model_version == "BM_running_mean"


def test_the_windows_date_before_1_5_2_is_read_month_first():
    parsed = read_synthetic("google_benchmark/gb_windows_v15_date.json")
    assert parsed.warnings == []
    assert parsed.results[0].created_at == datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC)


@pytest.mark.parametrize("date", ["13/05/24 10:11:12", "02.05.2024 10:11:12", "2/5/2024 10:11"])
def test_a_date_in_a_locales_own_form_is_dropped_with_a_warning(date):
    document = {"context": {"date": date}, "benchmarks": [_row("BM_a", 1.0, 1.0)]}
    parsed = parse_document("g.json", document)
    assert parsed.results[0].created_at is None
    assert parsed.warnings[0].startswith("$.context.date: the date")
    assert "day or the month" in parsed.warnings[0]


@pytest.mark.parametrize("date", ["soon", "2024-13-01T00:00:00", "01/02/03", 12])
def test_a_date_that_is_no_date_still_refuses_the_file(date):
    document = {"context": {"date": date}, "benchmarks": [_row("BM_a", 1.0, 1.0)]}
    with pytest.raises(InvalidResult) as caught:
        parse_document("g.json", document)
    assert (caught.value.error_code, caught.value.json_path) == ("bad_timestamp", "$.context.date")
