"""`BenchmarkDataAccess.open_alerts()` on the seeded history: the alerts the baseline check
opened, where a chart marks them, a resolved alert left out, and a reader login."""

from __future__ import annotations

import pandas as pd

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.alerts import find_alerts, resolve
from benchmon_pipeline_tests.db.logins import login_url
from benchmon_pipeline_tests.seeded_history import EXPECTED_ALERTS, seed_history


def configuration(row) -> tuple[str, str, str, str]:
    return (row.model_version, row.dataset_version, row.prompt_version, row.environment)


def test_open_alerts_of_the_seeded_history(db, db_url):
    history = seed_history(db)
    with BenchmarkDataAccess.connect(db_url) as api:
        alerts = api.open_alerts()
        assert str(alerts["result_at"].dtype) == "datetime64[us, UTC]"
        assert str(alerts["current"].dtype) == "float64"
        found = sorted(
            (configuration(row), row.metric, row.severity) for row in alerts.itertuples()
        )
        assert found == EXPECTED_ALERTS
        for row in alerts.itertuples():
            config = configuration(row)
            assert row.current == history.latest(config)[row.metric]
            assert row.reference == history.baseline(config)[row.metric]
            assert row.status == "open"
            assert row.result_at == pd.Timestamp(history.times[config][-1])
        staging = api.open_alerts(environment="staging")
        assert list(staging.metric) == ["latency_ms"]
        assert api.open_alerts(environment="nowhere").empty
        assert list(api.open_alerts(environment="nowhere").columns) == list(alerts.columns)

        first = find_alerts(db, "open")[0]
        resolve(db, first.id, by="alice", note="fixed")
        assert len(api.open_alerts(fresh=True)) == len(EXPECTED_ALERTS) - 1


def test_open_alerts_with_the_reader_role(db, db_url):
    seed_history(db)
    with login_url(db_url, "benchmon_reader") as url, BenchmarkDataAccess.connect(url) as api:
        assert len(api.open_alerts()) == len(EXPECTED_ALERTS)
