"""`benchmon trends backfill`: rebuild a range of trend days through Dagster, as the UI does.

It asks the running Dagster webserver (the one `benchmon dev` serves; its address is read
from `$BENCHMON_HOME/dev.json`, cli/dev_file.py, unless `--url` names another) to launch
an asset backfill of `daily_performance_trends`; the asset's single-run backfill policy
makes the whole range one run, visible under Overview → Backfills and in the run list.
`--wait` follows it to the end.

Exit codes (cli/exits.py; docs/pipeline.md): 0 launched, or with `--wait` done with every
partition materialized; 1 the backfill failed or was canceled (`--wait`), or Dagster
refused to launch it; 65 a day with no trend partition (before BENCHMON_TRENDS_START_DATE,
or after today); 69 no Dagster to talk to — `benchmon dev` is not running, the UI
cannot be reached, or it answered with an HTTP error (its status and body are shown).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta

import click

from benchmon_pipeline.cli.exits import FAILED, INVALID_INPUT, UNAVAILABLE, CliError
from benchmon_pipeline.cli.params import HTTP_URL
from benchmon_pipeline.settings import TRENDS_START_DATE_VAR, get_settings

BODY_SHOWN = 500  # characters of an error answer's body shown
POLL_SECONDS = 2.0


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


STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      error { message }
      runs { runId status }
      assetBackfillData {
        assetBackfillStatuses {
          ... on AssetPartitionsStatusCounts {
            numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized
            numPartitionsFailed
          }
        }
      }
    }
    ... on BackfillNotFoundError { message }
    ... on PythonError { message }
  }
}
"""

# A backfill's final statuses ("COMPLETED" alone, of older backfills, may come before its
# runs end: those are waited for too).
SUCCEEDED = {"COMPLETED_SUCCESS", "COMPLETED"}
ENDED_BADLY = {"COMPLETED_FAILED", "FAILED", "CANCELED"}
RUN_ENDED = {"SUCCESS", "FAILURE", "CANCELED"}


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_SHOWN else text[:BODY_SHOWN] + " …"


def graphql(url: str, query: str, variables: dict) -> dict:
    """POST a GraphQL request to the UI at `url`; its `data`. Raises CliError saying
    what went wrong: unreachable, an HTTP error (status and body), or GraphQL errors."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(  # noqa: S310 (http only: the scheme is ours)
        f"{url.rstrip('/')}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # the server answered, with an error
        text = exc.read().decode("utf-8", "replace") if exc.fp else ""
        raise CliError(
            f"the Dagster UI at {url} answered HTTP {exc.code} {exc.reason}: "
            f"{_short(text) or '(no body)'}",
            UNAVAILABLE,
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CliError(
            f"cannot reach the Dagster UI at {url} ({reason}); start it with `benchmon dev` "
            "or pass --url",
            UNAVAILABLE,
        ) from exc
    except ValueError as exc:
        raise CliError(
            f"the Dagster UI at {url} answered with something that is not JSON ({exc})",
            UNAVAILABLE,
        ) from exc
    if answer.get("errors"):
        messages = "; ".join(str(e.get("message", e)) for e in answer["errors"])
        raise CliError(f"Dagster said: {_short(messages)}", FAILED)
    return answer["data"]


def launch_backfill(url: str, first: date, last: date) -> str:
    data = graphql(
        url,
        LAUNCH,
        {
            "params": {
                "assetSelection": [{"path": ["daily_performance_trends"]}],
                "partitionNames": days_between(first, last),
                "title": f"trends {first} … {last}",
                "tags": [{"key": "benchmon/reason", "value": "cli backfill"}],
            }
        },
    )
    result = data["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise CliError(
            f"Dagster refused the backfill ({result['__typename']}): {result.get('message')}",
            FAILED,
        )
    return result["backfillId"]


def backfill_status(url: str, backfill_id: str) -> dict:
    """The backfill's status, its runs and its partition counts, as GraphQL gives them."""
    result = graphql(url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
    if result["__typename"] != "PartitionBackfill":
        raise CliError(
            f"Dagster cannot tell backfill {backfill_id}'s status "
            f"({result['__typename']}): {result.get('message')}",
            FAILED,
        )
    return result


def progress_line(status: dict) -> str:
    """One line about where the backfill is: its status, its partitions, its runs."""
    parts = [status["status"]]
    for counts in (status.get("assetBackfillData") or {}).get("assetBackfillStatuses") or []:
        if "numPartitionsTargeted" in counts:
            parts.append(
                f"{counts['numPartitionsMaterialized']}/{counts['numPartitionsTargeted']} "
                f"partition(s) materialized, {counts['numPartitionsInProgress']} in progress, "
                f"{counts['numPartitionsFailed']} failed"
            )
    runs = status.get("runs") or []
    if runs:
        parts.append(", ".join(f"run {r['runId'][:8]} {r['status']}" for r in runs))
    return " · ".join(parts)


def wait_for_backfill(url: str, backfill_id: str, echo=click.echo) -> int:
    """Poll until the backfill ends, echoing each new progress line; the exit code."""
    shown = None
    while True:
        status = backfill_status(url, backfill_id)
        line = progress_line(status)
        if line != shown:
            echo(f"{time.strftime('%H:%M:%S')} {line}")
            shown = line
        state = status["status"]
        runs_ended = all(r["status"] in RUN_ENDED for r in status.get("runs") or [])
        if state in ENDED_BADLY or (state in SUCCEEDED and runs_ended):
            break
        time.sleep(POLL_SECONDS)
    failed_runs = [r for r in status.get("runs") or [] if r["status"] != "SUCCESS"]
    if state in SUCCEEDED and not failed_runs:
        echo(f"backfill {backfill_id} succeeded")
        return 0
    error = (status.get("error") or {}).get("message")
    why = f": {_short(error)}" if error else ""
    echo(f"backfill {backfill_id} ended {state}{why}", err=True)
    return FAILED


def _dev_url() -> str:
    """The UI of the `benchmon dev` running for this BENCHMON_HOME."""
    from benchmon_pipeline.cli.dev_file import NotRunning, running
    from benchmon_pipeline.settings import get_settings

    try:
        return running(get_settings().home).url
    except NotRunning as exc:
        raise CliError(f"{exc}; start it with `benchmon dev`, or pass --url", UNAVAILABLE) from None


def _check_days(first: date, last: date, *, own_server: bool) -> None:
    """Refuse days that have no trend partition: after today (UTC), or — for the `benchmon
    dev` of this environment, which reads the same setting — before
    BENCHMON_TRENDS_START_DATE. Dagster answered those with an HTTP 500, which read as an
    outage (exit 69), and a range reaching past today launched fewer days than it said."""
    today = datetime.now(UTC).date()
    if last > today:
        raise CliError(
            f"--to {last} is after today ({today}, UTC): there is no trend day after it yet",
            INVALID_INPUT,
        )
    start = get_settings().trends_start_date
    if own_server and first < start:
        raise CliError(
            f"--from {first} is before the first trend day, {start} "
            f"({TRENDS_START_DATE_VAR}); give --from {start} or later, or set "
            f"{TRENDS_START_DATE_VAR} earlier for `benchmon dev` and restart it",
            INVALID_INPUT,
        )


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
    default=None,
    type=HTTP_URL,
    help="A Dagster UI to use [default: the one the running `benchmon dev` serves, as "
    "recorded in $BENCHMON_HOME/dev.json].",
)
@click.option(
    "--wait",
    is_flag=True,
    help="Follow the backfill to its end, printing its progress; exit 0 if it succeeded, "
    "1 if it failed or was canceled.",
)
def backfill(first, last, url: str | None, wait: bool) -> None:
    """Rebuild the trend partitions of a range of days, in one run.

    Exit codes: 0 launched (with --wait: succeeded); 1 failed, canceled or refused by
    Dagster; 65 a day with no trend partition; 69 no Dagster UI to talk to (benchmon dev
    not running, unreachable, or an HTTP error).
    """
    first, last = first.date(), last.date()
    if last < first:
        raise click.UsageError("--to is before --from")
    _check_days(first, last, own_server=url is None)
    url = url or _dev_url()
    backfill_id = launch_backfill(url, first, last)
    click.echo(
        f"backfill {backfill_id} launched: {len(days_between(first, last))} day(s) "
        f"{first} … {last} in one run"
    )
    click.echo(f"follow it at {url.rstrip('/')}/overview/backfills/{backfill_id}")
    if wait:
        code = wait_for_backfill(url, backfill_id)
        if code:
            raise SystemExit(code)
