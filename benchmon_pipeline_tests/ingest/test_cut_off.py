"""A file that ends early says so: it was cut off, or read while a tool still wrote it."""

import pytest

from benchmon_pipeline.ingest.reading import load_document
from benchmon_pipeline.results.model import InvalidResult

GOOGLE_BENCHMARK_MID_RUN = """{
  "context": {"date": "2026-12-06T03:00:00+00:00", "num_cpus": 2},
  "benchmarks": [
    {"name": "BM_Copy/8", "run_type": "iteration", "iterations": 1000,
     "real_time": 12.5, "cpu_time": 12.4, "time_unit": "ns"},
"""


@pytest.mark.parametrize(
    "text",
    [GOOGLE_BENCHMARK_MID_RUN, '{"metrics": ', '{"model_version": "m', '{"a": [1, 2\n\n'],
)
def test_a_file_that_ends_early_says_it_may_still_have_been_written(text):
    with pytest.raises(InvalidResult) as caught:
        load_document(text)
    assert caught.value.error_code == "invalid_json"
    assert "the file ends early" in caught.value.message
    assert "move it into the inbox" in caught.value.message


def test_a_mistake_inside_the_file_is_not_called_cut_off():
    with pytest.raises(InvalidResult) as caught:
        load_document('{\n  "metrics": {"f1": 0.9,}\n}')
    assert "line 2" in caught.value.message
    assert "ends early" not in caught.value.message
