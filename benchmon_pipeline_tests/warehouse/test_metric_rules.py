"""Directions (adapter → override → metric_definitions → name rule) and thresholds."""

from decimal import Decimal

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results
from benchmon_pipeline_tests.helpers import rows
from benchmon_pipeline_tests.warehouse.calls import CONFIG, MODEL, set_baseline, upsert

NAME_RULE = {
    "latency_ms": "lower",
    "p99_latency": "lower",
    "eval_loss": "lower",
    "evalLoss": "lower",
    "word_error_rate": "lower",
    "errors": "lower",
    "runtime_s": "lower",
    "peak_memory_mb": "lower",
    "mae": "lower",
    "rmse": "lower",
    "cost_usd": "lower",
    "perplexity": "lower",
    "duration": "lower",
    "wall-time": "lower",
    "f1": "higher",
    "accuracy": "higher",
    "tokens_per_second": "higher",
    "timestamp": "higher",
    "throughput": "higher",
    "max": "higher",
}


def test_the_name_rule(db):
    found = dict(
        db.execute(
            "SELECT name, metric_direction(name) FROM unnest(%s::text[]) AS name",
            (list(NAME_RULE),),
        ).fetchall()
    )
    assert found == NAME_RULE


def test_what_the_adapter_states_wins_then_overrides_then_definitions(db):
    db.execute("INSERT INTO metric_definitions (name, direction) VALUES ('score', 'lower')")
    assert db.execute("SELECT metric_direction('score')").fetchone()[0] == "lower"
    assert db.execute("SELECT metric_direction('score', 'higher')").fetchone()[0] == "higher"
    db.execute(
        "INSERT INTO metric_overrides (model_version, dataset_version, prompt_version,"
        " environment, metric, direction) VALUES (%s, %s, %s, %s, 'score', 'higher')",
        CONFIG,
    )
    assert (
        db.execute("SELECT metric_direction('score', NULL, %s, %s, %s, %s)", CONFIG).fetchone()[0]
        == "higher"
    )
    assert (
        db.execute("SELECT metric_direction('score', 'lower', %s, %s, %s, %s)", CONFIG).fetchone()[
            0
        ]
        == "lower"
    )


def _judged(db):
    return {
        r["metric"]: (r["direction"], r["worsening"], r["is_regression"])
        for r in rows(db, "SELECT * FROM detect_metric_regressions(%s)", MODEL)
    }


def test_each_metric_is_judged_in_its_direction_against_its_thresholds(db):
    upsert(db, CONFIG, {"accuracy": 0.90, "latency_ms": 400, "ops": 1000, "f1": 0.30})
    set_baseline(db, CONFIG, 1)
    upsert(db, CONFIG, {"accuracy": 0.85, "latency_ms": 419, "ops": 940, "f1": 0.285})
    assert _judged(db) == {
        "accuracy": ("higher", Decimal("0.05"), True),  # absolute 0.05, equal counts
        "latency_ms": ("lower", Decimal("19"), False),  # +4.75 % < 5 %
        "ops": ("higher", Decimal("60"), True),  # −6 % ≥ 5 %
        "f1": ("higher", Decimal("0.015"), True),  # 5 % of 0.30, equal counts
    }
    db.execute("UPDATE metric_definitions SET rel_threshold = NULL WHERE name = 'f1'")
    db.execute("INSERT INTO metric_definitions (name, rel_threshold) VALUES ('ops', 0.10)")
    assert _judged(db)["f1"][2] is False
    assert _judged(db)["ops"][2] is False


def test_the_direction_stated_by_the_adapter_is_stored_and_used(db):
    def result(score, run):
        return Result(
            *CONFIG[:3],
            metrics={"score": score},
            environment=CONFIG[3],
            run_id=run,
            directions={"score": "lower"},
        )

    append_results(db, [result(10, "a")], ["a.json"])
    set_baseline(db, CONFIG, 1)
    append_results(db, [result(11, "b")], ["b.json"])
    assert _judged(db) == {"score": ("lower", Decimal("1"), True)}
