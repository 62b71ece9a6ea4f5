"""`benchmon export transactions|snapshots|trends`: rows for a spreadsheet, a notebook or
another database, as CSV, JSON lines or Parquet.

Streamed: the database writes the rows with `COPY (SELECT …) TO STDOUT` and each chunk is
written out as it arrives, so a million rows never sit in memory (benchmarks/ measures it
beside a bare COPY). CSV is PostgreSQL's own; a JSON line is `row_to_json()` of the row
(metrics as an object, times as ISO 8601 in UTC). Parquet is read through a server-side
cursor `PARQUET_BATCH_ROWS` rows at a time, each batch written as a row group with pyarrow
(typed columns: times as UTC timestamps, metrics as a map of name to float64), so memory
stays that of one batch.
"""

from __future__ import annotations

import difflib

import click
import psycopg
from psycopg import sql

from benchmon_pipeline.access.configurations import Wanted, known_configurations, unknown_parts
from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import format_option
from benchmon_pipeline.cli.params import UTC_TIME
from benchmon_pipeline.cli.versions import connection
from benchmon_pipeline.regressions.escaping import visible

EXPORT_FORMATS = ("csv", "jsonl", "parquet")
PARQUET_BATCH_ROWS = 50_000

# what → (the SELECT, the column --since/--until compare)
QUERIES = {
    "transactions": (
        """SELECT id, seq, created_at, ingested_at, model_version, dataset_version,
                  prompt_version, environment, branch_name, commit_sha, model_provider,
                  run_id, triggered_by, duration_seconds, tags, notes, source, content_sha256,
                  metrics, metric_directions
             FROM benchmark_transactions""",
        "created_at",
    ),
    "snapshots": (
        """SELECT id, model_version, dataset_version, prompt_version, environment,
                  snapshot_version, created_at, first_seen_at, last_updated_at, is_current,
                  is_baseline, is_active, run_count, transaction_id, metrics
             FROM benchmark_snapshots""",
        "created_at",
    ),
    "trends": (
        """SELECT day, model_version, dataset_version, prompt_version, environment,
                  branch_name, metric, direction, sample_count, mean, min, max, stddev, p50,
                  p95, refreshed_at
             FROM daily_performance_trends""",
        "day",
    ),
}
ORDER = {
    "transactions": "created_at, seq",
    "snapshots": "model_version, dataset_version, prompt_version, environment, snapshot_version",
    "trends": "day, model_version, dataset_version, prompt_version, environment, "
    "branch_name, metric",
}
FILTERS = {
    "model": "model_version",
    "dataset": "dataset_version",
    "prompt": "prompt_version",
    "environment": "environment",
    "branch": "branch_name",
}


def _query(what: str, filters: dict, since, until) -> tuple[sql.Composed, dict]:
    select, time_column = QUERIES[what]
    where, params = [], {}
    for flag, column in FILTERS.items():
        if filters.get(flag) is not None:
            where.append(sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(flag)))
            params[flag] = filters[flag]
    if since is not None:
        where.append(sql.SQL("{} >= %(since)s").format(sql.Identifier(time_column)))
        params["since"] = since
    if until is not None:
        where.append(sql.SQL("{} < %(until)s").format(sql.Identifier(time_column)))
        params["until"] = until
    query = sql.SQL(select)
    if where:
        query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
    return query + sql.SQL(" ORDER BY " + ORDER[what]), params


def undo_copy_escapes(chunks):
    """COPY's text format doubles every backslash; a JSON text holds no other character it
    escapes (JSON escapes its own control characters). Undone chunk by chunk, holding back
    a backslash whose pair is in the next chunk."""
    carry = b""
    for chunk in chunks:
        data = carry + bytes(chunk)
        trailing = len(data) - len(data.rstrip(b"\\"))
        carry = b"\\" if trailing % 2 else b""
        if carry:
            data = data[:-1]
        yield data.replace(b"\\\\", b"\\")
    if carry:
        yield carry


def export_rows(
    conn: psycopg.Connection, what: str, fmt: str, out, *, filters: dict, since=None, until=None
) -> int:
    """Write `what` to the binary stream `out`; returns how many rows."""
    query, params = _query(what, filters, since, until)
    if fmt == "csv":
        copy_sql = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)
    else:
        copy_sql = sql.SQL("COPY (SELECT row_to_json(r) FROM ({}) AS r) TO STDOUT").format(query)
    conn.execute("SET TimeZone = 'UTC'")
    with conn.cursor() as cursor:
        with cursor.copy(copy_sql, params) as copy:
            chunks = iter(copy)
            for data in undo_copy_escapes(chunks) if fmt == "jsonl" else chunks:
                out.write(data)
        return cursor.rowcount


def parquet_schema(what: str):
    """The Arrow schema of an export, in QUERIES' column order."""
    import pyarrow as pa

    text, utc = pa.string(), pa.timestamp("us", tz="UTC")
    metrics = pa.map_(pa.string(), pa.float64())
    parts = [(name, text) for name in FILTERS.values() if name != "branch_name"]
    fields = {
        "transactions": [
            ("id", text),
            ("seq", pa.int64()),
            ("created_at", utc),
            ("ingested_at", utc),
            *parts,
            ("branch_name", text),
            ("commit_sha", text),
            ("model_provider", text),
            ("run_id", text),
            ("triggered_by", text),
            ("duration_seconds", pa.float64()),
            ("tags", pa.list_(text)),
            ("notes", text),
            ("source", text),
            ("content_sha256", text),
            ("metrics", metrics),
            ("metric_directions", pa.map_(text, text)),
        ],
        "snapshots": [
            ("id", text),
            *parts,
            ("snapshot_version", pa.int32()),
            ("created_at", utc),
            ("first_seen_at", utc),
            ("last_updated_at", utc),
            ("is_current", pa.bool_()),
            ("is_baseline", pa.bool_()),
            ("is_active", pa.bool_()),
            ("run_count", pa.int32()),
            ("transaction_id", text),
            ("metrics", metrics),
        ],
        "trends": [
            ("day", pa.date32()),
            *parts,
            ("branch_name", text),
            ("metric", text),
            ("direction", text),
            ("sample_count", pa.int32()),
            *((name, pa.float64()) for name in ("mean", "min", "max", "stddev", "p50", "p95")),
            ("refreshed_at", utc),
        ],
    }[what]
    return pa.schema(fields)


def _arrow_value(kind):
    """How a value psycopg read becomes the Arrow type's (None stays None)."""
    import pyarrow as pa

    if pa.types.is_map(kind):
        return lambda value: None if value is None else list(value.items())
    if pa.types.is_string(kind):
        return lambda value: None if value is None else str(value)  # uuid → text
    if pa.types.is_floating(kind):
        return lambda value: None if value is None else float(value)  # numeric → float
    return None


def export_parquet(
    conn: psycopg.Connection, what: str, path, *, filters: dict, since=None, until=None
) -> int:
    """Write `what` to the Parquet file `path` (a name or a binary file), batch by batch;
    returns how many rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    query, params = _query(what, filters, since, until)
    schema = parquet_schema(what)
    convert = [_arrow_value(f.type) for f in schema]
    count = 0
    conn.execute("SET TimeZone = 'UTC'")
    with (
        conn.transaction(),  # a server-side cursor lives in a transaction
        conn.cursor(name=f"benchmon_export_{what}") as cursor,
        pq.ParquetWriter(path, schema) as writer,
    ):
        cursor.itersize = PARQUET_BATCH_ROWS
        cursor.execute(query, params)
        while rows := cursor.fetchmany(PARQUET_BATCH_ROWS):
            columns = list(zip(*rows, strict=True))
            arrays = [
                pa.array(column if to is None else [to(v) for v in column], type=f.type)
                for f, to, column in zip(schema, convert, columns, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            count += len(rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def _export_command(what: str, help_text: str):
    @click.command(what, help=help_text)
    @click.option("--model", help="Only this model_version.")
    @click.option("--dataset", help="Only this dataset_version.")
    @click.option("--prompt", help="Only this prompt_version.")
    @click.option("--environment", help="Only this environment.")
    @click.option(
        "--branch", help="Only this branch." if what != "snapshots" else "(not for snapshots)"
    )
    @click.option("--since", type=UTC_TIME, help="From this date or ISO 8601 time (UTC), included.")
    @click.option(
        "--until", type=UTC_TIME, help="Up to this date or ISO 8601 time (UTC), excluded."
    )
    @click.option(
        "--output",
        "-o",
        type=click.Path(allow_dash=True),
        default="-",
        show_default=True,
        help="File to write, or - for stdout (not for parquet).",
    )
    @format_option(default="csv", choices=EXPORT_FORMATS)
    def command(model, dataset, prompt, environment, branch, since, until, output, fmt):
        if branch is not None and what == "snapshots":
            raise click.UsageError("snapshots have no branch (the tracked branch made them)")
        filters = {
            "model": model,
            "dataset": dataset,
            "prompt": prompt,
            "environment": environment,
            "branch": branch,
        }
        if since is not None and until is not None and until <= since:
            raise click.BadParameter(
                f"{until.isoformat()} is not after --since {since.isoformat()}: the range "
                "would be empty",
                param_hint="--until",
            )
        if fmt == "parquet" and output == "-":
            raise click.UsageError(
                "Parquet is written to a file, not to stdout: pass --output FILE",
                ctx=click.get_current_context(),
            )
        with connection() as conn:
            _refuse_unknown_names(conn, what, filters)
            if output == "-":
                count = export_rows(
                    conn,
                    what,
                    fmt,
                    click.get_binary_stream("stdout"),
                    filters=filters,
                    since=since,
                    until=until,
                )
            else:
                with _opened(output) as out:
                    if fmt == "parquet":
                        count = export_parquet(
                            conn, what, out, filters=filters, since=since, until=until
                        )
                    else:
                        count = export_rows(
                            conn, what, fmt, out, filters=filters, since=since, until=until
                        )
        click.echo(f"exported {count} {what} rows", err=True)

    return command


def _opened(output: str):
    """The file --output names, open for writing; a path that cannot be written (no such
    folder, a folder, no permission) is the user's to fix: one line and exit 65, before a
    row is read."""
    try:
        return open(output, "wb")  # noqa: SIM115 (the caller's `with` closes it)
    except OSError as exc:
        raise CliError(
            f"cannot write --output {output}: {exc.strerror or exc}", exits.INVALID_INPUT
        ) from exc


def _refuse_unknown_names(conn: psycopg.Connection, what: str, filters: dict) -> None:
    """Names that match nothing stored are a typo until shown otherwise: exit 65 with the
    near matches, as `configs` and `history` answer (access/configurations.py). Asked only
    when no row of the export matches the names, so a model that only a pull request's
    branch has (in the log, with no snapshot) is exported as it is."""
    if not any(value is not None for value in filters.values()):
        return
    query, params = _query(what, filters, None, None)
    if conn.execute(sql.SQL("SELECT EXISTS ({})").format(query), params).fetchone()[0]:
        return
    wanted = Wanted(filters["model"], filters["dataset"], filters["prompt"], filters["environment"])
    problems = unknown_parts(known_configurations(conn), wanted)
    branch = filters.get("branch")
    if branch is not None:
        known = [
            name
            for (name,) in conn.execute(
                "SELECT DISTINCT branch_name FROM benchmark_transactions"
                " WHERE branch_name IS NOT NULL ORDER BY 1"
            )
        ]
        if branch not in known:
            near = difflib.get_close_matches(branch, known, n=5, cutoff=0.6)
            hint = f"did you mean {', '.join(map(repr, near))}?" if near else "no such branch"
            problems.append(f"--branch {branch!r} matches no stored result; {hint}")
    if problems:
        raise CliError(visible("; ".join(problems)), exits.INVALID_INPUT)


@click.group("export")
def export() -> None:
    """Write the log, the snapshots or the daily trends to CSV, JSON lines or Parquet."""


export.add_command(_export_command("transactions", "Export the log: one row per stored result."))
export.add_command(
    _export_command("snapshots", "Export the snapshot versions of every configuration.")
)
export.add_command(
    _export_command("trends", "Export the daily trend rows (per day, branch and metric).")
)
