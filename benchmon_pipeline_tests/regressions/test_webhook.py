"""The webhook against a real HTTP server on 127.0.0.1 and a real database: a regression that
persists is sent once; a failed POST is sent again next time, then never repeated."""

import json
import logging
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import psycopg
import pytest

from benchmon_pipeline.defs.resources import WebhookResource
from benchmon_pipeline.regressions.alerts import (
    NOTIFY_LOCK,
    Alert,
    acknowledge,
    find_alerts,
    record_findings,
)
from benchmon_pipeline.regressions.findings import BASELINE, Finding
from benchmon_pipeline.regressions.webhook import (
    MAX_ALERT_BLOCKS,
    Webhook,
    notify_pending,
    slack_payload,
)
from benchmon_pipeline.settings import WEBHOOK_URL_VAR, reset_settings
from benchmon_pipeline_tests.regressions.rendered import (
    INJECTED_COMMIT,
    INJECTED_CONFIG,
    INJECTED_METRIC,
    markup,
)
from benchmon_pipeline_tests.webhook_receiver import webhook_receiver

CONFIG = ("medgemma-v1.2", "benchmark-set-v3", "analysis-v4", "production")


def finding(metric="f1", severity="WARN", **values):
    fields = {
        "reason": f"{metric} fell from 0.9 to 0.85, beyond its threshold 0.05",
        "direction": "higher",
        "current": 0.85,
        "reference": 0.9,
        "delta": -0.05,
        "percent": -5.56,
        "commit_sha": "abc1234def5678",
        "branch_name": "main",
        **values,
    }
    return Finding(BASELINE, *CONFIG, metric, severity, **fields)


class Receiver:
    """A webhook receiver: answers each POST with the next scripted status (then 200) and
    keeps what it received."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, float]] = []  # (status, seconds to wait first)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status, delay = receiver.script.pop(0) if receiver.script else (200, 0)
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "status": status,
                            "body": json.loads(body),
                            "content_type": self.headers["Content-Type"],
                        }
                    )
                time.sleep(delay)
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def delivered(self) -> list[dict]:
        return [r for r in self.requests if 200 <= r["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def hook(receiver, **config) -> Webhook:
    return Webhook(url=receiver.url, **{"backoff_seconds": 0.01, **config})


# Exactly once ----------------------------------------------------------------------------


def test_a_regression_that_persists_over_evaluations_is_sent_exactly_once(db, receiver):
    webhook = hook(receiver)
    sent = []
    for current in (0.85, 0.84, 0.84, 0.83):
        record_findings(db, [BASELINE], [finding(current=current)])
        sent.append(notify_pending(db, webhook))

    assert sent == [1, 0, 0, 0]
    (request,) = receiver.requests
    assert request["path"] == "/services/T000/B000/secret"
    assert request["content_type"] == "application/json; charset=utf-8"
    payload = request["body"]
    assert payload["text"].startswith("benchmon: 1 new regression alert (0 ERROR, 1 WARN)")
    header, section, footer = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "benchmon: 1 new regression alert (0 ERROR, 1 WARN)",
        },
    }
    assert section["text"]["type"] == "mrkdwn"
    line, reason = section["text"]["text"].split("\n")
    assert line == (
        "*WARN* `f1` on medgemma-v1.2 × benchmark-set-v3 × analysis-v4 × "
        "production: 0.85 vs 0.9 (Δ -0.05, -5.56 %) · commit `abc1234def56` on "
        "`main` · baseline · alert #1"
    )
    assert reason == "> f1 fell from 0.9 to 0.85, beyond its threshold 0.05"
    assert "benchmon alerts ack ID" in footer["elements"][0]["text"]
    (alert,) = find_alerts(db)
    assert alert.notified_at is not None and alert.times_seen == 4


def test_a_failed_delivery_is_sent_at_the_next_call_and_then_never_again(db, receiver):
    receiver.script = [(500, 0), (500, 0)]
    webhook = hook(receiver, attempts=2)
    record_findings(db, [BASELINE], [finding()])

    assert notify_pending(db, webhook) == 0
    assert [r["status"] for r in receiver.requests] == [500, 500]  # tried, retried, gave up
    assert find_alerts(db)[0].notified_at is None

    record_findings(db, [BASELINE], [finding()])
    assert notify_pending(db, webhook) == 1
    assert notify_pending(db, webhook) == 0
    record_findings(db, [BASELINE], [finding()])
    assert notify_pending(db, webhook) == 0
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    assert len(receiver.delivered) == 1
    assert receiver.delivered[0]["body"] == receiver.requests[0]["body"]  # the same message


def test_only_new_alerts_are_in_the_next_message(db, receiver):
    webhook = hook(receiver)
    record_findings(db, [BASELINE], [finding("f1")])
    assert notify_pending(db, webhook) == 1
    record_findings(db, [BASELINE], [finding("f1"), finding("recall", severity="ERROR")])
    assert notify_pending(db, webhook) == 1
    first, second = (r["body"]["text"] for r in receiver.requests)
    assert "`f1`" in first and "`recall`" not in first
    assert "*ERROR* `recall`" in second and "`f1`" not in second


def test_acknowledged_before_the_message_went_out_is_never_sent(db, receiver):
    (alert,) = record_findings(db, [BASELINE], [finding()])
    acknowledge(db, alert.id, "alice")
    assert notify_pending(db, hook(receiver)) == 0
    assert receiver.requests == []


def test_a_channel_for_errors_hears_of_a_warning_once_it_is_confirmed(db, receiver):
    webhook = hook(receiver, min_severity="ERROR")
    record_findings(db, [BASELINE], [finding(severity="WARN")])
    assert notify_pending(db, webhook) == 0
    record_findings(db, [BASELINE], [finding(severity="ERROR", run_length=2)])
    assert notify_pending(db, webhook) == 1
    record_findings(db, [BASELINE], [finding(severity="ERROR", run_length=3)])
    assert notify_pending(db, webhook) == 0
    assert [r["body"]["text"].splitlines()[1][:9] for r in receiver.requests] == ["• *ERROR*"]


def test_while_another_process_notifies_this_one_sends_nothing(db, db_url, receiver):
    record_findings(db, [BASELINE], [finding()])
    with psycopg.connect(db_url) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", NOTIFY_LOCK)
        assert notify_pending(db, hook(receiver)) == 0
    assert receiver.requests == []
    assert notify_pending(db, hook(receiver)) == 1


# Delivery --------------------------------------------------------------------------------


def alert(alert_id=1, severity="WARN", metric="f1", **values) -> Alert:
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    fields = dict(
        id=alert_id,
        rule=BASELINE,
        model_version=CONFIG[0],
        dataset_version=CONFIG[1],
        prompt_version=CONFIG[2],
        environment=CONFIG[3],
        metric=metric,
        severity=severity,
        status="open",
        reason="f1 fell",
        direction="higher",
        current=Decimal("0.85"),
        reference=Decimal("0.9"),
        delta=Decimal("-0.05"),
        percent=Decimal("-5.56"),
        commit_sha="abc",
        branch_name="main",
        run_length=1,
        first_seen_at=now,
        last_seen_at=now,
        times_seen=1,
        acknowledged_at=None,
        acknowledged_by=None,
        acknowledged_note=None,
        resolved_at=None,
        resolved_by=None,
        resolved_note=None,
        notified_at=None,
    )
    return Alert(**{**fields, **values})


def test_a_transient_error_is_retried_within_one_send(receiver, caplog):
    receiver.script = [(503, 0), (429, 0)]
    with caplog.at_level(logging.INFO):
        assert hook(receiver, attempts=3).send([alert()]) is True
    assert [r["status"] for r in receiver.requests] == [503, 429, 200]
    assert "HTTP 503" in caplog.text and "delivered (HTTP 200)" in caplog.text
    assert "secret" not in caplog.text  # the URL's token is not logged


def test_a_slow_receiver_is_timed_out_and_tried_again(receiver):
    receiver.script = [(200, 0.5)]
    assert hook(receiver, attempts=2, timeout_seconds=0.1).send([alert()]) is True
    assert len(receiver.requests) == 2


def test_a_refusal_or_a_redirect_is_not_retried(receiver, caplog):
    receiver.script = [(404, 0), (302, 0)]
    webhook = hook(receiver, attempts=3)
    with caplog.at_level(logging.ERROR):
        assert webhook.send([alert()]) is False
        assert webhook.send([alert()]) is False
    assert [(r["path"], r["status"]) for r in receiver.requests] == [
        ("/services/T000/B000/secret", 404),
        ("/services/T000/B000/secret", 302),
    ]
    assert "HTTP 404" in caplog.text and "HTTP 302" in caplog.text
    assert "secret" not in caplog.text  # the URL's token is not logged


def test_an_unreachable_receiver_fails_after_the_retries(receiver, caplog):
    url = receiver.url
    receiver.close()
    with caplog.at_level(logging.ERROR):
        assert Webhook(url=url, attempts=2, backoff_seconds=0.01).send([alert()]) is False
    assert "not delivered after 2 attempt(s)" in caplog.text


def test_disabled_sends_nothing_and_says_so(db, monkeypatch, caplog):
    monkeypatch.delenv(WEBHOOK_URL_VAR, raising=False)
    record_findings(db, [BASELINE], [finding()])
    webhook = Webhook()
    with caplog.at_level(logging.INFO):
        assert webhook.send([alert()]) is False
        assert notify_pending(db, webhook) == 0
    assert f"webhook disabled (no url, {WEBHOOK_URL_VAR} unset)" in caplog.text
    assert find_alerts(db)[0].notified_at is None  # sent once a URL is configured
    assert Webhook().send([]) is True  # nothing to say


def test_the_url_comes_from_the_environment_by_default(monkeypatch, receiver):
    monkeypatch.setenv(WEBHOOK_URL_VAR, receiver.url)
    assert Webhook().target() == receiver.url
    assert Webhook(url="http://127.0.0.1:9/other").target() == "http://127.0.0.1:9/other"
    assert Webhook(backoff_seconds=0.01).send([alert()]) is True
    assert len(receiver.delivered) == 1
    monkeypatch.setenv(WEBHOOK_URL_VAR, "file:///etc/passwd")
    reset_settings()  # (a process reads its environment once)
    with pytest.raises(ValueError, match="BENCHMON_WEBHOOK_URL=.file:///…. is not an http"):
        Webhook().send([alert()])


def test_the_resource_is_configured_by_dagster(receiver, dagster_instance):
    # Config inferred from the annotations, as in a run's launch config.
    with dg.build_resources(
        {"webhook": WebhookResource.configure_at_launch()},
        instance=dagster_instance,
        resource_config={
            "webhook": {
                "config": {
                    "url": receiver.url,
                    "attempts": 2,
                    "backoff_seconds": 0.01,
                    "min_severity": "ERROR",
                }
            }
        },
    ) as resources:
        webhook = resources.webhook
        assert (webhook.attempts, webhook.min_severity) == (2, "ERROR")
        assert webhook.send([alert()]) is True
    assert len(receiver.delivered) == 1


# The message -----------------------------------------------------------------------------


def test_many_alerts_fit_in_one_slack_message_and_text_is_escaped():
    many = [alert(i, metric=f"m{i}") for i in range(1, 61)]
    many.append(alert(99, severity="ERROR", metric="a<b>&c", reason="x < y & z"))
    payload = slack_payload(many)
    blocks = payload["blocks"]
    assert len(blocks) == MAX_ALERT_BLOCKS + 2 <= 50
    assert blocks[0]["text"]["text"] == "benchmon: 61 new regression alerts (1 ERROR, 60 WARN)"
    assert blocks[1]["text"]["text"].startswith("*ERROR* `a&lt;b&gt;&amp;c` on ")
    assert blocks[1]["text"]["text"].endswith("\n> x &lt; y &amp; z")
    assert blocks[-1]["elements"][0]["text"].startswith("…and 21 more (`benchmon alerts list`)")
    assert payload["text"].splitlines()[-1] == "…and 21 more"
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks[1:-1])


def test_a_finding_about_a_whole_configuration_reads_well():
    line = slack_payload(
        [
            alert(
                metric="",
                current=None,
                reference=None,
                delta=None,
                percent=None,
                commit_sha=None,
                branch_name=None,
                rule="stale",
            )
        ]
    )["blocks"][1]["text"]["text"]
    assert line.splitlines()[0] == (
        "*WARN* the configuration on medgemma-v1.2 × "
        "benchmark-set-v3 × analysis-v4 × production · stale · "
        "alert #1"
    )


def test_names_in_the_message_are_text_not_markup(db):
    """The issue's injections in a configuration's, a metric's, a commit's and a branch's
    names, through a real evaluation's alert and a real receiver: each is shown (escaped) on
    its alert's line, and none adds a line, a link, an image, a code span or a mention —
    neither for Slack (mrkdwn) nor for Mattermost and Rocket.Chat, which read `text` as
    markdown."""
    branch = "x\n\n✅ all fine @here"
    injected = Finding(
        BASELINE,
        *INJECTED_CONFIG,
        INJECTED_METRIC,
        "ERROR",
        f"{INJECTED_METRIC} fell from 0.9 to 0.85\n✅ <!channel> all fine",
        direction="higher",
        current=0.85,
        reference=0.9,
        delta=-0.05,
        percent=-5.56,
        commit_sha=INJECTED_COMMIT,
        branch_name=branch,
    )
    record_findings(db, [BASELINE], [injected])
    with webhook_receiver() as receiver:
        assert notify_pending(db, Webhook(url=receiver.url, backoff_seconds=0.01)) == 1
        (message,) = receiver.received
    summary, line = message["text"].split("\n")
    assert summary == "benchmon: 1 new regression alert (1 ERROR, 0 WARN)"
    section = message["blocks"][1]["text"]["text"]
    first, reason = section.split("\n")
    assert first == line.removeprefix("• ")
    assert reason.startswith("> ") and "all fine" in reason
    for text in (line, reason.removeprefix("> ")):
        assert "<" not in text and ">" not in text, "Slack's control characters escaped"
        for raw in ("@channel", "@here", "](", "!["):
            assert raw not in text
    assert line.count("`") == 6, "only the metric's, commit's and branch's own code spans"
    assert [kind for kind, _ in markup(message["text"])] == ["code_inline"] * 3
    assert [kind for kind, _ in markup(section)] == ["code_inline"] * 3
    for shown in (
        "`f1\u02cb [click]\u2060(http://evil)`",
        "m\\n\\n✅ all fine × !\u2060[x]\u2060(http://evil/i.png) × @\u2060channel × "
        "&lt;!\u2060here&gt;",
        "commit `&lt;@\u2060U1&gt;\u02cb|x`",
        "on `x\\n\\n✅ all fine @\u2060here`",
    ):
        assert shown in line
    assert reason.endswith("\\n✅ &lt;!\u2060channel&gt; all fine")
