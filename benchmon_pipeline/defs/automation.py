"""When the automation sensor materializes an asset after its upstream changed.

`dg.AutomationCondition.eager()` forgets an upstream update that lands while the asset's
own run is in progress. It skips that tick because the asset is in progress, and then the
run's materialization counts as having "handled" the update. In the pipeline this
happens whenever a result is ingested while the previous one's snapshot run (and its
regression checks) is still going. That result's checks would then wait for the next
file, however long that takes (seen in CI: the check ran only when the next test dropped
a file).

`eager_after_every_update()` is eager(), except that only a request counts as handling an
update, not a materialization. An update made during a run is still pending when the run
ends, and the next tick requests the asset again. The cost is at most one extra run after
a materialization started by hand.
"""

import dagster as dg


def eager_after_every_update() -> dg.AutomationCondition:
    handled = (
        dg.AutomationCondition.newly_requested() | dg.AutomationCondition.initial_evaluation()
    ).with_label("requested")
    return (
        (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since(
            handled
        )
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("eager, including updates made while a run was in progress")


# Declarative automation (benchmark_snapshots is eager) needs a running automation sensor;
# Dagster's default one starts stopped.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "benchmon_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
)
