"""A run's file names stay inside the inbox: the pure rules, and an ingest run given names
that lead out of it (folder and S3) fails before touching any file."""

import json
import os
import time

import pytest

from benchmon_pipeline.definitions import defs
from benchmon_pipeline.defs.resources import InboxResource, PostgresResource, S3InboxResource
from benchmon_pipeline.ingest.inbox import FolderInbox
from benchmon_pipeline.ingest.names import (
    ALLOWED,
    folder_problem,
    name_problem,
    path_problem,
    refused_names,
)
from benchmon_pipeline_tests.helpers import FIXTURES, drop_file

SAMPLE = json.loads((FIXTURES / "sample_benchmark_results.json").read_text())


@pytest.mark.parametrize(
    "name",
    [
        "results.json",
        "ci/results.json",
        "a/b/c.json",
        "café é.json",
        "x..y.json",
        "..x.json",
        "a\\b.json",
        "./x.json",
        "a//b.json",
    ],
)
def test_names_inside_the_inbox_are_allowed(name):
    assert path_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it is empty"),
        ("../secret.json", "'..' component"),
        ("../../somewhere/secret.txt", "'..' component"),
        ("ci/../../x.json", "'..' component"),
        ("ci/..", "'..' component"),
        ("/etc/passwd", "absolute path"),
        ("//x.json", "absolute path"),
        ("x\x00.json", "NUL"),
        ("ci/", "names a folder"),
        (".", "names a folder"),
    ],
)
def test_names_that_could_leave_the_inbox_are_refused(name, problem):
    assert problem in path_problem(name)


def test_a_bucket_key_is_refused_only_for_what_could_leave_the_prefix():
    # `inbox//x.json` is a key inside the prefix (the S3 sensor lists it as "/x.json")
    for name in ("/x.json", "x.json/", "a//b.json", "./x.json"):
        assert name_problem(name) is None, name
    for name in ("", "../x.json", "/../x.json", "a/../../x.json", "x\x00"):
        assert name_problem(name) is not None, name


def test_every_name_the_sensors_list_is_allowed(tmp_path, s3_bucket):
    """A refused name fails its whole run: one the sensors list would block its batch."""
    inbox = FolderInbox(tmp_path / "root", settle_seconds=0)
    for name in ("a.json", "ci/b.json", "ci/deep/c é.json", "back\\slash.json", "..x.json"):
        drop_file(tmp_path / "root", name, SAMPLE)
    (tmp_path / "secret.json").write_text("{}")
    (inbox.inbox_dir / "link.json").symlink_to(tmp_path / "secret.json")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "hidden.json").write_text("{}")
    (inbox.inbox_dir / "away").symlink_to(tmp_path / "elsewhere")  # not walked into
    listed = [f.name for f in inbox.ready_files()]
    assert len(listed) == 6
    assert refused_names(listed, str(inbox.inbox_dir)) == []

    client, bucket, endpoint = s3_bucket
    for key in ("inbox/a.json", "inbox//x.json", "inbox/a//b.json", "inbox/ci/c.json"):
        client.put_object(Bucket=bucket, Key=key, Body=b"{}")
    s3 = S3InboxResource(bucket=bucket, endpoint_url=endpoint, region_name="us-east-1")
    listed = [f.name for f in s3.inbox().ready_files(now=time.time() + 60)]
    assert len(listed) == 4
    assert refused_names(listed) == []


def test_a_folder_that_links_out_of_the_inbox_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (inbox / "out").symlink_to(tmp_path / "elsewhere")
    (inbox / "in").symlink_to(inbox / "sub")
    (tmp_path / "secret.json").write_text("{}")
    (inbox / "link.json").symlink_to(tmp_path / "secret.json")  # moved as a link, if at all
    assert folder_problem("out/x.json", str(inbox)) == (
        f"its folder resolves to {tmp_path / 'elsewhere'}, outside the inbox {inbox}"
    )
    for name in ("x.json", "sub/x.json", "in/x.json", "link.json", "new/x.json"):
        assert folder_problem(name, str(inbox)) is None, name
    assert refused_names(["ok.json", "out/x.json", "/abs.json"], str(inbox)) == [
        f"files[1] = 'out/x.json': its folder resolves to {tmp_path / 'elsewhere'}, "
        f"outside the inbox {inbox}",
        "files[2] = '/abs.json': it is an absolute path",
    ]
    assert refused_names(["ok.json", "out/x.json"]) == []  # (without a folder: text only)


def _run(instance, db_url, root, files, inbox="folder", s3_inbox=None):
    resources = {
        "postgres": PostgresResource(database_url=db_url),
        "inbox": InboxResource(root=str(root)),
    }
    if s3_inbox is not None:
        resources["s3_inbox"] = s3_inbox
    return defs.resolve_job_def("ingest_inbox").execute_in_process(
        run_config={
            "ops": {"benchmark_transactions": {"config": {"files": files, "inbox": inbox}}}
        },
        instance=instance,
        resources=resources,
        raise_on_error=False,
    )


def _failure_message(result) -> str:
    (event,) = [e for e in result.all_events if e.is_step_failure]
    return event.step_failure_data.error.message


def _listing(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    )


def test_a_run_given_names_outside_the_folder_inbox_fails_and_touches_nothing(
    dagster_instance, db_url, tmp_path
):
    root = tmp_path / "root"
    drop_file(root, "good.json", SAMPLE)
    outside = tmp_path / "somewhere"
    outside.mkdir()
    (outside / "secret.json").write_text(json.dumps(SAMPLE))
    (root / "inbox" / "away").symlink_to(outside)
    before = _listing(tmp_path)

    result = _run(
        dagster_instance,
        db_url,
        root,
        [
            "good.json",
            "../../somewhere/secret.json",
            str(outside / "secret.json"),
            "away/secret.json",
        ],
    )

    assert not result.success
    message = _failure_message(result)
    assert "files[1] = '../../somewhere/secret.json': it has a '..' component" in message
    assert f"files[2] = '{outside / 'secret.json'}': it is an absolute path" in message
    assert "files[3] = 'away/secret.json': its folder resolves to" in message
    assert "good.json" not in message and ALLOWED in message
    assert len([e for e in result.all_events if e.is_step_failure]) == 1  # no retries
    assert _listing(tmp_path) == before  # nothing moved, nothing written, not even good.json
    assert not list(outside.glob("*.error.json"))


def test_a_run_given_names_outside_the_s3_inbox_fails_and_touches_nothing(
    s3_bucket, dagster_instance, db_url, tmp_path
):
    client, bucket, endpoint = s3_bucket
    client.put_object(Bucket=bucket, Key="team/secret.json", Body=json.dumps(SAMPLE).encode())
    client.put_object(Bucket=bucket, Key="team/inbox/good.json", Body=json.dumps(SAMPLE).encode())
    s3_inbox = S3InboxResource(
        bucket=bucket, prefix="team", endpoint_url=endpoint, region_name="us-east-1"
    )
    result = _run(
        dagster_instance,
        db_url,
        tmp_path,
        ["good.json", "../secret.json"],
        inbox="s3",
        s3_inbox=s3_inbox,
    )
    assert not result.success
    assert "files[1] = '../secret.json': it has a '..' component" in _failure_message(result)
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == ["team/inbox/good.json", "team/secret.json"]
    assert os.listdir(tmp_path) == []
