"""Format detection: each shape goes to its adapter, and nothing else is guessed."""

from __future__ import annotations

import json

import pytest

from benchmon_pipeline.formats.detect import detect, parse_document
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.formats.real_files import REAL
from benchmon_pipeline_tests.helpers import FIXTURES


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("lm_eval/rwkv7-1.5b-world_lambada.json", "lm_eval"),
        ("lm_eval/gemma-2-2b_mmlu-groups.json", "lm_eval"),
        ("lm_eval/gpt-4o-mini_tgpred_nan-inf.json", "lm_eval"),
        ("pytest_benchmark/gab-example_v3.2.2_fib.json", "pytest_benchmark"),
        ("pytest_benchmark/gab-example_v3.2.2_several-units.json", "pytest_benchmark"),
        ("google_benchmark/gab-example_fib.json", "google_benchmark"),
        ("github_action_benchmark/customBiggerIsBetter_example.json", "github_action_benchmark"),
        (
            "github_action_benchmark/customSmallerIsBetter_numeric-range.json",
            "github_action_benchmark",
        ),
    ],
)
def test_real_files_are_detected(relative, expected):
    assert detect(json.loads((REAL / relative).read_text())) == expected


def test_benchmon_shapes_are_detected():
    sample = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
    for document in (sample, [sample], {"results": [sample]}, {"model_version": "m"}):
        assert detect(document) == "benchmon"


@pytest.mark.parametrize(
    "document", [{"hello": "world"}, 42, "text", None, {"benchmarks": "not a list"}]
)
def test_unknown_shapes_are_refused(document):
    with pytest.raises(InvalidResult) as caught:
        parse_document("x.json", document)
    assert (caught.value.error_code, caught.value.json_path) == ("unknown_format", "$")


def test_a_sidecar_on_a_format_with_its_own_directions_is_ignored_with_a_warning():
    document = json.loads((REAL / "google_benchmark/gab-example_fib.json").read_text())
    parsed = parse_document("fib.json", document, {"direction": "higher"})
    assert parsed.results[0].directions["real_time"] == "lower"
    assert "sidecar" in parsed.warnings[0]
