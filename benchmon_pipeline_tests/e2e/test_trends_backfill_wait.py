"""`benchmon trends backfill --wait` against the real `benchmon dev`: found without --url
(through $BENCHMON_HOME/dev.json), followed to the end, exit 0 with every day rebuilt."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_backfill_finds_benchmon_dev_and_waits_for_its_run(running_dev):
    home = Path(running_dev.env["BENCHMON_HOME"])
    recorded = json.loads((home / "dev.json").read_text())
    assert recorded["url"] == running_dev.url, "dev --port is what dev.json says"

    done = subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "trends", "backfill"]
        + ["--from", "2025-11-01", "--to", "2025-11-03", "--wait"],
        env=running_dev.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"follow it at {running_dev.url}/overview/backfills/" in done.stdout
    assert "3/3 partition(s) materialized" in done.stdout
    assert done.stdout.rstrip().endswith("succeeded")
    backfill_id = done.stdout.split()[1]

    data = running_dev.graphql(
        """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
             ... on PartitionBackfill { status runs { status } } } }""",
        {"id": backfill_id},
    )["partitionBackfillOrError"]
    assert data["status"] in ("COMPLETED_SUCCESS", "COMPLETED")
    assert [r["status"] for r in data["runs"]] == ["SUCCESS"], "one run, ended before the exit"
