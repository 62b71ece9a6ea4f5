"""The snapshots asset's `changes` metadata names whatever metrics a result has: a software
benchmark's ns/op and bytes as well as a model's F1 (it used to show f1 and latency_ms
only, so a software benchmark's changes read as empty)."""

from benchmon_pipeline.snapshots.changes import changes_since, markdown_table
from benchmon_pipeline_tests.regressions.rendered import table_rows
from benchmon_pipeline_tests.warehouse.calls import upsert

BENCH = ("BM_Parse/1024", "corpus-v2", "-", "ci-x86")


def test_a_software_benchmarks_changes_show_its_own_metrics(db):
    upsert(db, BENCH, {"ns_per_op": 120.0, "bytes_per_op": 64, "allocs": 3})
    upsert(db, BENCH, {"ns_per_op": 150.0, "bytes_per_op": 64, "allocs": 3})
    rows = table_rows(markdown_table(changes_since(db, 0)))
    assert [row[:6] for row in rows] == [
        ["new_version", *BENCH, "v1"],
        ["new_version", *BENCH, "v2"],
    ]
    assert rows[0][6] == "allocs 3; bytes_per_op 64; ns_per_op 120"
    assert rows[1][6] == "ns_per_op 150 (was 120, +25.0 %); allocs 3 (=); bytes_per_op 64 (=)"


def test_only_the_changes_after_the_given_event_are_listed(db):
    upsert(db, BENCH, {"ns_per_op": 120.0})
    (last,) = db.execute("SELECT max(event_id) FROM snapshot_events").fetchone()
    upsert(db, BENCH, {"ns_per_op": 100.0, "p99_ns": 180.0})
    (row,) = table_rows(markdown_table(changes_since(db, last)))
    assert row[5:] == ["v2", "ns_per_op 100 (was 120, -16.7 %); p99_ns 180 (new)"]
