"""Dagster settings that make recording a many-day trend run cheap.

A single-run backfill of N day partitions makes Dagster write, with its defaults, N
"materialization planned" events when the run is created and N materialization events
when the step ends, one at a time: with PostgreSQL event storage each write opens fresh
connections (dagster-postgres holds none between writes) and costs ~15–30 ms here, so a
365-day backfill spent 10–20 s recording events around a refresh of a few seconds.
Dagster has two opt-in switches, both environment variables read at the moment of use
(checked in dagster 1.13.27 / dagster-postgres 0.29.27):

- ``DAGSTER_EVENT_BATCH_SIZE``: the run worker writes the materializations of one step
  output in batches of this size (PostgresEventLogStorage.store_event_batch: one INSERT
  and one asset-index update per batch).
- ``DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS``: whoever creates the run (daemon,
  webserver, or an in-process ``execute_in_process``) writes one planned event for the
  whole range. Dagster's trade-off: if such a run fails, its days are not marked failed
  in the UI; they keep their previous status. A failed refresh changes nothing in the
  trend tables (one transaction), so that status is still the truth.

They belong in the environment the Dagster processes start with (``benchmon dev`` passes
its own environment on to them); ``apply`` sets them in the current process.
"""

import os
from collections.abc import MutableMapping

RANGE_RUN_EVENT_SETTINGS = {
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
}


def apply(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Set the settings that are not set yet (an explicit value wins); returns them all."""
    for name, value in RANGE_RUN_EVENT_SETTINGS.items():
        environ.setdefault(name, value)
    return {name: environ[name] for name in RANGE_RUN_EVENT_SETTINGS}
