"""Regression checks on `benchmark_snapshots`, shown on the asset's Checks tab and as badges
in the lineage graph. They ride along with every materialization of the asset.

Each check evaluates its rule over the database (evaluation.py), records what it found in
`regression_alerts` (an alert opens once and stays open while the finding persists), sends
the newly opened alerts to the webhook, and returns WARN or ERROR with a metadata table of
the offending configurations and metrics.
"""

from collections.abc import Sequence
from decimal import Decimal

import dagster as dg

from benchmon_pipeline.defs.reports import dashboard_path
from benchmon_pipeline.defs.resources import (
    PostgresResource,
    RegressionRulesResource,
    WebhookResource,
)
from benchmon_pipeline.defs.snapshots import benchmark_snapshots
from benchmon_pipeline.regressions.alerts import record_findings
from benchmon_pipeline.regressions.environment import blocking_from_environment
from benchmon_pipeline.regressions.evaluation import Evaluation, evaluate
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    STALE,
    TRADEOFF,
    Finding,
)
from benchmon_pipeline.regressions.markdown import (
    findings_table,
    nothing_judged,
    summary_line,
    tradeoffs_list,
)
from benchmon_pipeline.regressions.verdicts import ERROR
from benchmon_pipeline.regressions.watermarks import ChangedRun, judge_changed
from benchmon_pipeline.regressions.webhook import notify_pending
from benchmon_pipeline.reports.figures import label, trend_anchor
from benchmon_pipeline.settings import get_settings

BLOCKING = blocking_from_environment()
TABLE_LIMIT = 100  # rows in the metadata table; the markdown says how many more

FINDINGS_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("severity", "string"),
        dg.TableColumn("rule", "string"),
        dg.TableColumn("model_version", "string"),
        dg.TableColumn("dataset_version", "string"),
        dg.TableColumn("prompt_version", "string"),
        dg.TableColumn("environment", "string"),
        dg.TableColumn("metric", "string"),
        dg.TableColumn("direction", "string"),
        dg.TableColumn("current", "float"),
        dg.TableColumn("reference", "float"),
        dg.TableColumn("delta", "float"),
        dg.TableColumn("percent", "float"),
        dg.TableColumn("commit", "string"),
        dg.TableColumn("branch", "string"),
        dg.TableColumn("consecutive", "int", description="results in a row on the bad side"),
        dg.TableColumn("reason", "string"),
    ]
)


def _float(value) -> float | None:
    return None if value is None else float(value) if isinstance(value, Decimal) else value


def findings_metadata_table(findings: Sequence[Finding]) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        schema=FINDINGS_SCHEMA,
        records=[
            dg.TableRecord(
                {
                    "severity": f.severity,
                    "rule": f.rule,
                    "model_version": f.model_version,
                    "dataset_version": f.dataset_version,
                    "prompt_version": f.prompt_version,
                    "environment": f.environment,
                    "metric": f.metric,
                    "direction": f.direction,
                    "current": _float(f.current),
                    "reference": _float(f.reference),
                    "delta": _float(f.delta),
                    "percent": _float(f.percent),
                    "commit": f.commit_sha,
                    "branch": f.branch_name,
                    "consecutive": f.run_length,
                    "reason": f.reason,
                }
            )
            for f in findings[:TABLE_LIMIT]
        ],
    )


def run_check(
    context: dg.AssetCheckExecutionContext,
    postgres: PostgresResource,
    rules_resource: RegressionRulesResource,
    webhook: WebhookResource,
    rules: Sequence[str],
    alerting: Sequence[str],
    passed_text: str,
) -> dg.AssetCheckResult:
    """Evaluate `rules`, record the findings of the `alerting` ones as alerts, notify."""
    with postgres.connect() as conn:
        evaluation = evaluate(conn, rules, settings=rules_resource.settings())
        opened = record_findings(conn, alerting, evaluation.of(*alerting))
        conn.commit()
        notified = notify_pending(conn, webhook.webhook())
        conn.commit()
    findings = evaluation.of(*alerting)
    for line in evaluation.not_judged[:20]:
        context.log.debug(line)
    context.log.info(
        f"{summary_line(findings)} {len(opened)} alert(s) opened, {notified} sent to the webhook."
    )
    judged = sum(evaluation.judged.get(rule, 0) for rule in rules)
    why = None if judged else _nothing_judged(rules_resource, rules)
    if why:
        context.log.warning(why)
    return _result(findings, _metadata(evaluation, findings, len(opened), why or passed_text), why)


def run_changed_check(
    context: dg.AssetCheckExecutionContext,
    postgres: PostgresResource,
    rules_resource: RegressionRulesResource,
    webhook: WebhookResource,
    rule: str,
    passed_text: str,
) -> dg.AssetCheckResult:
    """Judge with `rule` only the configurations that changed since it last judged them
    (watermarks.py); the others' unresolved alerts are carried forward and still fail it."""
    with postgres.connect() as conn:
        run = judge_changed(conn, rule, settings=rules_resource.settings())
        conn.commit()
        notified = notify_pending(conn, webhook.webhook())
        conn.commit()
    findings = run.findings
    for line in run.evaluation.not_judged[:20]:
        context.log.debug(line)
    context.log.info(
        f"{summary_line(findings)} {run.judged_fresh} configuration(s) judged fresh, "
        f"{run.carried_configurations} with open alerts carried forward; "
        f"{len(run.opened)} alert(s) opened, {notified} sent to the webhook."
    )
    # this run may judge nothing fresh; whether the rule has judged anything is the
    # watermarks' to say (a configuration judged before keeps its verdict)
    why = None if run.judged_by_now else _nothing_judged(rules_resource, [rule])
    if why:
        context.log.warning(why)
    metadata = _metadata(run.evaluation, findings, len(run.opened), why or passed_text)
    metadata.update(_freshness(run))
    return _result(findings, metadata, why)


def _nothing_judged(rules_resource: RegressionRulesResource, rules: Sequence[str]) -> str:
    settings = rules_resource.settings()
    return nothing_judged(
        rules, settings.history_min_results, settings.staleness_settings().min_results
    )


def _result(findings: list, metadata: dict, unjudged: str | None) -> dg.AssetCheckResult:
    """Passed only when something was judged and nothing was found (a check that judged
    nothing says why, with WARN); ERROR when any finding is one, else WARN."""
    return dg.AssetCheckResult(
        passed=not findings and not unjudged,
        severity=(
            dg.AssetCheckSeverity.ERROR
            if any(f.severity == ERROR for f in findings)
            else dg.AssetCheckSeverity.WARN
        ),
        metadata=metadata,
    )


def _freshness(run: ChangedRun) -> dict:
    """What this run judged afresh and what it carried forward, for the Checks tab."""
    reasons = "; ".join(f"{why}: {n}" for why, n in sorted(run.selection.reasons.items()))
    return {
        "configurations_judged_fresh": run.judged_fresh,
        "configurations_carried_forward": run.carried_configurations,
        "configurations_judged_by_now": run.judged_by_now,
        "findings_carried_forward": len(run.carried),
        "why_judged": reasons or "nothing new since the last run",
    }


def _metadata(
    evaluation: Evaluation, findings: list[Finding], opened: int, quiet_text: str
) -> dict:
    """The Checks tab's numbers and tables; `quiet_text` is the details with no finding."""
    judged = max((evaluation.judged.get(rule, 0) for rule in evaluation.rules), default=0)
    details = (
        findings_table(findings, repo_url=get_settings().repo_url) + _trend_links(findings)
        if findings
        else quiet_text
    )
    metadata = {
        "findings": len(findings),
        "errors": sum(f.severity == ERROR for f in findings),
        "judged": judged,
        "configurations": len({f.configuration for f in findings}),
        "alerts_opened": opened,
        "offending": findings_metadata_table(findings),
        "details": dg.MetadataValue.md(details),
    }
    if evaluation.not_judged:
        metadata["not_judged_yet"] = len(evaluation.not_judged)
    if TRADEOFF in evaluation.rules:  # said here, not alerted on twice
        metadata["tradeoffs"] = len(evaluation.tradeoffs)
        if evaluation.tradeoffs:
            metadata["tradeoff_details"] = dg.MetadataValue.md(tradeoffs_list(evaluation.tradeoffs))
    return metadata


def _trend_links(findings: Sequence[Finding]) -> str:
    """Markdown links from each configuration found to its trend in the HTML report (the
    benchmark_dashboard asset's file; it shows the configurations with open alerts)."""
    report = dashboard_path().resolve().as_uri()
    configurations = sorted({f.configuration for f in findings})[:TABLE_LIMIT]
    lines = [f"- [{label(c)}]({report}#{trend_anchor(c)})" for c in configurations]
    return "\n\nTrends in the report (benchmark_dashboard):\n\n" + "\n".join(lines)


def build_regression_checks(blocking: bool = False) -> list[dg.AssetChecksDefinition]:
    """The three checks; `blocking` makes an ERROR from the baseline or history check stop
    the assets downstream of `benchmark_snapshots` in the same run (BENCHMON_BLOCKING_CHECKS)."""

    @dg.asset_check(
        asset=benchmark_snapshots,
        name="baseline_regressions",
        blocking=blocking,
        description=(
            "Current version vs the configuration's baseline, per metric, in the metric's "
            "direction, against its absolute/relative thresholds (metric_definitions, "
            "metric_overrides; a drop equal to the threshold counts). WARN on a first breach, "
            "ERROR when it persists over K consecutive versions. Trade-offs (one metric better, "
            "another worse beyond its threshold) are listed in the metadata."
        ),
    )
    def baseline_regressions(
        context: dg.AssetCheckExecutionContext,
        postgres: PostgresResource,
        regression_rules: RegressionRulesResource,
        webhook: WebhookResource,
    ) -> dg.AssetCheckResult:
        return run_check(
            context,
            postgres,
            regression_rules,
            webhook,
            [BASELINE, TRADEOFF],
            [BASELINE],
            "No metric is worse than its baseline beyond its threshold.",
        )

    @dg.asset_check(
        asset=benchmark_snapshots,
        name="history_regressions",
        blocking=blocking,
        description=(
            "Newest results of each configuration's tracked branch vs its trailing window: "
            "robust z (median, MAD-fenced scale) or a rank test over repeated samples, on a log "
            "scale for latency/cost/time, after a minimum history, with Benjamini–Hochberg across "
            "every series judged. WARN on the first breach, ERROR when K results in a row carry "
            "the evidence. Judges only the configurations with something new since it last "
            "judged them; the others' open alerts are carried forward (docs/regressions.md)."
        ),
    )
    def history_regressions(
        context: dg.AssetCheckExecutionContext,
        postgres: PostgresResource,
        regression_rules: RegressionRulesResource,
        webhook: WebhookResource,
    ) -> dg.AssetCheckResult:
        return run_changed_check(
            context,
            postgres,
            regression_rules,
            webhook,
            HISTORY,
            "No series is worse than its own recent history.",
        )

    @dg.asset_check(
        asset=benchmark_snapshots,
        name="missing_or_stale_data",
        description=(
            "A configuration that reported regularly and has been silent for several of its own "
            "typical intervals, or a metric its recent results carried and its newest results "
            "lack. WARN first, ERROR when the silence is long or K results in a row lack it."
        ),
    )
    def missing_or_stale_data(
        context: dg.AssetCheckExecutionContext,
        postgres: PostgresResource,
        regression_rules: RegressionRulesResource,
        webhook: WebhookResource,
    ) -> dg.AssetCheckResult:
        return run_check(
            context,
            postgres,
            regression_rules,
            webhook,
            [STALE, MISSING_METRIC],
            [STALE, MISSING_METRIC],
            "Every configuration reports at its usual rhythm with all its metrics.",
        )

    return [baseline_regressions, history_regressions, missing_or_stale_data]


regression_checks = build_regression_checks(BLOCKING)
