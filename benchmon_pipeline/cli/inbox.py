"""`benchmon inbox …`: what is waiting or quarantined, and putting files back after a fix."""

from __future__ import annotations

import click

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
def list_quarantined(s3: bool) -> None:
    """List quarantined files with the reason each was refused."""
    box = _inbox(s3)
    names = box.quarantined()
    if not names:
        click.echo("nothing in quarantine")
    for name in names:
        report = box.error_report(name)
        reason = f"[{report.get('error_code')}] {report.get('message')}" if report else "?"
        where = f" at {report['json_path']}" if report and report.get("json_path") else ""
        click.echo(f"{name}: {reason}{where}")


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
