"""`benchmark_dashboard` materialized by Dagster on the seeded history: the file under
BENCHMON_HOME/reports, its path and clickable file:// URL in the metadata, one trend anchor
per alerted configuration; and the baseline check's details link to those anchors."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

import dagster as dg
import psycopg

from benchmon_pipeline.defs.reports import benchmark_dashboard
from benchmon_pipeline.defs.resources import (
    PostgresResource,
    RegressionRulesResource,
    WebhookResource,
)
from benchmon_pipeline.reports.figures import trend_anchor
from benchmon_pipeline.settings import reset_settings
from benchmon_pipeline_tests.seeded_history import EXPECTED_ALERTS, seed_history


def test_materialized_report_links_from_its_metadata(
    db_url, dagster_instance, tmp_path, monkeypatch
):
    monkeypatch.setenv("BENCHMON_HOME", str(tmp_path / "home"))
    reset_settings()  # the session's Dagster instance may have read them already
    with psycopg.connect(db_url, autocommit=True) as conn:
        seed_history(conn)
    result = dg.materialize(
        [benchmark_dashboard],
        instance=dagster_instance,
        resources={"postgres": PostgresResource(database_url=db_url)},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("benchmark_dashboard")
    metadata = materialization.metadata
    path = tmp_path / "home" / "reports" / "dashboard.html"
    assert metadata["path"].value == str(path)
    url = metadata["url"].value
    assert url.startswith("file://") and unquote(urlparse(url).path) == str(path)
    assert metadata["configurations"].value == 14
    assert metadata["open_alerts"].value == len(EXPECTED_ALERTS)
    assert metadata["bytes"].value == path.stat().st_size < 5_000_000
    page = path.read_text(encoding="utf-8")
    for config, _, _ in EXPECTED_ALERTS:
        assert f'id="{trend_anchor(config)}"' in page


def test_baseline_check_links_each_configuration_to_its_trend(
    db_url, dagster_instance, tmp_path, monkeypatch
):
    from benchmon_pipeline.defs.regressions import build_regression_checks
    from benchmon_pipeline.defs.snapshots import benchmark_snapshots

    monkeypatch.setenv("BENCHMON_HOME", str(tmp_path / "home"))
    reset_settings()  # the session's Dagster instance may have read them already
    with psycopg.connect(db_url, autocommit=True) as conn:
        seed_history(conn)
    result = dg.materialize(
        [benchmark_snapshots, *build_regression_checks()],
        instance=dagster_instance,
        resources={
            "postgres": PostgresResource(database_url=db_url),
            "regression_rules": RegressionRulesResource(),
            "webhook": WebhookResource(),
        },
        selection=dg.AssetSelection.assets(benchmark_snapshots),
        raise_on_error=False,
    )
    (baseline,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "baseline_regressions"
    ]
    assert not baseline.passed
    details = baseline.metadata["details"].value
    report = (tmp_path / "home" / "reports" / "dashboard.html").resolve().as_uri()
    for config, _, _ in EXPECTED_ALERTS:
        assert f"({report}#{trend_anchor(config)})" in details
