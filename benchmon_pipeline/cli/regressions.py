"""`benchmon regressions`: the CI gate.

Judges the stored results with the same rules as the Dagster checks, prints a markdown
report (for a PR comment or $GITHUB_STEP_SUMMARY) and exits 1 when a regression at the
`--fail-on` level is found. With `--branch` naming a branch that is not tracked (a pull
request), that branch's newest results are judged against the tracked branch's baseline and
history (docs/versioning.md, tracked branches): the pull request never moved production's
snapshots, so this is the only place its results meet them.

The gate never passes having judged nothing: a filter that names nothing stored (a typo in
`--model`) says so with the near matches, and a scope with no configuration or no series
to judge exits 3 (`NOTHING_JUDGED`), unless `--allow-empty` says that is expected.
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path

import click
import psycopg

from benchmon_pipeline.access.configurations import Wanted, known_configurations
from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import FORMATS, emit, format_option, to_json
from benchmon_pipeline.regressions.environment import regression_settings
from benchmon_pipeline.regressions.escaping import markdown_cell, visible
from benchmon_pipeline.regressions.evaluation import Evaluation, RegressionSettings, evaluate
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    RULES,
    STALE,
    TRADEOFF,
)
from benchmon_pipeline.regressions.markdown import (
    findings_table,
    nothing_judged,
    summary_line,
    tradeoffs_list,
)
from benchmon_pipeline.regressions.reading import FILTERS, Scope, is_stored, stored_values
from benchmon_pipeline.regressions.verdicts import ERROR, WARN
from benchmon_pipeline.settings import get_settings

EXIT_REGRESSION = exits.FAILED
EXIT_NOTHING_JUDGED = exits.NOTHING_JUDGED
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
    if not chosen:
        raise click.BadParameter(
            f"{text!r} names no rule; choose from {', '.join(RULES)}", param_hint="--rules"
        )
    unknown = [rule for rule in chosen if rule not in RULES]
    if unknown:
        raise click.BadParameter(
            f"unknown rule(s) {', '.join(unknown)}; choose from {', '.join(RULES)}",
            param_hint="--rules",
        )
    return chosen


def unknown_filters(conn, scope: Scope) -> list[str]:
    """One sentence per filter naming a value no stored result has, with the near matches."""
    problems = []
    for column, flag in FILTERS.items():
        value = getattr(scope, "branch" if column == "branch_name" else column)
        if value is None or is_stored(conn, column, value):
            continue
        known = stored_values(conn, column)
        near = difflib.get_close_matches(value, known, n=5, cutoff=0.6)
        shown = near or known[:10]
        hint = (
            f"did you mean {', '.join(map(repr, near))}?"
            if near
            else f"stored: {', '.join(map(repr, shown))}{' …' if len(known) > 10 else ''}"
            if known
            else "nothing is stored yet"
        )
        problems.append(f"{flag} {value!r} matches no stored result; {visible(hint)}")
    return problems


def _judged(evaluation: Evaluation) -> dict[str, int]:
    """What each rule asked for judged, 0 where it judged nothing."""
    return {rule: evaluation.judged.get(rule, 0) for rule in evaluation.rules}


def _nothing_judged(evaluation: Evaluation) -> bool:
    return sum(_judged(evaluation).values()) == 0


def _nothing_judged_why(
    conn: psycopg.Connection, evaluation: Evaluation, settings: RegressionSettings
) -> str | None:
    """None when something was judged; else what each rule needs before it judges, when
    configurations matched (the Dagster checks say the same: markdown.nothing_judged), or
    that none did."""
    if not _nothing_judged(evaluation):
        return None
    scope = evaluation.scope
    wanted = Wanted(
        scope.model_version, scope.dataset_version, scope.prompt_version, scope.environment
    )
    if not known_configurations(conn, wanted):
        return "Nothing judged: no stored configuration matched."
    return nothing_judged(
        evaluation.rules, settings.history_min_results, settings.staleness_settings().min_results
    )


def report_markdown(
    evaluation: Evaluation, fail_on: str | None, failing: list, why_nothing: str | None
) -> str:
    scope = evaluation.scope
    # Names (the filters, the branch — a pull request's, $GITHUB_HEAD_REF) are shown
    # through markdown_cell: whoever names a branch or a model writes into this report.
    against = (
        f"branch {markdown_cell(scope.branch)} against the tracked baseline and history"
        if scope.branch
        else "tracked branches"
    )
    verdict = (
        "❌ failed"
        if failing
        else "⚠️ nothing judged"
        if _nothing_judged(evaluation)
        else "✅ passed"
    )
    level = {WARN: f"{WARN} or {ERROR}", ERROR: ERROR, None: "never"}[fail_on]
    regressions = [f for f in evaluation.findings if f.rule != TRADEOFF]
    lines = [
        f"## benchmon regression gate: {verdict}",
        "",
        f"Judged: {markdown_cell(scope.describe_filters())} — {against}. "
        f"Rules: {', '.join(evaluation.rules)}. Fails on: {level}.",
        "",
        f"**{why_nothing or summary_line(regressions)}**",
    ]
    if regressions:
        lines += ["", findings_table(regressions, repo_url=get_settings().repo_url)]
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
    return to_json(
        {
            "passed": not failing and not _nothing_judged(evaluation),
            "outcome": "failed"
            if failing
            else "nothing judged"
            if _nothing_judged(evaluation)
            else "passed",
            "fail_on": fail_on,
            "branch": evaluation.scope.branch,
            "rules": list(evaluation.rules),
            "judged": _judged(evaluation),
            "findings": [
                {k: _json_value(v) for k, v in f.as_row().items()}
                for f in evaluation.findings
                if f.rule != TRADEOFF
            ],
            "tradeoffs": [t.description for t in evaluation.tradeoffs],
            "not_judged": evaluation.not_judged,
        }
    )


FINDING_COLUMNS = (
    "severity",
    "rule",
    "model_version",
    "dataset_version",
    "prompt_version",
    "environment",
    "metric",
    "current",
    "reference",
    "percent",
    "reason",
)


def _finding_rows(evaluation: Evaluation) -> list[dict]:
    return [f.as_row() for f in evaluation.findings if f.rule != TRADEOFF]


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
@format_option(default="markdown", choices=FORMATS)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Pass (exit 0) when nothing matched or nothing could be judged, instead of exit 3.",
)
@click.option(
    "--summary-file",
    type=click.Path(path_type=Path),
    envvar="GITHUB_STEP_SUMMARY",
    show_envvar=True,
    help="Also append the markdown report to this file.",
)
def regressions(
    model, dataset, prompt, environment, branch, fail_on, rules, fmt, allow_empty, summary_file
) -> None:
    """Judge stored results for regressions; exit 1 if one at --fail-on is found.

    \b
    Exit codes: 0 nothing at the --fail-on level, 1 a regression at that level,
    2 a usage error, 3 nothing judged (no configuration matched, or none had
    enough history; --allow-empty makes it 0), 69 the database is unavailable,
    75 its schema is behind, 78 a bad setting or no database configured.
    """
    chosen = _rules(rules)
    settings = regression_settings()  # a bad BENCHMON_* knob: one line, exit 78 (cli/main.py)
    branch = (branch or "").strip() or None
    with (
        running_databases(quiet=True) as databases,
        psycopg.connect(databases.results_url, connect_timeout=10) as conn,
    ):
        if branch in _tracked_branches(conn):
            branch = None  # a tracked branch's results are the snapshots themselves
        scope = Scope(model, dataset, prompt, environment, branch)
        unknown = unknown_filters(conn, scope)
        evaluation = evaluate(conn, chosen, scope, settings)
        why_nothing = _nothing_judged_why(conn, evaluation, settings)
    level = FAIL_ON[fail_on]
    failing = [] if level is None else [f for f in evaluation.at_least(level) if f.rule != TRADEOFF]
    markdown = report_markdown(evaluation, level, failing, why_nothing)
    if fmt == "json":
        click.echo(report_json(evaluation, level, failing))
    elif fmt in ("table", "csv"):
        # an empty table is a pass only when something was judged; CSV stays a header
        emit(
            _finding_rows(evaluation),
            FINDING_COLUMNS,
            fmt,
            empty=why_nothing or "no regressions found",
        )
    else:
        click.echo(markdown)
    unwritten = _append_summary(summary_file, markdown) if summary_file else None
    if failing:
        if unwritten:  # the verdict's code wins; the file's problem is said too
            click.echo(f"error: {unwritten}", err=True)
        raise CliError(f"regression gate failed: {summary_line(failing)}", EXIT_REGRESSION)
    if unknown or _nothing_judged(evaluation):
        why = "; ".join(unknown) or (
            f"nothing judged in {scope.describe()}: "
            + why_nothing.removeprefix("Nothing judged: ").rstrip(".")
        )
        if allow_empty:
            click.echo(f"warning: {why} (--allow-empty: passing)", err=True)
        else:
            if unwritten:
                click.echo(f"error: {unwritten}", err=True)
            raise CliError(
                f"{why} (the gate does not pass having judged nothing; pass --allow-empty "
                "if that is expected)",
                EXIT_NOTHING_JUDGED,
            )
    if unwritten:
        raise CliError(unwritten, exits.INVALID_INPUT)


def _append_summary(path: Path, markdown: str) -> str | None:
    """Append the report to --summary-file ($GITHUB_STEP_SUMMARY); None when done, else
    the one line saying which file could not be written and why. The gate's verdict does
    not depend on it: the caller reports both."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source("summary_file")
    named = "$GITHUB_STEP_SUMMARY" if source == ParameterSource.ENVIRONMENT else "--summary-file"
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        return f"cannot write {named} {path}: {exc.strerror or exc}"
    return None
