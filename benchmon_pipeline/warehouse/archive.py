"""Retention: whole month partitions of the log to Parquet and back (sql/0031).

`archive` exports a partition in the transaction that locks it, re-reads the file it wrote
and has PostgreSQL re-hash its rows against the live ones before `archive_log_partition()`
records the file and drops the partition: nothing leaves that the file does not hold.
`check_archive` re-hashes a file against what was recorded; `restore` puts a file's rows
into another database's log (a scratch database), where they are sealed as a new link.

Every column is kept with its exact PostgreSQL text where a Parquet type would round it:
jsonb as its canonical text, numeric as text, uuid as text, xid8 as uint64; timestamps are
microseconds in UTC, PostgreSQL's own precision. So a row read back hashes as it did.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql

# (column, its type in Parquet, the SELECT expression that reads it exactly)
COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("seq", pa.int64(), "seq"),
    ("id", pa.string(), "id::text"),
    ("xact_id", pa.uint64(), "xact_id::text::bigint"),
    ("created_at", pa.timestamp("us", tz="UTC"), "created_at"),
    ("ingested_at", pa.timestamp("us", tz="UTC"), "ingested_at"),
    ("content_sha256", pa.string(), "content_sha256"),
    ("source", pa.string(), "source"),
    ("commit_sha", pa.string(), "commit_sha"),
    ("branch_name", pa.string(), "branch_name"),
    ("model_version", pa.string(), "model_version"),
    ("model_provider", pa.string(), "model_provider"),
    ("dataset_version", pa.string(), "dataset_version"),
    ("prompt_version", pa.string(), "prompt_version"),
    ("environment", pa.string(), "environment"),
    ("metrics", pa.string(), "metrics::text"),
    ("metric_directions", pa.string(), "metric_directions::text"),
    ("duration_seconds", pa.string(), "duration_seconds::text"),
    ("tags", pa.list_(pa.string()), "tags"),
    ("notes", pa.string(), "notes"),
    ("run_id", pa.string(), "run_id"),
    ("triggered_by", pa.string(), "triggered_by"),
    ("content_json", pa.string(), "content_json"),
]
SCHEMA = pa.schema([(name, kind) for name, kind, _ in COLUMNS])
BATCH = 50_000
Progress = Callable[[str], None]


class ArchiveError(Exception):
    """The archive cannot be written or read; the message says which file and why."""


@dataclass(frozen=True)
class Target:
    """Where archive files go: a local folder or `s3://bucket/prefix`."""

    url: str

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    def _bucket_key(self, name: str = "") -> tuple[str, str]:
        bucket, _, prefix = self.url.removeprefix("s3://").partition("/")
        return bucket, "/".join(p for p in (prefix.strip("/"), name) if p)

    def location(self, name: str) -> str:
        if self.is_s3:
            bucket, key = self._bucket_key(name)
            return f"s3://{bucket}/{key}"
        return str(Path(self.url).resolve() / name)

    def check_writable(self, s3_client=None) -> None:
        """Write and remove a probe; raise ArchiveError saying why not."""
        if self.is_s3:
            bucket, key = self._bucket_key(".benchmon-write-probe")
            try:
                s3_client.put_object(Bucket=bucket, Key=key, Body=b"")
                s3_client.delete_object(Bucket=bucket, Key=key)
            except Exception as exc:  # botocore's errors: any of them means "not writable"
                raise ArchiveError(f"{self.url} is not writable: {exc}") from exc
            return
        folder = Path(self.url)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".benchmon-write-probe"):
                pass
        except OSError as exc:
            raise ArchiveError(f"{folder} is not writable: {exc.strerror}") from exc

    def put(self, name: str, local: Path, s3_client=None) -> str:
        if self.is_s3:
            bucket, key = self._bucket_key(name)
            s3_client.upload_file(str(local), bucket, key)
        else:
            target = Path(self.url) / name
            if target.exists():
                raise ArchiveError(f"{target} exists already: move it away or choose --to")
            os.replace(local, target)
        return self.location(name)

    def fetch(self, name: str, into: Path, s3_client=None) -> Path:
        """The file `name` of this archive as a local path (downloaded into `into`)."""
        if not self.is_s3:
            path = Path(self.url) / name
            if not path.is_file():
                raise ArchiveError(f"{path}: the archive file is missing")
            return path
        bucket, key = self._bucket_key(name)
        local = into / name
        try:
            s3_client.download_file(bucket, key, str(local))
        except Exception as exc:
            raise ArchiveError(f"s3://{bucket}/{key}: cannot read it: {exc}") from exc
        return local


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Partition:
    name: str
    month: str  # YYYY-MM
    rows: int


def partitions_before(conn: psycopg.Connection, before: str) -> list[Partition]:
    """The month partitions wholly before `before` (YYYY-MM), with their row counts."""
    found = conn.execute(
        "SELECT partition, to_char(month_from AT TIME ZONE 'UTC', 'YYYY-MM')"
        "  FROM log_partitions_before((%s || '-01')::timestamp AT TIME ZONE 'UTC')",
        (before,),
    ).fetchall()
    count = "SELECT count(*) FROM benchmark_transactions WHERE tableoid = %s::regclass"
    return [
        Partition(name, month, conn.execute(count, (name,)).fetchone()[0]) for name, month in found
    ]


def _batches(conn: psycopg.Connection, partition: str) -> Iterator[pa.RecordBatch]:
    query = sql.SQL("SELECT {} FROM {} ORDER BY seq").format(
        sql.SQL(", ").join(sql.SQL(expr) for _, _, expr in COLUMNS), sql.Identifier(partition)
    )
    with conn.cursor(name=f"export_{partition}") as cur:
        cur.execute(query)
        while rows := cur.fetchmany(BATCH):
            columns = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(values, type=kind)
                    for values, (_, kind, _) in zip(columns, COLUMNS, strict=True)
                ],
                schema=SCHEMA,
            )


def _load(conn: psycopg.Connection, path: Path, table: str) -> int:
    """The file's rows into a temporary table shaped like the log; returns their count."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveError(f"{path}: not a readable Parquet file ({exc})") from exc
    missing = set(SCHEMA.names) - set(parquet.schema_arrow.names)
    if missing:
        raise ArchiveError(f"{path}: not a benchmon archive (no column {sorted(missing)[0]})")
    conn.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} (LIKE benchmark_transactions) ON COMMIT DROP").format(
            sql.Identifier(table)
        )
    )
    names = sql.SQL(", ").join(sql.Identifier(n) for n in SCHEMA.names)
    count = 0
    with conn.cursor().copy(
        sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
    ) as copy:
        for batch in parquet.iter_batches(batch_size=BATCH, columns=SCHEMA.names):
            for row in zip(*(batch.column(n).to_pylist() for n in SCHEMA.names), strict=True):
                copy.write_row(row)
                count += 1
    return count


def archive(
    conn: psycopg.Connection,
    partition: Partition,
    target: Target,
    *,
    s3_client=None,
    progress: Progress = lambda _: None,
) -> tuple[str, str, int]:
    """Export, re-check, record, drop one partition; returns (location, sha256, archive_no).

    One transaction: the partition is locked first, so no row arrives between the export
    and the drop, and a failure anywhere leaves the partition where it was."""
    name = f"{partition.name}.parquet"
    with tempfile.TemporaryDirectory(prefix="benchmon-archive-") as scratch:
        local = Path(scratch) / name
        with conn.transaction():
            conn.execute(
                sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(partition.name))
            )
            written = 0
            with pq.ParquetWriter(local, SCHEMA, compression="zstd") as writer:
                for batch in _batches(conn, partition.name):
                    writer.write_batch(batch)
                    written += batch.num_rows
                    progress(f"{partition.name}: {written}/{partition.rows} rows exported")
            sha256 = file_sha256(local)
            # The file as written, re-read and re-hashed by PostgreSQL against the live rows.
            _load(conn, local, "archive_check")
            differs = conn.execute(
                sql.SQL(
                    "SELECT coalesce(f.seq, t.seq) FROM archive_check f"
                    " FULL JOIN (SELECT l.seq, transaction_row_digest(l) AS digest"
                    "              FROM benchmark_transactions l WHERE l.tableoid = {}::regclass) t"
                    "   ON t.seq = f.seq"
                    " WHERE t.digest IS DISTINCT FROM"
                    "       transaction_row_digest(ROW(f.*)::benchmark_transactions)"
                    " ORDER BY 1 LIMIT 1"
                ).format(sql.Literal(partition.name))
            ).fetchone()
            if differs:
                raise ArchiveError(
                    f"{name}: row seq {differs[0]} reads back differently from the log "
                    "(nothing archived; please report it)"
                )
            location = target.put(name, local, s3_client)
            progress(f"{partition.name}: written to {location}; detaching")
            (archive_no,) = conn.execute(
                "SELECT archive_log_partition(%s, %s, %s, %s)",
                (partition.name, location, sha256, written),
            ).fetchone()
    return location, sha256, archive_no


@dataclass(frozen=True)
class ArchiveCheck:
    ok: bool
    problem: str


def check_archive(
    conn: psycopg.Connection, source: Target, *, s3_client=None, progress: Progress = print
) -> ArchiveCheck:
    """Every recorded archive file in `source`: its sha256, then each row re-hashed against
    the digest recorded when it left (which the live chain's check holds to the seals)."""
    archives = conn.execute(
        "SELECT archive_no, location, file_sha256, row_count FROM log_archives ORDER BY archive_no"
    ).fetchall()
    total = 0
    with tempfile.TemporaryDirectory(prefix="benchmon-archive-") as scratch:
        for archive_no, location, recorded_sha, row_count in archives:
            name = location.rsplit("/", 1)[-1]
            try:
                path = source.fetch(name, Path(scratch), s3_client)
            except ArchiveError as exc:
                return ArchiveCheck(False, str(exc))
            actual = file_sha256(path)
            if actual != recorded_sha:
                return ArchiveCheck(
                    False,
                    f"{path}: sha256 {actual} is not the {recorded_sha} recorded when it "
                    f"was archived (archive {archive_no}): the file was changed",
                )
            with conn.transaction():
                loaded = _load(conn, path, "archive_check")
                differs = conn.execute(
                    "SELECT coalesce(f.seq, a.seq) FROM archive_check f"
                    " FULL JOIN (SELECT * FROM log_archived_rows WHERE archive_no = %s) a"
                    "   ON a.seq = f.seq"
                    " WHERE a.digest IS DISTINCT FROM"
                    "       transaction_row_digest(ROW(f.*)::benchmark_transactions)"
                    " ORDER BY 1 LIMIT 1",
                    (archive_no,),
                ).fetchone()
            if differs or loaded != row_count:
                return ArchiveCheck(
                    False,
                    f"{path}: row seq {differs[0] if differs else '?'} does not hash to the "
                    f"digest recorded when it was archived (archive {archive_no})",
                )
            total += loaded
            progress(f"{name}: {loaded} rows match")
    return ArchiveCheck(True, f"{len(archives)} archive files, {total} rows, intact")


def restore(conn: psycopg.Connection, path: Path) -> int:
    """The file's rows into this database's log, keeping every column but xact_id: this
    database seals them as a link of its own chain. Returns the number of rows."""
    insert = [n for n in SCHEMA.names if n != "xact_id"]
    with conn.transaction():
        count = _load(conn, path, "archive_restore")
        conn.execute(
            "SELECT count(*) FROM ensure_log_partitions("
            " (SELECT min(created_at) FROM archive_restore),"
            " (SELECT max(created_at) FROM archive_restore))"
        )
        names = sql.SQL(", ").join(sql.Identifier(n) for n in insert)
        conn.execute(
            sql.SQL(
                "INSERT INTO benchmark_transactions ({}) OVERRIDING SYSTEM VALUE"
                " SELECT {} FROM archive_restore ORDER BY seq"
            ).format(names, names)
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('benchmark_transactions', 'seq'),"
            " greatest((SELECT max(seq) FROM benchmark_transactions),"
            "          (SELECT last_value FROM benchmark_transactions_seq_seq)))"
        )
    return count
