"""The versions of a configuration through the real entry point (issue 17, acceptance 1):
the design's timeline (docs/foundations.md §6) done entirely with CLI verbs against a real
PostgreSQL — v1 F1 0.89 → v2 0.91, the baseline → v3 0.85 → checkout v2 → v4 0.93 — with
what each verb prints, the `--format json` shapes, and the errors and their exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.db.logins import login_url

MODEL = "medgemma-v1.2"
CONFIG = (MODEL, "benchmark-set-v3", "analysis-v4", "production")
SHAS = {n: f"{n}" * 40 for n in "1234"}  # commits of v1 … v4
DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def documented() -> str:
    """docs/cli.md's "Versions" section: what it shows must be what the commands print."""
    return DOCS.read_text().split("## Versions", 1)[1].split("\n## ", 1)[0]


def benchmon(*args, url, cwd):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_", "CI"))
    }
    env.update(BENCHMON_DATABASE_URL=url, USER="ci-bot")
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", *args],
        env=env,
        cwd=cwd,  # not a git checkout: push takes commit and branch from the flags only
        capture_output=True,
        text=True,
        timeout=120,
    )


def push(
    tmp_path,
    url,
    name,
    f1,
    precision,
    recall,
    latency_ms,
    *,
    environment="production",
    branch="main",
    commit=None,
):
    path = tmp_path / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "model_version": MODEL,
                "dataset_version": CONFIG[1],
                "prompt_version": CONFIG[2],
                "metrics": {
                    "f1": f1,
                    "precision": precision,
                    "recall": recall,
                    "latency_ms": latency_ms,
                },
            }
        )
    )
    flags = ["--environment", environment, "--branch", branch]
    done = benchmon(
        "push",
        "--input",
        str(path),
        *flags,
        *(["--commit-sha", commit] if commit else []),
        url=url,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr


def ok(done) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_error(done, code: int, *says: str) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for text in says:
        assert text in errors[0], errors[0]
    return errors[0]


def timeline(tmp_path, url) -> dict[str, subprocess.CompletedProcess]:
    """The design's timeline; what each write printed."""
    run = {}
    push(tmp_path, url, "v1", 0.89, 0.90, 0.88, 400, commit=SHAS["1"])
    push(tmp_path, url, "v2", 0.91, 0.92, 0.90, 412, commit=SHAS["2"])
    run["baseline"] = benchmon(
        "baseline",
        "set",
        "--model",
        MODEL,
        "--version",
        "2",
        "--reason",
        "golden",
        url=url,
        cwd=tmp_path,
    )
    push(tmp_path, url, "v3", 0.85, 0.87, 0.83, 425, commit=SHAS["3"])
    run["compare"] = benchmon(
        "compare", "--model", MODEL, "--a", "2", "--b", "3", url=url, cwd=tmp_path
    )
    run["checkout"] = benchmon(
        "checkout",
        "--model",
        MODEL,
        "--version",
        "2",
        "--reason",
        "v3 regressed",
        url=url,
        cwd=tmp_path,
    )
    push(tmp_path, url, "v4", 0.93, 0.94, 0.92, 405, commit=SHAS["4"])
    return run


def test_the_design_timeline_with_cli_verbs(db_url, tmp_path):
    run = timeline(tmp_path, db_url)
    assert ok(run["baseline"]).splitlines() == [
        "baseline: none → v2",
        "configuration: medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / production",
        run["baseline"].stdout.splitlines()[2],
    ]
    assert run["baseline"].stdout.splitlines()[2].endswith(": baseline_set v2 by ci-bot: golden")
    assert ok(run["checkout"]).splitlines()[0] == "current: v3 → v2"
    assert "checkout v2 by ci-bot: v3 regressed" in run["checkout"].stdout

    # compare v2 with v3: the design's deltas and percentages, judged by direction
    lines = ok(run["compare"]).splitlines()
    assert lines[0] == "medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / production: a = v2, b = v3"
    assert lines[1].split() == ["METRIC", "A", "B", "DELTA", "PERCENT", "DIRECTION", "CHANGE"]
    assert [line.split() for line in lines[2:]] == [
        ["f1", "0.91", "0.85", "-0.06", "-6.59", "higher", "worse"],
        ["latency_ms", "412", "425", "13", "3.16", "lower", "worse"],
        ["precision", "0.92", "0.87", "-0.05", "-5.43", "higher", "worse"],
        ["recall", "0.9", "0.83", "-0.07", "-7.78", "higher", "worse"],
    ]

    for printed in (run["baseline"].stdout, run["compare"].stdout, run["checkout"].stdout):
        assert printed in documented(), printed

    history = ok(benchmon("history", "--model", MODEL, url=db_url, cwd=tmp_path)).splitlines()
    assert history[0] == "medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / production"
    assert history[1].split() == [
        "VERSION",
        "RESULT_AT",
        "COMMIT",
        "BRANCH",
        "MARKS",
        "F1",
        "PRECISION",
        "RECALL",
        "LATENCY_MS",
    ]
    rows = [line.split() for line in history[2:]]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        ("4", "444444444444", "main", "current"),
        ("3", "333333333333", "main", "0.85"),
        ("2", "222222222222", "main", "baseline"),
        ("1", "111111111111", "main", "0.89"),
    ]  # (the result time is two words; an empty MARKS cell leaves no word)

    # all versions kept: v4 current, v2 the baseline, v3 and v1 still there
    configs = json.loads(ok(benchmon("configs", "--format", "json", url=db_url, cwd=tmp_path)))
    assert [{k: v for k, v in c.items() if k != "last_result_at"} for c in configs] == [
        {
            "model_version": MODEL,
            "dataset_version": "benchmark-set-v3",
            "prompt_version": "analysis-v4",
            "environment": "production",
            "current_version": 4,
            "baseline_version": 2,
            "versions": 4,
            "tracked_branch": "main",
        }
    ]
    assert configs[0]["last_result_at"].startswith("20")

    with psycopg.connect(db_url) as conn:
        events = conn.execute(
            "SELECT event_type, snapshot_version, actor, reason FROM snapshot_events"
            " ORDER BY event_id"
        ).fetchall()
    assert [e[:2] for e in events] == [
        ("new_version", 1),
        ("new_version", 2),
        ("baseline_set", 2),
        ("new_version", 3),
        ("checkout", 2),
        ("new_version", 4),
    ]
    assert events[4][2:] == ("ci-bot", "v3 regressed")


def test_json_shapes_and_soft_delete(db_url, tmp_path):
    timeline(tmp_path, db_url)
    history = json.loads(
        ok(
            benchmon(
                "history",
                "--model",
                MODEL,
                "--limit",
                "2",
                "--format",
                "json",
                url=db_url,
                cwd=tmp_path,
            )
        )
    )
    assert [h["version"] for h in history] == [4, 3]
    assert set(history[0]) == {
        "model_version",
        "dataset_version",
        "prompt_version",
        "environment",
        "version",
        "result_at",
        "version_created_at",
        "commit_sha",
        "branch_name",
        "current",
        "baseline",
        "active",
        "run_count",
        "metrics",
    }
    assert history[0]["current"] and not history[0]["baseline"]
    assert history[0]["metrics"] == {
        "f1": 0.93,
        "precision": 0.94,
        "recall": 0.92,
        "latency_ms": 405,
    }

    compared = json.loads(
        ok(
            benchmon(
                "compare",
                "--commit",
                SHAS["2"][:7],
                "--commit",
                SHAS["3"][:7],
                "--format",
                "json",
                url=db_url,
                cwd=tmp_path,
            )
        )
    )
    assert compared["configuration"]["environment"] == "production"
    assert (compared["a"]["commit_sha"], compared["b"]["commit_sha"]) == (SHAS["2"], SHAS["3"])
    f1 = next(m for m in compared["metrics"] if m["metric"] == "f1")
    assert f1 == {
        "metric": "f1",
        "a": 0.91,
        "b": 0.85,
        "delta": -0.06,
        "percent": -6.59,
        "direction": "higher",
        "change": "worse",
    }

    # a pull request's branch: its results made no version, compare reads them from the log
    push(tmp_path, db_url, "pr", 0.95, 0.94, 0.93, 380, branch="feature-x")
    by_branch = json.loads(
        ok(
            benchmon(
                "compare",
                "--branch",
                "main",
                "--branch",
                "feature-x",
                "--format",
                "json",
                url=db_url,
                cwd=tmp_path,
            )
        )
    )
    latency = next(m for m in by_branch["metrics"] if m["metric"] == "latency_ms")
    assert (latency["a"], latency["b"], latency["change"]) == (405, 380, "better")

    hidden = json.loads(
        ok(
            benchmon(
                "deactivate",
                "--model",
                MODEL,
                "--version",
                "3",
                "--reason",
                "bad run",
                "--format",
                "json",
                url=db_url,
                cwd=tmp_path,
            )
        )
    )
    assert {k: hidden[k] for k in ("field", "before", "after")} == {
        "field": "active",
        "before": True,
        "after": False,
    }
    assert hidden["event"]["event_type"] == "deactivated"
    assert hidden["event"]["actor"] == "ci-bot" and hidden["event"]["reason"] == "bad run"
    refused = benchmon(
        "checkout", "--model", MODEL, "--version", "3", "--reason", "try", url=db_url, cwd=tmp_path
    )
    one_error(refused, exits.FAILED, "refused: snapshot version 3 is deactivated")
    shown = ok(
        benchmon(
            "activate",
            "--model",
            MODEL,
            "--version",
            "3",
            "--reason",
            "fine",
            url=db_url,
            cwd=tmp_path,
        )
    )
    assert shown.splitlines()[0] == "v3: inactive → active"
    cleared = ok(
        benchmon(
            "baseline", "clear", "--model", MODEL, "--reason", "new era", url=db_url, cwd=tmp_path
        )
    )
    assert cleared.splitlines()[0] == "baseline: v2 → none"
    again = benchmon(
        "baseline", "clear", "--model", MODEL, "--reason", "twice", url=db_url, cwd=tmp_path
    )
    one_error(again, exits.INVALID_INPUT, "has no baseline to clear")


def test_errors_name_the_candidates_and_their_exit_codes(db_url, tmp_path):
    push(tmp_path, db_url, "prod", 0.89, 0.90, 0.88, 400)
    unknown = benchmon("history", "--model", "medgema-v1.2", url=db_url, cwd=tmp_path)
    typo = one_error(
        unknown,
        exits.INVALID_INPUT,
        "--model 'medgema-v1.2' matches no stored configuration; did you mean 'medgemma-v1.2'?",
    )

    push(tmp_path, db_url, "staging", 0.88, 0.90, 0.88, 400, environment="staging")
    ambiguous = benchmon(
        "checkout", "--model", MODEL, "--version", "1", "--reason", "x", url=db_url, cwd=tmp_path
    )
    several = one_error(
        ambiguous,
        exits.INVALID_INPUT,
        "--model 'medgemma-v1.2' matches 2 configurations; name one with "
        "--environment ('production' | 'staging'): ",
        "analysis-v4 / production; medgemma-v1.2 / benchmark-set-v3 / analysis-v4 / staging",
    )
    assert f"\n{typo}\n{several}\n" in documented()

    no_version = benchmon(
        "compare",
        "--model",
        MODEL,
        "--environment",
        "staging",
        "--a",
        "1",
        "--b",
        "7",
        url=db_url,
        cwd=tmp_path,
    )
    one_error(
        no_version, exits.INVALID_INPUT, "/ staging has no version 7; its versions are 1 to 1"
    )
    checkout = benchmon(
        "checkout",
        "--model",
        MODEL,
        "--environment",
        "staging",
        "--version",
        "9",
        "--reason",
        "x",
        url=db_url,
        cwd=tmp_path,
    )
    one_error(checkout, exits.INVALID_INPUT, "has no version 9")

    down = benchmon("configs", url="postgresql://nobody@127.0.0.1:1/benchmon", cwd=tmp_path)
    one_error(down, exits.UNAVAILABLE, "database unavailable")

    with login_url(db_url, "benchmon_reader") as url:
        listed = json.loads(ok(benchmon("configs", "--format", "json", url=url, cwd=tmp_path)))
        assert [c["environment"] for c in listed] == ["production", "staging"]
        for reads in (["history"], ["compare", "--a", "1", "--b", "1"]):
            done = benchmon(
                *reads, "--model", MODEL, "--environment", "staging", url=url, cwd=tmp_path
            )
            assert done.returncode == 0, done.stderr
        write = benchmon(
            "baseline",
            "set",
            "--model",
            MODEL,
            "--environment",
            "staging",
            "--reason",
            "golden",
            url=url,
            cwd=tmp_path,
        )
        one_error(write, exits.NO_PERMISSION, "needs a role granted benchmon_writer")
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "SELECT count(*) FROM snapshot_events WHERE event_type <> 'new_version'"
        ).fetchone() == (0,)


def test_a_commit_prefix_two_commits_of_one_configuration_share_is_refused(db_url, tmp_path):
    # The newest result per configuration hid the second commit: `--commit abc` compared
    # whichever of abc1… and abc2… was newer, silently.
    for name, commit in (("one", "abc1" + "0" * 36), ("two", "abc2" + "0" * 36)):
        push(tmp_path, db_url, name, 0.9, 0.9, 0.9, 400, commit=commit)
    push(tmp_path, db_url, "three", 0.8, 0.8, 0.8, 400, commit="f" * 40)

    def compare(*commits):
        flags = [flag for commit in commits for flag in ("--commit", commit)]
        return benchmon("compare", *flags, url=db_url, cwd=tmp_path)

    one_error(
        compare("abc", "fff"),
        exits.INVALID_INPUT,
        "'abc' is the start of several commits: abc1",
        ", abc2",
    )
    assert compare("abc2", "fff").returncode == 0
    blank = compare("", "fff")
    assert blank.returncode == 2 and "--commit is blank" in blank.stderr, blank.stderr
