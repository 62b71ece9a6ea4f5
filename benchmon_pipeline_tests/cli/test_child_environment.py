"""What every process `benchmon dev` starts inherits."""

from benchmon_pipeline.cli.environment import child_environment
from benchmon_pipeline.db.server import Databases
from benchmon_pipeline.settings import load_settings
from benchmon_pipeline.trends.event_log_settings import RANGE_RUN_EVENT_SETTINGS


def _environment(tmp_path, monkeypatch, **exported):
    for name in RANGE_RUN_EVENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    settings = load_settings({"BENCHMON_HOME": str(tmp_path / "home")})
    return child_environment(
        settings, Databases("postgresql://r@h/results", "postgresql://r@h/dagster", embedded=False)
    )


def test_dagster_processes_record_many_day_runs_in_batches(tmp_path, monkeypatch):
    env = _environment(tmp_path, monkeypatch)
    assert {name: env[name] for name in RANGE_RUN_EVENT_SETTINGS} == {
        "DAGSTER_EVENT_BATCH_SIZE": "1000",
        "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
    }
    assert env["DAGSTER_HOME"] == str(tmp_path / "home" / "dagster_home")


def test_a_value_the_user_exported_wins(tmp_path, monkeypatch):
    env = _environment(tmp_path, monkeypatch, DAGSTER_EVENT_BATCH_SIZE="50")
    assert env["DAGSTER_EVENT_BATCH_SIZE"] == "50"
    assert env["DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"] == "true"
