"""`benchmon db …`: schema migrations, integrity checks, psql.

`db upgrade` is, with `benchmon dev`, the only command that changes the schema; every other
command checks it read-only and names `benchmon db upgrade` when it is behind.
"""

from __future__ import annotations

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
def verify(full: bool) -> None:
    """Recompute the transaction log's hash chain.

    By default only the links and rows appended since the last checkpoint are checked
    (the first run checks everything); an intact chain records a new checkpoint. Run
    `--full` now and then: a row altered before the last checkpoint is found only then.

    \b
    Exit codes: 0 the chain is intact, 1 it is broken (the first broken link is
    printed), 69 the database cannot be reached, 75 its schema is behind.
    """
    import psycopg

    from benchmon_pipeline.warehouse import checked_since_checkpoint

    with running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            check = checked_since_checkpoint(conn, full=full)
    if check.ok:
        click.echo(f"{check.problem} (checkpoint {check.checkpoint_no} recorded)")
        return
    raise CliError(f"BROKEN: {check.problem}", exits.FAILED)
