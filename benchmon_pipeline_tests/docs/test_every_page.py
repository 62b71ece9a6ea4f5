"""Docs that cannot rot: every shell, Python and SQL block of README.md and of each
docs/*.md (found, not listed), run in order against a fresh database per page, each output
as the page shows it (benchmon_pipeline_tests/docs/snippets.py). A block that cannot run in
a test carries `<!-- not run: why -->`; the summary printed at the end says, page by page,
how many blocks ran and which were skipped that way and why.

quickref.md and versioning.md run here, with their counts pinned; docs/api.md runs in
access/test_api.py against a seeded history (a page is run once)."""

from __future__ import annotations

import time

from benchmon_pipeline.settings import reset_settings
from benchmon_pipeline_tests.docs.snippets import ROOT, Outcome, blocks, pages, run_page

RUNNABLE = {"bash", "python", "sql"}

# Fences a reader would take for a shell or Python snippet, which the runner would not run.
UNRUN_SPELLINGS = {"sh", "shell", "console", "zsh", "py", "python3", "pycon", "psql", "postgresql"}

# Pages run by a test of their own, which the summary names instead.
RUN_ELSEWHERE = {
    "docs/api.md": "access/test_api.py::test_every_example_in_the_api_guide_runs (seeded history)"
}

# Pages whose counts are pinned: a block dropped or newly marked `not run` shows up here.
PINNED = {
    "docs/quickref.md": (12, 4),  # benchmon dev, alerts by id, inbox replay, trends backfill
    "docs/versioning.md": (14, 0),  # every block of this page can run
}


def test_every_page_runs_and_prints_what_it_shows(fresh_database, tmp_path, monkeypatch, capsys):
    found = pages()
    names = [page.relative_to(ROOT).as_posix() for page in found]
    assert "README.md" in names and "docs/setup.md" in names and "docs/cli.md" in names

    outcomes: dict[str, Outcome] = {}
    seconds: dict[str, float] = {}
    failures: dict[str, str] = {}
    for page, name in zip(found, names, strict=True):
        text = page.read_text()
        odd = [f"{name}:{b.line} ```{b.lang}" for b in blocks(text) if b.lang in UNRUN_SPELLINGS]
        assert not odd, f"write these as ```bash / ```python so they run: {odd}"
        if name in RUN_ELSEWHERE:
            continue
        started = time.monotonic()
        folder = tmp_path / name.replace("/", "_")
        folder.mkdir()
        reset_settings()  # each page reads the settings of its own database
        try:
            # a page with nothing to run needs no database (each one costs a CREATE and a DROP)
            runs = any(b.lang in RUNNABLE and not b.skipped for b in blocks(text))
            url = fresh_database() if runs else "postgresql:///no-database-for-this-page"
            outcomes[name] = run_page(page, url, folder, monkeypatch)
        except Exception as error:  # noqa: BLE001 - reported page by page
            failures[name] = f"{type(error).__name__}: {error}"
        seconds[name] = time.monotonic() - started

    summary = "\n".join(
        f"  {name}: {o.ran} run, {o.checked} outputs checked, {len(o.skipped)} not run"
        f" ({seconds[name]:.1f} s)" + "".join(f"\n    line {b.line}: {b.why}" for b in o.skipped)
        for name, o in outcomes.items()
    ) + "".join(f"\n  {name}: run by {where}" for name, where in RUN_ELSEWHERE.items())
    with capsys.disabled():
        print(f"\ndocs snippets, page by page:\n{summary}")  # noqa: T201 - the test's report

    assert not failures, f"{summary}\npages that do not run as written:\n" + "\n\n".join(
        f"{name}: {why}" for name, why in failures.items()
    )
    unexplained = [
        f"{name}:{b.line}" for name, o in outcomes.items() for b in o.skipped if not b.why
    ]
    assert not unexplained, f"`not run` markers must say why: {unexplained}"
    for name, (ran, skipped) in PINNED.items():
        assert (outcomes[name].ran, len(outcomes[name].skipped)) == (ran, skipped), name
    assert sum(o.ran for o in outcomes.values()) > sum(ran for ran, _ in PINNED.values())
