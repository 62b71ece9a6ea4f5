"""examples/github-actions/benchmarks.yml, as GitHub would run it: actionlint passes, and its
push and gate steps run — their own `run:` lines, through bash, with the variables GitHub
sets — on the wheel install against a real PostgreSQL: main's push, a pull request that
regresses (the gate fails it), and a fork's pull request with no secret (it fails with the
message naming the secret, never a pass). The PR comment is one comment updated in place."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.packaging.wheel import ROOT

WORKFLOW = ROOT / "examples" / "github-actions" / "benchmarks.yml"
LINTER = ROOT / "tools" / "actionlint" / "lint.cjs"
SAMPLE = ROOT / "benchmon_pipeline_tests" / "fixtures" / "sample_benchmark_results.json"

pytestmark = pytest.mark.e2e  # the wheel's virtual environment


def test_actionlint_passes_on_the_example():
    node = shutil.which("node")
    assert node, "Node.js runs actionlint (WebAssembly); `make install` sets it up"
    done = subprocess.run([node, LINTER, WORKFLOW], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_a_mistake_so_its_pass_means_something(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("github.event_name", "github.event_nmae"))
    done = subprocess.run([shutil.which("node"), LINTER, broken], capture_output=True, text=True)
    assert done.returncode == 1 and 'property "event_nmae" is not defined' in done.stdout


def _steps() -> dict[str, dict]:
    (job,) = yaml.safe_load(WORKFLOW.read_text())["jobs"].values()
    return {step.get("name", step.get("uses")): step for step in job["steps"]}


def test_the_pull_request_gets_one_comment_updated_in_place():
    comments = [s for name, s in _steps().items() if "comment" in name.lower()]
    (step,) = comments
    assert step["uses"].startswith("marocchino/sticky-pull-request-comment@")
    assert step["with"]["header"] and step["with"]["path"] == "regressions.md"
    assert "!github.event.pull_request.head.repo.fork" in step["if"]


def _script(step: dict, event: str) -> str:
    """The step's `run:` with its `${{ }}` expressions as GitHub evaluates them for
    `event`; any expression this does not know fails the test."""
    fail_on = "'warn' if pull_request else 'error'"
    known = {
        "github.event_name == 'pull_request' && 'warn' || 'error'": (
            "warn" if event == "pull_request" else "error"
        )
    }

    def value(match: re.Match) -> str:
        expression = match[1].strip()
        assert expression in known, f"unknown expression {expression!r} ({fail_on})"
        return known[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", value, step["run"])


def _run_job(event: str, venv: Path, work: Path, secret: str, **github) -> dict:
    """The job's env and GitHub's variables for `event`; runs the push and the gate steps
    in order as bash would (`set -e` per step), returns each step's result."""
    job_env = yaml.safe_load(WORKFLOW.read_text())["jobs"]["evaluate"]["env"]
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_OUTPUT": str(work / "github_output"),
        "GITHUB_STEP_SUMMARY": str(work / "step_summary.md"),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_ACTOR": "octocat",
        **{k: str(v) for k, v in github.items()},
    }
    for name, value in job_env.items():  # ${{ secrets.X }} is the secret, "" when absent
        env[name] = secret if "secrets.BENCHMON_DATABASE_URL" in str(value) else str(value)
    steps = _steps()
    results = {}
    for name in ("Store the result", "Regression gate"):
        results[name] = subprocess.run(
            ["bash", "-e", "-c", _script(steps[name], event)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    return results


def test_the_push_and_gate_steps_on_main_then_on_a_regressing_pull_request(
    wheel_and_venv, db_url, tmp_path
):
    _, venv = wheel_and_venv
    main, pr = tmp_path / "main", tmp_path / "pr"
    for work in (main, pr):
        work.mkdir()
    (main / "results.json").write_text(SAMPLE.read_text())
    on_main = _run_job("push", venv, main, db_url, GITHUB_SHA="a1" * 20, GITHUB_REF_NAME="main")
    pushed, gated = on_main["Store the result"], on_main["Regression gate"]
    assert pushed.returncode == 0, pushed.stderr
    assert "transaction_id=" in (main / "github_output").read_text()
    # main's first result has no baseline and no history: the gate judges nothing, and
    # says so rather than pass (the workflow's comment tells a new benchmark what to do)
    assert gated.returncode == exits.NOTHING_JUDGED, gated.stderr
    first = (main / "regressions.md").read_text()
    assert first.startswith("## benchmon regression gate: ⚠️ nothing judged"), first

    worse = SAMPLE.read_text().replace('"latency_ms": 412', '"latency_ms": 900')
    (pr / "results.json").write_text(worse)
    on_pr = _run_job(
        "pull_request",
        venv,
        pr,
        db_url,
        GITHUB_SHA="b2" * 20,
        GITHUB_HEAD_REF="feature/slow",
        GITHUB_REF_NAME="7/merge",
    )
    pushed, gated = on_pr["Store the result"], on_pr["Regression gate"]
    assert pushed.returncode == 0, pushed.stderr
    assert gated.returncode == exits.FAILED, gated.stderr
    report = (pr / "regressions.md").read_text()
    assert report.startswith("## benchmon regression gate: ❌ failed")
    assert "feature/slow" in report and "latency_ms" in report
    assert (pr / "step_summary.md").read_text() == report  # the job summary has it too


def test_a_forks_pull_request_without_the_secret_fails_naming_it(wheel_and_venv, tmp_path):
    _, venv = wheel_and_venv
    (tmp_path / "results.json").write_text(SAMPLE.read_text())
    on_fork = _run_job(
        "pull_request", venv, tmp_path, "", GITHUB_SHA="c3" * 20, GITHUB_HEAD_REF="fork-branch"
    )
    for step in on_fork.values():
        assert step.returncode == exits.CONFIG, step.stderr
        assert "BENCHMON_DATABASE_URL is not set, and this is a CI job" in step.stderr
        assert "add the secret BENCHMON_DATABASE_URL" in step.stderr
    assert "passed" not in (tmp_path / "regressions.md").read_text()
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == json.dumps(
        ["regressions.md", "results.json"]
    ), "no database appeared"
