"""`benchmon db …`: schema migrations, integrity checks, psql.

`db upgrade` is, with `benchmon dev`, the only command that changes the schema; every other
command checks it read-only and names `benchmon db upgrade` when it is behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.shell import shell


@click.group()
def db() -> None:
    """Manage the results database."""


db.add_command(shell)


@db.command()
def upgrade() -> None:
    """Apply the migrations this benchmon has that the database has not seen yet.

    Run it as the database's owner (a role that may create tables), after installing or
    upgrading benchmon; other commands stop with exit 75 until it has run.
    """
    import psycopg

    from benchmon_pipeline.db import migrations

    try:
        with running_databases(migrate=True) as databases:
            total = len(migrations.discover())
            # The log's month partitions ahead of time (sql/0030): this month's and the next.
            with psycopg.connect(databases.results_url, autocommit=True) as conn:
                made = [p for (p,) in conn.execute("SELECT ensure_log_partitions()")]
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CliError(
            f"the database refused: {exc.diag.message_primary}. `db upgrade` creates and "
            "changes tables: run it as the database's owner, not as a benchmon_writer or "
            "benchmon_reader login",
            exits.NO_PERMISSION,
        ) from exc
    for name in databases.migrated:
        click.echo(f"applied {name}")
    for partition in made:
        click.echo(f"created partition {partition}")
    click.echo(f"schema is up to date ({total} migrations; {len(databases.migrated)} applied now)")


@db.command()
@click.option(
    "--full",
    is_flag=True,
    help="Check every link and row, not only what was appended since the last checkpoint.",
)
@click.option(
    "--archive",
    "archive_at",
    metavar="DIR|s3://BUCKET/PREFIX",
    help="Also re-hash the files `db archive` wrote there against what it recorded.",
)
def verify(full: bool, archive_at: str | None) -> None:
    """Recompute the transaction log's hash chain.

    By default only the links and rows appended since the last checkpoint are checked
    (the first run checks everything); an intact chain records a new checkpoint. Run
    `--full` now and then: a row altered before the last checkpoint is found only then.
    Archived rows (`db archive`) stand in the chain by the digests recorded when they
    left; `--archive` checks each archived file's sha256 and re-hashes its rows.

    \b
    Exit codes: 0 the chain is intact, 1 it is broken (the first broken link is
    printed), 69 the database cannot be reached, 75 its schema is behind.
    """
    import psycopg

    from benchmon_pipeline.warehouse import checked_since_checkpoint

    with running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            check = checked_since_checkpoint(conn, full=full)
            if not check.ok:
                raise CliError(f"BROKEN: {check.problem}", exits.FAILED)
            click.echo(f"{check.problem} (checkpoint {check.checkpoint_no} recorded)")
            if archive_at is None:
                return
            from benchmon_pipeline.warehouse import archive

            target = archive.Target(archive_at)
            files = archive.check_archive(
                conn, target, s3_client=_s3_client(target), progress=_progress
            )
    if not files.ok:
        raise CliError(f"BROKEN: {files.problem}", exits.FAILED)
    click.echo(f"archive {archive_at}: {files.problem}")


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _s3_client(target):
    if not target.is_s3:
        return None
    import boto3  # the client cli/inbox.py builds, from the same settings

    from benchmon_pipeline.settings import get_settings

    settings = get_settings()
    return boto3.client(
        "s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region or None
    )


def _month(value: str) -> str:
    import datetime as dt

    try:
        return dt.datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month: write it as YYYY-MM") from None


@db.command("archive")
@click.option(
    "--before",
    required=True,
    metavar="YYYY-MM",
    callback=lambda _ctx, _param, value: _month(value),
    help="Archive every whole month partition older than this month.",
)
@click.option(
    "--to",
    "to",
    metavar="DIR|s3://BUCKET/PREFIX",
    help="Where the Parquet files go (required unless --dry-run).",
)
@click.option("--dry-run", is_flag=True, help="Print what would leave; change nothing.")
def archive_command(before: str, to: str | None, dry_run: bool) -> None:
    """Move whole months of the log older than --before to Parquet files.

    For each month partition: its rows to `<partition>.parquet` (re-read and re-hashed
    before anything is dropped), the file's sha256 and the chain's boundary recorded in
    `log_archives`, then the partition detached and dropped. Snapshots, trends and the
    key table keep their rows; `db verify` checks the live chain past the gap, and
    `db verify --archive DIR` the files. Run it as the log's owner.

    \b
    Exit codes: 0 archived (or, with --dry-run, listed), 1 a file did not read back
    as written, the month's chain is broken or it holds a current version, 3 no month
    partition is older, 65 --before is later than the current month or --to is not
    writable, 77 not the log's owner.
    """
    import datetime as dt

    import psycopg

    from benchmon_pipeline.warehouse import archive

    current = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    if before > current:
        raise CliError(
            f"--before {before} would archive the current month ({current}), which is still "
            f"being written: give --before {current} or earlier",
            exits.INVALID_INPUT,
        )
    if not dry_run and not to:
        raise click.UsageError("--to DIR or --to s3://bucket/prefix is required (or --dry-run)")
    target = archive.Target(to) if to else None
    with running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            if not conn.execute("SELECT may_archive_log()").fetchone()[0]:
                raise CliError(
                    f"only the log's owner may archive (you are "
                    f"{conn.info.user}): run `db archive` as the role `benchmon db upgrade` "
                    "runs as",
                    exits.NO_PERMISSION,
                )
            partitions = archive.partitions_before(conn, before)
            if not partitions:
                raise CliError(
                    f"no month partition of the log is older than {before}: nothing to archive",
                    exits.NOTHING_JUDGED,
                )
            if dry_run:
                for p in partitions:
                    where = f" to {target.location(p.name + '.parquet')}" if target else ""
                    click.echo(f"would archive {p.name} ({p.month}, {p.rows} rows){where}")
                return
            client = _s3_client(target)
            try:
                target.check_writable(client)
            except archive.ArchiveError as exc:
                raise CliError(str(exc), exits.INVALID_INPUT) from exc
            for p in partitions:
                if p.rows == 0:
                    _progress(f"{p.name}: empty, left in place")
                    continue
                try:
                    location, sha256, number = archive.archive(
                        conn, p, target, s3_client=client, progress=_progress
                    )
                except psycopg.errors.InsufficientPrivilege as exc:
                    raise CliError(
                        f"the database refused: {exc.diag.message_primary}. Run `db archive` "
                        "as the log's owner (the role `benchmon db upgrade` runs as)",
                        exits.NO_PERMISSION,
                    ) from exc
                except (archive.ArchiveError, psycopg.errors.RaiseException) as exc:
                    message = getattr(getattr(exc, "diag", None), "message_primary", None)
                    raise CliError(message or str(exc), exits.FAILED) from exc
                click.echo(
                    f"archived {p.name} ({p.month}, {p.rows} rows) to {location} "
                    f"sha256 {sha256} (archive {number})"
                )


@db.command("restore-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_archive(file: Path) -> None:
    """Put an archived month's rows back into a database's log (a scratch database).

    Every column is kept but the transaction id: the rows are sealed as a new link of
    this database's chain, so `db verify` checks them there. Check the file first with
    `db verify --archive` against the database that archived it.
    """
    import psycopg

    from benchmon_pipeline.warehouse import archive

    with running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            try:
                count = archive.restore(conn, file)
            except archive.ArchiveError as exc:
                raise CliError(str(exc), exits.INVALID_INPUT) from exc
            except psycopg.errors.UniqueViolation as exc:
                raise CliError(
                    f"{file}: its rows are in this database's log already "
                    f"({exc.diag.message_detail}): restore into an empty database",
                    exits.INVALID_INPUT,
                ) from exc
            except psycopg.errors.InsufficientPrivilege as exc:
                raise CliError(
                    f"the database refused: {exc.diag.message_primary}. Restore as the "
                    "database's owner",
                    exits.NO_PERMISSION,
                ) from exc
    click.echo(f"restored {count} rows from {file}")
