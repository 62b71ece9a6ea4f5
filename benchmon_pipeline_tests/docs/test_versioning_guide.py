"""docs/versioning.md, run: the design's timeline, rollbacks, baselines and the A/B prompt
scenario, every block in order against a fresh database, each output as the page shows it
(benchmon_pipeline_tests/docs/snippets.py)."""

from benchmon_pipeline_tests.docs.snippets import run_page


def test_the_versioning_guide_runs_and_prints_what_it_shows(db_url, tmp_path, monkeypatch):
    outcome = run_page("versioning.md", db_url, tmp_path, monkeypatch)
    assert outcome.ran == 14
    assert not outcome.skipped  # every block of this page can run
