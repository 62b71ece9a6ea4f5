"""`benchmon push`: send one result file from a CI job straight to the log.

The same code path as the inbox sensor's runs (parse → append + ledger in one
transaction); only the transport differs. Exit codes (documented in docs/ingestion.md):
0 stored (or already stored), 65 invalid input, 69 database unreachable, 70 --verify
found a difference.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

import click
import psycopg
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.db.server import DatabaseUnavailable
from benchmon_pipeline.ingest.batch import store
from benchmon_pipeline.ingest.ledger import DUPLICATE, FileOutcome
from benchmon_pipeline.ingest.reading import MAX_FILE_BYTES, parse_bytes
from benchmon_pipeline.ingest.result import InvalidResult, ParsedFile
from benchmon_pipeline.settings import ENVIRONMENT_VAR

EXIT_INVALID_INPUT = 65
EXIT_DATABASE_UNAVAILABLE = 69
EXIT_VERIFY_FAILED = 70

RETRY_ATTEMPTS = int(os.environ.get("BENCHMON_PUSH_ATTEMPTS", "6"))

log = logging.getLogger("benchmon.push")


def github_context(env: dict[str, str]) -> dict[str, str | None]:
    """What a GitHub Actions job tells about itself (only when running there)."""
    if env.get("GITHUB_ACTIONS") != "true" and not env.get("GITHUB_SHA"):
        return {}
    return {
        "commit_sha": env.get("GITHUB_SHA"),
        # pull requests: GITHUB_HEAD_REF is the PR's branch, GITHUB_REF_NAME is "N/merge"
        "branch_name": env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME"),
        "run_id": env.get("GITHUB_RUN_ID"),
        "triggered_by": env.get("GITHUB_ACTOR"),
        "environment": "github-actions",
    }


def apply_context(parsed: ParsedFile, flags: dict, env: dict[str, str]) -> ParsedFile:
    """Flags win over the file; the file wins over CI variables; then the defaults."""
    ci = github_context(env)
    results = []
    for result in parsed.results:
        changes = {k: v for k, v in flags.items() if v is not None and k != "tags"}
        for name, value in ci.items():
            if name not in changes and getattr(result, name) is None and value:
                changes[name] = value
        if flags.get("tags"):
            changes["tags"] = tuple(dict.fromkeys((*result.tags, *flags["tags"])))
        result = replace(result, **changes)
        results.append(
            result.with_defaults(
                environment=env.get(ENVIRONMENT_VAR) or "local",
                triggered_by=getpass.getuser(),
            )
        )
    return replace(parsed, results=results)


def _read_input(source: str) -> tuple[str, str, bytes]:
    """(name for format detection, uri for the ledger, bytes)."""
    if source == "-":
        return "stdin.json", "stdin", sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    path = Path(source)
    if not path.is_file():
        raise InvalidResult("file_not_found", f"{source}: no such file")
    return path.name, str(path.resolve()), path.read_bytes()


@retry(
    retry=retry_if_exception_type((psycopg.OperationalError, DatabaseUnavailable)),
    wait=wait_exponential_jitter(multiplier=0.5, max=10),
    stop=stop_after_attempt(RETRY_ATTEMPTS),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)
def _store(outcome: FileOutcome, parsed: ParsedFile, verify: bool) -> list[str]:
    """Store (and optionally verify), retrying with exponential backoff while the database
    cannot be reached. Storing twice is harmless: the log is keyed by content hash."""
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
@click.option("--input", "-i", "source", required=True, help="Result file, or - for stdin.")
@click.option("--environment", help="Environment (overrides the file).")
@click.option("--commit-sha", help="Commit the results are for [GITHUB_SHA].")
@click.option("--branch", "branch_name", help="Branch [GITHUB_HEAD_REF / GITHUB_REF_NAME].")
@click.option("--run-id", help="CI run id [GITHUB_RUN_ID].")
@click.option("--triggered-by", help="Who or what pushed [GITHUB_ACTOR, else your user].")
@click.option("--tags", help="Comma-separated tags, added to the file's.")
@click.option("--notes", help="Free text stored with every result.")
@click.option("--verify", is_flag=True, help="Read the stored rows back and compare.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def push(
    source, environment, commit_sha, branch_name, run_id, triggered_by, tags, notes, verify, as_json
) -> None:
    """Store one result file (any supported format) in the log, from CI or a laptop."""
    try:
        name, uri, raw = _read_input(source)
        parsed = parse_bytes(name, raw)
    except InvalidResult as exc:
        _fail(
            EXIT_INVALID_INPUT,
            f"{source}: invalid input [{exc.error_code}]"
            f"{' at ' + exc.json_path if exc.json_path else ''}: {exc.message}",
            as_json,
            exc.report(),
        )
    flags = {
        "environment": environment,
        "commit_sha": commit_sha,
        "branch_name": branch_name,
        "run_id": run_id,
        "triggered_by": triggered_by,
        "notes": notes,
        "tags": [t.strip() for t in tags.split(",") if t.strip()] if tags else None,
    }
    parsed = apply_context(parsed, flags, dict(os.environ))
    outcome = FileOutcome(
        name,
        uri,
        "ingested",
        format=parsed.format,
        sha256=parsed.sha256,
        size=parsed.size,
        warnings=parsed.warnings,
    )
    try:
        problems = _store(outcome, parsed, verify)
    except (psycopg.OperationalError, DatabaseUnavailable) as exc:
        _fail(
            EXIT_DATABASE_UNAVAILABLE,
            f"database unavailable after {RETRY_ATTEMPTS} attempts: {str(exc).strip()}",
            as_json,
        )
    ids = [str(t) for t in outcome.transaction_ids]
    _github_output(ids)
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
        click.echo(json.dumps(summary, indent=2))
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


def _github_output(ids: list[str]) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path and ids:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"transaction_id={ids[0]}\n")
            handle.write(f"transaction_ids={','.join(dict.fromkeys(ids))}\n")


def _fail(code: int, message: str, as_json: bool, report: dict | None = None):
    if as_json:
        click.echo(
            json.dumps(
                {
                    "status": "error",
                    "exit_code": code,
                    "message": message,
                    **({"error": report} if report else {}),
                },
                indent=2,
            )
        )
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)
