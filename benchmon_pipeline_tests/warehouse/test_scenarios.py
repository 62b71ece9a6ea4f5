"""The scenarios docs/foundations.md §6 walks through, on the stored functions."""

from decimal import Decimal

from benchmon_pipeline_tests.helpers import rows
from benchmon_pipeline_tests.warehouse.calls import (
    CONFIG,
    MODEL,
    checkout,
    current_version,
    set_baseline,
    upsert,
    versions,
)

V2 = {"f1": 0.91, "precision": 0.92, "recall": 0.90, "latency_ms": 412}
V3 = {"f1": 0.85, "precision": 0.87, "recall": 0.83, "latency_ms": 425}


def test_versioning_timeline(db):
    upsert(db, CONFIG, {"f1": 0.89})
    upsert(db, CONFIG, V2)
    set_baseline(db, CONFIG, 2, reason="golden")
    upsert(db, CONFIG, V3)

    assert rows(
        db,
        "SELECT current_f1, baseline_f1, f1_drop, is_regression FROM detect_regression(%s, 0.05)",
        MODEL,
    ) == [
        {
            "current_f1": Decimal("0.85"),
            "baseline_f1": Decimal("0.91"),
            "f1_drop": Decimal("0.06"),
            "is_regression": True,
        }
    ]

    checkout(db, CONFIG, 2, reason="v3 regressed")
    assert versions(db, CONFIG) == [
        (1, 0.89, False, False),
        (2, 0.91, True, True),
        (3, 0.85, False, False),
    ]

    upsert(db, CONFIG, {"f1": 0.93})
    assert versions(db, CONFIG) == [
        (1, 0.89, False, False),
        (2, 0.91, False, True),
        (3, 0.85, False, False),
        (4, 0.93, True, False),
    ]

    assert rows(db, "SELECT * FROM compare_snapshots(%s, %s, %s, %s, 2, 3)", *CONFIG) == [
        {
            "metric": "f1",
            "value_a": Decimal("0.91"),
            "value_b": Decimal("0.85"),
            "delta": Decimal("-0.06"),
            "percent_change": Decimal("-6.59"),
        },
        {
            "metric": "latency_ms",
            "value_a": Decimal("412"),
            "value_b": Decimal("425"),
            "delta": Decimal("13"),
            "percent_change": Decimal("3.16"),
        },
        {
            "metric": "precision",
            "value_a": Decimal("0.92"),
            "value_b": Decimal("0.87"),
            "delta": Decimal("-0.05"),
            "percent_change": Decimal("-5.43"),
        },
        {
            "metric": "recall",
            "value_a": Decimal("0.90"),
            "value_b": Decimal("0.83"),
            "delta": Decimal("-0.07"),
            "percent_change": Decimal("-7.78"),
        },
    ]


def test_a_drop_equal_to_the_threshold_is_a_regression(db):
    upsert(db, CONFIG, {"f1": 0.90})
    set_baseline(db, CONFIG, 1)
    upsert(db, CONFIG, {"f1": 0.85})
    for threshold in ("0.05::numeric", "0.05::float8"):  # psycopg sends floats as float8
        (row,) = rows(
            db, f"SELECT f1_drop, is_regression FROM detect_regression(%s, {threshold})", MODEL
        )
        assert row == {"f1_drop": Decimal("0.05"), "is_regression": True}
    (row,) = rows(db, "SELECT is_regression FROM detect_regression(%s, %s)", MODEL, 0.0500001)
    assert row == {"is_regression": False}


def test_emergency_rollback(db):
    for f1 in (0.84, 0.86, 0.88, 0.90):
        upsert(db, CONFIG, {"f1": f1})
    set_baseline(db, CONFIG, 4, actor="release-bot")
    upsert(db, CONFIG, {"f1": 0.82})

    (alert,) = rows(
        db,
        "SELECT current_version, current_f1, baseline_f1, is_regression FROM detect_regression(%s)",
        MODEL,
    )
    assert alert == {
        "current_version": 5,
        "current_f1": Decimal("0.82"),
        "baseline_f1": Decimal("0.90"),
        "is_regression": True,
    }
    history = rows(
        db,
        "SELECT snapshot_version, f1_score FROM get_snapshot_history(%s, %s, %s, %s, 2)",
        *CONFIG,
    )
    assert history == [
        {"snapshot_version": 5, "f1_score": Decimal("0.82")},
        {"snapshot_version": 4, "f1_score": Decimal("0.90")},
    ]

    checkout(db, CONFIG, 4, actor="oncall", reason="v5 dropped F1 to 0.82")
    assert current_version(db, CONFIG) == 4

    upsert(db, CONFIG, {"f1": 0.92})
    set_baseline(db, CONFIG, 6, actor="oncall", reason="fixed")
    assert versions(db, CONFIG) == [
        (1, 0.84, False, False),
        (2, 0.86, False, False),
        (3, 0.88, False, False),
        (4, 0.90, False, False),
        (5, 0.82, False, False),
        (6, 0.92, True, True),
    ]

    events = db.execute(
        "SELECT event_type, snapshot_version, actor, reason FROM snapshot_events ORDER BY event_id"
    ).fetchall()
    actor = db.execute("SELECT session_user").fetchone()[0]
    assert events == [
        *[("new_version", v, actor, None) for v in (1, 2, 3, 4)],
        ("baseline_set", 4, "release-bot", None),
        ("new_version", 5, actor, None),
        ("checkout", 4, "oncall", "v5 dropped F1 to 0.82"),
        ("new_version", 6, actor, None),
        ("baseline_set", 6, "oncall", "fixed"),
    ]


def test_a_b_prompts_are_two_configurations(db):
    for prompt, f1 in (("analysis-v4", 0.88), ("analysis-v5", 0.91)):
        upsert(
            db,
            (MODEL, "benchmark-set-v3", prompt, "local"),
            {"f1": f1, "latency_ms": 400},
            tags=["ab-test", prompt],
        )
    side_by_side = rows(
        db,
        "SELECT prompt_version, snapshot_version, f1_score FROM v_latest_benchmarks"
        " WHERE model_version = %s AND dataset_version = %s AND environment = 'local'"
        " ORDER BY prompt_version",
        MODEL,
        "benchmark-set-v3",
    )
    assert side_by_side == [
        {"prompt_version": "analysis-v4", "snapshot_version": 1, "f1_score": Decimal("0.88")},
        {"prompt_version": "analysis-v5", "snapshot_version": 1, "f1_score": Decimal("0.91")},
    ]
    tagged = db.execute(
        "SELECT count(*) FROM benchmark_transactions WHERE tags @> '{ab-test}'"
    ).fetchone()[0]
    assert tagged == 2
