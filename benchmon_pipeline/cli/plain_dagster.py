"""What a plain `dagster dev` (or `dagster definitions validate`) in the checkout meets.

Without DAGSTER_HOME, Dagster builds a throwaway instance configured by `./dagster.yaml`.
benchmon's instance needs its databases started and named first, which is `benchmon dev`'s
job, so the checkout's `dagster.yaml` names only this class: Dagster asks it for its config
schema before anything starts, and it stops the command with one line instead. No Dagster
import: Dagster needs only the class and its `config_schema`.
"""

from __future__ import annotations

import sys

EX_CONFIG = 78
MESSAGE = (
    "benchmon: start Dagster for this project with `benchmon dev` (it starts the databases "
    "and sets DAGSTER_HOME); a plain `dagster` command here has no instance to use"
)


class UseBenchmonDev:
    @classmethod
    def config_schema(cls) -> dict:
        sys.stderr.write(MESSAGE + "\n")
        sys.stderr.flush()
        raise SystemExit(EX_CONFIG)
