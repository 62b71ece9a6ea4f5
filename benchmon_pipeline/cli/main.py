"""Entry point of the `benchmon` console script."""

from __future__ import annotations

import functools
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
from benchmon_pipeline.settings import InvalidSetting, get_settings

EXIT_CONFIG = 78  # sysexits EX_CONFIG: a setting in the environment does not parse


class _Commands(click.Group):
    """Settings are read when a command runs (never for --help, see `_settings_first`); one
    that does not parse ends the command with its one-line message and exit 78."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InvalidSetting as error:
            click.echo(f"benchmon: {error}", err=True)
            ctx.exit(EXIT_CONFIG)


@click.group(cls=_Commands)
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


def _settings_first(command: click.Command) -> None:
    """Every command reads the settings before it does anything else: a bad value stops it
    before it starts a server or touches a file. In the command's callback, which click
    calls once the arguments are parsed — `--help` has already answered by then, whatever
    the environment holds."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _settings_first(sub)
        return
    run = command.callback

    @functools.wraps(run)
    def settings_then_run(*args, **kwargs):
        get_settings()
        return run(*args, **kwargs)

    command.callback = settings_then_run


_settings_first(cli)
