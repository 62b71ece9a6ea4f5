"""`benchmon db …`: schema migrations and integrity checks."""

from __future__ import annotations

import click

from benchmon_pipeline.cli.environment import describe, running_databases
from benchmon_pipeline.db import migrations


@click.group()
def db() -> None:
    """Manage the results database."""


@db.command()
def upgrade() -> None:
    """Apply the migrations in sql/ that this database has not seen yet."""
    with running_databases(migrate=False) as databases:
        click.echo(describe(databases))
        applied = migrations.upgrade(databases.results_url)
        total = len(migrations.discover())
        click.echo(f"schema is up to date ({total} migrations; {len(applied)} applied now)")
