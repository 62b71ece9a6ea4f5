"""`benchmon push`: send one result file from a CI job straight to the log.

The same code path as the inbox sensor's runs (parse → append + ledger in one
transaction); only the transport differs. Exit codes (docs/cli.md): 0 stored (or already
stored), 1 --verify found a difference, 65 invalid input, 69 database unreachable, 75 schema
behind, 77 the role may not write (needs benchmon_writer), 78 a setting that does not parse
or no database configured (in CI: the missing secret).

Outside CI, the commit and branch come from the git checkout push runs in (`git_context`),
so a result pushed from a laptop is as traceable as one pushed by a workflow.

What the flags and the CI's variables add to the file is held to the limits a dropped
file's values are held to, by the same functions (`_checked`): a flag is not a way around
them. Every bad input — the file, a flag, a variable — exits 65 with one line naming it.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import click
import psycopg
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.environment import explain_database_error, running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import format_option, to_json
from benchmon_pipeline.db.server import login_refused
from benchmon_pipeline.formats import benchmon as benchmon_format
from benchmon_pipeline.formats import fields
from benchmon_pipeline.ingest.batch import store
from benchmon_pipeline.ingest.ledger import DUPLICATE, FileOutcome
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES, parse_bytes, read_sidecar
from benchmon_pipeline.results.model import InvalidResult, ParsedFile, Result
from benchmon_pipeline.settings import ENVIRONMENT_VAR, get_settings

EXIT_INVALID_INPUT = exits.INVALID_INPUT
EXIT_DATABASE_UNAVAILABLE = exits.UNAVAILABLE
EXIT_VERIFY_FAILED = exits.FAILED

# The flag that sets each field, to name it in an error.
FLAGS = {
    "environment": "--environment",
    "commit_sha": "--commit-sha",
    "branch_name": "--branch",
    "run_id": "--run-id",
    "triggered_by": "--triggered-by",
    "notes": "--notes",
    "tags": "--tags",
}
# What a GitHub Actions job tells about itself, field → variables (the first set wins):
# pull requests: GITHUB_HEAD_REF is the PR's branch, GITHUB_REF_NAME is "N/merge".
GITHUB_VARIABLES = {
    "commit_sha": ("GITHUB_SHA",),
    "branch_name": ("GITHUB_HEAD_REF", "GITHUB_REF_NAME"),
    "run_id": ("GITHUB_RUN_ID",),
    "triggered_by": ("GITHUB_ACTOR",),
}

log = logging.getLogger("benchmon.push")


def outside_text(value: str | None, where: str) -> str | None:
    """A command-line argument or environment variable as text. They arrive as bytes, and
    Python keeps bytes that are not UTF-8 as lone surrogates (PEP 383), which no database
    column can hold: refused here, naming the byte."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        raise InvalidResult(
            "invalid_text",
            f"{where} is not valid UTF-8 ({what} at character {exc.start + 1}); "
            "give it as UTF-8 text",
            where,
        ) from exc
    return value


def _shown(text: str) -> str:
    """An argument as it can be printed: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def github_context(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """What a GitHub Actions job tells about itself (only when running there): field →
    (value, where it came from)."""
    if env.get("GITHUB_ACTIONS") != "true" and not env.get("GITHUB_SHA"):
        return {}
    # "github-actions" names the environment unless the job names its own
    # ($BENCHMON_ENVIRONMENT, which the workflow example sets; a flag or the file still win).
    found = (
        {} if env.get(ENVIRONMENT_VAR) else {"environment": ("github-actions", "GitHub Actions")}
    )
    for name, variables in GITHUB_VARIABLES.items():
        variable = next((v for v in variables if env.get(v)), None)
        if variable:
            found[name] = (outside_text(env[variable], f"${variable}"), f"${variable}")
    return found


def git_context(cwd: Path | None = None) -> dict[str, tuple[str, str]]:
    """The commit and branch of the git checkout `cwd` is in (field → (value, where)); empty
    outside a checkout or without git. A detached HEAD has a commit but no branch."""
    git = shutil.which("git")
    if not git:
        return {}

    def ask(*args: str) -> str:
        try:
            done = subprocess.run(
                [git, *args], cwd=cwd, capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return os.fsdecode(done.stdout).strip() if done.returncode == 0 else ""

    found = {}
    commit = ask("rev-parse", "--verify", "--quiet", "HEAD")
    if commit:
        found["commit_sha"] = (outside_text(commit, "git rev-parse HEAD"), "the git checkout")
        branch = ask("symbolic-ref", "--quiet", "--short", "HEAD")
        if branch:
            found["branch_name"] = (outside_text(branch, "the git branch"), "the git checkout")
    return found


def apply_context(parsed: ParsedFile, flags: dict, env: dict[str, str]) -> ParsedFile:
    """Flags win over the file; the file wins over CI variables (outside CI: the git
    checkout's commit and branch); then the defaults. Every result that comes out is
    `_checked`: raises `InvalidResult` naming the flag, variable or default a value over a
    limit came from."""
    ci = github_context(env) or git_context()
    defaults = {  # field → (where it comes from, the value when it is needed)
        "environment": (
            f"${ENVIRONMENT_VAR}",
            lambda: outside_text(get_settings().environment, f"${ENVIRONMENT_VAR}"),
        ),
        "triggered_by": (
            "your login name",
            lambda: outside_text(getpass.getuser(), "your login name"),
        ),
    }
    results = []
    for result in parsed.results:
        changes = {k: v for k, v in flags.items() if v is not None and k != "tags"}
        origins = {name: FLAGS[name] for name in changes}
        for name, (value, origin) in ci.items():
            if name not in changes and getattr(result, name) is None and value:
                changes[name], origins[name] = value, origin
        if flags.get("tags"):
            changes["tags"] = tuple(dict.fromkeys((*result.tags, *flags["tags"])))
            origins["tags"] = FLAGS["tags"]
        result = replace(result, **changes)
        for name, (origin, value) in defaults.items():
            if not getattr(result, name):
                changes[name], origins[name] = value(), origin
        result = result.with_defaults(
            environment=changes.get("environment", ""),
            triggered_by=changes.get("triggered_by", ""),
        )
        results.append(_checked(result, origins))
    return replace(parsed, results=results)


def _checked(result: Result, origins: dict[str, str]) -> Result:
    """`result` as it will be stored, through the checks a dropped file's fields go through
    (the benchmon format's fields, `formats/fields.py`'s limits), whatever the file's
    format and wherever each value came from (`origins`: field → flag or variable; the
    file's own values were checked when it was read, and pass again)."""
    for name in (*benchmon_format.CONFIGURATION_FIELDS, *benchmon_format.TEXT_FIELDS):
        required = name in benchmon_format.CONFIGURATION_FIELDS
        fields.text(getattr(result, name), name, origins.get(name, "the file"), required=required)
    fields.tags(list(result.tags), origins.get("tags", "the file"))
    return result


def _read_input(source: str) -> tuple[str, str, bytes]:
    """(name for format detection, uri for the ledger, bytes)."""
    if source == "-":
        return "stdin.json", "stdin", sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    outside_text(source, "--input")
    path = Path(source)
    if path.is_dir():
        raise InvalidResult("file_not_found", f"{source} is a directory: give a result file")
    if not path.is_file():
        raise InvalidResult("file_not_found", f"{source}: no such file")
    return path.name, str(path.resolve()), path.read_bytes()


def _parse(source: str) -> tuple[str, str, ParsedFile]:
    """(name, uri, parsed) of the input. Whatever goes wrong while reading it is this
    input's problem, said in one line: an `InvalidResult` as it is, anything else as an
    `internal_error` (a shape of file no adapter foresaw), never a traceback."""
    try:
        name, uri, raw = _read_input(source)
        # the sidecar next to the file, as the inbox reads it (`x.json.benchmon.json` or
        # `x.benchmon.json`): the direction or context a format cannot state
        sidecar = None if source == "-" else read_sidecar(uri, inside=Path(uri).parent)
        return name, uri, parse_bytes(name, raw, sidecar=sidecar)
    except InvalidResult:
        raise
    except Exception as exc:  # noqa: BLE001 (one line and exit 65, not a traceback)
        log.debug("unexpected error while reading %s", source, exc_info=True)
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise InvalidResult(
            "internal_error",
            f"benchmon could not read this input ({detail}); please report it",
        ) from exc


def _unreachable(error: BaseException) -> bool:
    if login_refused(error):  # a wrong password stays wrong: no retry
        return False
    return isinstance(error, psycopg.OperationalError) or (
        isinstance(error, CliError) and error.exit_code == exits.UNAVAILABLE
    )


def _store(outcome: FileOutcome, parsed: ParsedFile, verify: bool, attempts: int) -> list[str]:
    """Store (and optionally verify), retrying with exponential backoff while the database
    cannot be reached. Storing twice is harmless: the log is keyed by content hash."""
    retrying = Retrying(
        retry=retry_if_exception(_unreachable),
        wait=wait_exponential_jitter(multiplier=0.5, max=10),
        stop=stop_after_attempt(attempts),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    return retrying(_store_once, outcome, parsed, verify)


def _store_once(outcome: FileOutcome, parsed: ParsedFile, verify: bool) -> list[str]:
    with running_databases(quiet=True) as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            store(conn, "push", [(outcome, parsed)], None, parsed.results[0].triggered_by)
        return _verify(databases.results_url, parsed, outcome) if verify else []


def _verify(url: str, parsed: ParsedFile, outcome: FileOutcome) -> list[str]:
    """Read every stored row back and compare it with what was sent."""
    problems = []
    with psycopg.connect(url, connect_timeout=10) as conn:
        for result, tid in zip(parsed.results, outcome.transaction_ids, strict=True):
            row = conn.execute(
                "SELECT model_version, dataset_version, prompt_version, environment, metrics,"
                " content_sha256 FROM benchmark_transactions WHERE id = %s",
                (tid,),
            ).fetchone()
            expected = (
                result.model_version,
                result.dataset_version,
                result.prompt_version,
                result.environment,
                result.metrics,
                result.content_sha256(),
            )
            if row is None:
                problems.append(f"{tid}: not found")
            elif tuple(row) != expected:
                problems.append(f"{tid}: stored {row} but sent {expected}")
    return problems


@click.command()
@click.argument("file", required=False)
@click.option("--input", "-i", "source", help="Result file, or - for stdin (or give it as FILE).")
@click.option("--environment", help="Environment (overrides the file).")
@click.option("--commit-sha", help="Commit the results are for [GITHUB_SHA].")
@click.option("--branch", "branch_name", help="Branch [GITHUB_HEAD_REF / GITHUB_REF_NAME].")
@click.option("--run-id", help="CI run id [GITHUB_RUN_ID].")
@click.option("--triggered-by", help="Who or what pushed [GITHUB_ACTOR, else your user].")
@click.option("--tags", help="Comma-separated tags, added to the file's.")
@click.option("--notes", help="Free text stored with every result.")
@click.option("--verify", is_flag=True, help="Read the stored rows back and compare.")
@format_option(choices=("table", "json"))
def push(
    file,
    source,
    environment,
    commit_sha,
    branch_name,
    run_id,
    triggered_by,
    tags,
    notes,
    verify,
    fmt,
) -> None:
    """Store one result file (any supported format) in the log, from CI or a laptop.

    \b
    The file: `benchmon push results.json`, or --input results.json (- for stdin).
    Flags and GITHUB_* values are held to the limits of a file's fields; outside
    CI the commit and branch come from the git checkout.
    Exit codes: 0 stored (or already stored), 1 --verify found a difference,
    65 invalid input (the file, a flag or a variable; one line names it),
    69 database unavailable, 75 schema behind, 77 the role may not write,
    78 a bad BENCHMON_* setting or no database configured (docs/cli.md).
    """
    if file is not None and source is not None:
        raise click.UsageError(
            f"two result files: {file!r} and --input {source!r}; push takes one (give it as FILE "
            "or as --input)"
        )
    source = source if source is not None else file
    if source is None:
        raise click.UsageError(
            "no result file: give one, `benchmon push results.json` (or --input FILE; - for stdin)"
        )
    as_json = fmt == "json"
    flags = {
        "environment": environment,
        "commit_sha": commit_sha,
        "branch_name": branch_name,
        "run_id": run_id,
        "triggered_by": triggered_by,
        "notes": notes,
        "tags": tags,
    }
    attempts = get_settings().push_attempts  # a bad setting: one line, exit 78 (cli/main.py)
    env = dict(os.environ)
    try:
        flags = {name: outside_text(value, FLAGS[name]) for name, value in flags.items()}
        if flags["tags"] is not None:
            flags["tags"] = [t.strip() for t in flags["tags"].split(",") if t.strip()] or None
        name, uri, parsed = _parse(source)
        parsed = apply_context(parsed, flags, env)
    except InvalidResult as exc:
        _fail(
            EXIT_INVALID_INPUT,
            f"{_shown(source)}: invalid input [{exc.error_code}]"
            f"{' at ' + exc.json_path if exc.json_path else ''}: {exc.message}",
            as_json,
            exc.report(),
        )
    outcome = FileOutcome(
        name,
        uri,
        "ingested",
        format=parsed.format,
        sha256=parsed.sha256,
        size=parsed.size,
        warnings=parsed.warnings,
    )
    if unwritable := _github_output([]):  # before anything is stored
        _fail(exits.INVALID_INPUT, unwritable, as_json)
    try:
        problems = _store(outcome, parsed, verify, attempts)
    except CliError as exc:
        message = exc.format_message()
        if exc.exit_code == exits.UNAVAILABLE:
            message = message.removeprefix("database unavailable: ")
            message = f"database unavailable after {attempts} attempts: {message}"
        _fail(exc.exit_code, message, as_json)
    except psycopg.Error as exc:
        log.info("the database refused the push", exc_info=True)  # the traceback with -v
        code, message = explain_database_error(exc)
        if code == exits.UNAVAILABLE:
            message = f"{message} (after {attempts} attempts)"
        _fail(code, message, as_json)
    ids = [str(t) for t in outcome.transaction_ids]
    if unwritable := _github_output(ids):
        _fail(exits.INVALID_INPUT, f"stored, but {unwritable}", as_json)
    summary = {
        "status": outcome.status,
        "format": parsed.format,
        "results": len(ids),
        "new": outcome.results_new,
        "transaction_ids": ids,
        "warnings": outcome.warnings,
        "verified": verify and not problems,
    }
    if as_json:
        click.echo(to_json(summary))
    else:
        for warning in outcome.warnings:
            click.echo(f"warning: {warning}", err=True)
        state = "already stored" if outcome.status == DUPLICATE else "stored"
        click.echo(
            f"{state}: {len(ids)} result(s) from {source} ({parsed.format}), "
            f"{outcome.results_new} new"
        )
        for tid in dict.fromkeys(ids):
            click.echo(f"  {tid}")
    if problems:
        for problem in problems:
            click.echo(f"verify: {problem}", err=True)
        raise SystemExit(EXIT_VERIFY_FAILED)


def _github_output(ids: list[str]) -> str | None:
    """Append the ids to $GITHUB_OUTPUT (none: only see that it can be written). None when
    done; else the line saying why not (the job's to fix: exit 65)."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return None
    if not ids and not os.path.lexists(path):  # only a look: a failed push leaves no file
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return None
        why = "Permission denied" if os.path.isdir(folder) else "No such file or directory"
        return f"cannot write $GITHUB_OUTPUT {_shown(path)}: {why}"
    try:
        with open(path, "a", encoding="utf-8") as handle:
            if ids:
                handle.write(f"transaction_id={ids[0]}\n")
                handle.write(f"transaction_ids={','.join(dict.fromkeys(ids))}\n")
    except OSError as exc:
        return f"cannot write $GITHUB_OUTPUT {_shown(path)}: {exc.strerror or exc}"
    return None


def _fail(code: int, message: str, as_json: bool, report: dict | None = None):
    if as_json:
        click.echo(
            to_json(
                {
                    "status": "error",
                    "exit_code": code,
                    "message": message,
                    **({"error": report} if report else {}),
                }
            )
        )
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)
