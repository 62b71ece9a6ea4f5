"""`benchmon inbox …`: what is waiting or quarantined, and putting files back after a fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import emit, format_option
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.settings import INBOX_ROOT_VAR, S3_BUCKET_VAR, get_settings


def _inbox(s3: bool):
    settings = get_settings()
    if not s3:
        if not settings.inbox_root.is_dir():
            raise CliError(
                f"{INBOX_ROOT_VAR}={str(settings.inbox_root)!r}: no such folder (the folder "
                "holding inbox/, archive/ and quarantine/; `benchmon dev` makes them)",
                exits.CONFIG,
            )
        return FolderInbox(settings.inbox_root)
    if not settings.s3_bucket:
        raise CliError(f"no bucket configured: set {S3_BUCKET_VAR}", exits.CONFIG)
    import boto3  # the same client dagster-aws's S3Resource builds, without loading Dagster
    from botocore.config import Config

    from benchmon_pipeline.ingest.s3_inbox import S3Inbox

    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        config=Config(connect_timeout=10, retries={"max_attempts": 3}),
    )
    return S3Inbox(client, settings.s3_bucket, settings.s3_prefix)


@contextmanager
def _s3_errors() -> Iterator[None]:
    """What S3 answers (or does not), as one line and its code: unreachable 69, a bucket
    or credentials that are wrong 78, a refusal 77."""
    try:
        yield
    except Exception as exc:
        import botocore.exceptions as boto

        if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
            raise CliError(f"S3: {exc}", exits.CONFIG) from exc
        if isinstance(exc, boto.ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            bucket = get_settings().s3_bucket
            if code in ("NoSuchBucket", "404"):
                raise CliError(
                    f"S3: no bucket {bucket!r} (set {S3_BUCKET_VAR})", exits.CONFIG
                ) from exc
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise CliError(f"S3 refused: {exc}", exits.NO_PERMISSION) from exc
            raise CliError(f"S3 unavailable: {exc}", exits.UNAVAILABLE) from exc
        if isinstance(exc, boto.BotoCoreError):
            raise CliError(f"S3 unavailable: {exc}", exits.UNAVAILABLE) from exc
        raise


s3_option = click.option("--s3", is_flag=True, help="The S3 inbox instead of the folder.")


@click.group()
def inbox() -> None:
    """Look at and repair the inbox."""


@inbox.command("quarantined")
@s3_option
@format_option()
def list_quarantined(s3: bool, fmt: str) -> None:
    """List quarantined files with the reason each was refused."""
    box = _inbox(s3)
    rows = []
    with _s3_errors():
        for name in box.quarantined():
            report = box.error_report(name) or {}
            rows.append(
                {
                    "name": name,
                    "error_code": report.get("error_code"),
                    "message": report.get("message"),
                    "json_path": report.get("json_path"),
                }
            )
    if fmt != "table":
        emit(rows, ("name", "error_code", "message", "json_path"), fmt)
        return
    if not rows:
        click.echo("nothing in quarantine")
    for row in rows:
        reason = f"[{row['error_code']}] {row['message']}" if row["error_code"] else "?"
        where = f" at {row['json_path']}" if row["json_path"] else ""
        click.echo(f"{row['name']}: {reason}{where}")


@inbox.command()
@click.argument("names", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Every quarantined file.")
@s3_option
def replay(names: tuple[str, ...], replay_all: bool, s3: bool) -> None:
    """Put quarantined files back into the inbox (after fixing them or benchmon)."""
    box = _inbox(s3)
    if not replay_all and not names:
        raise click.UsageError(
            "name the files to replay (see `benchmon inbox quarantined`) or pass --all"
        )
    with _s3_errors():
        waiting = box.quarantined()
        chosen = waiting if replay_all else list(names)
        if not chosen:
            click.echo("nothing in quarantine to replay")
            return
        unknown = [n for n in chosen if n not in waiting]
        if unknown:
            raise CliError(
                f"not in quarantine: {', '.join(unknown)} (see `benchmon inbox quarantined`)",
                exits.INVALID_INPUT,
            )
        for name in chosen:
            click.echo(f"replayed {name} → {box.replay(name)}")
    click.echo(f"{len(chosen)} file(s) back in the inbox; the sensor picks them up within seconds")
