"""`benchmon export` through the real entry point: CSV and JSON lines of the log and the
snapshots, filters and --since/--until, to a file or stdout; a backslash, a quote and a
newline in a name come out as they went in."""

import csv
import io
import json

from benchmon_pipeline.cli.export import undo_copy_escapes
from benchmon_pipeline_tests.cli.test_versions import MODEL, benchmon, ok, push


def test_the_log_and_the_snapshots_as_csv_and_json_lines(db_url, tmp_path):
    push(tmp_path, db_url, "v1", 0.89, 0.90, 0.88, 400, commit="a" * 40)
    push(tmp_path, db_url, "v2", 0.91, 0.92, 0.90, 412, environment='st"a\\ge\nx')

    def run(*args):
        return benchmon(*args, url=db_url, cwd=tmp_path)

    done = run("export", "transactions")
    rows = list(csv.DictReader(io.StringIO(ok(done))))
    assert done.stderr.splitlines()[-1] == "exported 2 transactions rows"
    assert [r["environment"] for r in rows] == ["production", 'st"a\\ge\nx']
    assert json.loads(rows[0]["metrics"])["f1"] == 0.89
    assert rows[0]["created_at"].endswith("+00")  # UTC

    target = tmp_path / "out.jsonl"
    ok(
        run(
            "export",
            "transactions",
            "--format",
            "jsonl",
            "--output",
            str(target),
            "--environment",
            'st"a\\ge\nx',
        )
    )
    lines = target.read_text().splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["environment"] == 'st"a\\ge\nx' and row["metrics"]["latency_ms"] == 412
    assert row["created_at"].endswith("+00:00")

    snapshots = [
        json.loads(line)
        for line in ok(
            run("export", "snapshots", "--format", "jsonl", "--model", MODEL)
        ).splitlines()
    ]
    assert [(s["environment"], s["snapshot_version"], s["is_current"]) for s in snapshots] == [
        ("production", 1, True),
        ('st"a\\ge\nx', 1, True),
    ]

    none = run("export", "transactions", "--since", "2999-01-01")
    assert ok(none).splitlines() == [ok(done).splitlines()[0]]  # the header only
    assert none.stderr.splitlines()[-1] == "exported 0 transactions rows"
    trends = run("export", "trends", "--until", "2000-01-02")
    assert ok(trends).startswith("day,model_version,")


def test_json_lines_undo_copys_doubled_backslashes_wherever_a_chunk_ends():
    json_text = b'{"a":"x\\\\y\\"z\\n","b":"\\\\"}\n'  # as row_to_json writes it
    copied = json_text.replace(b"\\", b"\\\\")  # as COPY's text format sends it
    for cut in range(len(copied) + 1):
        chunks = [copied[:cut], copied[cut:]]
        assert b"".join(undo_copy_escapes(chunks)) == json_text, cut
    assert json.loads(json_text) == {"a": 'x\\y"z\n', "b": "\\"}
