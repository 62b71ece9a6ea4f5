"""An upstream update that lands while the asset's own run is in progress is not lost.

Real Dagster machinery: an instance, a run in progress for the downstream asset, and the
automation conditions evaluated tick by tick, as the automation sensor does.
"""

import dagster as dg

from benchmon_pipeline.defs.automation import eager_after_every_update


def _requests_per_tick(condition) -> list[int]:
    @dg.asset
    def log(): ...

    @dg.asset(deps=[log], automation_condition=condition)
    def snapshots(): ...

    defs = dg.Definitions(assets=[log, snapshots])
    requested, cursor = [], None
    with dg.instance_for_test() as instance:

        def tick():
            nonlocal cursor
            result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
            cursor = result.cursor
            requested.append(result.get_num_requested(snapshots.key))

        tick()  # first evaluation
        instance.report_runless_asset_event(dg.AssetMaterialization("log"))
        tick()  # the new rows are seen: snapshots requested
        run = instance.create_run_for_job(
            defs.get_implicit_global_asset_job_def(),
            asset_selection=frozenset({snapshots.key}),
            status=dg.DagsterRunStatus.STARTED,
        )
        tick()  # the run is going
        instance.report_runless_asset_event(dg.AssetMaterialization("log"))  # a new file
        tick()  # … ingested while the run is still going
        instance.report_runless_asset_event(dg.AssetMaterialization("snapshots"))
        instance.report_run_canceled(run)  # the run ends
        tick()
        tick()
    return requested


def test_an_update_during_a_run_is_handled_once_the_run_ends():
    assert _requests_per_tick(eager_after_every_update()) == [0, 1, 0, 0, 1, 0]


def test_dagsters_eager_condition_loses_that_update():
    """Why benchmon does not use eager() on its own: the same ticks request nothing more."""
    assert _requests_per_tick(dg.AutomationCondition.eager()) == [0, 1, 0, 0, 0, 0]
