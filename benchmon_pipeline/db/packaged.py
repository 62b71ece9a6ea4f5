"""The files benchmon ships beside its code: the migrations and the Dagster instance.

Found through the package (importlib.resources), so an installed wheel uses its own
copies wherever it was installed and whatever the working directory. The migrations'
source is the checkout's top-level `sql/`; the wheel carries it as `benchmon_pipeline/sql/`
(pyproject.toml, hatch `force-include`). An editable install (`uv sync`) imports the
package from the checkout and copies nothing, so there, and only there (a `pyproject.toml`
beside the package says so), the top-level `sql/` is read in place.

No Dagster here: the migration runner beside it and the CLI (`benchmon dev`) both ask.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "benchmon_pipeline"


def package_dir() -> Path:
    return Path(str(resources.files(PACKAGE)))


def sql_dir() -> Path:
    """The numbered migrations and `schema.sql`."""
    package = package_dir()
    installed = package / "sql"
    if (installed / "schema.sql").is_file():
        return installed
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "sql" / "schema.sql").is_file():
        return checkout / "sql"
    raise FileNotFoundError(
        f"benchmon's migrations are missing: neither {installed} (an installed wheel) nor "
        f"{checkout / 'sql'} (a checkout) holds schema.sql; reinstall benchmon"
    )


def instance_dir() -> Path:
    """The Dagster instance `benchmon dev` runs: its template and its workspace."""
    return package_dir() / "instance"


def instance_template() -> Path:
    """`dagster.yaml`, copied into $DAGSTER_HOME by `benchmon dev`."""
    return instance_dir() / "dagster.yaml"


def workspace_file() -> Path:
    """`workspace.yaml`: the one code location, `benchmon_pipeline.definitions`."""
    return instance_dir() / "workspace.yaml"
