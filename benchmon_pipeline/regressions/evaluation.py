"""Run the regression rules over what the database holds, and say what is wrong as Findings.

One entry point, `evaluate(conn, rules, scope, settings)`, for the Dagster checks (one rule
each, tracked scope), the alerts table (through the checks) and the CI gate (every rule, a
model/environment filter, perhaps a pull request's branch). The statistics live in the rule
modules beside this one; this module only reads (reading.py) and translates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import psycopg

from benchmon_pipeline.regressions.baseline_rule import judge_baselines
from benchmon_pipeline.regressions.confirmation import (
    DEFAULT_CONFIRM_RESULTS,
    check_confirm_results,
    severity_for_run,
)
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    RULES,
    STALE,
    TRADEOFF,
    Finding,
)
from benchmon_pipeline.regressions.history_rule import HistorySettings, decide, gather_evidence
from benchmon_pipeline.regressions.reading import (
    CONFIGURATION,
    RecentValue,
    Scope,
    Series,
    database_now,
    recent_results,
)
from benchmon_pipeline.regressions.restarts import Restarts, history_restarts
from benchmon_pipeline.regressions.staleness import (
    StalenessSettings,
    disappeared_metrics,
    metric_presence_judged,
    stale_configurations,
)
from benchmon_pipeline.regressions.tradeoffs import TradeOff, find_tradeoffs
from benchmon_pipeline.regressions.verdicts import ERROR, WARN, Verdict


@dataclass(frozen=True)
class RegressionSettings:
    """The knobs of every rule. Confirmation everywhere: WARN on the first breach, ERROR once
    K results (versions, for the baseline rule) in a row breach — `confirm_results` for the
    baseline and missing-metric rules, `history_confirm_results` for the history rule, whose
    K results must also carry enough evidence together (history_rule.py)."""

    confirm_results: int = DEFAULT_CONFIRM_RESULTS
    history_confirm_results: int = 3
    history_window: int = HistorySettings.window
    history_min_results: int = 10
    history_threshold_z: float = 3.6
    stale_warn_after: float = 3.0
    stale_error_after: float = 6.0
    min_improvement_percent: float = 0.0  # trade-offs: the least improvement worth naming

    def __post_init__(self) -> None:
        check_confirm_results(self.confirm_results)
        self.history_settings()  # fails early, with its own message, on a bad combination
        self.staleness_settings()

    def history_settings(self) -> HistorySettings:
        return HistorySettings(
            window=self.history_window,
            min_history=self.history_min_results,
            threshold_z=self.history_threshold_z,
            confirm_results=self.history_confirm_results,
            max_run=max(5, self.history_confirm_results),
        )

    def staleness_settings(self) -> StalenessSettings:
        return StalenessSettings(
            warn_after=self.stale_warn_after,
            error_after=self.stale_error_after,
            confirm_results=self.confirm_results,
            retired_after=max(30, self.confirm_results + 1),
        )


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation found. `judged[rule]` counts what the rule looked at (metric
    series, or configurations for the staleness rule), so "0 findings" can be told apart
    from "nothing to judge"."""

    rules: tuple[str, ...]
    scope: Scope
    findings: list[Finding]
    judged: dict[str, int] = field(default_factory=dict)
    tradeoffs: list[TradeOff] = field(default_factory=list)
    not_judged: list[str] = field(default_factory=list)  # why some series were skipped
    # per rule that keeps it (history): the configurations it judged any series of
    judged_configurations: dict[str, frozenset[tuple]] = field(default_factory=dict)

    def of(self, *rules: str) -> list[Finding]:
        return [f for f in self.findings if f.rule in rules]

    def at_least(self, severity: str) -> list[Finding]:
        """The findings at `severity` or worse (ERROR > WARN)."""
        wanted = {ERROR} if severity == ERROR else {WARN, ERROR}
        return [f for f in self.findings if f.severity in wanted]

    @property
    def worst(self) -> str | None:
        severities = {f.severity for f in self.findings}
        return ERROR if ERROR in severities else WARN if severities else None


def evaluate(
    conn: psycopg.Connection,
    rules: Iterable[str] = RULES,
    scope: Scope | None = None,
    settings: RegressionSettings | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Judge `scope` with `rules` (any of findings.RULES) and return what is wrong."""
    settings = settings or RegressionSettings()
    scope = scope or Scope()
    rules = tuple(dict.fromkeys(rules))
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    findings: list[Finding] = []
    judged: dict[str, int] = {}
    tradeoffs: list[TradeOff] = []
    not_judged: list[str] = []
    judged_configurations: dict[str, frozenset[tuple]] = {}

    if BASELINE in rules or TRADEOFF in rules:
        verdicts, context = _baseline_verdicts(conn, scope, settings)
        for rule in (BASELINE, TRADEOFF):  # the rules asked for: one reading serves both
            if rule in rules:
                judged[rule] = len(verdicts)
        if BASELINE in rules:
            findings += [_finding(v, context) for v in verdicts if not v.passed]
        if TRADEOFF in rules:
            tradeoffs = find_tradeoffs(
                verdicts, min_improvement_percent=settings.min_improvement_percent
            )
            findings += [_tradeoff_finding(t, context) for t in tradeoffs]

    if {HISTORY, STALE, MISSING_METRIC} & set(rules):
        history = settings.history_settings()
        recent = recent_results(
            conn,
            scope,
            per_configuration=history.window + history.max_run,
            per_branch=history.max_run,
        )
        if HISTORY in rules:
            restarts = history_restarts(conn, {series.configuration for series in recent})
            found, judged_series, skipped = _history_findings(recent, scope, history, restarts)
            findings += found
            judged[HISTORY] = len(judged_series)
            judged_configurations[HISTORY] = frozenset(judged_series)
            not_judged += skipped
        if STALE in rules:
            found, count = _stale_findings(recent, scope, settings, now or database_now(conn))
            findings += found
            judged[STALE] = count
        if MISSING_METRIC in rules:
            found, count = _missing_metric_findings(recent, scope, settings)
            findings += found
            judged[MISSING_METRIC] = count

    findings.sort(
        key=lambda f: (f.rule != BASELINE, f.severity != ERROR, f.configuration, f.metric)
    )
    return Evaluation(rules, scope, findings, judged, tradeoffs, not_judged, judged_configurations)


# The baseline rule --------------------------------------------------------------------------


def _baseline_verdicts(
    conn, scope: Scope, settings: RegressionSettings
) -> tuple[list[Verdict], dict]:
    verdicts, context = [], {}
    for row, _, verdict in judge_baselines(conn, scope, confirm_results=settings.confirm_results):
        configuration = verdict.configuration
        verdicts.append(verdict)
        context[(configuration, row.metric)] = {
            "commit_sha": row.commit_sha,
            "branch_name": row.branch_name,
            "exact": (row.current_value, row.baseline_value),
        }
        context[configuration] = context[(configuration, row.metric)]
    return verdicts, context


def _finding(verdict: Verdict, context: dict) -> Finding:
    about = context.get((verdict.configuration, verdict.metric), {})
    current, reference = about.get("exact", (verdict.current, verdict.reference))
    delta = None if reference is None else current - reference
    percent = (
        None
        if reference in (None, 0)
        else _round(Decimal(100) * Decimal(delta) / abs(Decimal(reference)))
    )
    return Finding(
        rule=verdict.rule,
        **dict(zip(CONFIGURATION, verdict.configuration, strict=True)),
        metric=verdict.metric,
        severity=verdict.severity,
        reason=verdict.reason,
        direction=verdict.direction,
        current=current,
        reference=reference,
        delta=delta,
        percent=percent,
        commit_sha=about.get("commit_sha"),
        branch_name=about.get("branch_name"),
        run_length=max(verdict.run_length, 1),
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _tradeoff_finding(tradeoff: TradeOff, context: dict) -> Finding:
    about = context.get(tradeoff.configuration, {})
    return Finding(
        rule=TRADEOFF,
        **dict(zip(CONFIGURATION, tradeoff.configuration, strict=True)),
        metric=", ".join(change.metric for change in tradeoff.worsened),
        severity=WARN,
        reason=tradeoff.description,
        commit_sha=about.get("commit_sha"),
        branch_name=about.get("branch_name"),
    )


# The history rule ---------------------------------------------------------------------------


def _results(values: Sequence[RecentValue]) -> list[float | list[float]]:
    """A series' results, oldest first. Consecutive results of one commit are repeated
    samples of one result (re-runs), judged with the rank test when there are enough."""
    results: list[float | list[float]] = []
    previous_commit = None
    for item in values:
        if not math.isfinite(item.value):
            continue
        if item.commit_sha is not None and item.commit_sha == previous_commit:
            last = results[-1]
            results[-1] = [*last, item.value] if isinstance(last, list) else [last, item.value]
        else:
            results.append(item.value)
        previous_commit = item.commit_sha
    return results


def _since_restart(series: Series, restarts: Restarts) -> tuple[list[RecentValue], str | None]:
    """The series' values the reference may use: tracked results from its restart point on
    (an accepted change, the baseline: restarts.py) and the branch's; and the point's source
    when it dropped any."""
    restart = restarts.of(series.configuration, series.metric)
    if restart is None:
        return series.values, None
    kept = [v for v in series.values if v.on_branch or restart.keeps(v.created_at, v.seq)]
    return kept, (restart.source if len(kept) < len(series.values) else None)


def _history_findings(
    recent: list[Series], scope: Scope, settings: HistorySettings, restarts: Restarts
) -> tuple[list[Finding], list[tuple], list[str]]:
    """The findings, the configuration of each series judged, and why the others were not."""
    evidence, newest, restarted = [], {}, {}
    for series in recent:
        if scope.branch and not series.values[-1].on_branch:
            continue  # the branch has no result for this series: nothing to judge
        values, source = _since_restart(series, restarts)
        results = _results(values)
        if not results:
            continue
        if source:
            restarted[(series.configuration, series.metric)] = source
        evidence.append(
            gather_evidence(
                results,
                metric=series.metric,
                direction=series.direction,
                configuration=series.configuration,
                settings=settings,
            )
        )
        newest[(series.configuration, series.metric)] = values[-1]
    verdicts = decide(evidence, settings)
    skipped = [
        f"{' / '.join(e.configuration)} {e.metric}: {e.not_judged}"
        + _restart_note(restarted.get((e.configuration, e.metric)))
        for e in evidence
        if e.not_judged
    ]
    findings = []
    for verdict in verdicts:
        if verdict.passed:
            continue
        last = newest[(verdict.configuration, verdict.metric)]
        findings.append(
            Finding(
                rule=HISTORY,
                **dict(zip(CONFIGURATION, verdict.configuration, strict=True)),
                metric=verdict.metric,
                severity=verdict.severity,
                reason=verdict.reason,
                direction=verdict.direction,
                current=verdict.current,
                reference=verdict.reference,
                delta=verdict.delta,
                percent=None if verdict.percent is None else round(verdict.percent, 2),
                commit_sha=last.commit_sha,
                branch_name=last.branch_name,
                run_length=max(verdict.run_length, 1),
            )
        )
    return findings, [e.configuration for e in evidence if not e.not_judged], skipped


def _restart_note(source: str | None) -> str:
    if source is None:
        return ""
    what = "an accepted change" if source == "accepted" else "the baseline"
    return f" (the reference restarted at {what})"


# Missing and stale data ----------------------------------------------------------------------


def _observations(recent: list[Series], one_per_result: bool = False) -> list[tuple]:
    """(configuration, metric, created_at, value) rows of the tracked results; with
    `one_per_result`, only when they were (all the staleness rule looks at)."""
    if one_per_result:
        seen = {
            (v.configuration, v.created_at)
            for series in recent
            for v in series.values
            if not v.on_branch
        }
        return [(configuration, "", created_at, 0.0) for configuration, created_at in seen]
    return [
        (v.configuration, v.metric, v.created_at, v.value)
        for series in recent
        for v in series.values
        if not v.on_branch
    ]


def _newest_by_configuration(recent: list[Series]) -> dict[tuple, RecentValue]:
    newest: dict[tuple, RecentValue] = {}
    for series in recent:
        last = series.values[-1]
        known = newest.get(series.configuration)
        if known is None or (last.created_at, last.seq) > (known.created_at, known.seq):
            newest[series.configuration] = last
    return newest


def _stale_findings(
    recent: list[Series], scope: Scope, settings: RegressionSettings, now: datetime
) -> tuple[list[Finding], int]:
    if scope.branch or not recent:
        return [], 0  # a pull request's branch has no rhythm of its own to break
    judged = stale_configurations(
        _observations(recent, one_per_result=True), now, settings.staleness_settings()
    )
    newest = _newest_by_configuration(recent)
    findings = [
        Finding(
            rule=STALE,
            **dict(zip(CONFIGURATION, item.configuration, strict=True)),
            metric="",
            severity=item.severity,
            reason=item.reason,
            commit_sha=newest[item.configuration].commit_sha,
            branch_name=newest[item.configuration].branch_name,
        )
        for item in judged
        if not item.passed
    ]
    return findings, len(judged)


def _missing_metric_findings(
    recent: list[Series], scope: Scope, settings: RegressionSettings
) -> tuple[list[Finding], int]:
    if not recent:
        return [], 0
    staleness = settings.staleness_settings()
    if scope.branch:
        return _missing_on_branch(recent, staleness.confirm_results)
    observed = _observations(recent)
    missing = disappeared_metrics(observed, staleness)
    newest = _newest_by_configuration(recent)
    findings = [
        Finding(
            rule=MISSING_METRIC,
            **dict(zip(CONFIGURATION, item.configuration, strict=True)),
            metric=item.metric,
            severity=item.severity,
            reason=item.reason,
            commit_sha=newest[item.configuration].commit_sha,
            branch_name=newest[item.configuration].branch_name,
            run_length=item.absent_from,
        )
        for item in missing
    ]
    return findings, metric_presence_judged(observed, staleness)


def _missing_on_branch(recent: list[Series], confirm_results: int) -> tuple[list[Finding], int]:
    """A pull request's results that lack a metric the tracked branch's newest result has."""
    tracked: dict[tuple, dict] = {}  # configuration → result id → metrics, oldest first
    branch: dict[tuple, dict] = {}
    for series in recent:
        for v in series.values:
            side = branch if v.on_branch else tracked
            side.setdefault(v.configuration, {}).setdefault(
                (v.created_at, v.seq, v.id), (v, set())
            )[1].add(v.metric)
    findings, judged = [], 0
    for configuration in sorted(branch):
        if configuration not in tracked:
            continue
        judged += 1
        expected = tracked[configuration][max(tracked[configuration])][1]
        ordered = [branch[configuration][key] for key in sorted(branch[configuration])]
        results = [metrics for _, metrics in ordered]
        newest = ordered[-1][0]
        for metric in sorted(expected - results[-1]):
            absent = 0
            while absent < len(results) and metric not in results[-1 - absent]:
                absent += 1
            findings.append(
                Finding(
                    rule=MISSING_METRIC,
                    **dict(zip(CONFIGURATION, configuration, strict=True)),
                    metric=metric,
                    severity=severity_for_run(absent, confirm_results),
                    reason=(
                        f"the tracked branch's newest result has {metric}; the newest "
                        f"{absent} result(s) of branch {newest.branch_name} lack it"
                    ),
                    commit_sha=newest.commit_sha,
                    branch_name=newest.branch_name,
                    run_length=absent,
                )
            )
    return findings, judged
