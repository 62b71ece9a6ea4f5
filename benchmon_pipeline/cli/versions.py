"""`benchmon configs|history|compare|checkout|baseline|deactivate|activate`: the versions
of a configuration, without typing SQL (docs/cli.md, "Versions").

Every command names one configuration with `--model --dataset --prompt --environment`
(access/configurations.py: omitted parts match when that leaves one configuration). Each
change goes through the database's own function (sql/0005: checkout_snapshot,
set_baseline, clear_baseline, set_snapshot_active), which takes the configuration's lock
and records the snapshot event in the same transaction; the command prints what changed
and the event's number. Directions and tracked branches are asked of SQL
(metric_direction(), tracked_branch()), never decided here.

Exit codes: 65 a configuration or version that does not exist or is ambiguous (the message
lists the candidates), or no baseline to clear; 1 a change the database refuses (checking
out a deactivated version, deactivating the current version or the baseline); 77 a role
that may not write; 69 the database cannot be reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import click
import psycopg
from psycopg.rows import dict_row

from benchmon_pipeline.access.configurations import (
    Configuration,
    ConfigurationError,
    Wanted,
    choose,
    known_configurations,
    resolve,
    unknown_parts,
)
from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.alerts import by_option, default_actor
from benchmon_pipeline.cli.environment import running_databases
from benchmon_pipeline.cli.exits import CliError
from benchmon_pipeline.cli.output import emit, format_option, to_json
from benchmon_pipeline.cli.params import LIMIT
from benchmon_pipeline.regressions.escaping import visible

if TYPE_CHECKING:
    import pandas as pd

    from benchmon_pipeline.access.api import BenchmarkDataAccess

MAIN_METRICS = ("f1", "precision", "recall", "latency_ms")  # the ones snapshots denormalize
WRITE_FORMATS = ("table", "json")


def configuration_options(command):
    """`--model --dataset --prompt --environment`, the same on every command."""
    for flag, what in reversed(
        [
            ("--model", "model_version (ids may contain '/')"),
            ("--dataset", "dataset_version"),
            ("--prompt", "prompt_version"),
            ("--environment", "environment"),
        ]
    ):
        command = click.option(
            flag,
            help=f"The configuration's {what}; may be omitted "
            "when the others name one configuration.",
        )(command)
    return command


def _wanted(model, dataset, prompt, environment) -> Wanted:
    return Wanted(model, dataset, prompt, environment)


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    with (
        running_databases(quiet=True) as databases,
        psycopg.connect(databases.results_url, connect_timeout=10) as conn,
    ):
        yield conn


@contextmanager
def reading() -> Iterator[BenchmarkDataAccess]:
    """The data-access API on the command's database: the read verbs ask it, so a rule
    (a direction, better or worse) is written once, in access/queries.py or SQL.
    Imported here: pandas costs a second, and the write verbs and `export` never need it."""
    from benchmon_pipeline.access.api import BenchmarkDataAccess

    with running_databases(quiet=True) as databases:
        api = BenchmarkDataAccess.connect(databases.results_url, cache_ttl=0)
        with api:
            yield api


def records(data: pd.DataFrame, ints: tuple[str, ...] = ()) -> list[dict]:
    """An API answer as rows for `emit`: plain Python values, None for NaN, datetimes as
    datetimes, `ints` (whole numbers a float64 column keeps beside NaN) as int."""
    import numpy as np
    import pandas as pd

    rows = []
    for row in data.astype(object).where(data.notna(), None).to_dict("records"):
        for name, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[name] = value.to_pydatetime()
            elif isinstance(value, np.generic):
                row[name] = value.item()
            if name in ints and row[name] is not None:
                row[name] = int(row[name])
        rows.append(row)
    return rows


@contextmanager
def _as_cli_errors() -> Iterator[None]:
    """A configuration the flags do not name, and what the SQL functions refuse."""
    try:
        yield
    except ConfigurationError as error:
        raise CliError(visible(str(error)), exits.INVALID_INPUT) from error
    except psycopg.errors.NoDataFound as error:
        raise CliError(
            visible(error.diag.message_primary or str(error)), exits.INVALID_INPUT
        ) from error
    except psycopg.errors.CheckViolation as error:
        raise CliError(
            f"refused: {visible(error.diag.message_primary or str(error))}", exits.FAILED
        ) from error


def resolved(conn, wanted: Wanted) -> Configuration:
    with _as_cli_errors():
        return resolve(conn, wanted)


# configs ---------------------------------------------------------------------------------

CONFIG_COLUMNS = (
    "model_version",
    "dataset_version",
    "prompt_version",
    "environment",
    "current_version",
    "baseline_version",
    "versions",
    "last_result_at",
    "tracked_branch",
)


@click.command("configs")
@configuration_options
@format_option()
def configs(model, dataset, prompt, environment, fmt) -> None:
    """List configurations: current and baseline version, last result, tracked branch."""
    wanted = _wanted(model, dataset, prompt, environment)
    with reading() as api:
        rows = records(api.configurations(**wanted.given()), ints=("baseline_version",))
        if not rows and wanted.given():
            problems = unknown_parts(known_configurations(api.conn), wanted)
            if problems:
                raise CliError(visible("; ".join(problems)), exits.INVALID_INPUT)
    emit(rows, CONFIG_COLUMNS, fmt, empty="no configuration matches")


# history ---------------------------------------------------------------------------------


def _marks(row: dict) -> str:
    marks = [
        name
        for name, on in (
            ("current", row["current"]),
            ("baseline", row["baseline"]),
            ("inactive", not row["active"]),
        )
        if on
    ]
    return ",".join(marks)


def _shown_metrics(rows: list[dict], chosen: tuple[str, ...]) -> list[str]:
    if chosen:
        return list(chosen)
    names = sorted({name for row in rows for name in row["metrics"]})
    main = [m for m in MAIN_METRICS if m in names]
    return main or names[:4]


@click.command("history")
@configuration_options
@click.option(
    "--limit",
    type=LIMIT,
    default=20,
    show_default=True,
    help="How many versions, newest first.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="A metric to show (repeatable; default: f1, precision, recall, "
    "latency_ms, or the first four).",
)
@format_option()
def history(model, dataset, prompt, environment, limit, metrics, fmt) -> None:
    """Show the versions of one configuration, newest first, with their main metrics."""
    with reading() as api:
        config = resolved(api.conn, _wanted(model, dataset, prompt, environment))
        rows = [
            {
                "version": row["snapshot_version"],
                "result_at": row["result_at"],
                "version_created_at": row["created_at"],
                "commit_sha": row["commit_sha"],
                "branch_name": row["branch_name"],
                "current": row["is_current"],
                "baseline": row["is_baseline"],
                "active": row["is_active"],
                "run_count": row["run_count"],
                "metrics": row["metrics"],
            }
            for row in records(api.get_snapshot_history(config.args(), n=limit))
        ]
    if fmt == "json":
        emit([{**config.as_dict(), **row} for row in rows], (), fmt)
        return
    shown = _shown_metrics(rows, metrics)
    flat = [
        {
            "version": row["version"],
            "result_at": row["result_at"],
            "commit": (row["commit_sha"] or "")[:12],
            "branch": row["branch_name"],
            "marks": _marks(row),
            **{name: row["metrics"].get(name) for name in shown},
        }
        for row in rows
    ]
    if fmt == "table":
        click.echo(visible(config.label()))
    emit(flat, ("version", "result_at", "commit", "branch", "marks", *shown), fmt)


# compare ---------------------------------------------------------------------------------

COMPARE_COLUMNS = ("metric", "a", "b", "delta", "percent", "direction", "change")


@dataclass
class Side:
    """One side of a comparison: a version, or the newest result of a commit or branch."""

    label: str
    version: int | None
    result_id: str
    created_at: object
    commit_sha: str | None
    branch_name: str | None

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "version": self.version,
            "result_id": str(self.result_id),
            "result_at": self.created_at,
            "commit_sha": self.commit_sha,
            "branch_name": self.branch_name,
        }


def _version_sides(api, config: Configuration, a: int, b: int) -> list[Side]:
    versions = records(api.get_snapshot_history(config.args(), n=None))
    rows = {row["snapshot_version"]: row for row in versions if row["snapshot_version"] in (a, b)}
    _require_versions(config, [v for v in (a, b) if v not in rows], len(versions))
    return [
        Side(
            f"v{v}",
            v,
            rows[v]["transaction_id"],
            rows[v]["result_at"],
            rows[v]["commit_sha"],
            rows[v]["branch_name"],
        )
        for v in (a, b)
    ]


def _require_versions(config: Configuration, missing: list[int], count: int) -> None:
    if missing:
        raise CliError(
            visible(f"{config.label()} has no version {missing[0]}; its versions are 1 to {count}"),
            exits.INVALID_INPUT,
        )


def _result_sides(api, wanted: Wanted, flag: str, values: tuple[str, str]):
    """The newest result of each of two commits (a prefix will do) or branches, in the one
    configuration both have results in."""
    given = wanted.given()
    sides = []
    for value in values:
        which = {"commit": value} if flag == "--commit" else {"branch": value}
        found = {
            Configuration(
                r["model_version"], r["dataset_version"], r["prompt_version"], r["environment"]
            ): r
            for r in records(api.get_newest_results(**which, **given))
        }
        if not found:
            raise CliError(
                visible(
                    f"{flag} {value!r} matches no stored result"
                    + (f" with {wanted.describe()}" if given else "")
                ),
                exits.INVALID_INPUT,
            )
        commits = {r["commit_sha"] for r in found.values()}
        if flag == "--commit":  # also several commits of one configuration
            commits.update(c for r in found.values() for c in r["commits_matched"] or ())
        if flag == "--commit" and len(commits) > 1:
            raise CliError(
                visible(
                    f"{flag} {value!r} is the start of several commits: "
                    + ", ".join(sorted(commits)[:10])
                ),
                exits.INVALID_INPUT,
            )
        sides.append(found)
    common = sorted(set(sides[0]) & set(sides[1]))
    if not common:
        raise CliError(
            visible(
                f"no configuration has results of both {flag} {values[0]!r} and "
                f"{flag} {values[1]!r}"
            ),
            exits.INVALID_INPUT,
        )
    with _as_cli_errors():
        config = choose(common, Wanted())
    return config, [
        Side(
            value,
            None,
            side[config]["id"],
            side[config]["created_at"],
            side[config]["commit_sha"],
            side[config]["branch_name"],
        )
        for value, side in zip(values, sides, strict=True)
    ]


@click.command("compare")
@configuration_options
@click.option("--a", "version_a", type=int, help="Version a of the configuration.")
@click.option("--b", "version_b", type=int, help="Version b of the configuration.")
@click.option(
    "--commit",
    "commits",
    multiple=True,
    help="Give twice: the newest results of two commits (a prefix will do).",
)
@click.option(
    "--branch", "branches", multiple=True, help="Give twice: the newest results of two branches."
)
@format_option()
def compare(
    model, dataset, prompt, environment, version_a, version_b, commits, branches, fmt
) -> None:
    """Compare two versions, commits or branches of a configuration, metric by metric."""
    modes = [
        name
        for name, used in (
            ("--a/--b", version_a is not None or version_b is not None),
            ("--commit", bool(commits)),
            ("--branch", bool(branches)),
        )
        if used
    ]
    if len(modes) != 1:
        raise click.UsageError("give --a N --b M, or --commit twice, or --branch twice")
    if modes[0] == "--a/--b" and (version_a is None or version_b is None):
        raise click.UsageError("give both --a and --b")
    for flag, values in (("--commit", commits), ("--branch", branches)):
        if values and len(values) != 2:
            raise click.UsageError(f"give {flag} exactly twice")
        if any(not value.strip() for value in values):
            raise click.UsageError(f"{flag} is blank: give a commit (a prefix will do) or branch")
    wanted = _wanted(model, dataset, prompt, environment)
    with reading() as api:
        if version_a is not None:
            config = resolved(api.conn, wanted)
            a, b = _version_sides(api, config, version_a, version_b)
            compared = api.compare_versions(config.args(), version_a, version_b)
        else:
            flag, values = ("--commit", commits) if commits else ("--branch", branches)
            config, (a, b) = _result_sides(api, wanted, flag, values)
            compared = api.compare_results(config.args(), a.result_id, b.result_id)
        rows = records(compared)
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "configuration": config.as_dict(),
                    "a": a.as_json(),
                    "b": b.as_json(),
                    "metrics": rows,
                }
            )
        )
        return
    if fmt == "table":
        click.echo(visible(f"{config.label()}: a = {a.label}, b = {b.label}"))
    for row in rows:  # a percentage is rounded to 2 places: shown with both (5.00)
        if row["percent"] is not None:
            row["percent"] = Decimal(row["percent"]).quantize(Decimal("0.01"))
    emit(rows, COMPARE_COLUMNS, fmt)


# changes ---------------------------------------------------------------------------------


@dataclass
class State:
    """A configuration's current version, baseline and inactive versions."""

    versions: int
    current: int | None
    baseline: int | None
    inactive: set[int]


def _state(conn, config: Configuration) -> State:
    rows = conn.execute(
        """SELECT snapshot_version, is_current, is_baseline, is_active
             FROM benchmark_snapshots
            WHERE (model_version, dataset_version, prompt_version, environment)
                = (%s, %s, %s, %s)""",
        config.args(),
    ).fetchall()
    return State(
        versions=max((r[0] for r in rows), default=0),
        current=next((r[0] for r in rows if r[1]), None),
        baseline=next((r[0] for r in rows if r[2]), None),
        inactive={r[0] for r in rows if not r[3]},
    )


def _v(version: int | None) -> str:
    return "none" if version is None else f"v{version}"


def _changed(
    conn,
    config: Configuration,
    call: str,
    args: tuple,
    *,
    field: str,
    before,
    after,
    shown: str,
    fmt: str,
) -> None:
    """Run one state-changing SQL function and print what changed and its event."""
    with _as_cli_errors():
        (snapshot_id,) = conn.execute(call, (*config.args(), *args)).fetchone()
    event = (
        conn.cursor(row_factory=dict_row)
        .execute(
            """SELECT event_id, event_type, snapshot_version, actor, reason, occurred_at
             FROM snapshot_events WHERE snapshot_id = %s
            ORDER BY event_id DESC LIMIT 1""",
            (snapshot_id,),
        )
        .fetchone()
    )
    if fmt == "json":
        click.echo(
            to_json(
                {
                    "configuration": config.as_dict(),
                    "field": field,
                    "before": before,
                    "after": after,
                    "event": event,
                }
            )
        )
        return
    click.echo(shown)
    click.echo(visible(f"configuration: {config.label()}"))
    click.echo(
        visible(
            f"event {event['event_id']}: {event['event_type']} "
            f"v{event['snapshot_version']} by {event['actor']}: {event['reason']}"
        )
    )


def _reason(reason: str) -> str:
    if not reason.strip():
        raise click.BadParameter("say why (kept in the snapshot events)", param_hint="--reason")
    return reason.strip()


reason_option = click.option("--reason", required=True, help="Why (kept with the snapshot event).")


def _version_of(conn, config: Configuration, version: int) -> State:
    state = _state(conn, config)
    if not 1 <= version <= state.versions:
        _require_versions(config, [version], state.versions)
    return state


@click.command("checkout")
@configuration_options
@click.option("--version", "version", type=int, required=True, help="The version to make current.")
@reason_option
@by_option
@format_option(choices=WRITE_FORMATS)
def checkout(model, dataset, prompt, environment, version, reason, actor, fmt) -> None:
    """Make an earlier (or any) version current: a rollback, recorded with its reason."""
    reason, actor = _reason(reason), actor or default_actor()
    with connection() as conn:
        config = resolved(conn, _wanted(model, dataset, prompt, environment))
        state = _version_of(conn, config, version)
        shown = (
            f"current: {_v(state.current)} → v{version}"
            if state.current != version
            else f"current: v{version} (it was already)"
        )
        _changed(
            conn,
            config,
            "SELECT checkout_snapshot(%s, %s, %s, %s, %s, %s, %s)",
            (version, actor, reason),
            field="current",
            before=state.current,
            after=version,
            shown=shown,
            fmt=fmt,
        )


@click.group("baseline")
def baseline() -> None:
    """Set or clear a configuration's baseline version (audited)."""


@baseline.command("set")
@configuration_options
@click.option(
    "--version", "version", type=int, help="The version to make the baseline [the current version]."
)
@reason_option
@by_option
@format_option(choices=WRITE_FORMATS)
def baseline_set(model, dataset, prompt, environment, version, reason, actor, fmt) -> None:
    """Make a version (default: the current one) the configuration's baseline."""
    reason, actor = _reason(reason), actor or default_actor()
    with connection() as conn:
        config = resolved(conn, _wanted(model, dataset, prompt, environment))
        state = _state(conn, config) if version is None else _version_of(conn, config, version)
        version = state.current if version is None else version
        _changed(
            conn,
            config,
            "SELECT set_baseline(%s, %s, %s, %s, %s, %s, %s)",
            (version, actor, reason),
            field="baseline",
            before=state.baseline,
            after=version,
            shown=f"baseline: {_v(state.baseline)} → v{version}",
            fmt=fmt,
        )


@baseline.command("clear")
@configuration_options
@reason_option
@by_option
@format_option(choices=WRITE_FORMATS)
def baseline_clear(model, dataset, prompt, environment, reason, actor, fmt) -> None:
    """Leave the configuration without a baseline."""
    reason, actor = _reason(reason), actor or default_actor()
    with connection() as conn:
        config = resolved(conn, _wanted(model, dataset, prompt, environment))
        state = _state(conn, config)
        _changed(
            conn,
            config,
            "SELECT clear_baseline(%s, %s, %s, %s, %s, %s)",
            (actor, reason),
            field="baseline",
            before=state.baseline,
            after=None,
            shown=f"baseline: {_v(state.baseline)} → none",
            fmt=fmt,
        )


def _set_active(
    model, dataset, prompt, environment, version, reason, actor, fmt, active: bool
) -> None:
    reason, actor = _reason(reason), actor or default_actor()
    with connection() as conn:
        config = resolved(conn, _wanted(model, dataset, prompt, environment))
        state = _version_of(conn, config, version)
        was = version not in state.inactive
        word = {True: "active", False: "inactive"}
        _changed(
            conn,
            config,
            "SELECT set_snapshot_active(%s, %s, %s, %s, %s, %s, %s, %s)",
            (version, active, actor, reason),
            field="active",
            before=was,
            after=active,
            shown=f"v{version}: {word[was]} → {word[active]}",
            fmt=fmt,
        )


@click.command("deactivate")
@configuration_options
@click.option("--version", "version", type=int, required=True, help="The version to hide.")
@reason_option
@by_option
@format_option(choices=WRITE_FORMATS)
def deactivate(model, dataset, prompt, environment, version, reason, actor, fmt) -> None:
    """Soft-delete a version: kept, but no longer checked out or made a baseline."""
    _set_active(model, dataset, prompt, environment, version, reason, actor, fmt, False)


@click.command("activate")
@configuration_options
@click.option("--version", "version", type=int, required=True, help="The version to restore.")
@reason_option
@by_option
@format_option(choices=WRITE_FORMATS)
def activate(model, dataset, prompt, environment, version, reason, actor, fmt) -> None:
    """Undo a deactivate: the version may be checked out again."""
    _set_active(model, dataset, prompt, environment, version, reason, actor, fmt, True)
