"""The conventions every `benchmon` command keeps (docs/cli.md): -h and --version, one line
and a documented code per error, no traceback without -v, no silent database, lazy commands,
the git checkout's commit and branch on a push from a laptop. Real subprocesses through the
entry point; a real database where one is needed."""

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import click
import psycopg
import pytest
from click.testing import CliRunner

from benchmon_pipeline.cli import exits
from benchmon_pipeline.cli.main import COMMANDS, cli
from benchmon_pipeline_tests.warehouse.calls import CONFIG, upsert

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample_benchmark_results.json"
BENCHMON = str(Path(sys.executable).parent / "benchmon")


def clean_env(**extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BENCHMON_", "DAGSTER_", "GITHUB_")) and k not in ("CI",)
    }
    return {**env, **extra}


def benchmon(*args, cwd=None, **extra):
    return subprocess.run(
        [BENCHMON, *args],
        env=clean_env(**extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_short_and_long_help_and_the_version():
    long, short = benchmon("--help"), benchmon("-h")
    assert long.returncode == short.returncode == 0
    assert long.stdout == short.stdout and "Usage: benchmon" in long.stdout
    for name in COMMANDS:
        assert re.search(rf"^  {name}\s", long.stdout, re.MULTILINE), name
    sub = benchmon("alerts", "list", "-h")
    assert sub.returncode == 0 and "--format [table|json|markdown|csv]" in sub.stdout
    shown = benchmon("--version")
    assert (shown.returncode, shown.stdout) == (0, f"benchmon {version('benchmon')}\n")


def test_each_listed_summary_is_the_commands_own():
    """`benchmon --help` lists COMMANDS' summaries without loading the commands; each must
    say what the command's own help says."""
    context = click.Context(cli)
    for name, (_, _, summary) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert summary == command.get_short_help_str(limit=1000), name


def test_help_loads_no_command_and_no_heavy_library():
    probe = (
        "import sys\n"
        "from benchmon_pipeline.cli.main import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('psycopg', 'pandas', 'dagster', 'pydantic', 'sqlalchemy', 'numpy')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "             or m.startswith('benchmon_pipeline.cli.') and m.count('.') == 2\n"
        f"             and m.rsplit('.', 1)[1] in {list(COMMANDS)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_completion_of_a_command_name_loads_no_command():
    done = benchmon(_BENCHMON_COMPLETE="bash_complete", COMP_WORDS="benchmon a", COMP_CWORD="1")
    assert done.stdout.split() == ["plain,alerts", "plain,activate"], done.stderr
    options = benchmon(
        _BENCHMON_COMPLETE="bash_complete", COMP_WORDS="benchmon alerts l", COMP_CWORD="2"
    )
    assert options.stdout.split() == ["plain,list"]


def test_the_documented_completion_line_makes_a_bash_function():
    snippet = re.search(r'eval "\$\((_BENCHMON_COMPLETE=bash_source benchmon)\)"', DOCS.read_text())
    assert snippet, "docs/cli.md shows the bash line"
    done = benchmon(_BENCHMON_COMPLETE="bash_source")
    assert done.returncode == 0 and "_benchmon_completion()" in done.stdout
    checked = subprocess.run(["bash", "-n"], input=done.stdout, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def test_the_exit_code_table_in_the_docs_is_the_codes():
    text = DOCS.read_text()
    table = text[text.index("<!-- exit-codes") :].split("\n\n")[0]
    rows = [line for line in table.splitlines() if re.match(r"\| \d+ \|", line)]
    documented = {
        int(cells[0]): (cells[1], cells[2])
        for cells in ([c.strip() for c in row.strip("|").split("|")] for row in rows)
    }
    assert documented == exits.TABLE


def test_an_unforeseen_error_is_one_line_and_70_and_the_traceback_needs_v(db_url, monkeypatch):
    """A bug (here: the alerts query made to fail in this process) ends in one line, exit 70;
    -v adds the traceback."""
    import benchmon_pipeline.cli.alerts as alerts_cli

    def broken(*args, **kwargs):
        raise KeyError("no such column in the row")

    monkeypatch.setattr(alerts_cli, "find_alerts", broken)
    runner = CliRunner()
    env = {"BENCHMON_DATABASE_URL": db_url}
    plain = runner.invoke(cli, ["alerts", "list"], env=env)
    assert plain.exit_code == exits.INTERNAL
    assert plain.stderr.splitlines()[-1] == (
        "error: internal error: KeyError: 'no such column in the row' "
        "(rerun with -v for the traceback, and please report it)"
    )
    assert "Traceback" not in plain.stderr
    verbose = runner.invoke(cli, ["-v", "alerts", "list"], env=env)
    assert verbose.exit_code == exits.INTERNAL and "Traceback" in verbose.stderr


def test_no_database_is_created_outside_benchmon_dev(tmp_path):
    elsewhere = tmp_path / "some-other-project"
    elsewhere.mkdir()
    for command in (["alerts", "list"], ["regressions"], ["push", "--input", str(SAMPLE)]):
        done = benchmon(*command, cwd=elsewhere)
        assert done.returncode == exits.CONFIG, (command, done.stderr)
        assert "no database: BENCHMON_DATABASE_URL is not set" in done.stderr
        assert "run `benchmon dev` once" in done.stderr
    assert list(elsewhere.iterdir()) == [], "no ./.benchmon appeared"


@pytest.mark.parametrize("ci", [{"CI": "true"}, {"GITHUB_ACTIONS": "true"}])
def test_in_ci_a_missing_database_secret_is_an_error_naming_it(tmp_path, ci):
    for command in (["push", "--input", str(SAMPLE)], ["regressions", "--fail-on", "warn"]):
        done = benchmon(*command, cwd=tmp_path, **ci)
        assert done.returncode == exits.CONFIG, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith("error: BENCHMON_DATABASE_URL is not set, and this is a CI job")
        assert "add the secret BENCHMON_DATABASE_URL" in line
    assert list(tmp_path.iterdir()) == []


def test_every_command_names_its_database_without_the_password(db_url):
    url = db_url
    for command in (["alerts", "list"], ["db", "verify"], ["regressions", "--allow-empty"]):
        done = benchmon(*command, BENCHMON_DATABASE_URL=url)
        assert done.returncode == 0, (command, done.stderr)
        line = done.stderr.splitlines()[0]
        assert re.fullmatch(r"benchmon: database \S+/bm_test_\w+( as \S+)?", line), line


def test_db_verify_exit_codes(db_url):
    ok = benchmon("db", "verify", BENCHMON_DATABASE_URL=db_url)
    assert ok.returncode == exits.OK, ok.stderr
    down = benchmon(
        "db", "verify", BENCHMON_DATABASE_URL="postgresql://nobody@127.0.0.1:9/x?connect_timeout=2"
    )
    assert down.returncode == exits.UNAVAILABLE and "database unavailable" in down.stderr
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.9})
        altered = upsert(conn, CONFIG, {"f1": 0.91})
        with conn.transaction():  # as an owner would, behind the triggers
            conn.execute("ALTER TABLE benchmark_transactions DISABLE TRIGGER ALL")
            conn.execute(
                "UPDATE benchmark_transactions SET metrics = '{\"f1\": 1}' WHERE id = %s",
                (altered,),
            )
            conn.execute("ALTER TABLE benchmark_transactions ENABLE TRIGGER ALL")
    broken = benchmon("db", "verify", BENCHMON_DATABASE_URL=db_url)
    assert broken.returncode == exits.FAILED, broken.stderr
    assert "error: BROKEN:" in broken.stderr


def test_push_outside_ci_takes_commit_and_branch_from_the_git_checkout(db_url, tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "feature/faster-decoding")  # the sample names no commit or branch
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    done = benchmon(
        "push",
        "--input",
        str(SAMPLE),
        "--format",
        "json",
        cwd=tmp_path,
        BENCHMON_DATABASE_URL=db_url,
    )
    assert done.returncode == 0, done.stderr
    (tid,) = json.loads(done.stdout)["transaction_ids"]
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT commit_sha, branch_name FROM benchmark_transactions WHERE id = %s", (tid,)
        ).fetchone()
    assert row == (head, "feature/faster-decoding")


def test_the_documented_typo_message_is_what_the_gate_says(db_url):
    documented = re.search(r"^error: --model 'medgema-v1\.2'.*$", DOCS.read_text(), re.M)[0]
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.9})
    done = benchmon("regressions", "--model", "medgema-v1.2", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.NOTHING_JUDGED
    assert done.stderr.splitlines()[-1] == documented
    allowed = benchmon(
        "regressions", "--model", "medgema-v1.2", "--allow-empty", BENCHMON_DATABASE_URL=db_url
    )
    assert allowed.returncode == 0 and "(--allow-empty: passing)" in allowed.stderr


def test_the_gate_on_young_configurations_judges_nothing_and_does_not_pass(db_url):
    """One result per configuration: no baseline, too little history for the history rule,
    and too few results for a metric to go missing, so nothing is judged and the gate says
    so (it passed before: the missing-metric rule counted every configuration it saw)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        upsert(conn, CONFIG, {"f1": 0.90, "latency_ms": 400})
    done = benchmon("regressions", "--format", "json", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.NOTHING_JUDGED, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["outcome"] == "nothing judged" and report["judged"]["missing_metric"] == 0
    # what each rule of the gate needs, as the Dagster checks say it
    needs = (
        "no configuration has a baseline version to compare with: mark one with "
        "`benchmon baseline set --reason …`",
        "no series has 10 earlier results yet",
        "no configuration has more than 5 results yet",
    )
    error = done.stderr.splitlines()[-1]
    assert error.startswith("error: nothing judged in every configuration, tracked branches: ")
    assert all(need in error for need in needs), error
    markdown = benchmon("regressions", BENCHMON_DATABASE_URL=db_url)
    assert f"**Nothing judged: {needs[0]}" in markdown.stdout
    assert all(need in markdown.stdout for need in needs[1:])
    # the baseline rule alone: the configuration matched, it has no baseline (this said
    # "matched no stored configuration" before)
    alone = benchmon("regressions", "--rules", "baseline", BENCHMON_DATABASE_URL=db_url)
    assert alone.returncode == exits.NOTHING_JUDGED
    assert alone.stderr.splitlines()[-1].startswith(
        f"error: nothing judged in every configuration, tracked branches: {needs[0]}"
    )

    # once a metric could have gone missing (present in 5 results before the newest), the
    # missing-metric rule judges the configuration, and the gate passes on what it judged
    with psycopg.connect(db_url, autocommit=True) as conn:
        for n in range(1, 6):
            upsert(conn, CONFIG, {"f1": 0.90 + n / 1000, "latency_ms": 400 + n})
    grown = benchmon("regressions", "--format", "json", BENCHMON_DATABASE_URL=db_url)
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert json.loads(grown.stdout)["judged"]["missing_metric"] == 1


def test_the_gate_on_an_empty_log_judges_nothing_and_does_not_pass(db_url):
    done = benchmon("regressions", "--format", "json", BENCHMON_DATABASE_URL=db_url)
    assert done.returncode == exits.NOTHING_JUDGED, done.stderr
    assert json.loads(done.stdout)["outcome"] == "nothing judged"
    assert done.stderr.splitlines()[-1].startswith(
        "error: nothing judged in every configuration, tracked branches: "
        "no stored configuration matched (the gate does not pass"
    )
    markdown = benchmon("regressions", BENCHMON_DATABASE_URL=db_url)
    assert "**Nothing judged: no stored configuration matched.**" in markdown.stdout
    assert "⚠️ nothing judged" in markdown.stdout and "✅" not in markdown.stdout
