import json
import os
import subprocess
import sys

from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline_tests.helpers import drop_file


def benchmon(*args, root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMON_")}
    env["BENCHMON_INBOX_ROOT"] = str(root)
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "inbox", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_list_and_replay_quarantined_files(tmp_path):
    box = FolderInbox(tmp_path)
    box.ensure_layout()
    for name in ("a.json", "team/b.json"):
        drop_file(tmp_path, name, "{}")
        box.quarantine(
            name, {"error_code": "unknown_format", "message": "matches no format", "json_path": "$"}
        )

    listed = benchmon("quarantined", root=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "a.json: [unknown_format] matches no format at $" in listed.stdout
    assert "team/b.json: [unknown_format]" in listed.stdout
    as_json = benchmon("quarantined", "--format", "json", root=tmp_path)
    assert {r["name"]: r["error_code"] for r in json.loads(as_json.stdout)} == {
        "a.json": "unknown_format",
        "team/b.json": "unknown_format",
    }
    as_csv = benchmon("quarantined", "--format", "csv", root=tmp_path).stdout.splitlines()
    assert as_csv[0] == "name,error_code,message,json_path" and len(as_csv) == 3

    assert benchmon("replay", root=tmp_path).returncode == 2  # nothing named
    assert "not in quarantine: c.json" in benchmon("replay", "c.json", root=tmp_path).stderr
    done = benchmon("replay", "team/b.json", root=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "inbox" / "team" / "b.json").exists()
    assert not (tmp_path / "quarantine" / "team" / "b.error.json").exists()
    assert benchmon("replay", "--all", root=tmp_path).returncode == 0
    assert box.quarantined() == []
    assert sorted(f.name for f in box.ready_files(now=1e12)) == ["a.json", "team/b.json"]
