"""The storage of issue 20 (sql/0035, sql/0037): the per-model trend rollup, the key
table's 32-byte keys, the log without its unused GIN indexes; an existing database
converts in place and keeps every answer."""

import json

import psycopg
import pytest

from benchmon_pipeline.db import migrations
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results, verify_transaction_log
from benchmon_pipeline_tests.helpers import upgrade_before
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert

MODELS = ("m-a", "m-b")
DAYS = ("2026-03-01", "2026-03-02", "2026-03-04")

# What a user reads of a model's days; averages rounded past float noise (a mean of
# means is summed in another order than the log's own average).
TREND = """
SELECT day, model_version, environment, branch_name, run_count,
       round(avg_f1, 9) AS f1, round(avg_precision, 9) AS precision,
       round(avg_latency_ms, 6) AS latency, round(avg_duration_seconds, 6) AS duration
  FROM {source} ORDER BY 1, 2, 3, 4 NULLS FIRST"""


def _fill(conn) -> None:
    """Two models × two datasets × two environments, three days, two branches; durations
    on all or none of a configuration-day's results (so the log's plain average and the
    trend's mean of daily means agree)."""
    n = 0
    for day_no, day in enumerate(DAYS):
        for m, model in enumerate(MODELS):
            for dataset in ("d1", "d2"):
                for environment in ("ci", "production"):
                    for k in range(1 + (day_no + m) % 3):
                        n += 1
                        conn.execute(
                            "SELECT upsert_benchmark_result(%s, %s, 'p', %s, %s::jsonb,"
                            " created_at => %s, branch_name => %s, duration_seconds => %s)",
                            (
                                model,
                                dataset,
                                environment,
                                json.dumps(
                                    {
                                        "f1": round(0.5 + n / 97, 4),
                                        "precision": round(0.4 + n / 89, 4),
                                        "latency_ms": 100 + n,
                                        "other": n,
                                    }
                                ),
                                f"{day}T0{k}:00:00Z",
                                "main" if k % 2 == 0 else None,
                                None if dataset == "d2" else 10 + n,
                            ),
                        )


def _rows(conn, source: str) -> list[tuple]:
    return conn.execute(TREND.format(source=source)).fetchall()


def test_an_existing_database_converts_in_place(fresh_empty_database, tmp_path):
    """Filled by the migrations before 0035, then upgraded: the keys, the trend answers."""
    upgrade_before(fresh_empty_database, 35, tmp_path / "sql")
    with psycopg.connect(fresh_empty_database, autocommit=True) as conn:
        _fill(conn)
        conn.execute("SELECT refresh_daily_trends(%s, %s)", (DAYS[0], DAYS[-1]))
        trends_before = _rows(conn, "v_performance_trends")
        keys_before = conn.execute(
            "SELECT content_sha256, id FROM benchmark_transaction_keys ORDER BY id"
        ).fetchall()

    applied = [m.version for m in migrations.upgrade(fresh_empty_database)]
    assert {35, 37} <= set(applied)
    with psycopg.connect(fresh_empty_database, autocommit=True) as conn:
        # the same answers, now from one rollup row per day, model, environment and branch
        assert _rows(conn, "v_performance_trends") == trends_before
        assert (
            len(trends_before)
            == conn.execute("SELECT count(*) FROM daily_model_trends").fetchone()[0]
        )
        raw = [r[:6] for r in _rows(conn, "performance_trends()")]
        assert [r[:6] for r in trends_before] == raw and len(raw) > 10

        # every key kept, as its 32 bytes; each still the log row's own
        assert conn.execute(
            "SELECT encode(content_sha256, 'hex'), id FROM benchmark_transaction_keys ORDER BY id"
        ).fetchall() == [(k, i) for k, i in keys_before]
        assert conn.execute(
            "SELECT pg_typeof(content_sha256)::text, octet_length(content_sha256)"
            " FROM benchmark_transaction_keys LIMIT 1"
        ).fetchone() == ("bytea", 32)
        assert conn.execute(
            "SELECT count(*) FROM benchmark_transactions t"
            " JOIN benchmark_transaction_keys k ON k.id = t.id"
            " WHERE k.content_sha256 = decode(t.content_sha256, 'hex')"
        ).fetchone()[0] == len(keys_before)
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'benchmark_transactions'"
            )
        }
        assert not indexes & {
            "benchmark_transactions_metrics",
            "benchmark_transactions_tags",
            "benchmark_transactions_model_created_at",  # 0039: the configuration index serves
        }
        assert "benchmark_transactions_configuration_created_at" in indexes
        check = verify_transaction_log(conn)
        assert check.ok, check.problem


def test_the_key_stays_unique_and_idempotent_with_bytes(db):
    first = upsert(db, CONFIG, {"f1": 0.5})
    assert upsert(db, CONFIG, {"f1": 0.5}) == first  # found again through the bytea key
    with pytest.raises(psycopg.errors.UniqueViolation, match="content_sha256_is_unique") as e:
        db.execute(
            "INSERT INTO benchmark_transactions (model_version, dataset_version,"
            " prompt_version, environment, metrics, created_at, content_sha256)"
            " SELECT model_version, dataset_version, prompt_version, environment, metrics,"
            " '2031-02-20', content_sha256 FROM benchmark_transactions WHERE id = %s",
            (first,),
        )
    key = db.execute(
        "SELECT content_sha256 FROM benchmark_transactions WHERE id = %s", (first,)
    ).fetchone()[0]
    assert key in e.value.diag.message_detail  # the hex key, as before


def test_the_batch_path_knows_stored_keys(db):
    """append_results() asks the key table which keys are stored, in hex."""
    results = [
        Result(*CONFIG[:3], metrics={"f1": f1}, environment=CONFIG[3], run_id=run)
        for f1, run in ((0.5, "a"), (0.6, "b"))
    ]
    with db.transaction():
        first = append_results(db, results, ["a", "a"])
    with db.transaction():
        again = append_results(db, results, ["a", "a"])
    assert [o.inserted for o in first] == [True, True]
    assert [o.inserted for o in again] == [False, False]
    assert [o.id for o in again] == [o.id for o in first]


def test_a_refresh_rebuilds_the_rollup_of_its_window(db):
    _fill(db)
    db.execute("SELECT refresh_daily_trends(%s, %s)", (DAYS[0], DAYS[-1]))
    rollup = _rows(db, "v_performance_trends")
    assert [r[:6] for r in rollup] == [r[:6] for r in _rows(db, "performance_trends()")]
    # a day refreshed again is replaced, not added to; late rows of it are counted
    db.execute(
        "SELECT upsert_benchmark_result('m-a', 'd1', 'p', 'ci', '{\"f1\": 0.1}'::jsonb,"
        " created_at => %s, branch_name => 'main', duration_seconds => 99)",
        (f"{DAYS[1]}T05:00:00Z",),
    )
    db.execute("SELECT refresh_daily_trends(%s, %s)", (DAYS[1], DAYS[1]))
    after = _rows(db, "v_performance_trends")
    assert [r[:6] for r in after] == [r[:6] for r in _rows(db, "performance_trends()")]
    assert [r for r in after if str(r[0]) != DAYS[1]] == [r for r in rollup if str(r[0]) != DAYS[1]]
    assert after != rollup
