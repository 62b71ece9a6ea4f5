"""`benchmon export … --format parquet` through the real entry point: every row and value the
database holds, read back with pyarrow, in typed columns (UTC timestamps, float64
metrics); written batch by batch; refused on stdout."""

from datetime import UTC, datetime, timedelta

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg.types.json import Jsonb

from benchmon_pipeline.cli import export
from benchmon_pipeline_tests.cli.test_versions import benchmon, ok

START = datetime(2026, 11, 1, 9, tzinfo=UTC)


def seed(url: str, count: int = 7) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for n in range(count):
            conn.execute(
                "SELECT upsert_benchmark_result(%s::text, 'set-a', 'prompt-a', %s::text, %s,"
                " %s::timestamptz, commit_sha => %s::text, branch_name => 'main',"
                " duration_seconds => %s::numeric, tags => %s::text[])",
                (
                    "org/model-a" if n % 2 else "model-b",
                    "production" if n < 5 else "staging",
                    Jsonb({"f1": round(0.8 + n / 100, 2), "latency_ms": 400 + n, "cost": 1e-4}),
                    START + timedelta(hours=n),
                    f"{n}" * 40,
                    1.5 * n,
                    ["nightly", f"n{n}"],
                ),
            )


def test_parquet_holds_every_row_and_value_of_the_database(db_url, tmp_path):
    seed(db_url)
    target = tmp_path / "log.parquet"
    done = benchmon(
        "export", "transactions", "--format", "parquet", "--output", str(target),
        url=db_url, cwd=tmp_path,
    )  # fmt: skip
    ok(done)
    assert done.stderr.splitlines()[-1] == "exported 7 transactions rows"

    table = pq.read_table(target)
    assert table.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("metrics").type == pa.map_(pa.string(), pa.float64())
    assert table.schema.field("duration_seconds").type == pa.float64()
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            "SELECT id::text, seq, created_at, model_version, environment, commit_sha, tags,"
            " duration_seconds::float8, metrics FROM benchmark_transactions"
            " ORDER BY created_at, seq"
        ).fetchall()
    read = table.to_pylist()
    assert len(read) == len(stored) == 7
    for row, (id_, seq, created, model, environment, commit, tags, duration, metrics) in zip(
        read, stored, strict=True
    ):
        assert (row["id"], row["seq"], row["created_at"]) == (id_, seq, created)
        assert (row["model_version"], row["environment"], row["commit_sha"]) == (
            model,
            environment,
            commit,
        )
        assert (row["tags"], row["duration_seconds"]) == (tags, duration)
        assert dict(row["metrics"]) == {k: float(v) for k, v in metrics.items()}

    snapshots = tmp_path / "snapshots.parquet"
    ok(
        benchmon(
            "export",
            "snapshots",
            "--format",
            "parquet",
            "--output",
            str(snapshots),
            "--environment",
            "staging",
            url=db_url,
            cwd=tmp_path,
        )  # fmt: skip
    )
    current = [r for r in pq.read_table(snapshots).to_pylist() if r["is_current"]]
    assert sorted((r["model_version"], dict(r["metrics"])["f1"]) for r in current) == [
        ("model-b", 0.86),
        ("org/model-a", 0.85),
    ]

    empty = tmp_path / "trends.parquet"
    ok(
        benchmon(
            "export",
            "trends",
            "--format",
            "parquet",
            "--output",
            str(empty),
            url=db_url,
            cwd=tmp_path,
        )  # fmt: skip
    )
    assert pq.read_table(empty).num_rows == 0
    assert pq.read_schema(empty).field("day").type == pa.date32()


def test_parquet_is_refused_on_stdout(db_url, tmp_path):
    done = benchmon("export", "transactions", "--format", "parquet", url=db_url, cwd=tmp_path)
    assert done.returncode == 2
    assert "Parquet is written to a file, not to stdout: pass --output FILE" in done.stderr
    assert done.stdout == ""


def test_parquet_is_written_batch_by_batch(db, db_url, tmp_path, monkeypatch):
    seed(db_url)
    monkeypatch.setattr(export, "PARQUET_BATCH_ROWS", 3)
    target = tmp_path / "batched.parquet"
    count = export.export_parquet(db, "transactions", str(target), filters={})
    assert count == 7
    written = pq.ParquetFile(target)
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [
        3,
        3,
        1,
    ]
