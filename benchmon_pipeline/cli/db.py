"""`benchmon db …`: schema migrations and integrity checks."""

from __future__ import annotations

import click
import psycopg

from benchmon_pipeline.cli.environment import as_click_error, describe, running_databases
from benchmon_pipeline.db import migrations
from benchmon_pipeline.warehouse import verify_transaction_log


@click.group()
def db() -> None:
    """Manage the results database."""


@db.command()
def upgrade() -> None:
    """Apply the migrations in sql/ that this database has not seen yet."""
    with as_click_error(), running_databases(migrate=False) as databases:
        click.echo(describe(databases))
        applied = migrations.upgrade(databases.results_url)
        total = len(migrations.discover())
        click.echo(f"schema is up to date ({total} migrations; {len(applied)} applied now)")


@db.command()
def verify() -> None:
    """Recompute the transaction log's hash chain; exit 1 at the first broken link."""
    with as_click_error(), running_databases(migrate=False) as databases:
        click.echo(describe(databases), err=True)
        try:
            with psycopg.connect(databases.results_url) as conn:
                check = verify_transaction_log(conn)
        except psycopg.errors.UndefinedFunction as exc:
            raise click.ClickException(
                "this database has no verify_transaction_log(): run `benchmon db upgrade`"
            ) from exc
    if check.ok:
        click.echo(check.problem)
        return
    click.echo(f"BROKEN: {check.problem}")
    raise SystemExit(1)
