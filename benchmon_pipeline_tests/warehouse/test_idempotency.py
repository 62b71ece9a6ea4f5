"""The same result, sent twice or through two paths, is one row and one version."""

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import psycopg

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert, versions


def _count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _result(f1, **fields):
    return Result(*CONFIG[:3], metrics={"f1": f1}, environment=CONFIG[3], **fields)


def test_the_same_upsert_twice_is_one_row_and_one_version(db):
    first = upsert(db, CONFIG, {"f1": 0.9}, run_id="ci-1")
    again = upsert(db, CONFIG, {"f1": 0.9}, run_id="ci-1")
    assert again == first
    assert (
        _count(db, "benchmark_transactions"),
        _count(db, "benchmark_snapshots"),
        _count(db, "snapshot_events"),
    ) == (1, 1, 1)


def test_the_batch_path_reports_duplicates_and_folds_once(db):
    a, b = _result(0.8, run_id="1"), _result(0.9, run_id="2")
    outcomes = append_results(db, [a, b, a], ["a.json", "b.json", "a-again.json"])
    assert [o.inserted for o in outcomes] == [True, True, False]
    assert outcomes[2].transaction_id == outcomes[0].transaction_id
    assert [o.content_sha256 for o in outcomes] == [r.content_sha256() for r in (a, b, a)]
    # One fold for the batch: one version standing for both runs, showing the newest.
    assert db.execute(
        "SELECT snapshot_version, run_count, transaction_id FROM benchmark_snapshots"
    ).fetchall() == [(1, 2, outcomes[1].transaction_id)]

    again = append_results(db, [b], ["b-copy.json"])
    assert (again[0].transaction_id, again[0].inserted) == (outcomes[1].transaction_id, False)
    assert (_count(db, "benchmark_transactions"), _count(db, "benchmark_snapshots")) == (2, 1)
    assert db.execute("SELECT source FROM benchmark_transactions ORDER BY seq").fetchall() == [
        ("a.json",),
        ("b.json",),
    ]


def test_inbox_and_sql_clients_share_the_key(db):
    result = _result(0.9, branch_name="main", tags=("b", "a"), directions={"f1": "higher"})
    via_sql = upsert_result(db, result, source="push")
    (outcome,) = append_results(db, [result], ["inbox/x.json"])
    assert (outcome.transaction_id, outcome.inserted) == (via_sql, False)
    assert versions(db, CONFIG) == [(1, 0.9, True, False)]
    assert db.execute("SELECT metric_directions FROM benchmark_transactions").fetchone()[0] == {
        "f1": "higher"
    }


def _random_text(rng):
    alphabet = 'abc XYZ/_-.é"\\\n\t\x01\x7fλ中😀'
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def _random_number(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randint(-(10**6), 10**6)
    if kind == 1:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    if kind == 2:
        return round(rng.random(), rng.randint(0, 6))
    if kind == 3:
        # not -0.0: a jsonb number has no negative zero (docs/data-model.md)
        return rng.choice([0.0, 1e15, 1e16, 1e-4, 1e-5, 0.1, 123456789.123, 2**53 + 1])
    return rng.random() * 10 ** rng.randint(10, 20)


def _random_result(rng):
    def maybe(value):
        return value if rng.random() < 0.6 else None

    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=rng.randint(0, 10**8), microseconds=rng.choice([0, rng.randint(0, 999_999)])
    )
    return Result(
        model_version=_random_text(rng) or "m",
        dataset_version=_random_text(rng) or "d",
        prompt_version=_random_text(rng) or "p",
        environment=_random_text(rng) or "e",
        metrics={_random_text(rng) + str(i): _random_number(rng) for i in range(rng.randint(1, 5))},
        model_provider=maybe(_random_text(rng)),
        commit_sha=maybe(_random_text(rng)),
        branch_name=maybe(_random_text(rng)),
        run_id=maybe(_random_text(rng)),
        created_at=maybe(created.astimezone(timezone(timedelta(minutes=rng.randint(-720, 720))))),
        tags=tuple(_random_text(rng) for _ in range(rng.randint(0, 3))),
        notes=maybe(_random_text(rng)),
        duration_seconds=maybe(abs(_random_number(rng))),
    )


def test_sql_computes_the_same_content_sha256_as_python(db):
    rng = random.Random(20261123)
    results = [_random_result(rng) for _ in range(300)]
    for r in results:
        sql_key = db.execute(
            "SELECT benchmark_content_sha256(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb,"
            " %s::text[], %s, %s::numeric)",
            (
                r.model_version,
                r.dataset_version,
                r.prompt_version,
                r.environment,
                r.model_provider,
                r.commit_sha,
                r.branch_name,
                r.run_id,
                r.created_at,
                json.dumps(r.metrics),
                list(r.tags),
                r.notes,
                None if r.duration_seconds is None else repr(r.duration_seconds),
            ),
        ).fetchone()[0]
        assert sql_key == r.content_sha256(), r


def test_sql_writes_floats_as_python_does(db):
    rng = random.Random(7)
    values = (
        [rng.random() * 10 ** rng.randint(-320, 308) for _ in range(3000)]
        + [float(rng.randint(0, 2**64)) for _ in range(1000)]
        + [rng.uniform(-1e6, 1e6) for _ in range(1000)]
        + [0.0, 1e15, 1e16, 1e-4, 1e-5, 5e-324, 1.7976931348623157e308, 2.0**53 + 2]
    )
    written = db.execute(
        "SELECT array_agg(python_float_repr(v) ORDER BY i)"
        " FROM unnest(%s::float8[]) WITH ORDINALITY AS u(v, i)",
        (values,),
    ).fetchone()[0]
    assert written == [repr(v) for v in values]


def upsert_result(conn: psycopg.Connection, result: Result, source: str | None = None) -> UUID:
    """One result through upsert_benchmark_result(), every field named: appended and
    folded, or the id of the same content stored before."""
    row = conn.execute(
        """SELECT upsert_benchmark_result(
               model_version => %s, dataset_version => %s, prompt_version => %s,
               environment => %s, metrics => %s::jsonb, created_at => %s::timestamptz,
               commit_sha => %s, branch_name => %s, model_provider => %s,
               duration_seconds => %s::numeric, tags => %s::text[], notes => %s,
               run_id => %s, triggered_by => %s, source => %s,
               metric_directions => %s::jsonb)""",
        (
            result.model_version,
            result.dataset_version,
            result.prompt_version,
            result.environment,
            json.dumps(result.metrics),
            result.created_at,
            result.commit_sha,
            result.branch_name,
            result.model_provider,
            _exact(result.duration_seconds),
            list(result.tags),
            result.notes,
            result.run_id,
            result.triggered_by,
            source,
            json.dumps(result.directions),
        ),
    ).fetchone()
    return row[0]


def _exact(number: float | None) -> Decimal | None:
    """A float as the numeric it spells: PostgreSQL's float8 → numeric cast keeps only 15
    digits, and the idempotency key hashes all of them."""
    return None if number is None else Decimal(repr(float(number)))
