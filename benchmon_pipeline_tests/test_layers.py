"""The layers hold: import-linter's contracts (pyproject.toml) are kept, a backward import
breaks them, and every module outside the Dagster layer imports with Dagster absent."""

import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
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


# The layout as written down -------------------------------------------------------------

PACKAGE = Path(benchmon_pipeline.__path__[0])


def layout_table() -> dict[str, int]:
    """docs/architecture.md's "Code layout" table: package or module → layer."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Code layout", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `([^`]+)` \|", section, flags=re.M)
    return {name: int(layer) for layer, name in rows}


def tree() -> set[str]:
    """Every package and top-level module of benchmon_pipeline, as the table names them."""
    packages = {f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def test_the_layout_table_lists_every_package_and_nothing_else():
    listed = set(layout_table())
    assert listed == tree(), (
        f"missing from docs/architecture.md: {sorted(tree() - listed)}; "
        f"listed but not in the tree: {sorted(listed - tree())}"
    )


def test_the_layout_table_and_diagram_follow_the_import_contract():
    """The table's layer numbers order the packages as pyproject.toml's contract does, and
    the diagram names every package."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contract["contracts"] if c["id"] == "layers")["layers"]
    table = layout_table()
    rank = {}
    for depth, layer in enumerate(reversed(layers)):
        for module in re.split(r"[|:]", layer):
            name = module.strip().removeprefix("benchmon_pipeline.")
            rank[f"{name}.py" if f"{name}.py" in table else f"{name}/"] = depth
    assert set(rank) == set(table)
    for a in rank:
        for b in rank:
            assert (rank[a] < rank[b]) == (table[a] < table[b]), (a, b)
    section = (ROOT / "docs" / "architecture.md").read_text().split("## Code layout")[1]
    diagram = section.split("```mermaid", 1)[1].split("```", 1)[0]
    assert all(name in diagram for name in table), [n for n in table if n not in diagram]


def test_every_design_reference_names_a_section_of_docs_foundations_md():
    sections = set(
        re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "foundations.md").read_text(), re.M)
    )
    cited = set()
    for folder in ("benchmon_pipeline", "benchmon_pipeline_tests", "sql", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".sql", ".md"):
                # "foundations.md §7" in code and SQL; a link to "foundations.md#7-…" on the other pages
                text = path.read_text()
                cited |= set(re.findall(r"foundations\.md(?: (?:§|section )|#)(\d+)", text))
    assert cited and cited <= sections, sorted(cited - sections)


def test_the_docs_cite_only_tests_and_files_that_exist():
    """A renamed test or a moved module leaves no stale pointer in README.md or docs/."""
    tests = set()
    for path in (ROOT / "benchmon_pipeline_tests").rglob("*.py"):
        tests |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    stale = []
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = page.read_text()
        stale += [
            (page.name, name) for name in re.findall(r"::(test_\w+)", text) if name not in tests
        ]
        for cited in re.findall(r"`((?:[\w-]+/)+[\w.-]+\.(?:py|sql|md|yaml))`", text):
            places = [ROOT / cited, PACKAGE / cited, ROOT / "benchmon_pipeline_tests" / cited]
            if not any(place.exists() for place in places) and not cited.startswith("sql/NNNN"):
                stale.append((page.name, cited))
    assert not stale, stale
