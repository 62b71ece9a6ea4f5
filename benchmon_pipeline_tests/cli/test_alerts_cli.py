"""`benchmon alerts list|ack|resolve` through click's CliRunner, against a real database
(found the way every benchmon command finds it: BENCHMON_DATABASE_URL)."""

import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli.alerts import default_actor
from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.regressions.alerts import get_alert, record_findings
from benchmon_pipeline.regressions.findings import BASELINE, HISTORY, Finding
from benchmon_pipeline_tests.regressions.rendered import (
    INJECTED_COMMIT,
    INJECTED_CONFIG,
    INJECTED_METRIC,
    markup,
    table_rows,
)

CONFIG = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v4", "production")
OTHER = ("org/model-v2", "benchmark-set-v3", "analysis-v4", "local")


@pytest.fixture
def benchmon(db_url):
    runner = CliRunner()
    # The Dagster storage URL pointed at the same database: nothing else is created.
    env = {
        "BENCHMON_DATABASE_URL": db_url,
        "BENCHMON_DAGSTER_DATABASE_URL": db_url,
        "USER": "alice",
    }

    def run(*args):
        return runner.invoke(cli, ["alerts", *args], env=env, catch_exceptions=False)

    return run


@pytest.fixture
def seeded(db):
    return record_findings(
        db,
        [BASELINE, HISTORY],
        [
            Finding(
                BASELINE,
                *CONFIG,
                "f1",
                "ERROR",
                "f1 fell from 0.9 to 0.85",
                direction="higher",
                current=0.85,
                reference=0.9,
                delta=-0.05,
                percent=-5.56,
                commit_sha="abc1234",
                branch_name="main",
                run_length=2,
            ),
            Finding(
                HISTORY,
                *OTHER,
                "latency_ms",
                "WARN",
                "latency_ms rose 16 % (z 5.1)",
                direction="lower",
                current=480,
                reference=412,
                delta=68,
                percent=16.5,
            ),
        ],
    )


def test_list_shows_unresolved_alerts_as_a_table(benchmon, seeded):
    done = benchmon("list")
    assert done.exit_code == 0, done.output
    header, first, second, footer = done.stdout.splitlines()
    assert header.split()[:6] == ["ID", "SEVERITY", "STATUS", "RULE", "CONFIGURATION", "METRIC"]
    assert first.split()[:3] == [str(seeded[0].id), "ERROR", "open"]
    assert "medgemma-v1.2 × benchmark-set-v3 × analysis-v4 × production" in first
    assert "0.85" in first and "-5.56 %" in first
    assert "org/model-v2 × benchmark-set-v3 × analysis-v4 × local" in second
    assert footer.startswith("2 alert(s)")


def test_list_filters_and_formats(benchmon, seeded):
    as_json = json.loads(benchmon("list", "--format", "json", "--model", "org/model-v2").stdout)
    assert [(a["id"], a["rule"], a["metric"], a["current"]) for a in as_json] == [
        (seeded[1].id, HISTORY, "latency_ms", 480.0)
    ]
    assert as_json[0]["status"] == "open" and as_json[0]["first_seen_at"]

    markdown = benchmon("list", "--format", "markdown", "--rule", BASELINE).stdout
    assert markdown.startswith("**1 regression alert** (1 ERROR, 0 WARN)")
    assert "| f1 | 0.85 | 0.9 | -0.05 | -5.56 % | abc1234 | main |" in markdown

    stored_apart = ["--model", CONFIG[0], "--environment", OTHER[3]]  # no alert has both
    assert json.loads(benchmon("list", "--format", "json", *stored_apart).stdout) == []
    for options in (["--environment", "staging"], ["--dataset", "x"], ["--prompt", "x"]):
        typo = benchmon("list", "--format", "json", *options)  # a typo: near matches, 65
        assert typo.exit_code == 65 and "matches no stored configuration" in typo.stderr
    assert benchmon("list", "--status", "resolved").stdout.strip() == "no resolved alerts"
    assert benchmon("list", "--status", "closed").exit_code == 2


def test_ack_then_resolve_and_the_errors_on_the_way(benchmon, seeded, db):
    alert_id = seeded[0].id
    done = benchmon("ack", str(alert_id), "--note", "bisecting")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == (
        f"acknowledged alert {alert_id} (ERROR baseline f1 on medgemma-v1.2 × "
        "benchmark-set-v3 × analysis-v4 × production) as alice"
    )
    stored = get_alert(db, alert_id)
    assert (stored.status, stored.acknowledged_by, stored.acknowledged_note) == (
        "acknowledged",
        "alice",
        "bisecting",
    )

    again = benchmon("ack", str(alert_id))
    assert again.exit_code == 1
    assert f"regression alert {alert_id} (baseline f1 on" in again.stderr
    assert "is already acknowledged (by alice" in again.stderr

    resolved = benchmon("resolve", str(alert_id), "--by", "bob", "--note", "reverted")
    assert resolved.exit_code == 0, resolved.output
    assert get_alert(db, alert_id).resolved_by == "bob"
    twice = benchmon("resolve", str(alert_id))
    assert twice.exit_code == 1 and "a resolved alert is final" in twice.stderr

    listed = benchmon("list", "--status", "all", "--format", "json").stdout
    assert {a["id"]: a["status"] for a in json.loads(listed)} == {
        alert_id: "resolved",
        seeded[1].id: "open",
    }
    assert [a["id"] for a in json.loads(benchmon("list", "--format", "json").stdout)] == [
        seeded[1].id
    ]


def test_unknown_or_malformed_ids(benchmon, seeded):
    missing = benchmon("ack", "999")
    assert missing.exit_code == 65  # an id that does not exist: invalid input (docs/cli.md)
    assert missing.stderr.splitlines()[-1] == "error: no regression alert 999"
    assert "Traceback" not in missing.output
    assert benchmon("resolve", "abc").exit_code == 2
    assert benchmon("ack").exit_code == 2


def test_the_default_actor_is_user_else_the_git_user(monkeypatch, tmp_path):
    monkeypatch.setenv("USER", "carol")
    assert default_actor() == "carol"
    monkeypatch.delenv("USER")
    config = tmp_path / "gitconfig"
    subprocess.run(["git", "config", "--file", str(config), "user.name", "Dana Git"], check=True)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)
    assert default_actor() == "Dana Git"


def test_names_in_the_list_are_text_not_markup(benchmon, db):
    """The issue's injections in an alert's names: `--format markdown` (what a PR comment
    or the regression report shows) keeps each in its cell, escaped, and the table for a
    terminal keeps each alert on its line, with no escape sequence reaching the terminal."""
    (opened,) = record_findings(
        db,
        [BASELINE],
        [
            Finding(
                BASELINE,
                *INJECTED_CONFIG[:3],
                "\x1b[2J\x1b[31mprod",
                INJECTED_METRIC,
                "WARN",
                "fell\n\n✅ all fine",
                commit_sha=INJECTED_COMMIT,
                branch_name="@here",
            )
        ],
    )
    markdown = benchmon("list", "--format", "markdown").stdout
    assert markup(markdown) == [], "a name became a link, an image, a code span or HTML"
    assert not re.search(r"^\W*✅ all fine", markdown, re.MULTILINE)
    (row,) = table_rows(markdown)
    assert len(row) == 14
    assert row[4:6] == [
        "m\\n\\n✅ all fine × ![x](http://evil/i.png) × @\u2060channel × \\x1b[2J\\x1b[31mprod",
        INJECTED_METRIC,
    ]
    assert row[10:12] == ["<@\u2060U1>`|x", "@\u2060here"] and row[13] == "fell\\n\\n✅ all fine"
    for raw in ("@channel", "@here", "](http", "\x1b"):
        assert raw not in markdown

    table = benchmon("list").stdout
    assert len(table.splitlines()) == 3, "header, the alert, the count"
    assert "\x1b" not in table and "m\\n\\n✅ all fine" in table
    acknowledged = benchmon("ack", str(opened.id)).stdout
    assert "\x1b" not in acknowledged and acknowledged.count("\n") == 1
