"""`benchmon alerts list|ack|resolve|accept`: the alerts the checks opened (docs/alerts.md).

Errors are one line: exit 65 for an alert that does not exist, 1 for a transition the
lifecycle forbids (the database's own message); 2 for usage errors, as everywhere in click.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
from dataclasses import asdict, fields
from datetime import datetime
from decimal import Decimal

import click
import psycopg

from benchmon_pipeline.access.configurations import (
    Configuration,
    Wanted,
    known_configurations,
    unknown_parts,
)
from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.environment import as_click_error, running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import csv_text, format_option
from benchmon_pipeline.regressions.alerts import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    UNRESOLVED,
    Alert,
    AlertError,
    AlertNotFound,
    accept,
    acknowledge,
    alerts_markdown,
    find_alerts,
    format_number,
    format_percent,
    format_time,
    resolve,
)
from benchmon_pipeline.regressions.escaping import visible

STATUS_CHOICES = (UNRESOLVED, OPEN, ACKNOWLEDGED, RESOLVED, "all")


def default_actor() -> str:
    """Who is acting: $USER, else git's user.name, else the login name."""
    if os.environ.get("USER", "").strip():
        return os.environ["USER"].strip()
    git = shutil.which("git")
    if git:
        try:
            name = subprocess.run(
                [git, "config", "user.name"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            name = ""
        if name:
            return name
    return getpass.getuser()


def _table(alerts: list[Alert]) -> str:
    """Aligned columns for a terminal; names shown by `visible` (a newline or an escape
    sequence in a model name must not break a row or reach the terminal)."""
    header = (
        "ID",
        "SEVERITY",
        "STATUS",
        "RULE",
        "CONFIGURATION",
        "METRIC",
        "CURRENT",
        "REFERENCE",
        "Δ %",
        "SEEN",
        "LAST SEEN",
    )
    rows = [
        (
            str(a.id),
            a.severity,
            a.status,
            visible(a.rule),
            visible(a.configuration_label),
            visible(a.metric or "—"),
            format_number(a.current),
            format_number(a.reference),
            format_percent(a.percent),
            f"{a.times_seen}×",
            format_time(a.last_seen_at),
        )
        for a in alerts
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    )


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@click.group()
def alerts() -> None:
    """Regression alerts: list them, acknowledge, accept or resolve them."""


@alerts.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUS_CHOICES),
    default=UNRESOLVED,
    show_default=True,
    help="unresolved = open or acknowledged.",
)
@click.option("--model", help="Only this model_version.")
@click.option("--dataset", help="Only this dataset_version.")
@click.option("--prompt", help="Only this prompt_version.")
@click.option("--environment", help="Only this environment.")
@click.option("--rule", help="Only this rule (baseline, history, stale, …).")
@format_option()
def list_alerts(status, model, dataset, prompt, environment, rule, fmt) -> None:
    """List alerts, ERROR first, most recently seen first."""
    with as_click_error(), running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            found = find_alerts(
                conn,
                None if status == "all" else status,
                model=model,
                dataset=dataset,
                prompt=prompt,
                environment=environment,
                rule=rule,
            )
            wanted = Wanted(model, dataset, prompt, environment)
            if not found and wanted.given():  # a typo, or really no alert? (as `configs`)
                problems = unknown_parts(_alerted_or_stored(conn), wanted)
                if problems:
                    raise CliError(visible("; ".join(problems)), exits.INVALID_INPUT)
    if fmt == "json":
        click.echo(json.dumps([asdict(a) for a in found], indent=2, default=_json_value))
    elif fmt == "markdown":
        click.echo(alerts_markdown(found))
    elif fmt == "csv":
        rows = [asdict(a) for a in found]
        click.echo(csv_text(rows, [f.name for f in fields(Alert)]))
    elif not found:
        click.echo(f"no {'' if status == 'all' else status + ' '}alerts")
    else:
        click.echo(_table(found))
        click.echo(f"{len(found)} alert(s); details: --format markdown or json")


def _alerted_or_stored(conn: psycopg.Connection) -> list[Configuration]:
    """The configurations a name may come from: those with versions, and those an alert
    is about (a check may have judged a configuration since gone, or one never folded)."""
    alerted = conn.execute(
        "SELECT DISTINCT model_version, dataset_version, prompt_version, environment"
        " FROM regression_alerts"
    )
    return sorted({*known_configurations(conn), *(Configuration(*row) for row in alerted)})


def _act(action, verb: str, alert_id: int, note: str | None, actor: str | None) -> None:
    actor = actor or default_actor()
    with as_click_error(), running_databases() as databases:
        with psycopg.connect(databases.results_url, connect_timeout=10) as conn:
            try:
                alert = action(conn, alert_id, actor, note)
            except AlertNotFound as exc:
                raise CliError(visible(str(exc)), exits.INVALID_INPUT) from exc
            except AlertError as exc:  # a transition the lifecycle forbids
                raise CliError(visible(str(exc)), exits.FAILED) from exc
    what = visible(f"{alert.rule} {alert.metric}".strip())
    click.echo(
        f"{verb} alert {alert.id} ({alert.severity} {what} on "
        f"{visible(alert.configuration_label)}) as {visible(actor)}"
    )


note_option = click.option("--note", help="Why (kept in the alert's history).")
by_option = click.option("--by", "actor", help="Who [$USER, else git's user.name].")


@alerts.command("ack")
@click.argument("alert_id", type=int)
@note_option
@by_option
def ack(alert_id: int, note: str | None, actor: str | None) -> None:
    """Acknowledge an open alert: someone is on it (no more notifications about it)."""
    _act(acknowledge, "acknowledged", alert_id, note, actor)


@alerts.command("resolve")
@click.argument("alert_id", type=int)
@note_option
@by_option
def resolve_alert(alert_id: int, note: str | None, actor: str | None) -> None:
    """Resolve an alert (final). If the regression is still there, the next evaluation
    opens a new alert."""
    _act(resolve, "resolved", alert_id, note, actor)


@alerts.command("accept")
@click.argument("alert_id", type=int)
@click.option(
    "--reason", required=True, help="Why the new level is intended (kept in the history)."
)
@by_option
def accept_alert(alert_id: int, reason: str, actor: str | None) -> None:
    """Accept the change as intended: the history rule restarts its reference at it (a
    baseline or trade-off alert: the current version becomes the baseline), and the alert
    is resolved. For history, baseline and trade-off alerts."""
    if not reason.strip():
        raise click.BadParameter("say why the new level is intended", param_hint="--reason")
    _act(accept, "accepted", alert_id, reason, actor)
