"""Regression checks on `benchmark_snapshots`, shown on the asset's Checks tab and as
badges in the lineage graph."""

import dagster as dg

from benchmon_pipeline.regressions.baseline_check import find_baseline_regressions, markdown
from benchmon_pipeline.resources import PostgresResource
from benchmon_pipeline.snapshots.assets import benchmark_snapshots


@dg.asset_check(
    asset=benchmark_snapshots,
    name="baseline_regressions",
    description=(
        "Current version vs the configuration's baseline, per metric, in the metric's "
        "direction, against its absolute/relative thresholds (metric_definitions, "
        "metric_overrides; a drop equal to the threshold counts). WARN on a first breach, "
        "ERROR when it persists over consecutive versions."
    ),
)
def baseline_regressions(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        findings = find_baseline_regressions(conn)
    errors = [f for f in findings if f.severity == "ERROR"]
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        metadata={
            "regressions": len(findings),
            "confirmed": len(errors),
            "configurations": len({(f.model_version, f.dataset_version, f.prompt_version,
                                    f.environment) for f in findings}),
            "details": dg.MetadataValue.md(markdown(findings)),
        },
    )
