"""Where the copied real files live, and one way to read them as the inbox would."""

from __future__ import annotations

from pathlib import Path

from benchmon_pipeline.ingest.reading import read_file
from benchmon_pipeline.results.model import ParsedFile, Result
from benchmon_pipeline_tests.helpers import FIXTURES

REAL = FIXTURES / "real"
SYNTHETIC = FIXTURES / "synthetic"


def read_real(relative: str) -> ParsedFile:
    return read_file(REAL / relative, inside=REAL)


def read_synthetic(relative: str) -> ParsedFile:
    return read_file(SYNTHETIC / relative, inside=SYNTHETIC)


def read_fixture(path: Path) -> ParsedFile:
    return read_file(path, inside=path.parent)


def by_model(results: list[Result]) -> dict[str, Result]:
    found = {r.model_version: r for r in results}
    assert len(found) == len(results), "model_version is not unique in this file"
    return found
