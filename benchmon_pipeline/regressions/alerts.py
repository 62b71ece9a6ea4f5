"""Regression alerts with a lifecycle: the findings of each evaluation become rows of
`regression_alerts` (sql/0010_regression_alerts.sql), so that the same regression alerts
once, not on every run, and people can acknowledge and resolve it (docs/alerts.md).

No Dagster here: the checks, the webhook, the CI gate and `benchmon alerts` call this.

The database keeps the promises; this module only asks it. "Alerts once" is the partial
UNIQUE index (at most one not-resolved alert per rule × configuration × metric) that
`record_findings`' INSERT … ON CONFLICT names; the lifecycle (open → acknowledged →
resolved, resolved final, severity never lowered) is a trigger whose errors come back
here as `IllegalTransition` with the database's own message.

Decisions (docs/alerts.md says why):
- severity: an alert keeps the worst severity seen while it is not resolved — WARN becomes
  ERROR when the regression persists, an ERROR is never lowered (the trigger refuses it);
- an alert no longer found by a later evaluation of its rule is resolved by "benchmon"
  with the note "no longer detected"; if it comes back, that is a new alert;
- notification: once per alert, while it is open (an acknowledged alert already has
  someone's attention), when its severity reaches the channel's minimum. A WARN alert that
  escalates after its message went out is not sent again; with `min_severity="ERROR"` a
  channel hears only of confirmed regressions, once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import class_row

from benchmon_pipeline.regressions.escaping import markdown_cell
from benchmon_pipeline.regressions.findings import Finding, KeyedByConfiguration
from benchmon_pipeline.regressions.verdicts import ERROR, SEVERITIES, WARN

if TYPE_CHECKING:
    import pandas as pd

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
STATUSES = (OPEN, ACKNOWLEDGED, RESOLVED)
UNRESOLVED = "unresolved"  # a status filter: open or acknowledged

AUTO_ACTOR = "benchmon"
AUTO_RESOLVE_NOTE = "no longer detected"

# pg_advisory_xact_lock(class, key) namespaces: 0005 uses 'bmon' for configurations.
_RULE_LOCK = 1651335532  # 'bmal': one evaluation of a rule at a time
NOTIFY_LOCK = (1651338868, 0)  # 'bmnt': one notifier at a time (webhook.notify_pending)


class AlertError(Exception):
    """An alert operation the database refused; the message says which alert and why."""


class AlertNotFound(AlertError, LookupError):
    pass


class IllegalTransition(AlertError):
    """The lifecycle forbids it (already resolved, already acknowledged, …)."""


@dataclass(frozen=True)
class Alert(KeyedByConfiguration):
    """One row of `regression_alerts`: one episode of one regression."""

    id: int
    rule: str
    model_version: str
    dataset_version: str
    prompt_version: str
    environment: str
    metric: str  # "" for findings about the whole configuration
    severity: str  # "WARN" | "ERROR": the worst seen while not resolved
    status: str  # "open" | "acknowledged" | "resolved"
    reason: str
    direction: str | None
    current: Decimal | None
    reference: Decimal | None
    delta: Decimal | None
    percent: Decimal | None
    commit_sha: str | None
    branch_name: str | None
    run_length: int
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolved_note: str | None
    notified_at: datetime | None

    @property
    def configuration_label(self) -> str:
        """model × dataset × prompt × environment (model ids may contain '/')."""
        return " × ".join(self.configuration)

    def as_row(self) -> dict:
        return asdict(self)


COLUMNS = tuple(f.name for f in fields(Alert))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM regression_alerts"
_ORDER = f" ORDER BY (severity = '{ERROR}') DESC, last_seen_at DESC, id DESC"

_UPSERT = f"""
INSERT INTO regression_alerts AS a
       (rule, model_version, dataset_version, prompt_version, environment, metric, severity,
        reason, direction, current, reference, delta, percent, commit_sha, branch_name,
        run_length)
VALUES (%(rule)s, %(model_version)s, %(dataset_version)s, %(prompt_version)s,
        %(environment)s, %(metric)s, %(severity)s, %(reason)s, %(direction)s, %(current)s,
        %(reference)s, %(delta)s, %(percent)s, %(commit_sha)s, %(branch_name)s,
        %(run_length)s)
ON CONFLICT (rule, model_version, dataset_version, prompt_version, environment, metric)
   WHERE status <> 'resolved'
DO UPDATE SET
    severity = CASE WHEN '{ERROR}' IN (a.severity, excluded.severity) THEN '{ERROR}'
                    ELSE '{WARN}' END,
    reason = excluded.reason, direction = excluded.direction, current = excluded.current,
    reference = excluded.reference, delta = excluded.delta, percent = excluded.percent,
    commit_sha = excluded.commit_sha, branch_name = excluded.branch_name,
    run_length = excluded.run_length, last_seen_at = now(), times_seen = a.times_seen + 1
RETURNING {", ".join("a." + c for c in COLUMNS)}
"""


def _exact(value):
    """Floats as the decimals they print as (numeric columns; thresholds.py does the same)."""
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    return value


def _row(finding: Finding) -> dict:
    row = finding.as_row()
    for name in ("current", "reference", "delta", "percent"):
        row[name] = _exact(row[name])
    return row


def _distinct(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per key (the worst; the later on a tie), in key order: ON CONFLICT can
    touch a row once per statement, and a fixed order keeps concurrent evaluations from
    waiting on each other in a circle."""
    chosen: dict[tuple, Finding] = {}
    for finding in findings:
        known = chosen.get(finding.key)
        if known is None or SEVERITIES.index(finding.severity) >= SEVERITIES.index(known.severity):
            chosen[finding.key] = finding
    return [chosen[key] for key in sorted(chosen)]


def record_findings(
    conn: psycopg.Connection,
    rules: Iterable[str],
    findings: Iterable[Finding],
    *,
    configurations: Iterable[Sequence[str]] | None = None,
) -> list[Alert]:
    """Record one evaluation of `rules`: every finding opens its alert or updates the one
    already open (last_seen_at, times_seen, current values, severity WARN → ERROR); every
    not-resolved alert of those rules that no finding matched is resolved by "benchmon"
    ("no longer detected"). Returns the alerts this call opened.

    `rules` are the rules this evaluation judged — all of them, including those that found
    nothing, since silence resolves their alerts. `configurations`, when given, limits the
    auto-resolution to those (model, dataset, prompt, environment): for an evaluation that
    judged only some configurations.

    One transaction (a savepoint inside the caller's). Evaluations of the same rule take
    turns on an advisory lock, so each sees the other's alerts and "opened" is exact; and
    if anything bypasses the lock, the UNIQUE index still allows one alert per key.
    """
    rules = sorted({rules} if isinstance(rules, str) else set(rules))
    findings = list(findings)
    strangers = sorted({f.rule for f in findings} - set(rules))
    if strangers:
        raise ValueError(
            f"findings of rules {strangers} were not in this evaluation's rules {rules}"
        )
    for finding in findings:
        if finding.severity not in SEVERITIES:
            raise ValueError(
                f"finding {finding.key}: severity must be WARN or ERROR, not {finding.severity!r}"
            )
    findings = _distinct(findings)
    scope = None if configurations is None else [tuple(c) for c in configurations]
    with conn.transaction(), conn.cursor(row_factory=class_row(Alert)) as cur:
        for rule in rules:
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_RULE_LOCK, rule))
        seen: list[Alert] = []
        if findings:
            cur.executemany(_UPSERT, [_row(f) for f in findings], returning=True)
            while True:
                seen.extend(cur.fetchall())
                if not cur.nextset():
                    break
        query = (
            "UPDATE regression_alerts SET status = 'resolved', resolved_by = %s,"
            " resolved_note = %s WHERE rule = ANY(%s) AND status <> 'resolved'"
            " AND NOT (id = ANY(%s))"
        )
        params: list = [AUTO_ACTOR, AUTO_RESOLVE_NOTE, rules, [a.id for a in seen]]
        if scope is not None:
            query += (
                " AND (model_version, dataset_version, prompt_version, environment)"
                " IN (SELECT * FROM unnest(%s::text[], %s::text[], %s::text[],"
                " %s::text[]))"
            )
            params += [list(column) for column in zip(*scope, strict=True)] or [[]] * 4
        cur.execute(query, params)
    return [a for a in seen if a.times_seen == 1]


def _filters(status, model, dataset, prompt, environment, rule) -> tuple[str, list]:
    clauses, params = [], []
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        if UNRESOLVED in statuses:
            statuses = [s for s in statuses if s != UNRESOLVED] + [OPEN, ACKNOWLEDGED]
        unknown = sorted(set(statuses) - set(STATUSES))
        if unknown:
            raise ValueError(
                f"unknown alert status {unknown}: choose from {', '.join((*STATUSES, UNRESOLVED))}"
            )
        clauses.append("status = ANY(%s)")
        params.append(statuses)
    for column, value in (
        ("model_version", model),
        ("dataset_version", dataset),
        ("prompt_version", prompt),
        ("environment", environment),
        ("rule", rule),
    ):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def find_alerts(
    conn: psycopg.Connection,
    status: str | Iterable[str] | None = None,
    *,
    model: str | None = None,
    dataset: str | None = None,
    prompt: str | None = None,
    environment: str | None = None,
    rule: str | None = None,
) -> list[Alert]:
    """Alerts matching every filter given, ERROR first, most recently seen first.
    `status`: None (all), "open", "acknowledged", "resolved", "unresolved", or several."""
    where, params = _filters(status, model, dataset, prompt, environment, rule)
    with conn.cursor(row_factory=class_row(Alert)) as cur:
        return cur.execute(_SELECT + where + _ORDER, params).fetchall()


def list_alerts(
    conn: psycopg.Connection,
    status: str | Iterable[str] | None = None,
    *,
    model: str | None = None,
    dataset: str | None = None,
    prompt: str | None = None,
    environment: str | None = None,
    rule: str | None = None,
) -> pd.DataFrame:
    """`find_alerts` as a DataFrame (one column per `Alert` field; numbers as floats)."""
    import pandas as pd

    found = find_alerts(
        conn,
        status,
        model=model,
        dataset=dataset,
        prompt=prompt,
        environment=environment,
        rule=rule,
    )
    frame = pd.DataFrame([a.as_row() for a in found], columns=list(COLUMNS))
    for name in ("current", "reference", "delta", "percent"):
        frame[name] = pd.to_numeric(
            frame[name].map(lambda v: None if v is None else float(v)), errors="coerce"
        ).astype("float64")
    return frame


def get_alert(conn: psycopg.Connection, alert_id: int) -> Alert:
    with conn.cursor(row_factory=class_row(Alert)) as cur:
        found = cur.execute(_SELECT + " WHERE id = %s", (alert_id,)).fetchone()
    if found is None:
        raise AlertNotFound(f"no regression alert {alert_id}")
    return found


def _transition(
    conn: psycopg.Connection, alert_id: int, assignments: str, params: Sequence
) -> Alert:
    returning = ", ".join(COLUMNS)
    try:
        with conn.transaction(), conn.cursor(row_factory=class_row(Alert)) as cur:
            changed = cur.execute(
                f"UPDATE regression_alerts SET {assignments} WHERE id = %s RETURNING {returning}",
                (*params, alert_id),
            ).fetchone()
    except psycopg.errors.CheckViolation as exc:
        raise IllegalTransition(exc.diag.message_primary or str(exc)) from exc
    if changed is None:
        raise AlertNotFound(f"no regression alert {alert_id}")
    return changed


def _actor(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise ValueError("say who: `by` must name a person or a process")
    return by


def acknowledge(conn: psycopg.Connection, alert_id: int, by: str, note: str | None = None) -> Alert:
    """open → acknowledged ("seen, someone is on it"). Raises `AlertNotFound`, or
    `IllegalTransition` when it is already acknowledged or resolved."""
    return _transition(
        conn,
        alert_id,
        "status = 'acknowledged', acknowledged_by = %s, acknowledged_note = %s",
        (_actor(by), note or None),
    )


def resolve(conn: psycopg.Connection, alert_id: int, by: str, note: str | None = None) -> Alert:
    """open or acknowledged → resolved (final). Raises `AlertNotFound`, or
    `IllegalTransition` when it is already resolved. If the regression is still there, the
    next evaluation opens a new alert."""
    return _transition(
        conn,
        alert_id,
        "status = 'resolved', resolved_by = %s, resolved_note = %s",
        (_actor(by), note or None),
    )


def accept(conn: psycopg.Connection, alert_id: int, by: str, reason: str) -> Alert:
    """The new level is intended: record an accepted change (the history rule's reference
    restarts at it; for a baseline or trade-off alert the current version becomes the
    baseline), resolve the alert, and put `reason` in its history — one transaction, in
    SQL (accept_regression_alert(), sql/0023). Raises `AlertNotFound`, or
    `IllegalTransition` when it is resolved or not about a level (stale, missing_metric)."""
    if not (reason or "").strip():
        raise ValueError("say why the new level is intended: `reason` is empty")
    try:
        with conn.transaction():
            conn.execute(
                "SELECT accept_regression_alert(%s, %s, %s)", (alert_id, _actor(by), reason)
            )
    except psycopg.errors.NoDataFound as exc:
        raise AlertNotFound(exc.diag.message_primary or str(exc)) from exc
    except psycopg.errors.CheckViolation as exc:
        raise IllegalTransition(exc.diag.message_primary or str(exc)) from exc
    return get_alert(conn, alert_id)


def pending_notifications(conn: psycopg.Connection, min_severity: str = WARN) -> list[Alert]:
    """Open alerts no message has been sent about yet, at `min_severity` or worse."""
    if min_severity not in SEVERITIES:
        raise ValueError(f"min_severity must be one of {SEVERITIES}, not {min_severity!r}")
    wanted = list(SEVERITIES[SEVERITIES.index(min_severity) :])
    with conn.cursor(row_factory=class_row(Alert)) as cur:
        return cur.execute(
            _SELECT + " WHERE status = 'open' AND notified_at IS NULL AND severity = ANY(%s)"
            f" ORDER BY (severity = '{ERROR}') DESC, id",
            (wanted,),
        ).fetchall()


def mark_notified(conn: psycopg.Connection, ids: Iterable[int]) -> int:
    """Record that the message about these alerts was delivered; returns how many were
    marked now (an alert is marked once; resolved ones too, if they were resolved while
    the message was on its way)."""
    with conn.transaction():
        return conn.execute(
            "UPDATE regression_alerts SET notified_at = now()"
            " WHERE id = ANY(%s) AND notified_at IS NULL",
            (list(ids),),
        ).rowcount


# Text ------------------------------------------------------------------------------------
# Shared by the webhook's Slack message, `benchmon alerts list` and the CI gate's report.


def format_number(value) -> str:
    """A value as people read it: up to 6 significant digits, no exponent below 1e6."""
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number != 0 and (abs(number) >= 1e6 or abs(number) < 1e-4):
        return f"{number:.4g}"
    return f"{number:.6g}"


def format_percent(value) -> str:
    return "—" if value is None else f"{float(value):+.2f} %"


def format_delta(value) -> str:
    if value is None:
        return "—"
    text = format_number(value)
    return text if text.startswith("-") else "+" + text


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def alerts_markdown(alerts: Sequence[Alert], title: str | None = None) -> str:
    """A GitHub-flavoured markdown summary (PR comments, $GITHUB_STEP_SUMMARY, `benchmon
    alerts list --format markdown`): a count line, then a table, worst first."""
    alerts = list(alerts)
    heading = [f"### {title}", ""] if title else []
    if not alerts:
        return "\n".join([*heading, "No regression alerts."])
    errors = sum(a.severity == ERROR for a in alerts)
    count = (
        f"**{len(alerts)} regression alert{'s' if len(alerts) != 1 else ''}** "
        f"({errors} ERROR, {len(alerts) - errors} WARN)"
    )
    lines = [
        *heading,
        count,
        "",
        "| alert | severity | status | rule | configuration | metric | current "
        "| reference | Δ | Δ % | commit | branch | seen | reason |",
        "|---:|---|---|---|---|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    # Names came with the results: markdown_cell shows them as text (no code spans around
    # them: a backtick in a name would close one, and nothing can be escaped inside one).
    for a in sorted(alerts, key=lambda a: (a.severity != ERROR, a.id)):
        commit = markdown_cell(a.commit_sha[:12]) if a.commit_sha else "—"
        branch = markdown_cell(a.branch_name) if a.branch_name else "—"
        seen = f"{a.times_seen}× since {format_time(a.first_seen_at)}"
        severity = f"**{a.severity}**" if a.severity == ERROR else a.severity
        lines.append(
            " | ".join(
                [
                    f"| #{a.id}",
                    severity,
                    a.status,
                    markdown_cell(a.rule),
                    markdown_cell(a.configuration_label),
                    markdown_cell(a.metric) if a.metric else "—",
                    format_number(a.current),
                    format_number(a.reference),
                    format_delta(a.delta),
                    format_percent(a.percent),
                    commit,
                    branch,
                    seen,
                    markdown_cell(a.reason),
                ]
            )
            + " |"
        )
    return "\n".join(lines)
