"""Entry point of the `benchmon` console script.

`benchmon --help`, `--version` and shell completion load no command: each command's module
(and whatever it needs — psycopg, pandas, the ingest code) is imported only when that
command runs or shows its own help. COMMANDS names the module and the one-line summary
`--help` lists; a test holds each summary equal to the command's own. Measured by
benchmarks/bench_cli.py (target: within 3× of `python -c "import click"`).

Errors end in one line and an exit code from cli/exits.py (docs/cli.md): a setting that does
not parse 78, a role without the privilege 77, an unreachable database 69, anything
unforeseen 70, with its traceback only under `-v`.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import NoReturn

import click

from benchmon_pipeline.cli import exits

# name → (module, attribute, summary shown by `benchmon --help`)
COMMANDS = {
    "dev": (
        "benchmon_pipeline.cli.dev",
        "dev",
        "Start PostgreSQL (embedded unless BENCHMON_DATABASE_URL is set), migrate, and run "
        "the Dagster UI with its daemon and the inbox sensor.",
    ),
    "dashboard": (
        "benchmon_pipeline.cli.dashboard",
        "dashboard",
        "Serve the interactive dashboard (snapshot, trends, models, regressions) over the "
        "results database, read-only.",
    ),
    "db": ("benchmon_pipeline.cli.db", "db", "Manage the results database."),
    "push": (
        "benchmon_pipeline.cli.push",
        "push",
        "Store one result file (any supported format) in the log, from CI or a laptop.",
    ),
    "regressions": (
        "benchmon_pipeline.cli.regressions",
        "regressions",
        "Judge stored results for regressions; exit 1 if one at --fail-on is found.",
    ),
    "alerts": (
        "benchmon_pipeline.cli.alerts",
        "alerts",
        "Regression alerts: list them, acknowledge, accept or resolve them.",
    ),
    "inbox": ("benchmon_pipeline.cli.inbox", "inbox", "Look at and repair the inbox."),
    "trends": ("benchmon_pipeline.cli.trends", "trends", "Daily trend tables."),
    "configs": (
        "benchmon_pipeline.cli.versions",
        "configs",
        "List configurations: current and baseline version, last result, tracked branch.",
    ),
    "history": (
        "benchmon_pipeline.cli.versions",
        "history",
        "Show the versions of one configuration, newest first, with their main metrics.",
    ),
    "compare": (
        "benchmon_pipeline.cli.versions",
        "compare",
        "Compare two versions, commits or branches of a configuration, metric by metric.",
    ),
    "checkout": (
        "benchmon_pipeline.cli.versions",
        "checkout",
        "Make an earlier (or any) version current: a rollback, recorded with its reason.",
    ),
    "baseline": (
        "benchmon_pipeline.cli.versions",
        "baseline",
        "Set or clear a configuration's baseline version (audited).",
    ),
    "deactivate": (
        "benchmon_pipeline.cli.versions",
        "deactivate",
        "Soft-delete a version: kept, but no longer checked out or made a baseline.",
    ),
    "activate": (
        "benchmon_pipeline.cli.versions",
        "activate",
        "Undo a deactivate: the version may be checked out again.",
    ),
    "thresholds": (
        "benchmon_pipeline.cli.thresholds",
        "thresholds",
        "Metric directions and thresholds: for every configuration, or overridden for one.",
    ),
    "branches": (
        "benchmon_pipeline.cli.thresholds",
        "branches",
        "Which branch's results make a configuration's versions (default: main).",
    ),
    "export": (
        "benchmon_pipeline.cli.export",
        "export",
        "Write the log, the snapshots or the daily trends to CSV, JSON lines or Parquet.",
    ),
}
CONTEXT = {"help_option_names": ["-h", "--help"]}
# Commands that refuse text that is not UTF-8 themselves (push: with the file's name and a
# JSON report); every other command's arguments are checked before it runs.
CHECKS_ITS_OWN_TEXT = {"push"}


class _Commands(click.Group):
    """Loads a command's module when the command is used; turns what goes wrong into one
    line and an exit code (see the module docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        command = getattr(importlib.import_module(module), attribute)
        _settings_first(command, text_checked=name not in CHECKS_ITS_OWN_TEXT)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, _, summary) in COMMANDS.items()])

    def shell_complete(self, ctx: click.Context, incomplete: str):
        """Completes command names from COMMANDS (loading none of them) and the options."""
        from click.shell_completion import CompletionItem

        names = [
            CompletionItem(name, help=summary)
            for name, (_, _, summary) in COMMANDS.items()
            if name.startswith(incomplete)
        ]
        return names + click.Command.shell_complete(self, ctx, incomplete)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `benchmon` alone: its help
        except click.UsageError as error:  # `benchmon --bogus`
            _usage_error(error, info_name or "benchmon")

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `benchmon db` alone: its help
        except click.UsageError as error:
            _usage_error(error, ctx.command_path)
        except (click.exceptions.Exit, click.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            _stdout_closed()
            ctx.exit(exits.PIPE_CLOSED)
        except Exception as error:  # one line and a code, never a traceback (-v: both)
            code, message = _explained(error)
            if ctx.meta.get("benchmon.verbose"):
                import traceback

                click.echo(traceback.format_exc().rstrip(), err=True)
            click.echo(f"error: {message}", err=True)
            ctx.exit(code)


def _usage_error(error: click.UsageError, where: str) -> NoReturn:
    """A usage error as every other error is said: one line starting with `error:` (click's
    own is four, the last starting with `Error:`), then exit 2."""
    where = error.ctx.command_path if error.ctx else where
    click.echo(f"error: {error.format_message()} (see `{where} -h`)", err=True)
    raise SystemExit(error.exit_code)


def _stdout_closed() -> None:
    """The reader of stdout went away (`benchmon export … | head -1`): stop quietly, as a
    program the shell reports killed by SIGPIPE does. What Python still holds for stdout
    goes to /dev/null, so the flush at exit does not fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (CliRunner's)
        pass


def _explained(error: Exception) -> tuple[int, str]:
    """The exit code and one line for an error no command turned into a `CliError`."""
    from benchmon_pipeline.settings import InvalidSetting

    if isinstance(error, InvalidSetting):
        return exits.CONFIG, str(error)
    if "psycopg" in sys.modules:
        import psycopg

        from benchmon_pipeline.cli.environment import explain_database_error

        if isinstance(error, psycopg.Error):
            return explain_database_error(error)
    return exits.INTERNAL, (
        f"internal error: {type(error).__name__}: {error}".strip()[:500]
        + " (rerun with -v for the traceback, and please report it)"
    )


@click.group(cls=_Commands, context_settings=CONTEXT)
@click.version_option(package_name="benchmon", message="benchmon %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens underneath; tracebacks.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """benchmon: an honest history of benchmark and evaluation results.

    \b
    Exit codes: docs/cli.md. Shell completion (bash; zsh and fish alike):
      eval "$(_BENCHMON_COMPLETE=bash_source benchmon)"
    """
    ctx.meta["benchmon.verbose"] = verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _settings_first(command: click.Command, *, text_checked: bool = True) -> None:
    """Every command reads the settings before it does anything else: a bad value stops it
    before it starts a server or touches a file. In the command's callback, which click
    calls once the arguments are parsed — `--help` has already answered by then, whatever
    the environment holds. Then its arguments must be text (`_not_utf8`)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _settings_first(sub, text_checked=text_checked)
        return
    run = command.callback
    if getattr(run, "_benchmon_settings_first", False):
        return

    def settings_then_run(*args, **kwargs):
        from benchmon_pipeline.settings import get_settings

        get_settings()
        if text_checked:
            _refuse_what_is_not_utf8(click.get_current_context(), kwargs)
        return run(*args, **kwargs)

    settings_then_run.__wrapped__ = run
    settings_then_run._benchmon_settings_first = True
    command.callback = settings_then_run


def _refuse_what_is_not_utf8(ctx: click.Context, values: dict) -> None:
    """Arguments arrive as bytes, and Python keeps bytes that are not UTF-8 as lone
    surrogates (PEP 383), which no database column, and no terminal, takes: refused here,
    once for every command, with exit 65 naming the flag (or variable) and the byte. Paths
    are left alone: a file may be named so."""
    for param in ctx.command.params:
        if isinstance(param.type, click.Path | click.File) or param.type is click.UNPROCESSED:
            continue
        value = values.get(param.name)
        for text in value if isinstance(value, tuple | list) else (value,):
            problem = _not_utf8(text) if isinstance(text, str) else None
            if problem:
                raise exits.CliError(
                    f"{_named(ctx, param)} is not valid UTF-8 ({problem}); give it as UTF-8 text",
                    exits.INVALID_INPUT,
                )


def _not_utf8(text: str) -> str | None:
    """None for text that is UTF-8; else which byte (or code point) is not, and where."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        return f"{what} at character {exc.start + 1}"
    return None


def _named(ctx: click.Context, param: click.Parameter) -> str:
    """The flag as the user gave it: `--model`, or `$GITHUB_HEAD_REF` when a variable did."""
    from click.core import ParameterSource

    if ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT and isinstance(
        param, click.Option
    ):
        variable = param.envvar if isinstance(param.envvar, str) else None
        if variable:
            return f"${variable}"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name
