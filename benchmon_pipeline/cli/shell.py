"""`benchmon db shell`: psql on the results database, wherever it is."""

from __future__ import annotations

import os
import shutil
import subprocess

import click

from benchmon_pipeline.cli.environment import as_click_error, running_databases


def _psql() -> str:
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        bundled = POSTGRES_BIN_PATH / "psql"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which("psql")
    if not found:
        raise click.ClickException("psql not found; install the PostgreSQL client")
    return found


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("-c", "--command", "sql", help="Run one SQL command and exit.")
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
def shell(sql: str | None, psql_args: tuple[str, ...]) -> None:
    """Open psql on the results database (extra arguments go to psql)."""
    with as_click_error(), running_databases() as databases:
        conninfo, env = psql_connection(databases.results_url)
        args = [_psql(), conninfo, *(["-c", sql] if sql else []), *psql_args]
        code = subprocess.call(args, env=env)
    raise SystemExit(code)


def psql_connection(url: str) -> tuple[str, dict[str, str]]:
    """What psql is given: the connection without its password, and the environment with
    it (PGPASSWORD). A process's arguments are readable by every user of the machine (`ps`);
    its environment only by its owner."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**params), env
