"""`benchmon inbox …`: what is waiting or quarantined, and putting files back after a fix."""

from __future__ import annotations

import click

from benchmon_pipeline.cli.output import emit, format_option
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.settings import get_settings


def _inbox(s3: bool):
    settings = get_settings()
    if not s3:
        return FolderInbox(settings.inbox_root)
    if not settings.s3_bucket:
        raise click.ClickException("no bucket configured: set BENCHMON_S3_BUCKET")
    import boto3  # the same client dagster-aws's S3Resource builds, without loading Dagster

    from benchmon_pipeline.ingest.s3_inbox import S3Inbox

    client = boto3.client(
        "s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region or None
    )
    return S3Inbox(client, settings.s3_bucket, settings.s3_prefix)


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
    waiting = box.quarantined()
    chosen = waiting if replay_all else list(names)
    if not chosen:
        raise click.UsageError(
            "name the files to replay (see `benchmon inbox quarantined`) or pass --all"
        )
    unknown = [n for n in chosen if n not in waiting]
    if unknown:
        raise click.ClickException(f"not in quarantine: {', '.join(unknown)}")
    for name in chosen:
        click.echo(f"replayed {name} → {box.replay(name)}")
    click.echo(f"{len(chosen)} file(s) back in the inbox; the sensor picks them up within seconds")
