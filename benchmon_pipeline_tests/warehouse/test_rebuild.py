"""Replaying snapshot_events over the log gives exactly the live snapshot tables."""

import random

import psycopg
import pytest

from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse import append_results, fold_new_results
from benchmon_pipeline_tests.warehouse.calls import (
    SNAPSHOT_COLUMNS,
    checkout,
    raw_insert,
    rebuild_differences,
    set_baseline,
    upsert,
)

CONFIGS = [
    (f"org/model-{m}", f"set-{d}", "prompt-v1", env)
    for m in range(3)
    for d in range(2)
    for env in ("ci", "production")
]
BRANCHES = ["main", None, "feature/x"]


def _existing(db, config):
    """(version, is_current, is_baseline, is_active) of each version of `config`."""
    return db.execute(
        "SELECT snapshot_version, is_current, is_baseline, is_active FROM benchmark_snapshots"
        " WHERE (model_version, dataset_version, prompt_version, environment)"
        "     = (%s, %s, %s, %s)",
        config,
    ).fetchall()


def _random_step(db, rng, counter):
    config = rng.choice(CONFIGS)
    existing = _existing(db, config)
    kind = rng.choice(
        [
            "upsert",
            "upsert",
            "batch",
            "raw",
            "fold",
            "checkout",
            "baseline",
            "clear",
            "deactivate",
            "activate",
            "refused",
        ]
    )
    metrics = {"f1": round(rng.random(), 3), "latency_ms": rng.randint(100, 900)}
    if kind == "upsert":
        upsert(db, config, metrics, branch=rng.choice(BRANCHES), run_id=str(next(counter)))
    elif kind == "batch":
        results = [
            Result(
                *c[:3],
                metrics={"f1": round(rng.random(), 3)},
                environment=c[3],
                run_id=str(next(counter)),
                branch_name=rng.choice(BRANCHES),
            )
            for c in rng.choices(CONFIGS, k=rng.randint(1, 6))
        ]
        append_results(db, results, [f"inbox/{i}.json" for i in range(len(results))])
    elif kind == "raw":
        raw_insert(db, config, metrics, branch=rng.choice(BRANCHES))
    elif kind == "fold":
        fold_new_results(db, actor="asset")
    elif not existing:
        return
    elif kind == "checkout":
        active = [v for v, _, _, a in existing if a]
        checkout(db, config, rng.choice(active), reason="random")
    elif kind == "baseline":
        active = [v for v, _, _, a in existing if a]
        set_baseline(db, config, rng.choice(active))
    elif kind == "clear" and any(b for _, _, b, _ in existing):
        db.execute("SELECT clear_baseline(%s, %s, %s, %s, 'bob', 'reset')", config)
    elif kind in ("deactivate", "activate"):
        candidates = [v for v, c, b, _ in existing if not c and not b]
        if candidates:
            db.execute(
                "SELECT set_snapshot_active(%s, %s, %s, %s, %s, %s)",
                (*config, rng.choice(candidates), kind == "activate"),
            )
    elif kind == "refused":  # a refused change leaves no trace
        (current,) = [v for v, c, _, _ in existing if c]
        with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
            db.execute("SELECT set_snapshot_active(%s, %s, %s, %s, %s, false)", (*config, current))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_rebuild_equals_live_on_a_random_history(db, seed):
    rng = random.Random(seed)
    counter = iter(range(10**6))
    for _ in range(100):
        if rng.random() < 0.25:  # several steps in one transaction
            with db.transaction():
                for _ in range(rng.randint(2, 4)):
                    _random_step(db, rng, counter)
        else:
            _random_step(db, rng, counter)
    fold_new_results(db)

    live = db.execute(f"SELECT {SNAPSHOT_COLUMNS} FROM benchmark_snapshots ORDER BY id").fetchall()
    assert len(live) >= 20
    assert rebuild_differences(db) == []
    # Exactly one current version for every configuration that has versions.
    assert db.execute(
        "SELECT count(DISTINCT (model_version, dataset_version, prompt_version,"
        " environment)), count(*) FILTER (WHERE is_current)"
        " FROM benchmark_snapshots"
    ).fetchone() in {(n, n) for n in range(100)}

    assert db.execute("SELECT restore_snapshots()").fetchone()[0] == len(live)
    assert (
        db.execute(f"SELECT {SNAPSHOT_COLUMNS} FROM benchmark_snapshots ORDER BY id").fetchall()
        == live
    )
