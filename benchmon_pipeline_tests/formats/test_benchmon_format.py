"""benchmon's own format after the extensions: same results, same keys as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from benchmon_pipeline.formats import benchmon
from benchmon_pipeline.formats.detect import parse_document
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.helpers import FIXTURES

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())
FULL = {
    "model_version": "medgemma-v1.2",
    "dataset_version": "benchmark-set-v3",
    "prompt_version": "analysis-v4",
    "model_provider": "google",
    "environment": "staging",
    "commit_sha": "0123abcd",
    "branch_name": "main",
    "run_id": "ci-4242",
    "triggered_by": "alice",
    "tags": ["nightly", "gpu"],
    "notes": "warm cache",
    "duration_seconds": 12.5,
    "created_at": "2026-11-20T08:30:00Z",
    "metrics": {"precision": 0.91, "recall": 0.88, "f1": 0.895, "latency_ms": 412},
}


def test_idempotency_keys_did_not_change():
    """Keys computed by the code before this change: stored rows keep deduplicating."""
    assert benchmon.parse(SAMPLE)[0].content_sha256() == (
        "8924291e35512c687d4aa345cdadefd686db6451f416cd68eb89dd9e29d31dcf"
    )
    assert benchmon.parse(FULL)[0].content_sha256() == (
        "bf7706e7306307673c84071aad8f65fa65a6e2a815f5d52fbb64fb65d6cd5af8"
    )


def test_directions_informational_and_units_are_not_part_of_the_key():
    plain = benchmon.parse(SAMPLE)[0]
    stated = benchmon.parse({**SAMPLE, "directions": {"latency_ms": "lower"}})[0]
    assert stated.directions == {"latency_ms": "lower"}
    assert stated.content_sha256() == plain.content_sha256()


def test_shared_context_and_unknown_fields():
    document = {
        "environment": "ci",
        "commit_sha": "abc",
        "enviroment": "typo",
        "directions": {"f1": "higher"},
        "results": [SAMPLE, {**SAMPLE, "environment": "prod", "colour": "red"}],
    }
    parsed = parse_document("x.json", document)
    assert parsed.format == "benchmon"
    assert [r.environment for r in parsed.results] == ["ci", "prod"]
    assert {r.commit_sha for r in parsed.results} == {"abc"}
    assert parsed.results[0].directions == {"f1": "higher"}
    assert parsed.warnings == [
        "$.enviroment: unknown field 'enviroment' was ignored",
        "$.results[1].colour: unknown field 'colour' was ignored",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1732352400, datetime(2024, 11, 23, 9, 0, tzinfo=UTC)),
        (1732352400000, datetime(2024, 11, 23, 9, 0, tzinfo=UTC)),
        ("2024-11-23T10:00:00+01:00", datetime(2024, 11, 23, 9, 0, tzinfo=UTC)),
        ("2024-11-23T09:00:00", datetime(2024, 11, 23, 9, 0, tzinfo=UTC)),
        ("2024-11-23 09:00:00Z", datetime(2024, 11, 23, 9, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc(value, expected):
    assert benchmon.parse({**SAMPLE, "created_at": value})[0].created_at == expected


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"created_at": "yesterday"}, "bad_timestamp", "$.created_at"),
        ({"created_at": 17323524000000000}, "bad_timestamp", "$.created_at"),
        ({"created_at": True}, "bad_timestamp", "$.created_at"),
        ({"model_version": "m" * 501}, "too_long", "$.model_version"),
        ({"notes": "n" * 10_001}, "too_long", "$.notes"),
        ({"tags": ["t" * 101]}, "too_long", "$.tags[0]"),
        ({"tags": [f"t{i}" for i in range(51)]}, "too_long", "$.tags"),
        ({"model_version": "bad\u0000name"}, "invalid_text", "$.model_version"),
        ({"notes": "half \ud800 surrogate"}, "invalid_text", "$.notes"),
        ({"metrics": {"m" * 201: 1.0}}, "too_long", "$.metrics." + "m" * 201),
        ({"metrics": {"": 1.0}}, "bad_metric_name", '$.metrics[""]'),
        ({"metrics": {"f1": "0.9"}}, "metric_not_a_number", "$.metrics.f1"),
        ({"metrics": {"f1 score": True}}, "metric_not_a_number", '$.metrics["f1 score"]'),
        ({"metrics": {}}, "no_finite_metrics", "$.metrics"),
        ({"metrics": {"f1": float("nan")}}, "no_finite_metrics", "$.metrics"),
        ({"directions": {"f1": "up"}}, "bad_direction", "$.directions.f1"),
        ({"duration_seconds": -1}, "wrong_type", "$.duration_seconds"),
        ({"tags": "nightly"}, "wrong_type", "$.tags"),
    ],
)
def test_field_validation(change, code, path):
    with pytest.raises(InvalidResult) as caught:
        benchmon.parse({**SAMPLE, **change})
    assert (caught.value.error_code, caught.value.json_path) == (code, path)
