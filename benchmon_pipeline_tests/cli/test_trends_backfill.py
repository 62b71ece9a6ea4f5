"""`benchmon trends backfill` against real HTTP servers on 127.0.0.1 (the real Dagster UI is
in e2e/test_trends_backfill_wait.py): it finds `benchmon dev` through $BENCHMON_HOME,
shows what a failing server said, and `--wait` exits with the backfill's outcome."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from benchmon_pipeline.cli import dev_file
from benchmon_pipeline.cli.exits import FAILED, INVALID_INPUT, UNAVAILABLE


def _backfill(*args, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "DAGSTER_"))}
    return subprocess.run(
        [sys.executable, "-m", "benchmon_pipeline.cli", "trends", "backfill", *args],
        env={**env, "BENCHMON_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


DAYS = ("--from", "2025-12-01", "--to", "2025-12-02")


@contextmanager
def _server(answer) -> Iterator[str]:
    """A real HTTP server; `answer(query) -> (status, body)` for each GraphQL POST."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["query"]
            status, body = answer(query)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_http_error_shows_the_status_and_what_the_server_said(tmp_path):
    body = "Internal Server Error: the code location failed to load\n" + "x" * 2000
    with _server(lambda _query: (500, body)) as url:
        done = _backfill(*DAYS, "--url", url, home=tmp_path)
    assert done.returncode == UNAVAILABLE
    assert "cannot reach" not in done.stderr
    assert "HTTP 500" in done.stderr
    assert "the code location failed to load" in done.stderr
    assert len(done.stderr) < 1000, "the body is shown truncated"


def test_without_benchmon_dev_it_says_so(tmp_path):
    done = _backfill(*DAYS, home=tmp_path)
    assert done.returncode == UNAVAILABLE
    assert "benchmon dev is not running" in done.stderr

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    dev_file.write(tmp_path, "127.0.0.1", 3000, pid=gone.pid)  # as a killed dev leaves it
    gone.wait()
    done = _backfill(*DAYS, home=tmp_path)
    assert done.returncode == UNAVAILABLE
    assert "benchmon dev is not running" in done.stderr
    assert f"process {gone.pid}" in done.stderr


def _statuses(*states):
    """Answers a launch, then one status per poll (the last one repeated)."""
    states = list(states)

    def answer(query):
        if "launchPartitionBackfill" in query:
            launched = {"__typename": "LaunchBackfillSuccess", "backfillId": "bf1"}
            return 200, {"data": {"launchPartitionBackfill": launched}}
        state = states.pop(0) if len(states) > 1 else states[0]
        run_status = {"REQUESTED": "STARTED", "COMPLETED_SUCCESS": "SUCCESS"}.get(state, "FAILURE")
        status = {
            "__typename": "PartitionBackfill",
            "status": state,
            "error": None,
            "runs": [{"runId": "abcdef0123456789", "status": run_status}],
            "assetBackfillData": {
                "assetBackfillStatuses": [
                    {
                        "numPartitionsTargeted": 2,
                        "numPartitionsInProgress": 2 if state == "REQUESTED" else 0,
                        "numPartitionsMaterialized": 2 if state == "COMPLETED_SUCCESS" else 0,
                        "numPartitionsFailed": 2 if state == "COMPLETED_FAILED" else 0,
                    }
                ]
            },
        }
        return 200, {"data": {"partitionBackfillOrError": status}}

    return answer


def test_wait_follows_the_backfill_found_through_dev_json_and_exits_with_its_outcome(tmp_path):
    with _server(_statuses("REQUESTED", "REQUESTED", "COMPLETED_FAILED")) as url:
        port = int(url.rsplit(":", 1)[1])
        dev_file.write(tmp_path, "127.0.0.1", port, pid=os.getpid())  # no --url: dev.json
        done = _backfill(*DAYS, "--wait", home=tmp_path)
    assert done.returncode == FAILED, done.stderr
    assert "0/2 partition(s) materialized, 2 in progress" in done.stdout
    assert "run abcdef01 STARTED" in done.stdout
    assert "0 in progress, 2 failed" in done.stdout
    assert "backfill bf1 ended COMPLETED_FAILED" in done.stderr

    with _server(_statuses("REQUESTED", "COMPLETED_SUCCESS")) as url:
        done = _backfill(*DAYS, "--wait", "--url", url, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2/2 partition(s) materialized" in done.stdout
    assert "backfill bf1 succeeded" in done.stdout


def test_days_with_no_trend_partition_are_refused_before_dagster_is_asked(tmp_path):
    # Dagster answered them with HTTP 500 ("Multiple initial assets not yet supported"),
    # which read as an outage (69), and a range past today launched fewer days than it said.
    early = _backfill("--from", "1900-01-01", "--to", "1900-01-02", home=tmp_path)
    assert early.returncode == INVALID_INPUT, early.stderr
    assert "before the first trend day, 2024-01-01 (BENCHMON_TRENDS_START_DATE)" in early.stderr
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    late = _backfill("--from", "2025-12-01", "--to", tomorrow, home=tmp_path)
    assert late.returncode == INVALID_INPUT, late.stderr
    assert f"--to {tomorrow} is after today" in late.stderr
    # a remote UI may start its days elsewhere: only the future is refused for it
    with _server(lambda _query: (500, "no such partition")) as url:
        remote = _backfill(
            "--from", "1900-01-01", "--to", "1900-01-02", "--url", url, home=tmp_path
        )
    assert remote.returncode == UNAVAILABLE and "HTTP 500" in remote.stderr
