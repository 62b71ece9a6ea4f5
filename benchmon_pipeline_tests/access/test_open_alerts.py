"""`BenchmarkDataAccess.open_alerts()` on the seeded history: the alerts the baseline check
opened, where a chart marks them, a resolved alert left out, and a reader login."""

from __future__ import annotations

import pandas as pd

from benchmon_pipeline.access.api import BenchmarkDataAccess
from benchmon_pipeline.regressions.alerts import find_alerts, resolve
from benchmon_pipeline_tests.db.logins import login_url
from benchmon_pipeline_tests.seeded_history import REGRESSED, REGRESSED_METRICS, seed_history


def test_open_alerts_of_the_seeded_history(db, db_url):
    history = seed_history(db)
    with BenchmarkDataAccess.connect(db_url) as api:
        alerts = api.open_alerts()
        assert str(alerts["result_at"].dtype) == "datetime64[us, UTC]"
        assert str(alerts["current"].dtype) == "float64"
        assert sorted(alerts.metric) == sorted(REGRESSED_METRICS)
        assert {
            tuple(r)
            for r in alerts[
                ["model_version", "dataset_version", "prompt_version", "environment"]
            ].values
        } == {REGRESSED}
        latest = history.latest(REGRESSED)
        for row in alerts.itertuples():
            assert row.current == latest[row.metric]
            assert row.reference == history.baseline(REGRESSED)[row.metric]
            assert row.severity == "WARN" and row.status == "open"
            assert row.result_at == pd.Timestamp(history.times[REGRESSED][-1])
        assert api.open_alerts(environment="staging").empty
        assert list(api.open_alerts(environment="staging").columns) == list(alerts.columns)

        first = find_alerts(db, "open")[0]
        resolve(db, first.id, by="alice", note="fixed")
        assert len(api.open_alerts(fresh=True)) == len(REGRESSED_METRICS) - 1


def test_open_alerts_with_the_reader_role(db, db_url):
    seed_history(db)
    with login_url(db_url, "benchmon_reader") as url, BenchmarkDataAccess.connect(url) as api:
        assert len(api.open_alerts()) == len(REGRESSED_METRICS)
