"""Findings as GitHub-flavoured markdown: the checks' details in the Dagster UI, the CI
gate's report (a PR comment or $GITHUB_STEP_SUMMARY) and the regression report asset.

Every name that came with a result goes through `escaping.markdown_cell` (a model called
"m\\n\\n✅ all fine" must not add a line of its own)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from benchmon_pipeline.regressions.escaping import markdown_cell
from benchmon_pipeline.regressions.findings import (
    BASELINE,
    HISTORY,
    MISSING_METRIC,
    STALE,
    TRADEOFF,
    Finding,
)
from benchmon_pipeline.regressions.tradeoffs import TradeOff
from benchmon_pipeline.regressions.verdicts import ERROR, WARN

BADGE = {ERROR: "🔴 ERROR", WARN: "🟡 WARN"}
DEFAULT_LIMIT = 200  # rows; a table longer than this is unreadable in a comment anyway


def number(value) -> str:
    """A value as it was written (Decimal keeps 0.85 as 0.85), floats to 6 significant
    digits."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def change(finding: Finding) -> str:
    """'−0.05 (−5.56 %)': the delta in the metric's units and in percent."""
    if finding.delta is None:
        return ""
    delta = number(finding.delta)
    delta = delta if delta.startswith("-") else f"+{delta}"
    if finding.percent is None:
        return delta
    return f"{delta} ({float(finding.percent):+.2f} %)"


_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


def commit_link(sha: str | None, repo_url: str | None) -> str:
    """A commit as a markdown cell: a link to `repo_url`'s page of it when both are known
    and the sha is a hash (nothing else is ever put in a link), else its first 12
    characters as text. `repo_url` with `{sha}` in it is a template."""
    if not sha:
        return ""
    short = markdown_cell(sha[:12])
    if not repo_url or not _SHA.fullmatch(sha):
        return short
    base = repo_url.strip()
    url = base.replace("{sha}", sha) if "{sha}" in base else f"{base.rstrip('/')}/commit/{sha}"
    if any(c in url for c in "()<> \n\t\"'"):
        return short
    return f"[{short}]({url})"


def findings_table(
    findings: Sequence[Finding], limit: int = DEFAULT_LIMIT, repo_url: str | None = None
) -> str:
    """One row per finding, the worst first as the caller sorted them; commits link to
    `repo_url` (BENCHMON_REPO_URL) when it is set."""
    if not findings:
        return ""
    lines = [
        "| severity | rule | model | dataset | prompt | environment | metric | current "
        "| reference | change | commit | branch | why |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in findings[:limit]:
        metric = markdown_cell(f.metric)
        if f.direction and f.metric:
            metric += f" ({f.direction} is better)"
        lines.append(
            "| "
            + " | ".join(
                (
                    BADGE.get(f.severity, markdown_cell(f.severity)),
                    markdown_cell(f.rule),
                    markdown_cell(f.model_version),
                    markdown_cell(f.dataset_version),
                    markdown_cell(f.prompt_version),
                    markdown_cell(f.environment),
                    metric,
                    number(f.current),
                    number(f.reference),
                    change(f),
                    commit_link(f.commit_sha, repo_url),
                    markdown_cell(f.branch_name or ""),
                    markdown_cell(f.reason),
                )
            )
            + " |"
        )
    if len(findings) > limit:
        lines.append(
            f"\n… and {len(findings) - limit} more (`benchmon regressions --format "
            "json` lists them all)."
        )
    return "\n".join(lines)


def summary_line(findings: Sequence[Finding]) -> str:
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    configurations = len({f.configuration for f in findings})
    if not findings:
        return "No regression found."
    return (
        f"{errors} ERROR, {warnings} WARN in {configurations} "
        f"configuration{'s' if configurations != 1 else ''}."
    )


def tradeoffs_list(tradeoffs: Sequence[TradeOff]) -> str:
    """One list item per configuration where some metrics improved while others regressed."""
    return "\n".join(
        f"- **{markdown_cell(' / '.join(t.configuration))}**: {markdown_cell(t.description)}"
        for t in tradeoffs
    )


def nothing_judged(rules: Sequence[str], history_min_results: int, stale_min_results: int) -> str:
    """Why `rules` could judge nothing yet and what makes them judge, one sentence per rule:
    a check that judged nothing says so instead of passing."""
    why = {
        BASELINE: "no configuration has a baseline version to compare with: mark one with "
        "`benchmon baseline set --reason …` (docs/versioning.md)",
        HISTORY: f"no series has {history_min_results} earlier results yet, the history the "
        "rule needs before it judges (BENCHMON_HISTORY_MIN_RESULTS)",
        STALE: f"no configuration has {stale_min_results} results yet, the rhythm silence is "
        "measured against",
        MISSING_METRIC: f"no configuration has more than {stale_min_results} results yet, the "
        "presence a missing metric is measured against",
    }
    # a trade-off is read from the baseline comparison: it needs what the baseline rule needs
    reasons = dict.fromkeys(why[BASELINE if rule == TRADEOFF else rule] for rule in rules)
    return "Nothing judged: " + "; ".join(reasons) + "."
