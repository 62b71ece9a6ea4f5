"""`benchmon db archive`: old months to Parquet, the chain still checkable (issue 20, item 4).

Acceptance 4: archive a month, verify, restore the Parquet file into a scratch database,
verify again — through the real CLI. Plus a changed byte in the file, and the refusals.
"""

import datetime as dt
import json

import psycopg
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.settings import reset_settings
from benchmon_pipeline_tests.db.logins import login_url
from benchmon_pipeline_tests.warehouse.calls import CONFIG

NOW = dt.datetime.now(dt.UTC)
THIS_MONTH = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
OLD = (THIS_MONTH - dt.timedelta(days=70)).replace(day=10, hour=12)  # two or three months ago
OLD_MONTH = OLD.strftime("%Y-%m")
NEXT_MONTH = (THIS_MONTH + dt.timedelta(days=32)).strftime("%Y-%m")


# Every column a restore keeps (all but xact_id, which the restoring database assigns).
ROW = (
    "id, seq, created_at, ingested_at, content_sha256, source, commit_sha, branch_name,"
    " model_version, model_provider, dataset_version, prompt_version, environment, metrics,"
    " metric_directions, duration_seconds, tags, notes, run_id, triggered_by"
)


def _benchmon(db_url, *args):
    return CliRunner().invoke(cli, list(args), env={"BENCHMON_DATABASE_URL": db_url})


def _result(db, created_at, f1, *, branch=None):
    return db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s,"
        " branch_name => %s, tags => %s::text[], duration_seconds => 1.50)",
        (*CONFIG, json.dumps({"f1": f1, "latency_ms": 120}), created_at, branch, ["a", "b c"]),
    ).fetchone()[0]


@pytest.fixture
def old_and_new(db):
    """Rows in an old month and in this one; one transaction writes both (a link that the
    archive splits), a snapshot on an old row, trend rows for the old days."""
    db.execute("SELECT ensure_log_partitions(%s, %s)", (OLD, OLD))
    old_ids = [_result(db, OLD + dt.timedelta(days=d), 0.8 + d / 100) for d in range(3)]
    with db.transaction():
        old_ids.append(_result(db, OLD + dt.timedelta(days=4), 0.7, branch="mixed"))
        new_id = _result(db, NOW - dt.timedelta(minutes=5), 0.9, branch="mixed")
    _result(db, NOW - dt.timedelta(minutes=1), 0.91)
    db.execute("SELECT refresh_daily_trends(%s, %s)", (OLD.date(), NOW.date()))
    return old_ids, new_id


def test_archive_verify_restore_verify(db, db_url, fresh_database, tmp_path, old_and_new):
    old_ids, _ = old_and_new
    archive_dir = tmp_path / "archive"
    snapshots_before = db.execute(
        "SELECT id, transaction_id, metrics FROM benchmark_snapshots ORDER BY id"
    ).fetchall()
    trends_before = db.execute(
        "SELECT count(*) FROM daily_performance_trends WHERE day < %s", (THIS_MONTH.date(),)
    ).fetchone()[0]
    assert trends_before > 0

    archived_rows = db.execute(
        f"SELECT {ROW} FROM benchmark_transactions WHERE created_at < %s ORDER BY seq",
        (THIS_MONTH,),
    ).fetchall()
    assert len(archived_rows) == 4

    dry = _benchmon(db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    partition = f"benchmark_transactions_y{OLD.year}m{OLD.month:02d}"
    assert f"would archive {partition} ({OLD_MONTH}, 4 rows)" in dry.output
    assert not archive_dir.exists(), "a dry run wrote something"

    done = _benchmon(
        db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--to", str(archive_dir)
    )
    assert done.exit_code == 0, done.output
    assert f"archived {partition} ({OLD_MONTH}, 4 rows)" in done.output
    assert "4/4 rows exported" in done.stderr
    parquet = archive_dir / f"{partition}.parquet"
    assert pq.read_table(parquet).column("id").to_pylist() == [str(i) for i in old_ids]
    assert db.execute("SELECT to_regclass(%s)", (partition,)).fetchone()[0] is None
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 2
    (recorded,) = db.execute("SELECT row_count FROM log_archives").fetchone()
    assert recorded == 4

    # Snapshots (through the key table) and trends of the archived days stay.
    assert (
        db.execute(
            "SELECT id, transaction_id, metrics FROM benchmark_snapshots ORDER BY id"
        ).fetchall()
        == snapshots_before
    )
    assert (
        db.execute(
            "SELECT count(*) FROM daily_performance_trends WHERE day < %s", (THIS_MONTH.date(),)
        ).fetchone()[0]
        == trends_before
    )

    # The live chain, past the gap; then the file against what was recorded.
    verified = _benchmon(db_url, "db", "verify", "--full", "--archive", str(archive_dir))
    assert verified.exit_code == 0, verified.output
    assert "OK: 6 rows in 5 links, chain intact" in verified.output
    assert "1 archive files, 4 rows, intact" in verified.output

    scratch = fresh_database()
    reset_settings()  # a process reads its settings once; this "process" moves on
    restored = _benchmon(scratch, "db", "restore-archive", str(parquet))
    assert restored.exit_code == 0, restored.output
    assert "restored 4 rows" in restored.output
    again = _benchmon(scratch, "db", "verify", "--full")
    assert again.exit_code == 0, again.output
    assert "OK: 4 rows in 1 links, chain intact" in again.output
    with psycopg.connect(scratch) as conn:
        back = conn.execute(f"SELECT {ROW} FROM benchmark_transactions ORDER BY seq").fetchall()
    assert back == archived_rows


def test_a_changed_byte_in_the_file_is_named_by_verify(db, db_url, tmp_path, old_and_new):
    archive_dir = tmp_path / "archive"
    done = _benchmon(
        db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--to", str(archive_dir)
    )
    assert done.exit_code == 0, done.output
    (parquet,) = archive_dir.glob("*.parquet")
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 0x01
    parquet.write_bytes(bytes(data))
    checked = _benchmon(db_url, "db", "verify", "--archive", str(archive_dir))
    assert checked.exit_code == 1, checked.output
    assert f"BROKEN: {parquet}: sha256" in checked.output
    assert "the file was changed" in checked.output


def test_a_row_of_an_archived_month_altered_before_it_left_is_not_archived(
    db, db_url, tmp_path, old_and_new
):
    old_ids, _ = old_and_new
    with db.transaction():
        db.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
        db.execute(
            "UPDATE benchmark_transactions SET notes = 'rewritten' WHERE id = %s", (old_ids[1],)
        )
        db.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")
    done = _benchmon(
        db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--to", str(tmp_path)
    )
    assert done.exit_code == 1, done.output
    assert "the chain around" in done.output and "differs from what link" in done.output
    assert db.execute("SELECT count(*) FROM log_archives").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 6


def test_a_month_holding_a_current_version_stays(db, db_url, tmp_path, old_and_new):
    stale = ("stale-model", *CONFIG[1:])
    db.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, '{\"f1\": 0.5}'::jsonb, created_at => %s)",
        (*stale, OLD),
    )
    done = _benchmon(
        db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--to", str(tmp_path)
    )
    assert done.exit_code == 1, done.output
    assert (
        "holds the current version of stale-model / benchmark-set-v3 / analysis-v4 / "
        "production (and 0 more configurations)" in done.output
    )
    assert db.execute("SELECT count(*) FROM benchmark_transactions").fetchone()[0] == 7


def test_refusals(db, db_url, tmp_path, old_and_new):
    current = _benchmon(db_url, "db", "archive", "--before", NEXT_MONTH, "--to", str(tmp_path))
    assert current.exit_code == 65, current.output
    assert "would archive the current month" in current.output

    nothing = _benchmon(db_url, "db", "archive", "--before", OLD_MONTH, "--to", str(tmp_path))
    assert nothing.exit_code == 3, nothing.output
    assert f"no month partition of the log is older than {OLD_MONTH}" in nothing.output

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    unwritable = _benchmon(
        db_url, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--to", str(blocked)
    )
    assert unwritable.exit_code == 65, unwritable.output
    assert f"{blocked} is not writable" in unwritable.output
    assert db.execute("SELECT count(*) FROM log_archives").fetchone()[0] == 0

    with login_url(db_url, "benchmon_writer") as writer:
        reset_settings()
        not_owner = _benchmon(
            writer, "db", "archive", "--before", THIS_MONTH.strftime("%Y-%m"), "--dry-run"
        )
    assert not_owner.exit_code == 77, not_owner.output
    assert "only the log's owner may archive (you are t_writer_" in not_owner.output

    db.execute("SET ROLE benchmon_writer")
    assert db.execute("SELECT count(*) FROM log_archives").fetchone() == (0,)  # reads it
    with pytest.raises(Exception, match="only the log's owner may archive|permission denied"):
        db.execute(
            "SELECT archive_log_partition(%s, 'x', repeat('0', 64), 4)",
            (f"benchmark_transactions_y{OLD.year}m{OLD.month:02d}",),
        )


def test_archive_to_the_bucket_and_verify_from_it(db, db_url, s3_bucket, old_and_new):
    client, bucket, endpoint = s3_bucket
    env = {
        "BENCHMON_DATABASE_URL": db_url,
        "BENCHMON_S3_ENDPOINT_URL": endpoint,
        "BENCHMON_S3_REGION": "us-east-1",
    }

    def benchmon(*args):
        return CliRunner().invoke(cli, list(args), env=env)

    before = THIS_MONTH.strftime("%Y-%m")
    missing = benchmon("db", "archive", "--before", before, "--to", "s3://no-such-bucket/x")
    assert missing.exit_code == 65, missing.output
    assert "s3://no-such-bucket/x is not writable" in missing.output

    done = benchmon("db", "archive", "--before", before, "--to", f"s3://{bucket}/archive")
    assert done.exit_code == 0, done.output
    partition = f"benchmark_transactions_y{OLD.year}m{OLD.month:02d}"
    key = f"archive/{partition}.parquet"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    (location,) = db.execute("SELECT location FROM log_archives").fetchone()
    assert location == f"s3://{bucket}/{key}"

    verified = benchmon("db", "verify", "--archive", f"s3://{bucket}/archive")
    assert verified.exit_code == 0, verified.output
    assert "1 archive files, 4 rows, intact" in verified.output

    client.put_object(Bucket=bucket, Key=key, Body=b"PAR1 not what was archived")
    changed = benchmon("db", "verify", "--archive", f"s3://{bucket}/archive")
    assert changed.exit_code == 1, changed.output
    assert f"{partition}.parquet: sha256" in changed.output
