"""docs/quickref.md, run: every command, the SQL and the API calls, in order against a fresh
database, each output as the page shows it (benchmon_pipeline_tests/docs/snippets.py); the
blocks marked `not run` are counted and listed."""

from benchmon_pipeline_tests.docs.snippets import run_page


def test_the_quick_reference_runs_and_prints_what_it_shows(db_url, tmp_path, monkeypatch):
    outcome = run_page("quickref.md", db_url, tmp_path, monkeypatch)
    assert outcome.ran == 12
    assert len(outcome.skipped) == 4  # benchmon dev, alerts by id, inbox replay, trends backfill
