"""`benchmark_snapshots`: the log folded into numbered versions per configuration."""

import dagster as dg

from benchmon_pipeline.defs.automation import eager_after_every_update
from benchmon_pipeline.defs.ingest import benchmark_transactions
from benchmon_pipeline.defs.resources import PostgresResource
from benchmon_pipeline.snapshots.changes import changes_since, markdown_table
from benchmon_pipeline.warehouse import fold_new_results

SNAPSHOT_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("model_version", "text"),
        dg.TableColumn("dataset_version", "text"),
        dg.TableColumn("prompt_version", "text"),
        dg.TableColumn("environment", "text"),
        dg.TableColumn("snapshot_version", "int", description="1, 2, 3… per configuration"),
        dg.TableColumn("transaction_id", "uuid", description="the log row this version shows"),
        dg.TableColumn("metrics", "jsonb"),
        dg.TableColumn("f1_score", "numeric"),
        dg.TableColumn("precision", "numeric"),
        dg.TableColumn("recall", "numeric"),
        dg.TableColumn("latency_ms", "numeric"),
        dg.TableColumn("is_current", "bool", description="exactly one per configuration"),
        dg.TableColumn("is_baseline", "bool", description="at most one per configuration"),
        dg.TableColumn("is_active", "bool"),
        dg.TableColumn("run_count", "int"),
    ]
)


# How many earlier materializations are searched for one about the same database.
LOOKBACK = 50


def _last_event_id(context: dg.AssetExecutionContext, database: str) -> int:
    """The last snapshot event reported by the latest materialization about the same database.
    Materializations about other databases are passed over (an instance may have been pointed
    at another database since, or serve several — a test session's daemon does), so "since
    the last materialization" means the last one from here; 0 if none of the last LOOKBACK
    is."""
    records = context.instance.fetch_materializations(context.asset_key, limit=LOOKBACK).records
    for record in records:
        materialization = record.asset_materialization
        if materialization is None:
            continue
        metadata = materialization.metadata
        if metadata.get("database") is None or metadata["database"].value != database:
            continue
        value = metadata.get("last_event_id")
        return int(value.value) if value is not None else 0
    return 0


@dg.asset(
    deps=[benchmark_transactions],
    group_name="warehouse",
    kinds={"postgres"},
    owners=["team:benchmon"],
    automation_condition=eager_after_every_update(),
    description=(
        "Numbered snapshot versions per configuration (model × dataset × prompt × "
        "environment), folded from the log by fold_transactions(); checkout and baselines "
        "are recorded in snapshot_events."
    ),
    metadata={
        "dagster/table_name": "benchmark_snapshots",
        "dagster/column_schema": SNAPSHOT_SCHEMA,
    },
)
def benchmark_snapshots(
    context: dg.AssetExecutionContext, postgres: PostgresResource
) -> dg.MaterializeResult:
    with postgres.connect() as conn:
        database = "{}/{}".format(
            *conn.execute(
                "SELECT current_database(), oid FROM pg_database WHERE datname = current_database()"
            ).fetchone()
        )
        since = _last_event_id(context, database)
        created = fold_new_results(conn, actor=f"dagster:{context.run.run_id[:8]}")
        conn.commit()
        changes = changes_since(conn, since)
        total, configurations = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_current) FROM benchmark_snapshots"
        ).fetchone()
    touched = {
        (c["model_version"], c["dataset_version"], c["prompt_version"], c["environment"])
        for c in changes
    }
    new_versions = sum(c["event_type"] == "new_version" for c in changes)
    context.log.info(
        f"folded {len(created)} new version(s) here; {new_versions} new version(s) and "
        f"{len(changes)} change(s) in all since the last materialization, "
        f"{len(touched)} configuration(s) touched"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "configurations": configurations,
            "configurations_touched": len(touched),
            "versions_created": new_versions,
            "folded_by_this_run": len(created),
            "last_event_id": changes[-1]["event_id"] if changes else since,
            "database": database,
            "changes": dg.MetadataValue.md(markdown_table(changes)),
        }
    )
