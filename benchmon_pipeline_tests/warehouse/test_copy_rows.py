"""The log rows the ingest path writes as COPY text (`key_and_row`, and `log_row` alone)
store exactly what psycopg's COPY of the same values stores: all go into the same server,
and the rows are compared as text."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse.encoding import LOG_COLUMNS, key_and_row, log_row, new_ids

COLUMNS = ", ".join(LOG_COLUMNS)
TYPED_COLUMNS = ", ".join(f"{name} {type_}" for name, type_ in LOG_COLUMNS.items())
# Far wider than what parsing accepts (1990–2100), away from year 1, where converting a
# naive datetime to UTC (the content key does) can leave the calendar.
YEARS = (datetime(1800, 1, 1), datetime(2300, 1, 1))
NOW = datetime(2026, 11, 24, 12, 30, 1, 123456, tzinfo=UTC)

# Text a result may hold after validation (no NUL, no unpaired surrogate), with what COPY
# and array literals treat specially.
text = st.text(
    alphabet=st.one_of(
        st.sampled_from("\\\t\n\r\"{},' NULLé€\x1f"),
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    ),
    max_size=12,
)
nullable = st.one_of(st.none(), text)
metric_names = st.one_of(st.sampled_from(["f1", "p50 latency", 'a"b', "a\\b"]), text)


def _psycopg_row(result: Result, key: str, source: str | None, row_id: str) -> tuple:
    """The row as the ingest path made it before it wrote COPY text itself."""
    r = result
    return (
        uuid.UUID(row_id),
        r.created_at or NOW,
        r.commit_sha,
        r.branch_name,
        r.model_version,
        r.model_provider,
        r.dataset_version,
        r.prompt_version,
        r.environment,
        json.dumps(r.metrics),
        r.duration_seconds,
        list(r.tags),
        r.notes,
        r.run_id,
        r.triggered_by,
        key,
        source,
        json.dumps(r.directions),
        r.content_json(),
    )


def _stored(conn, table: str) -> list[str]:
    return [row for (row,) in conn.execute(f"SELECT t::text FROM {table} t ORDER BY id")]


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None
)
@given(
    configuration=st.tuples(text.filter(str.strip), text.filter(str.strip), text.filter(str.strip)),
    context=st.tuples(nullable, nullable, nullable, nullable, nullable, nullable, nullable),
    metrics=st.dictionaries(
        metric_names,
        st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53)),
        min_size=1,
        max_size=4,
    ),
    directions=st.dictionaries(metric_names, st.sampled_from(["higher", "lower"]), max_size=2),
    tags=st.lists(text, max_size=4),
    duration=st.one_of(
        st.none(),
        st.integers(0, 10**9),
        st.floats(min_value=0, allow_infinity=False, allow_nan=False),
    ),
    created_at=st.one_of(
        st.none(), st.datetimes(YEARS[0], YEARS[1], timezones=st.timezones()), st.datetimes(*YEARS)
    ),
    source=st.one_of(st.none(), text),
)
def test_copy_text_rows_store_what_psycopg_rows_store(
    db, configuration, context, metrics, directions, tags, duration, created_at, source
):
    environment, provider, commit_sha, branch, run_id, triggered_by, notes = context
    result = Result(
        *configuration,
        metrics,
        environment=environment,
        model_provider=provider,
        commit_sha=commit_sha,
        branch_name=branch,
        run_id=run_id,
        triggered_by=triggered_by,
        notes=notes,
        tags=tuple(tags),
        duration_seconds=duration,
        created_at=created_at,
        directions=directions,
    )
    row_id = new_ids(1)[0]
    for table in ("by_psycopg", "by_text", "by_log_row"):  # the log's columns, no constraints
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({TYPED_COLUMNS})")
    db.execute("TRUNCATE by_psycopg, by_text, by_log_row")
    db.execute("SET TIME ZONE 'America/St_Johns'")  # (where naive datetimes are read)
    key, row = key_and_row(result, source, row_id)
    assert key == result.content_sha256()
    with db.cursor() as cur:
        with cur.copy(f"COPY by_psycopg ({COLUMNS}) FROM STDIN") as copy:
            copy.write_row(_psycopg_row(result, key, source, row_id))
        for table, (made_id, created, rest) in [
            ("by_text", row),
            ("by_log_row", log_row(result, key, source, row_id)),
        ]:
            with cur.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
                copy.write(f"{made_id}\t{created or NOW.isoformat()}\t{rest}\n")
    assert _stored(db, "by_text") == _stored(db, "by_psycopg")
    assert _stored(db, "by_log_row") == _stored(db, "by_psycopg")


@pytest.mark.parametrize("special", ["\\", "\t", "\n", "\r", "\\N", '"', "{}", ",", "NULL", ""])
@pytest.mark.parametrize("where", ["notes", "source", "tag", "metric", "model"])
def test_one_special_character_anywhere_is_stored_as_psycopg_stores_it(db, special, where):
    """Each character COPY or an array literal treats specially, alone in an otherwise plain
    row (where the one-count check decides whether anything is escaped)."""
    value = f"a{special}b"
    test_copy_text_rows_store_what_psycopg_rows_store.hypothesis.inner_test(
        db,
        (value if where == "model" else "m", "d", "p"),
        (None,) * 6 + ((value if where == "notes" else None),),
        {(value if where == "metric" else "f1"): 0.5},
        {},
        [value] if where == "tag" else [],
        None,
        datetime(2026, 1, 2, tzinfo=UTC),
        value if where == "source" else "inbox/a.json",
    )


def test_new_ids_are_distinct_version_4_uuids():
    ids = new_ids(2_000)
    assert len(set(ids)) == 2_000
    for text in ids:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
    # every hex digit of the random part varies (a stuck digit would show here)
    assert all(
        len({text[i] for text in ids}) > 1 for i in range(36) if i not in (8, 13, 14, 18, 23)
    )
