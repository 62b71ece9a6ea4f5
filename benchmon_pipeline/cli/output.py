"""One `--format` for every command that prints data: table, json, markdown or csv.

A command builds its rows as dicts (column → value) and hands them to `emit`; the four
renderings come from the same rows, so they cannot disagree. Names users wrote (models,
branches) go through `visible` in the table and `markdown_cell` in markdown: a newline or
an escape sequence in a name must not break a row or reach the terminal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click

FORMATS = ("table", "json", "markdown", "csv")


def format_option(default: str = "table", choices: Sequence[str] = FORMATS):
    """The `--format` option, the same on every command (docs/cli.md)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="How to print the result.",
    )


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=json_value, ensure_ascii=False)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S%z")
    if isinstance(value, float | Decimal):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


def table(rows: Sequence[dict], columns: Sequence[str], shown: Callable[[str], str]) -> str:
    """Aligned columns for a terminal."""
    header = [c.upper() for c in columns]
    body = [[shown(_text(row.get(c))) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *body)
    )


def markdown(rows: Sequence[dict], columns: Sequence[str], cell: Callable[[str], str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(_text(row.get(c))) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def csv_text(rows: Iterable[dict], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(c)) for c in columns])
    return out.getvalue().rstrip("\n")


def emit(rows: Sequence[dict], columns: Sequence[str], fmt: str, *, empty: str = "") -> None:
    """Print `rows` in `fmt`. json prints every key of each row; the others `columns`."""
    from benchmon_pipeline.regressions.escaping import markdown_cell, visible

    if fmt == "json":
        click.echo(to_json(list(rows)))
    elif fmt == "csv":
        click.echo(csv_text(rows, columns))
    elif fmt == "markdown":
        click.echo(markdown(rows, columns, markdown_cell) if rows else f"_{empty}_")
    elif not rows and empty:
        click.echo(empty)
    else:
        click.echo(table(rows, columns, visible))
