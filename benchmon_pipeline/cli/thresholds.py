"""`benchmon thresholds list|set|unset` and `benchmon branches list|track|untrack`: the
rules the regression checks and the fold read (metric_definitions, metric_overrides,
tracked_branches: sql/0006, sql/0022), changed through the functions of sql/0027 — the
writer may not write those tables itself.

Without configuration flags a threshold is the metric's definition, for every
configuration; with them, an override for the one configuration they name (the same
`--model --dataset --prompt --environment` as everywhere: cli/versions.py). What is in
force for a metric is asked of SQL (metric_thresholds(), metric_direction(),
tracked_branch()), never worked out here.

Every change is audited by the database (sql/0028): a trigger on each of the three tables
appends the row before and after, the login and the `--reason` (passed to it through the
transaction's `benchmon.change_reason`) to settings_changes, which `thresholds history`
lists.
"""

from __future__ import annotations

import math

import click
from psycopg.rows import dict_row

from benchmon_pipeline.access.configurations import (
    PARTS,
    Wanted,
    known_configurations,
    unknown_parts,
)
from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import emit, format_option, to_json
from benchmon_pipeline.cli.params import LIMIT
from benchmon_pipeline.cli.versions import configuration_options, connection, resolved
from benchmon_pipeline.regressions.escaping import visible

WRITE_FORMATS = ("table", "json")
reason_option = click.option(
    "--reason", help="Why (kept with the change: `benchmon thresholds history`)."
)


def _say_why(conn, reason: str | None) -> None:
    """The reason the audit trigger records, for this transaction only."""
    conn.execute("SELECT set_config('benchmon.change_reason', %s, true)", ((reason or "").strip(),))


THRESHOLD_COLUMNS = (
    "metric",
    "scope",
    "direction",
    "abs_threshold",
    "rel_threshold",
    "unit",
    "description",
)


def _wanted(model, dataset, prompt, environment) -> Wanted:
    return Wanted(model, dataset, prompt, environment)


@click.group("thresholds")
def thresholds() -> None:
    """Metric directions and thresholds: for every configuration, or overridden for one."""


@thresholds.command("list")
@configuration_options
@click.option("--metric", help="Only this metric.")
@format_option()
def thresholds_list(model, dataset, prompt, environment, metric, fmt) -> None:
    """List metric definitions and overrides; with a configuration, what is in force."""
    wanted = _wanted(model, dataset, prompt, environment)
    with connection() as conn:
        cursor = conn.cursor(row_factory=dict_row)
        if not wanted.given():
            rows = cursor.execute(
                """SELECT d.name AS metric, 'every configuration' AS scope, d.direction,
                          d.abs_threshold, d.rel_threshold, d.unit, d.description
                     FROM metric_definitions d
                    WHERE %(metric)s::text IS NULL OR d.name = %(metric)s
                   UNION ALL
                   SELECT o.metric, concat_ws(' / ', o.model_version, o.dataset_version,
                                              o.prompt_version, o.environment),
                          o.direction, o.abs_threshold, o.rel_threshold, NULL, NULL
                     FROM metric_overrides o
                    WHERE %(metric)s::text IS NULL OR o.metric = %(metric)s
                    ORDER BY 1, 2""",
                {"metric": metric},
            ).fetchall()
        else:
            config = resolved(conn, wanted)
            # In force for the configuration: every metric its current version reports,
            # plus those with a definition or an override.
            rows = cursor.execute(
                """WITH names AS (
                       SELECT jsonb_object_keys(s.metrics) AS name
                         FROM benchmark_snapshots s
                        WHERE (s.model_version, s.dataset_version, s.prompt_version,
                               s.environment) = (%(m)s, %(d)s, %(p)s, %(e)s) AND s.is_current
                       UNION SELECT name FROM metric_definitions
                       UNION SELECT metric FROM metric_overrides
                        WHERE (model_version, dataset_version, prompt_version, environment)
                            = (%(m)s, %(d)s, %(p)s, %(e)s))
                   SELECT n.name AS metric,
                          CASE WHEN o.metric IS NOT NULL THEN 'override'
                               WHEN d.name IS NOT NULL THEN 'definition'
                               ELSE 'default' END AS scope,
                          metric_direction(n.name, NULL, %(m)s, %(d)s, %(p)s, %(e)s)
                              AS direction,
                          th.abs_threshold, th.rel_threshold, d.unit, d.description
                     FROM names n
                     LEFT JOIN metric_definitions d ON d.name = n.name
                     LEFT JOIN metric_overrides o
                       ON (o.model_version, o.dataset_version, o.prompt_version,
                           o.environment, o.metric) = (%(m)s, %(d)s, %(p)s, %(e)s, n.name)
                    CROSS JOIN LATERAL metric_thresholds(n.name, %(m)s, %(d)s, %(p)s, %(e)s)
                              AS th
                    WHERE %(metric)s::text IS NULL OR n.name = %(metric)s
                    ORDER BY 1""",
                {**dict(zip("mdpe", config.args(), strict=True)), "metric": metric},
            ).fetchall()
    emit(rows, THRESHOLD_COLUMNS, fmt, empty="no metric definition or override")


HISTORY_COLUMNS = ("changed_at", "recorded_by", "scope", "metric", "before", "after", "reason")


def _shown_setting(row: dict | None, setting: str) -> str:
    """A definition's, override's or tracked branch's row, as one short phrase."""
    if row is None:
        return "the default" if setting == "tracked_branch" else "none"
    if "branch_name" in row:
        return row["branch_name"]
    return (
        ", ".join(
            f"{label} {row[key]}"
            for key, label in (
                ("direction", "direction"),
                ("abs_threshold", "abs"),
                ("rel_threshold", "rel"),
            )
            if row.get(key) is not None
        )
        or "no threshold"
    )


@thresholds.command("history")
@configuration_options
@click.option("--metric", help="Only this metric (tracked-branch changes have none).")
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="Newest first.")
@format_option()
def thresholds_history(model, dataset, prompt, environment, metric, limit, fmt) -> None:
    """List audited changes of thresholds, directions and tracked branches, newest first."""
    wanted = _wanted(model, dataset, prompt, environment)
    with connection() as conn:
        config = resolved(conn, wanted) if wanted.given() else None
        rows = (
            conn.cursor(row_factory=dict_row)
            .execute(
                """SELECT c.id, c.changed_at, c.recorded_by, c.setting, c.model_version,
                          c.dataset_version, c.prompt_version, c.environment, c.metric,
                          c.before, c.after, c.reason
                     FROM settings_changes c
                    WHERE (%(m)s::text IS NULL OR c.model_version IS NULL
                           OR (c.model_version, c.dataset_version, c.prompt_version,
                               c.environment) = (%(m)s, %(d)s, %(p)s, %(e)s))
                      AND (%(metric)s::text IS NULL OR c.metric = %(metric)s)
                    ORDER BY c.id DESC
                    LIMIT %(limit)s""",
                {
                    **dict(zip("mdpe", config.args() if config else (None,) * 4, strict=True)),
                    "metric": metric,
                    "limit": limit,
                },
            )
            .fetchall()
        )
    if fmt == "json":
        emit(rows, (), fmt)
        return
    shown = [
        {
            **row,
            "scope": "every configuration"
            if row["model_version"] is None
            else " / ".join(row[k] for k in PARTS),
            "metric": row["metric"] or "(tracked branch)",
            "before": _shown_setting(row["before"], row["setting"]),
            "after": _shown_setting(row["after"], row["setting"]),
        }
        for row in rows
    ]
    emit(shown, HISTORY_COLUMNS, fmt, empty="no change recorded")


def _threshold(value: float | None, flag: str) -> float | None:
    if value is not None and not 0 <= value < math.inf:  # NaN fails both comparisons
        raise click.BadParameter(
            f"must be a finite number, 0 or more (not {value})", param_hint=flag
        )
    return value


def _metric_name(value: str) -> str:
    if not value.strip():
        raise click.BadParameter("must name a metric (it is blank)", param_hint="--metric")
    return value


@thresholds.command("set")
@configuration_options
@click.option("--metric", required=True, help="The metric's name.")
@click.option("--direction", type=click.Choice(["higher", "lower"]), help="Which is better.")
@click.option("--abs", "abs_threshold", type=float, help="Absolute threshold (a drop of).")
@click.option("--rel", "rel_threshold", type=float, help="Relative threshold (0.05 = 5 %).")
@click.option("--unit", help="Unit (definitions only).")
@click.option("--description", help="What it measures (definitions only).")
@reason_option
@format_option(choices=WRITE_FORMATS)
def thresholds_set(
    model,
    dataset,
    prompt,
    environment,
    metric,
    direction,
    abs_threshold,
    rel_threshold,
    unit,
    description,
    reason,
    fmt,
) -> None:
    """Set a metric's direction or thresholds; given a configuration, for it alone."""
    metric = _metric_name(metric)
    abs_threshold = _threshold(abs_threshold, "--abs")
    rel_threshold = _threshold(rel_threshold, "--rel")
    if (direction, abs_threshold, rel_threshold, unit, description) == (None,) * 5:
        raise click.UsageError(
            "give at least one of --direction, --abs, --rel, --unit, --description"
        )
    wanted = _wanted(model, dataset, prompt, environment)
    with connection() as conn:
        _say_why(conn, reason)
        cursor = conn.cursor(row_factory=dict_row)
        if not wanted.given():
            row = cursor.execute(
                "SELECT * FROM set_metric_definition(%s, %s, %s::numeric, %s::numeric, %s, %s)",
                (metric, direction, abs_threshold, rel_threshold, unit, description),
            ).fetchone()
            scope = "every configuration"
        else:
            if unit is not None or description is not None:
                raise click.UsageError(
                    "--unit and --description belong to the definition: "
                    "give them without a configuration"
                )
            config = resolved(conn, wanted)
            row = cursor.execute(
                "SELECT * FROM set_metric_override("
                "%s, %s, %s, %s, %s, %s::text, %s::numeric, %s::numeric)",
                (*config.args(), metric, direction, abs_threshold, rel_threshold),
            ).fetchone()
            scope = config.label()
    row = {
        "metric": metric,
        "scope": scope,
        **{
            k: row.get(k)
            for k in ("direction", "abs_threshold", "rel_threshold", "unit", "description")
        },
    }
    if fmt == "json":
        click.echo(to_json(row))
        return
    shown = ", ".join(
        f"{k} {row[k]}"
        for k in ("direction", "abs_threshold", "rel_threshold")
        if row[k] is not None
    )
    click.echo(visible(f"{metric} for {scope}: {shown or 'no threshold'}"))


@thresholds.command("unset")
@configuration_options
@click.option("--metric", required=True, help="The metric's name.")
@reason_option
@format_option(choices=WRITE_FORMATS)
def thresholds_unset(model, dataset, prompt, environment, metric, reason, fmt) -> None:
    """Remove a metric's definition, or (given a configuration) its override there."""
    wanted = _wanted(model, dataset, prompt, environment)
    with connection() as conn:
        _say_why(conn, reason)
        if not wanted.given():
            (gone,) = conn.execute("SELECT unset_metric_definition(%s)", (metric,)).fetchone()
            scope = "every configuration"
        else:
            config = resolved(conn, wanted)
            (gone,) = conn.execute(
                "SELECT unset_metric_override(%s, %s, %s, %s, %s)", (*config.args(), metric)
            ).fetchone()
            scope = config.label()
    if not gone:
        what = "definition" if scope == "every configuration" else "override"
        raise CliError(
            visible(f"{metric!r} has no {what} for {scope}"),
            exits.INVALID_INPUT,
        )
    if fmt == "json":
        click.echo(to_json({"metric": metric, "scope": scope, "removed": True}))
        return
    click.echo(visible(f"{metric} for {scope}: removed"))


# branches --------------------------------------------------------------------------------


@click.group("branches")
def branches() -> None:
    """Which branch's results make a configuration's versions (default: main)."""


@branches.command("list")
@configuration_options
@format_option()
def branches_list(model, dataset, prompt, environment, fmt) -> None:
    """List each configuration's tracked branch, and whether it is the default."""
    wanted = _wanted(model, dataset, prompt, environment)
    given = wanted.given()
    where = "".join(f" AND c.{column} = %({column})s" for column in given)
    with connection() as conn:
        rows = (
            conn.cursor(row_factory=dict_row)
            .execute(
                f"""SELECT c.model_version, c.dataset_version, c.prompt_version, c.environment,
                       tracked_branch(c.model_version, c.dataset_version, c.prompt_version,
                                      c.environment) AS tracked_branch,
                       NOT EXISTS (SELECT FROM tracked_branches b
                                    WHERE (b.model_version, b.dataset_version,
                                           b.prompt_version, b.environment)
                                        = (c.model_version, c.dataset_version,
                                           c.prompt_version, c.environment)) AS is_default
                  FROM benchmark_snapshots c
                 WHERE c.is_current{where}
                 ORDER BY 1, 2, 3, 4""",
                given,
            )
            .fetchall()
        )
        if not rows and given:  # a typo, as `configs` says it
            problems = unknown_parts(known_configurations(conn), wanted)
            if problems:
                raise CliError(visible("; ".join(problems)), exits.INVALID_INPUT)
    emit(rows, (*PARTS, "tracked_branch", "is_default"), fmt, empty="no configuration matches")


def _branch_change(model, dataset, prompt, environment, call, args, reason, fmt) -> None:
    with connection() as conn:
        config = resolved(conn, _wanted(model, dataset, prompt, environment))
        _say_why(conn, reason)
        (before,) = conn.execute(call, (*config.args(), *args)).fetchone()
        (after,) = conn.execute("SELECT tracked_branch(%s, %s, %s, %s)", config.args()).fetchone()
    if fmt == "json":
        click.echo(to_json({"configuration": config.as_dict(), "before": before, "after": after}))
        return
    click.echo(visible(f"tracked branch: {before} → {after}"))
    click.echo(visible(f"configuration: {config.label()}"))


@branches.command("track")
@configuration_options
@click.option("--branch", required=True, help="The branch whose results make versions.")
@reason_option
@format_option(choices=WRITE_FORMATS)
def branches_track(model, dataset, prompt, environment, branch, reason, fmt) -> None:
    """Make a branch the configuration's tracked branch (earlier versions stay)."""
    if not branch.strip():
        raise click.BadParameter("name a branch", param_hint="--branch")
    _branch_change(
        model,
        dataset,
        prompt,
        environment,
        "SELECT track_branch(%s, %s, %s, %s, %s)",
        (branch.strip(),),
        reason,
        fmt,
    )


@branches.command("untrack")
@configuration_options
@reason_option
@format_option(choices=WRITE_FORMATS)
def branches_untrack(model, dataset, prompt, environment, reason, fmt) -> None:
    """Go back to the default tracked branch for the configuration."""
    _branch_change(
        model,
        dataset,
        prompt,
        environment,
        "SELECT untrack_branch(%s, %s, %s, %s)",
        (),
        reason,
        fmt,
    )
