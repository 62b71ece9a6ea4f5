"""The layers hold: import-linter's contracts (pyproject.toml) are kept, a backward import
breaks them, and every module outside the Dagster layer imports with Dagster absent."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import benchmon_pipeline

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_are_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def copy_of_the_project(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "benchmon_pipeline",
        tmp_path / "benchmon_pipeline",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_backward_import_breaks_the_layers(tmp_path):
    project = copy_of_the_project(tmp_path)
    model = project / "benchmon_pipeline" / "results" / "model.py"
    model.write_text(model.read_text() + "\nimport benchmon_pipeline.ingest.batch  # noqa\n")
    done = lint_imports(project)
    assert done.returncode != 0
    assert "benchmon_pipeline.results.model -> benchmon_pipeline.ingest.batch" in done.stdout
    assert "1 kept, 1 broken" in done.stdout


def test_dagster_outside_the_dagster_layer_breaks_a_contract(tmp_path):
    project = copy_of_the_project(tmp_path)
    ranges = project / "benchmon_pipeline" / "trends" / "ranges.py"
    ranges.write_text(ranges.read_text() + "\nimport dagster  # noqa\n")
    done = lint_imports(project)
    assert done.returncode != 0
    assert "benchmon_pipeline.trends.ranges -> dagster" in done.stdout


BLOCKED_IMPORT = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class NoDagster(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0].startswith("dagster"):
                raise ImportError(f"{name} is blocked: this module must not need Dagster")
            return None

    sys.meta_path.insert(0, NoDagster())
    import benchmon_pipeline

    DAGSTER_LAYER = ("benchmon_pipeline.defs", "benchmon_pipeline.definitions")
    names = [
        info.name
        for info in pkgutil.walk_packages(benchmon_pipeline.__path__, "benchmon_pipeline.")
        if not info.name.startswith(DAGSTER_LAYER) and not info.name.endswith(".__main__")
    ]
    for name in names:
        importlib.import_module(name)
    assert not any(m.split(".")[0].startswith("dagster") for m in sys.modules)
    print(len(names), "modules")
    """
)


def test_every_module_outside_the_dagster_layer_imports_without_dagster():
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    count = int(done.stdout.split()[0])
    packages = [p for p in Path(benchmon_pipeline.__path__[0]).iterdir() if p.is_dir()]
    assert count > 50 and len(packages) >= 9  # every package was walked, not just a few


def test_the_blocker_does_block_dagster():
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT.replace('"benchmon_pipeline.defs", ', "")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "dagster is blocked" in done.stderr
