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


def test_a_missing_inbox_folder_is_a_setting_error_not_an_empty_quarantine(tmp_path):
    missing = tmp_path / "no-such-inbox"
    for args in (["quarantined"], ["replay", "--all"]):
        done = benchmon(*args, root=missing)
        assert done.returncode == 78, done.stderr
        assert done.stderr.startswith(f"error: BENCHMON_INBOX_ROOT='{missing}': no such folder")
        assert done.stderr.count("\n") == 1, done.stderr


def test_replay_all_with_nothing_quarantined_and_an_unknown_name(tmp_path):
    FolderInbox(tmp_path).ensure_layout()
    nothing = benchmon("replay", "--all", root=tmp_path)
    assert (nothing.returncode, nothing.stdout) == (0, "nothing in quarantine to replay\n")
    unknown = benchmon("replay", "x.json", root=tmp_path)
    assert unknown.returncode == 65, unknown.stderr
    assert unknown.stderr == "error: not in quarantine: x.json (see `benchmon inbox quarantined`)\n"


def test_the_s3_inbox_without_a_bucket_or_a_server_says_which(tmp_path, s3_endpoint):
    unset = benchmon("quarantined", "--s3", root=tmp_path)
    assert unset.returncode == 78
    assert unset.stderr == "error: no bucket configured: set BENCHMON_S3_BUCKET\n"
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for endpoint, code, says in (
        (closed, 69, "error: S3 unavailable: Could not connect to the endpoint URL"),
        (s3_endpoint, 78, "error: S3: no bucket 'bm-never-made' (set BENCHMON_S3_BUCKET)"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "benchmon_pipeline.cli", "inbox", "quarantined", "--s3"],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("BENCHMON_")},
                "BENCHMON_INBOX_ROOT": str(tmp_path),
                "BENCHMON_S3_BUCKET": "bm-never-made",
                "BENCHMON_S3_ENDPOINT_URL": endpoint,
                "AWS_DEFAULT_REGION": "us-east-1",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == code, done.stderr
        assert done.stderr.startswith(says) and done.stderr.count("\n") == 1, done.stderr
