"""`benchmon regressions`: the CI gate.

Judges the stored results with the same rules as the Dagster checks, prints a markdown
report (for a PR comment or $GITHUB_STEP_SUMMARY) and exits 1 when a regression at the
`--fail-on` level is found. With `--branch` naming a branch that is not tracked (a pull
request), that branch's newest results are judged against the tracked branch's baseline and
history (docs/design.md §7): the pull request never moved production's snapshots, so this is the
only place its results meet them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import click
import psycopg

from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.db.server import DatabaseUnavailable
from benchmon_pipeline.regressions.environment import regression_settings
from benchmon_pipeline.regressions.escaping import markdown_cell
from benchmon_pipeline.regressions.evaluation import Evaluation, evaluate
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    RULES,
    STALE,
    TRADEOFF,
)
from benchmon_pipeline.regressions.markdown import findings_table, summary_line, tradeoffs_list
from benchmon_pipeline.regressions.reading import Scope
from benchmon_pipeline.regressions.verdicts import ERROR, WARN

EXIT_REGRESSION = 1
EXIT_DATABASE_UNAVAILABLE = 69  # as `benchmon push` (sysexits EX_UNAVAILABLE)
GATE_RULES = (BASELINE, HISTORY, MISSING_METRIC, TRADEOFF)  # STALE: only on request
FAIL_ON = {"warn": WARN, "error": ERROR, "never": None}


def _tracked_branches(conn: psycopg.Connection) -> set[str]:
    return {
        row[0]
        for row in conn.execute(
            "SELECT branch_name FROM tracked_branches UNION SELECT default_tracked_branch()"
        )
    }


def _rules(text: str | None) -> tuple[str, ...]:
    if not text:
        return GATE_RULES
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [rule for rule in chosen if rule not in RULES]
    if unknown:
        raise click.BadParameter(
            f"unknown rule(s) {', '.join(unknown)}; choose from {', '.join(RULES)}",
            param_hint="--rules",
        )
    return chosen


def report_markdown(evaluation: Evaluation, fail_on: str | None, failing: list) -> str:
    scope = evaluation.scope
    # Names (the filters, the branch — a pull request's, $GITHUB_HEAD_REF) are shown
    # through markdown_cell: whoever names a branch or a model writes into this report.
    against = (
        f"branch {markdown_cell(scope.branch)} against the tracked baseline and history"
        if scope.branch
        else "tracked branches"
    )
    verdict = "❌ failed" if failing else "✅ passed"
    level = {WARN: f"{WARN} or {ERROR}", ERROR: ERROR, None: "never"}[fail_on]
    regressions = [f for f in evaluation.findings if f.rule != TRADEOFF]
    lines = [
        f"## benchmon regression gate: {verdict}",
        "",
        f"Judged: {markdown_cell(scope.describe_filters())} — {against}. "
        f"Rules: {', '.join(evaluation.rules)}. Fails on: {level}.",
        "",
        f"**{summary_line(regressions)}**",
    ]
    if regressions:
        lines += ["", findings_table(regressions)]
    if evaluation.tradeoffs:
        lines += ["", "### Trade-offs", ""]
        lines.append(tradeoffs_list(evaluation.tradeoffs))
    judged = ", ".join(f"{rule} {evaluation.judged.get(rule, 0)}" for rule in evaluation.rules)
    lines += ["", f"<sub>Series judged per rule: {judged}.</sub>"]
    if evaluation.not_judged:
        lines += [
            "",
            f"<details><summary>{len(evaluation.not_judged)} series not judged "
            "yet (too little history)</summary>",
            "",
        ]
        lines += [f"- {markdown_cell(line)}" for line in evaluation.not_judged[:50]]
        lines += ["", "</details>"]
    return "\n".join(lines)


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def report_json(evaluation: Evaluation, fail_on: str | None, failing: list) -> str:
    return json.dumps(
        {
            "passed": not failing,
            "fail_on": fail_on,
            "branch": evaluation.scope.branch,
            "rules": list(evaluation.rules),
            "judged": evaluation.judged,
            "findings": [
                {k: _json_value(v) for k, v in f.as_row().items()}
                for f in evaluation.findings
                if f.rule != TRADEOFF
            ],
            "tradeoffs": [t.description for t in evaluation.tradeoffs],
            "not_judged": evaluation.not_judged,
        },
        indent=2,
    )


@click.command("regressions")
@click.option("--model", help="Only this model_version.")
@click.option("--dataset", help="Only this dataset_version.")
@click.option("--prompt", help="Only this prompt_version.")
@click.option("--environment", help="Only this environment.")
@click.option(
    "--branch",
    envvar="GITHUB_HEAD_REF",
    show_envvar=True,
    help="Judge this branch's newest results against the tracked baseline and "
    "history (a pull request). Default: the tracked branches themselves; in a "
    "GitHub pull-request workflow, the PR's branch ($GITHUB_HEAD_REF).",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON)),
    default="error",
    show_default=True,
    help="Exit 1 when a regression at this level (or worse) is found.",
)
@click.option(
    "--rules", help=f"Comma-separated rules to run (default: {','.join(GATE_RULES)}; also {STALE})."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--summary-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GITHUB_STEP_SUMMARY",
    show_envvar=True,
    help="Also append the markdown report to this file.",
)
def regressions(
    model, dataset, prompt, environment, branch, fail_on, rules, output, summary_file
) -> None:
    """Judge stored results for regressions; exit 1 if one at --fail-on is found.

    \b
    Exit codes: 0 nothing at the --fail-on level, 1 a regression at that level,
    2 a usage error, 69 the database is unavailable, 78 a bad BENCHMON_* setting.
    """
    chosen = _rules(rules)
    settings = regression_settings()  # a bad BENCHMON_* knob: one line, exit 78 (cli/main.py)
    branch = (branch or "").strip() or None
    try:
        with (
            running_databases(quiet=True) as databases,
            psycopg.connect(databases.results_url, connect_timeout=10) as conn,
        ):
            if branch in _tracked_branches(conn):
                branch = None  # a tracked branch's results are the snapshots themselves
            scope = Scope(model, dataset, prompt, environment, branch)
            evaluation = evaluate(conn, chosen, scope, settings)
    except (psycopg.OperationalError, DatabaseUnavailable) as error:
        click.echo(f"error: database unavailable: {str(error).strip()}", err=True)
        raise SystemExit(EXIT_DATABASE_UNAVAILABLE) from None
    level = FAIL_ON[fail_on]
    failing = [] if level is None else [f for f in evaluation.at_least(level) if f.rule != TRADEOFF]
    markdown = report_markdown(evaluation, level, failing)
    click.echo(report_json(evaluation, level, failing) if output == "json" else markdown)
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    if failing:
        click.echo(f"regression gate failed: {summary_line(failing)}", err=True)
        raise SystemExit(EXIT_REGRESSION)
