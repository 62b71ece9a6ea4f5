"""docs/setup.md, run: its SQL creates the logins, and they do what the page says."""

import re
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from benchmon_pipeline.cli import exits
from benchmon_pipeline_tests.cli.test_least_privilege import SAMPLE, benchmon

SETUP = Path(__file__).resolve().parents[2] / "docs" / "setup.md"


def test_the_logins_of_the_setup_page_push_and_are_refused_as_it_says(db_url):
    text = SETUP.read_text()
    (snippet,) = re.findall(r"```sql\n(.*?)```", text, re.S)
    suffix = uuid.uuid4().hex[:8]  # roles are cluster-wide: names of this test's own
    names = {"ci_pusher": f"ci_pusher_{suffix}", "dashboard": f"dashboard_{suffix}"}
    for name, unique in names.items():
        snippet = snippet.replace(f"ROLE {name} ", f"ROLE {unique} ")
    password = re.search(r"PASSWORD '([^']+)'", snippet)[1]
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(snippet.encode())
    try:

        def url(role):
            return (
                make_url(db_url)
                .set(username=role, password=password)
                .render_as_string(hide_password=False)
            )

        pushed = benchmon("push", "--input", str(SAMPLE), url=url(names["ci_pusher"]))
        assert pushed.returncode == 0, pushed.stderr
        # the gate may read all it needs as this login; one result judges nothing yet (no
        # baseline, too little history), so it exits 3 rather than pass
        gate = benchmon("regressions", "--fail-on", "warn", url=url(names["ci_pusher"]))
        assert gate.returncode == exits.NOTHING_JUDGED, gate.stderr
        assert "no series has 10 earlier results yet" in gate.stderr.splitlines()[-1]

        refused = benchmon("push", "--input", str(SAMPLE), url=url(names["dashboard"]))
        assert refused.returncode == exits.NO_PERMISSION
        documented = re.search(r"^error: the database refused: .*$", text, re.M)[0]
        assert refused.stderr.splitlines()[-1] == documented
    finally:
        with psycopg.connect(db_url, autocommit=True) as admin:
            for role in names.values():
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (role,),
                )
                admin.execute(f'DROP OWNED BY "{role}"')
                admin.execute(f'DROP ROLE "{role}"')
