"""The log rows the ingest path makes (`key_and_row`) store exactly what the result says:
every character COPY or an array literal treats specially, anywhere in a row, is read back
as it was, and the key is the result's own content key."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results
from benchmon_pipeline.warehouse.encoding import key_and_row

SPECIAL = ["\\", "\t", "\n", "\r", "\\N", '"', "{}", ",", "NULL", "", "é€", "\x1f"]


@pytest.mark.parametrize("special", SPECIAL)
@pytest.mark.parametrize("where", ["notes", "source", "tag", "metric", "model"])
def test_one_special_character_anywhere_is_stored_as_it_was(db, special, where):
    value = f"a{special}b"
    result = Result(
        value if where == "model" else "m",
        "d",
        "p",
        {(value if where == "metric" else "f1"): 0.5, "latency_ms": 412},
        environment="ci",
        notes=value if where == "notes" else None,
        tags=(value, "x") if where == "tag" else (),
        created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        duration_seconds=1.25,
        directions={"latency_ms": "lower"},
    )
    source = value if where == "source" else "inbox/a.json"
    key, row = key_and_row(result, source, "00000000-0000-4000-8000-000000000001")
    assert key == result.content_sha256()
    (outcome,) = append_results(db, [result], [source], keys=[key], rows=[row])
    stored = db.execute(
        "SELECT model_version, metrics, notes, tags, source, created_at, duration_seconds,"
        " metric_directions, content_sha256 FROM benchmark_transactions WHERE id = %s",
        (outcome.id,),
    ).fetchone()
    assert stored[0] == result.model_version
    assert stored[1] == json.loads(json.dumps(result.metrics))
    assert stored[2] == result.notes
    assert tuple(stored[3]) == result.tags
    assert stored[4] == source
    assert stored[5] == result.created_at
    assert float(stored[6]) == 1.25
    assert stored[7] == {"latency_ms": "lower"}
    assert stored[8] == key
