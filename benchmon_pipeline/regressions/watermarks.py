"""Judge only what changed: a rule's run over the configurations with something new.

The Dagster history check runs after every materialization of the snapshots. Re-reading
and re-judging every configuration's history each time costs in proportion to how much is
stored, while what can have changed is only the configurations with new results. The
database keeps, per rule × configuration, a watermark (sql/0033: rule_watermarks,
rule_evaluations) and answers which configurations must be judged now and why
(configurations_to_judge()); this module judges those, records their verdicts as alerts
(resolving only their own alerts that are gone), carries every other configuration's
unresolved alerts forward as findings — an open regression does not vanish because no new
result came — and moves the watermarks, all in the caller's transaction. The watermark also
says whether the rule judged any series of the configuration (sql/0041), so a run that
judged nothing fresh still knows whether its check has judged anything at all.

What a run is judged under is part of the watermark: a digest of the rule's code and
settings (`judged_under`). A new version of the rule or a changed setting makes the next
run judge every configuration; so does a changed threshold, direction or tracked branch
(the database sees those in settings_changes). An accepted change or a new baseline moves
the configuration's restart points, and a person resolving one of its alerts asks for a
fresh look: both re-judge that configuration.

Benjamini–Hochberg (fdr.py) runs over the series judged in one run: the fresh ones. A
carried-forward verdict is the one its configuration got when it was last judged.

The CI gate (`benchmon regressions`) does not come here: it judges what its caller asks.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import Counter
from dataclasses import asdict, dataclass, field

import psycopg
from psycopg.rows import class_row

from benchmon_pipeline.regressions import (
    confirmation,
    directions,
    evaluation,
    fdr,
    history_rule,
    observations,
    reading,
    restarts,
    robust,
    scales,
    significance,
)
from benchmon_pipeline.regressions.alerts import COLUMNS, Alert, record_findings
from benchmon_pipeline.regressions.evaluation import Evaluation, RegressionSettings, evaluate
from benchmon_pipeline.regressions.findings import HISTORY, Finding
from benchmon_pipeline.regressions.reading import Scope

# The code a verdict depends on: a change to any of them is a new version of the rule.
RULE_CODE = (
    history_rule,
    robust,
    confirmation,
    scales,
    significance,
    fdr,
    observations,
    directions,
    restarts,
    reading,
    evaluation,
)

Configuration = tuple[str, str, str, str]

# Read once, at import: the source of the code this process runs, not of whatever the files
# hold later (inspect.getsource reads the file again on every call).
_CODE_DIGEST = hashlib.sha256(
    b"".join(inspect.getsource(module).encode() for module in RULE_CODE)
).hexdigest()


def judged_under(rule: str, settings: RegressionSettings) -> str:
    """A digest of what a verdict of `rule` depends on besides the data: the rule's code
    (as this process loaded it) and the settings."""
    digest = hashlib.sha256(rule.encode())
    digest.update(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    digest.update(_CODE_DIGEST.encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Selection:
    """Which configurations a run judges, and why (the database's answer)."""

    configurations: tuple[Configuration, ...]
    reasons: dict[str, int]  # why → how many configurations
    full_run: bool  # every configuration (first run, new rule or settings)
    through: object  # the transaction id from which log rows may be unseen (xid8)


@dataclass(frozen=True)
class ChangedRun:
    """One incremental run of a rule: the fresh evaluation, the alerts it opened, and the
    unresolved alerts of configurations not judged this time."""

    evaluation: Evaluation
    selection: Selection
    opened: list[Alert]
    carried: list[Finding] = field(default_factory=list)
    judged_by_now: int = 0  # current configurations the rule has judged any series of

    @property
    def findings(self) -> list[Finding]:
        """Everything wrong as of now: fresh findings, then the carried-forward ones."""
        return [*self.evaluation.findings, *self.carried]

    @property
    def judged_fresh(self) -> int:
        return len(self.selection.configurations)

    @property
    def carried_configurations(self) -> int:
        return len({finding.configuration for finding in self.carried})


def select_changed(conn: psycopg.Connection, rule: str, digest: str) -> Selection:
    """Ask the database which current configurations `rule` must judge now."""
    through = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())").fetchone()[0]
    rows = conn.execute("SELECT * FROM configurations_to_judge(%s, %s)", (rule, digest)).fetchall()
    full = conn.execute("SELECT rule_full_run_reason(%s, %s)", (rule, digest)).fetchone()[0]
    return Selection(
        configurations=tuple(sorted(tuple(row[:4]) for row in rows)),
        reasons=dict(Counter(row[4] for row in rows)),
        full_run=full is not None,
        through=through,
    )


def carried_forward(
    conn: psycopg.Connection, rule: str, judged: tuple[Configuration, ...]
) -> list[Finding]:
    """The unresolved alerts of `rule` on configurations not in `judged`, as findings (the
    alert's worst severity and its last values)."""
    columns = [[c[i] for c in judged] for i in range(4)]
    with conn.cursor(row_factory=class_row(Alert)) as cur:
        alerts = cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM regression_alerts"
            " WHERE rule = %s AND status <> 'resolved'"
            " AND (model_version, dataset_version, prompt_version, environment) NOT IN ("
            " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]))"
            " ORDER BY model_version, dataset_version, prompt_version, environment, metric",
            (rule, *columns),
        ).fetchall()
    findings = [
        Finding(
            rule=a.rule,
            model_version=a.model_version,
            dataset_version=a.dataset_version,
            prompt_version=a.prompt_version,
            environment=a.environment,
            metric=a.metric,
            severity=a.severity,
            reason=f"{a.reason} (carried forward: no new result since it was judged)",
            direction=a.direction,
            current=a.current,
            reference=a.reference,
            delta=a.delta,
            percent=a.percent,
            commit_sha=a.commit_sha,
            branch_name=a.branch_name,
            run_length=max(a.run_length, 1),
        )
        for a in alerts
    ]
    return findings


def judge_changed(
    conn: psycopg.Connection, rule: str, settings: RegressionSettings | None = None
) -> ChangedRun:
    """Judge with `rule` the configurations that changed since it last judged them, record
    their alerts, carry the rest forward, and move the watermarks. The caller commits."""
    if rule != HISTORY:  # the others read every configuration anyway, and keep no watermark
        raise ValueError(f"only the {HISTORY} rule is judged by what changed, not {rule!r}")
    settings = settings or RegressionSettings()
    digest = judged_under(rule, settings)
    selection = select_changed(conn, rule, digest)
    judged = selection.configurations
    if judged:
        fresh = evaluate(conn, [rule], Scope(configurations=judged), settings=settings)
    else:
        fresh = Evaluation((rule,), Scope(configurations=()), [], {rule: 0})
    opened = record_findings(
        conn, [rule], fresh.of(rule), configurations=None if selection.full_run else judged
    )
    carried = carried_forward(conn, rule, judged)
    seen = fresh.judged_configurations.get(HISTORY, frozenset())
    conn.execute(
        "SELECT record_rule_evaluation(%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            rule,
            digest,
            selection.through,
            *[[c[i] for c in judged] for i in range(4)],
            [c in seen for c in judged],
        ),
    )
    (total,) = conn.execute("SELECT rule_judged_configurations(%s)", (rule,)).fetchone()
    return ChangedRun(fresh, selection, opened, carried, judged_by_now=total)
