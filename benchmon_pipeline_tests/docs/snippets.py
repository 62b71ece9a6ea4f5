"""Run a guide's snippets in order, as a reader would, and hold it to what it shows.

A page is read as its fenced blocks in order: each ```bash block runs through bash (`set -e`,
PATH with the venv's `bin/` first, `BENCHMON_DATABASE_URL` the test's fresh database, in a
folder of its own where the page writes its own files); each ```python block is exec'd in
one namespace shared by the page. A ```text block shows what the runnable block before it
printed (stdout and stderr together): each of its lines must be a line of that output, in
the same order (lines in between may be left out, never changed). A block right after an
HTML comment `<!-- not run: why -->` is skipped, and counted. A ```sql block runs through
psycopg (its output is not checked). A fence inside a list item is read at its indentation;
a fence naming no language, or another one (json, mermaid), is not run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
VENV_BIN = Path(sys.executable).parent
# A fence may be indented (a block inside a list item) and may name no language; it closes
# with ``` at the same indentation.
BLOCK = re.compile(
    r"(?:<!--\s*not run:\s*([^>]*?)\s*-->[ \t]*\n)?^([ \t]*)```(\w*)[ \t]*\n(.*?)^\2```[ \t]*$",
    re.S | re.M,
)


@dataclass
class Block:
    lang: str
    code: str
    line: int
    why: str | None  # the `not run:` marker's reason: the block is skipped

    @property
    def skipped(self) -> bool:
        return self.why is not None


@dataclass
class Outcome:
    ran: int = 0
    skipped: list[Block] = field(default_factory=list)
    checked: int = 0


def blocks(text: str) -> list[Block]:
    return [
        Block(m[3], _dedent(m[4], m[2]), text.count("\n", 0, m.start(3)) + 1, m[1])
        for m in BLOCK.finditer(text)
    ]


def _dedent(code: str, indent: str) -> str:
    return "".join(line.removeprefix(indent) for line in code.splitlines(keepends=True))


def _env(url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_")) and k != "CI"
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        BENCHMON_DATABASE_URL=url,
        USER="ci-bot",
    )
    return env


def _holds(shown: str, printed: str, where: str) -> None:
    lines = [line.rstrip() for line in printed.splitlines()]
    at = 0
    for expected in (line.rstrip() for line in shown.splitlines()):
        if not expected:
            continue
        try:
            at = lines.index(expected, at) + 1
        except ValueError:
            raise AssertionError(
                f"{where}: the page shows {expected!r}, which the commands did not print "
                f"(in this order); they printed:\n{printed}"
            ) from None


def pages() -> list[Path]:
    """Every page a reader may run: the README and each docs/*.md, found rather than listed."""
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def run_page(name: str | Path, url: str, folder: Path, monkeypatch) -> Outcome:
    """Run the page's blocks in `folder` against `url`; raises on the first difference.

    `name` is a file of docs/ or a path (the README)."""
    page = name if isinstance(name, Path) else DOCS / name
    shown = page.relative_to(ROOT).as_posix()
    outcome = Outcome()
    namespace: dict = {"__name__": "__guide__"}
    env = _env(url)
    monkeypatch.chdir(folder)
    for key in [k for k in os.environ if k.startswith(("BENCHMON_", "DAGSTER_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("BENCHMON_DATABASE_URL", url)
    printed: str | None = None
    for block in blocks(page.read_text()):
        where = f"{shown}:{block.line}"
        if block.skipped:
            outcome.skipped.append(block)
            printed = None
            continue
        if block.lang == "bash":
            done = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", block.code],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            printed = done.stdout
            assert done.returncode == 0, f"{where} exited {done.returncode}:\n{printed}"
            outcome.ran += 1
        elif block.lang == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(block.code, where, "exec"), namespace)  # noqa: S102
            printed = out.getvalue()
            outcome.ran += 1
        elif block.lang == "sql":  # run as written; its output is psql's, not shown here
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(block.code.encode())
            printed = None
            outcome.ran += 1
        if printed is not None and block.lang in ("bash", "python"):
            sys.stdout.write(f"--- {where} printed:\n{printed}")  # on a failure, or with -s
        elif block.lang == "text" and printed is not None:
            _holds(block.code, printed, where)
            outcome.checked += 1
        elif block.lang not in ("bash", "python", "text"):
            printed = None
    for value in namespace.values():  # an API connection the page opened
        if hasattr(value, "close") and type(value).__name__ == "BenchmarkDataAccess":
            value.close()
    sys.stdout.write(
        f"{shown}: {outcome.ran} blocks run, {outcome.checked} outputs checked, "
        f"{len(outcome.skipped)} skipped as marked 'not run'"
        + "".join(f"\n  line {b.line}: {b.why}" for b in outcome.skipped)
        + "\n"
    )
    return outcome
