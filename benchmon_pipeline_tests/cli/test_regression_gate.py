"""`benchmon regressions` as a CI job runs it: a real subprocess, a real database, its exit
codes and its markdown report."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
from click.testing import CliRunner

from benchmon_pipeline.cli.exits import CONFIG as EXIT_CONFIG
from benchmon_pipeline.cli.exits import UNAVAILABLE as EXIT_DATABASE_UNAVAILABLE
from benchmon_pipeline.cli.main import cli
from benchmon_pipeline.cli.regressions import EXIT_NOTHING_JUDGED, EXIT_REGRESSION
from benchmon_pipeline_tests.helpers import FIXTURES
from benchmon_pipeline_tests.regressions.rendered import (
    INJECTED_COMMIT,
    INJECTED_CONFIG,
    INJECTED_METRIC,
    list_items,
    markup,
    table_rows,
)
from benchmon_pipeline_tests.warehouse.calls import CONFIG, set_baseline

START = datetime(2026, 3, 1, tzinfo=UTC)


def gate(*args, db_url, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_"))
    }
    env.update(BENCHMON_DATABASE_URL=db_url, **extra)
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "regressions", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def push(conn, metrics, *, hours, branch="main", commit=None):
    conn.execute(
        "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s,"
        " commit_sha => %s, branch_name => %s)",
        (*CONFIG, json.dumps(metrics), START + timedelta(hours=hours), commit, branch),
    )


def test_the_gate_passes_warns_and_fails_with_its_exit_codes(db_url, tmp_path):
    with psycopg.connect(db_url, autocommit=True) as conn:
        push(conn, {"f1": 0.90, "latency_ms": 400}, hours=0)
        set_baseline(conn, CONFIG, 1)
        push(conn, {"f1": 0.91, "latency_ms": 390}, hours=1)
    clean = gate("--fail-on", "warn", db_url=db_url)
    assert clean.returncode == 0, clean.stderr
    assert "✅ passed" in clean.stdout and "No regression found." in clean.stdout

    with psycopg.connect(db_url, autocommit=True) as conn:
        push(conn, {"f1": 0.85, "latency_ms": 390}, hours=2, commit="deadbeef")
    summary = tmp_path / "step_summary.md"
    warned = gate("--fail-on", "error", db_url=db_url, GITHUB_STEP_SUMMARY=str(summary))
    assert warned.returncode == 0, "one breach is a WARN: --fail-on error passes"
    assert (
        "🟡 WARN" in warned.stdout
        and "| f1 (higher is better) | 0.85 | 0.9 | -0.05 (-5.56 %) |" in warned.stdout
    )
    assert summary.read_text().startswith("## benchmon regression gate: ✅ passed")
    failed = gate("--fail-on", "warn", "--model", CONFIG[0], db_url=db_url)
    assert failed.returncode == EXIT_REGRESSION
    assert "❌ failed" in failed.stdout and "deadbeef" in failed.stdout
    assert "regression gate failed: 0 ERROR, 1 WARN" in failed.stderr
    other = gate("--fail-on", "warn", "--model", "some-other-model", db_url=db_url)
    assert other.returncode == EXIT_NOTHING_JUDGED, "a filter naming nothing never passes"
    assert f"--model 'some-other-model' matches no stored result; stored: '{CONFIG[0]}'" in (
        other.stderr
    )

    with psycopg.connect(db_url, autocommit=True) as conn:
        push(conn, {"f1": 0.84, "latency_ms": 390}, hours=3)
    confirmed = gate("--format", "json", db_url=db_url)
    assert confirmed.returncode == EXIT_REGRESSION, "persisted: ERROR fails --fail-on error"
    report = json.loads(confirmed.stdout)
    assert not report["passed"]
    assert [(f["rule"], f["metric"], f["severity"]) for f in report["findings"]] == [
        ("baseline", "f1", "ERROR")
    ]
    assert gate("--fail-on", "never", db_url=db_url).returncode == 0


def test_a_pull_request_branch_is_judged_against_the_tracked_baseline(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i in range(15):
            push(conn, {"f1": 0.90 + (i % 3) / 1000, "latency_ms": 400 + i % 4}, hours=i)
        set_baseline(conn, CONFIG, 1)  # on version 15 it would restart the history (0023)
        push(conn, {"f1": 0.899, "latency_ms": 900}, hours=16, branch="feature-x", commit="pr1")
    tracked = gate("--fail-on", "warn", db_url=db_url)
    assert tracked.returncode == 0, "the PR never moved the tracked snapshots"
    pr = gate("--fail-on", "warn", "--format", "json", db_url=db_url, GITHUB_HEAD_REF="feature-x")
    assert pr.returncode == EXIT_REGRESSION, pr.stderr
    report = json.loads(pr.stdout)
    assert report["branch"] == "feature-x"
    found = {(f["rule"], f["metric"]) for f in report["findings"]}
    assert found == {("baseline", "latency_ms"), ("history", "latency_ms")}
    assert all(f["commit_sha"] == "pr1" for f in report["findings"])
    assert gate("--branch", "main", "--fail-on", "warn", db_url=db_url).returncode == 0


def test_usage_errors_and_an_unreachable_database(db_url):
    bad = gate("--rules", "baseline,nonsense", db_url=db_url)
    assert bad.returncode == 2 and "unknown rule(s) nonsense" in bad.stderr
    setting = gate(db_url=db_url, BENCHMON_CONFIRM_RESULTS="two")
    assert setting.returncode == EXIT_CONFIG, setting.stderr
    assert setting.stderr == (
        "error: BENCHMON_CONFIRM_RESULTS='two' is not a whole number;"
        " unset it for the rule's default\n"
    )
    unfit = gate(db_url=db_url, BENCHMON_STALE_WARN_AFTER="9", BENCHMON_STALE_ERROR_AFTER="4")
    assert unfit.returncode == EXIT_CONFIG, unfit.stderr
    assert unfit.stderr.startswith(
        "error: BENCHMON_STALE_WARN_AFTER=9.0, BENCHMON_STALE_ERROR_AFTER=4.0 do not fit"
    )
    assert unfit.stderr.count("\n") == 1
    down = gate(db_url="postgresql://nobody@127.0.0.1:9/nowhere")
    assert down.returncode == EXIT_DATABASE_UNAVAILABLE
    assert "database unavailable" in down.stderr


def test_names_in_the_report_are_text_not_markup(db_url, tmp_path):
    """The issue's injections as a configuration's, a metric's, a commit's and a pull request
    branch's names: the report (stdout and $GITHUB_STEP_SUMMARY) shows each of them, escaped,
    in its own cell, and none becomes a line, a link, an image, a code span or a mention."""
    branch = "fix`|@here [a](http://evil)"
    with psycopg.connect(db_url, autocommit=True) as conn:
        for hours, f1, accuracy in ((0, 0.90, 0.50), (1, 0.90, 0.50)):
            conn.execute(
                "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s)",
                (
                    *INJECTED_CONFIG,
                    json.dumps({INJECTED_METRIC: f1, "accuracy": accuracy}),
                    START + timedelta(hours=hours),
                ),
            )
        set_baseline(conn, INJECTED_CONFIG, 2)
        conn.execute(
            "SELECT upsert_benchmark_result(%s, %s, %s, %s, %s::jsonb, created_at => %s,"
            " commit_sha => %s, branch_name => %s)",
            (
                *INJECTED_CONFIG,
                json.dumps({INJECTED_METRIC: 0.80, "accuracy": 0.60}),
                START + timedelta(hours=2),
                INJECTED_COMMIT,
                branch,
            ),
        )
    summary = tmp_path / "step_summary.md"
    done = gate(
        "--fail-on",
        "never",
        db_url=db_url,
        GITHUB_HEAD_REF=branch,
        GITHUB_STEP_SUMMARY=str(summary),
    )
    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert summary.read_text() == report

    ours = {"<sub>", "</sub>", "</details>\n"}  # and the <details> block's first line
    smuggled = [
        (kind, source)
        for kind, source in markup(report)
        if source not in ours and not source.startswith("<details><summary>2 series not judged")
    ]
    assert smuggled == [], "a name became markup"
    assert not re.search(r"^\W*✅ all fine", report, re.MULTILINE), "a line of its own"
    shown = ("m\\n\\n✅ all fine", "![x](http://evil/i.png)", "@\u2060channel", "<!here>")
    (row,) = table_rows(report)
    assert len(row) == 13, row
    assert row[2:7] == [*shown, f"{INJECTED_METRIC} (higher is better)"]
    assert row[10:12] == ["<@\u2060U1>`|x", "fix`|@\u2060here [a](http://evil)"]
    assert row[12].startswith("worse than the baseline by 0.1 (threshold 5.00 %")
    tradeoff, *not_judged = list_items(report)
    assert tradeoff.startswith(" / ".join(shown) + ": accuracy +20.0 %")
    assert len(not_judged) == 2 and all(i.startswith(" / ".join(shown)) for i in not_judged)
    assert f"branch {branch.replace('@', '@' + chr(0x2060))} against" in report.replace("\\", "")
    for raw in ("@channel", "@here", "<!here>", "](http", "![x]"):
        assert raw not in report


def test_commits_link_to_the_repository_when_its_url_is_set(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i in range(3):
            push(conn, {"f1": 0.90, "latency_ms": 400}, hours=i)
        set_baseline(conn, CONFIG, 1)
        push(conn, {"f1": 0.80, "latency_ms": 400}, hours=4, commit="0123456789abcdef0123")
    plain = gate("--fail-on", "never", db_url=db_url)
    assert "| 0123456789ab |" in plain.stdout and "](" not in plain.stdout.split("|")[-3]
    linked = gate(
        "--fail-on", "never", db_url=db_url, BENCHMON_REPO_URL="https://github.com/org/repo"
    )
    assert (
        "[0123456789ab](https://github.com/org/repo/commit/0123456789abcdef0123)" in linked.stdout
    )
    gitlab = gate(
        "--fail-on",
        "never",
        db_url=db_url,
        BENCHMON_REPO_URL="https://gitlab.com/org/repo/-/commit/{sha}",
    )
    assert "(https://gitlab.com/org/repo/-/commit/0123456789abcdef0123)" in gitlab.stdout


def test_an_informational_metric_is_stored_as_such_and_never_judged(db_url, tmp_path):
    # lm-eval's standard errors describe the measurement. Their mark used to be lost on the
    # way into the log, so the name rule made acc_stderr "higher is better" and a halved
    # standard error failed the gate as an 82 % regression (sql/0043).
    document = json.loads((FIXTURES / "real/lm_eval/rwkv7-1.5b-world_lambada.json").read_text())
    task = document["results"]["lambada_openai"]
    for day, stderr in enumerate((0.0064, 0.003, 0.0011)):
        task["acc_stderr,none"] = stderr
        document["date"] = 1_741_719_397 + day * 86_400
        path = tmp_path / f"run{day}.json"
        path.write_text(json.dumps(document))
        done = CliRunner().invoke(
            cli,
            ["push", "--input", str(path), "--environment", "e"],
            env={"BENCHMON_DATABASE_URL": db_url},
        )
        assert done.exit_code == 0, done.output
    with psycopg.connect(db_url, autocommit=True) as conn:
        (configuration,) = conn.execute(
            "SELECT DISTINCT model_version, dataset_version, prompt_version, environment"
            "  FROM benchmark_snapshots"
        ).fetchall()
        stated = conn.execute(
            "SELECT DISTINCT metric_directions FROM benchmark_transactions"
        ).fetchall()
        assert stated == [
            (
                {
                    "acc": "higher",
                    "acc_stderr": "none",
                    "perplexity": "lower",
                    "perplexity_stderr": "none",
                },
            )
        ]
        set_baseline(conn, configuration, 1)
        judged = conn.execute(
            "SELECT metric FROM detect_metric_regressions() ORDER BY 1"
        ).fetchall()
    assert judged == [("acc",), ("perplexity",)]
    passed = gate("--fail-on", "warn", "--rules", "baseline", db_url=db_url)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "acc_stderr" not in passed.stdout
    compared = CliRunner().invoke(
        cli,
        ["compare", "--model", configuration[0], "--format", "json", "--a", "1", "--b", "3"],
        env={"BENCHMON_DATABASE_URL": db_url},
    )
    assert compared.exit_code == 0, compared.output
    changes = {m["metric"]: m["change"] for m in json.loads(compared.stdout)["metrics"]}
    assert changes == {
        "acc": "same",
        "acc_stderr": None,
        "perplexity": "same",
        "perplexity_stderr": None,
    }
