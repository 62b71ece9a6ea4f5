"""The project stands on its own: no tracked file points a reader at notes outside the
repository (what a reader needs belongs in docs/)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared/|shared/notes/")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    files = [ROOT / n.decode() for n in names if n]
    return [f for f in files if f.is_file() and f.suffix not in {".png", ".lock", ".json"}]


def test_no_file_cites_notes_outside_the_repository():
    this = Path(__file__).resolve()
    citing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        if path.resolve() != this
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert citing == [], f"cite docs/ instead of notes outside the project: {citing}"


def test_the_pattern_finds_a_citation():
    assert OUTSIDE.search("(see ../shared/notes/dagster.md)")
    assert not OUTSIDE.search("see docs/pipeline.md")
