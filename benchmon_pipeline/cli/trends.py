"""`benchmon trends backfill`: rebuild a range of trend days through Dagster, as the UI does.

It asks the running Dagster webserver (the one `benchmon dev` serves) to launch an asset
backfill of `daily_performance_trends`; the asset's single-run backfill policy makes the
whole range one run, visible under Overview → Backfills and in the run list.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta

import click

LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}
"""


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def launch_backfill(url: str, first: date, last: date) -> str:
    body = json.dumps(
        {
            "query": LAUNCH,
            "variables": {
                "params": {
                    "assetSelection": [{"path": ["daily_performance_trends"]}],
                    "partitionNames": days_between(first, last),
                    "title": f"trends {first} … {last}",
                    "tags": [{"key": "benchmon/reason", "value": "cli backfill"}],
                }
            },
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http only: the scheme is ours)
        f"{url.rstrip('/')}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.URLError as exc:
        raise click.ClickException(
            f"cannot reach the Dagster UI at {url} ({exc.reason}); start it with "
            "`benchmon dev` or pass --url"
        ) from exc
    if answer.get("errors"):
        raise click.ClickException(f"Dagster refused the backfill: {answer['errors'][0]}")
    result = answer["data"]["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise click.ClickException(f"Dagster refused the backfill: {result.get('message')}")
    return result["backfillId"]


@click.group()
def trends() -> None:
    """Daily trend tables."""


@trends.command()
@click.option(
    "--from",
    "first",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First UTC day to rebuild.",
)
@click.option(
    "--to",
    "last",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last UTC day to rebuild (inclusive).",
)
@click.option(
    "--url",
    default="http://127.0.0.1:3000",
    show_default=True,
    help="The Dagster UI that `benchmon dev` serves.",
)
def backfill(first, last, url: str) -> None:
    """Rebuild the trend partitions of a range of days, in one run."""
    first, last = first.date(), last.date()
    if last < first:
        raise click.UsageError("--to is before --from")
    backfill_id = launch_backfill(url, first, last)
    click.echo(
        f"backfill {backfill_id} launched: {len(days_between(first, last))} day(s) "
        f"{first} … {last} in one run"
    )
    click.echo(f"follow it at {url.rstrip('/')}/overview/backfills/{backfill_id}")
