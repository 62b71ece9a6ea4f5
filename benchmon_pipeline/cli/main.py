"""Entry point of the `benchmon` console script."""

from __future__ import annotations

import logging

import click

from benchmon_pipeline.cli.alerts import alerts
from benchmon_pipeline.cli.db import db
from benchmon_pipeline.cli.dev import dev
from benchmon_pipeline.cli.inbox import inbox
from benchmon_pipeline.cli.push import push
from benchmon_pipeline.cli.regressions import regressions
from benchmon_pipeline.cli.shell import shell
from benchmon_pipeline.cli.trends import trends


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens underneath.")
def cli(verbose: bool) -> None:
    """benchmon: an honest history of benchmark and evaluation results."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


cli.add_command(dev)
cli.add_command(db)
cli.add_command(push)
cli.add_command(inbox)
cli.add_command(trends)
cli.add_command(regressions)
cli.add_command(alerts)
db.add_command(shell)
