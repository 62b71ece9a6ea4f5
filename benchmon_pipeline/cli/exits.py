"""Every exit code a benchmon command can end with, in one place (docs/cli.md's table).

Small numbers are outcomes of the command's own judgement; the 6x/7x codes are the BSD
`sysexits.h` ones, so a CI script can tell "your file is bad" from "the database is down"
from "your role may not do this". `CliError` is how a command stops with one of them: one
line on stderr, no traceback (cli/main.py prints the traceback only with `-v`).

Imports nothing heavy: `benchmon --help` loads this module.
"""

from __future__ import annotations

import click

OK = 0
FAILED = 1  # the check found a problem: a regression at --fail-on, a broken chain, a
#             --verify difference, an alert transition or snapshot change refused
USAGE = 2  # click's own: an unknown option, a missing argument
NOTHING_JUDGED = 3  # the gate's scope matched no configuration, or no series was judged
INVALID_INPUT = 65  # EX_DATAERR: a result file, a flag or a variable holds a bad value
UNAVAILABLE = 69  # EX_UNAVAILABLE: the database cannot be reached
INTERNAL = 70  # EX_SOFTWARE: a bug in benchmon (the traceback with -v; please report it)
SCHEMA_BEHIND = 75  # EX_TEMPFAIL: the database's schema is older than this benchmon
NO_PERMISSION = 77  # EX_NOPERM: the database role lacks the privilege (benchmon_writer)
CONFIG = 78  # EX_CONFIG: a setting does not parse, or no database is configured
PIPE_CLOSED = 141  # 128 + SIGPIPE: the reader of stdout closed it (`| head`); nothing printed

# code → (name, meaning): docs/cli.md shows this table, and a test holds the two equal.
TABLE = {
    OK: ("ok", "done; the gate found nothing at the --fail-on level"),
    FAILED: (
        "failed",
        "the check found a problem: a regression at --fail-on (`regressions`), a broken "
        "hash chain (`db verify`), a difference (`push --verify`), a refused alert "
        "transition or snapshot change (`checkout` of a deactivated version)",
    ),
    USAGE: ("usage", "an unknown option, a missing or malformed argument"),
    NOTHING_JUDGED: (
        "nothing judged",
        "`regressions`: the filters matched no configuration (the message lists near "
        "matches) or no series could be judged yet (the message says what each rule "
        "needs); `--allow-empty` makes this a pass; "
        "`db archive`: no month partition is older than --before",
    ),
    INVALID_INPUT: (
        "invalid input",
        "a result file, flag or variable holds a bad value; a configuration or version "
        "that does not exist or is ambiguous (the message lists the candidates); an output "
        "file (`--output`, `--summary-file`, `$GITHUB_OUTPUT`) that cannot be written",
    ),
    UNAVAILABLE: (
        "unavailable",
        "the database cannot be reached (`trends backfill`: the Dagster UI of `benchmon dev`)",
    ),
    INTERNAL: ("internal error", "a bug in benchmon: rerun with `-v` and report the traceback"),
    SCHEMA_BEHIND: (
        "schema behind",
        "the database is empty or older than this benchmon: run `benchmon db upgrade`",
    ),
    NO_PERMISSION: (
        "no permission",
        "the database role may not do this (writes need `benchmon_writer`)",
    ),
    CONFIG: (
        "configuration",
        "a `BENCHMON_*` setting does not parse, or no database is configured (in CI: "
        "the `BENCHMON_DATABASE_URL` secret is missing)",
    ),
    PIPE_CLOSED: (
        "pipe closed",
        "the program reading the output stopped early (`head -1` reading `benchmon export …`); "
        "nothing is printed, as for any program a shell reports killed by SIGPIPE",
    ),
}


class CliError(click.ClickException):
    """Stop the command: `message` on stderr as one line, exit with `code`."""

    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)
