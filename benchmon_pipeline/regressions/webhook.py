"""Tell people about new regression alerts: a webhook that POSTs a Slack-compatible message
(`{"text": …, "blocks": […]}`, also understood by Mattermost and Rocket.Chat, which read
`text`), sent once per alert (docs/alerts.md).

`notify_pending` is the whole protocol: read the open alerts no message went out for,
POST one message, and mark them notified only after the receiver answered 2xx — a failed
POST is tried again at the next call, a delivered one is never repeated. The standard
library's urllib does the HTTP (no new dependency); tenacity retries what is worth
retrying (connection errors, timeouts, 429 and 5xx) with exponential backoff and jitter,
as `benchmon push` does. The Dagster resource that configures one is
`defs/resources.py`'s `WebhookResource`.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlsplit

import psycopg
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from benchmon_pipeline.regressions.alerts import (
    NOTIFY_LOCK,
    Alert,
    alerts_markdown,
    format_delta,
    format_number,
    format_percent,
    mark_notified,
    pending_notifications,
)
from benchmon_pipeline.regressions.escaping import slack_text
from benchmon_pipeline.regressions.verdicts import ERROR, SEVERITIES, WARN
from benchmon_pipeline.settings import WEBHOOK_URL_VAR, get_settings

__all__ = ["Webhook", "alert_line", "alerts_markdown", "notify_pending", "slack_payload"]

log = logging.getLogger("benchmon.webhook")  # in a run's log: dagster.yaml manages it

MAX_ALERT_BLOCKS = 40  # Slack allows 50 blocks per message; the rest is counted


def alert_line(alert: Alert) -> str:
    """One line (Slack mrkdwn) with everything needed to judge the alert at a glance. Every
    name in it came with a result and goes through `slack_text` (no line, link, code span
    or mention of its own)."""
    metric = f"`{slack_text(alert.metric)}`" if alert.metric else "the configuration"
    values = ""
    if alert.current is not None or alert.reference is not None:
        values = (
            f": {format_number(alert.current)} vs {format_number(alert.reference)}"
            f" (Δ {format_delta(alert.delta)}, {format_percent(alert.percent)})"
        )
    where = ""
    if alert.commit_sha:
        where += f" · commit `{slack_text(alert.commit_sha[:12])}`"
    if alert.branch_name:
        where += f" on `{slack_text(alert.branch_name)}`"
    return (
        f"*{alert.severity}* {metric} on {slack_text(alert.configuration_label)}{values}"
        f"{where} · {slack_text(alert.rule)} · alert #{alert.id}"
    )


def _summary(alerts: Sequence[Alert]) -> str:
    errors = sum(a.severity == ERROR for a in alerts)
    noun = "alert" if len(alerts) == 1 else "alerts"
    return (
        f"benchmon: {len(alerts)} new regression {noun} "
        f"({errors} ERROR, {len(alerts) - errors} WARN)"
    )


def slack_payload(alerts: Sequence[Alert]) -> dict:
    """The message about `alerts`: `text` (the notification and the fallback for clients
    without blocks: a summary and one line per alert) and `blocks` (a header, one mrkdwn
    section per alert with its reason, the commands to act on them)."""
    alerts = sorted(alerts, key=lambda a: (a.severity != ERROR, a.id))
    shown, hidden = alerts[:MAX_ALERT_BLOCKS], len(alerts) - MAX_ALERT_BLOCKS
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _summary(alerts)}}
    ]
    for alert in shown:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{alert_line(alert)}\n> {slack_text(alert.reason)}",
                },
            }
        )
    footer = "`benchmon alerts ack ID` · `benchmon alerts resolve ID` · `benchmon alerts list`"
    if hidden > 0:
        footer = f"…and {hidden} more (`benchmon alerts list`) · " + footer
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    text = "\n".join(
        [
            _summary(alerts),
            *(f"• {alert_line(a)}" for a in shown),
            *([f"…and {hidden} more"] if hidden > 0 else []),
        ]
    )
    return {"text": text, "blocks": blocks}


class _Retryable(Exception):
    """Worth another try: the receiver was unreachable, slow, busy or failing."""


class _Refused(Exception):
    """The receiver said no (3xx, 4xx): the URL or the payload is wrong; not retried."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET of the new address and call its 200 a
    # delivery; a webhook that redirects is misconfigured, so say so instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _redacted(url: str) -> str:
    """Where a URL points, without the secret in its path (a Slack URL is a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") else url


@dataclass(frozen=True)
class Webhook:
    """A chat webhook for regression alerts (a Slack incoming webhook, or anything that
    accepts the same JSON). Empty `url` means `BENCHMON_WEBHOOK_URL`; both empty: disabled,
    `send` does nothing and says so in the log. Keep the URL in the environment variable:
    it is a secret.

    `timeout_seconds` per attempt; `attempts` tries per message (connection errors,
    timeouts, HTTP 429 and 5xx are tried again); `backoff_seconds` the first wait between
    tries, doubling each time, with jitter; `min_severity` WARN: every new alert, ERROR:
    only confirmed regressions (a WARN alert is sent if it escalates while open)."""

    url: str = ""
    timeout_seconds: float = 10.0
    attempts: int = 3
    backoff_seconds: float = 1.0
    min_severity: str = WARN

    def target(self) -> str:
        """The URL messages go to ("" when disabled)."""
        url = (self.url or get_settings().webhook_url).strip()
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"the webhook URL must be http(s)://…, not {_redacted(url)!r}")
        return url

    def send(self, alerts: Sequence[Alert]) -> bool:
        """POST one message about `alerts`; True when the receiver answered 2xx (or there was
        nothing to send), False when disabled or it failed after the retries (logged)."""
        if not alerts:
            return True
        url = self.target()
        if not url:
            log.info(
                "webhook disabled (no url, %s unset): %d alert(s) not sent",
                WEBHOOK_URL_VAR,
                len(alerts),
            )
            return False
        return self.post(url, slack_payload(alerts), what=f"{len(alerts)} alert(s)")

    def post(self, url: str, payload: dict, what: str = "message") -> bool:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            wait=wait_exponential_jitter(
                multiplier=self.backoff_seconds,
                max=max(self.backoff_seconds, 30.0),
                jitter=self.backoff_seconds,
            ),
            stop=stop_after_attempt(max(1, self.attempts)),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        try:
            status = retrying(self._post_once, url, body)
        except _Retryable as exc:
            log.error(
                "webhook %s: %s not delivered after %d attempt(s): %s",
                _redacted(url),
                what,
                max(1, self.attempts),
                exc,
            )
            return False
        except _Refused as exc:
            log.error("webhook %s refused %s: %s", _redacted(url), what, exc)
            return False
        log.info("webhook %s: %s delivered (HTTP %d)", _redacted(url), what, status)
        return True

    def _post_once(self, url: str, body: bytes) -> int:
        request = urllib.request.Request(  # noqa: S310 (scheme checked in target())
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "benchmon-webhook",
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout_seconds) as response:
                response.read(65536)
                return response.status
        except urllib.error.HTTPError as exc:
            with exc:
                detail = exc.read(300).decode("utf-8", "replace").strip()
            problem = f"HTTP {exc.code} {detail}".strip()
            if exc.code == 429 or exc.code >= 500:
                raise _Retryable(problem) from exc
            raise _Refused(problem) from exc  # 3xx, 4xx: trying again would not help
        except (urllib.error.URLError, HTTPException, OSError) as exc:  # incl. timeouts
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc


def notify_pending(conn: psycopg.Connection, webhook: Webhook) -> int:
    """Send one message about every open alert not notified yet (at the webhook's
    `min_severity` or worse) and mark them notified only once it was delivered. Returns how
    many alerts the message covered (0: nothing new, disabled, failed, or another process
    is notifying right now — its message covers them).

    Runs in one transaction (a savepoint inside the caller's) holding an advisory lock, so
    two notifiers never send the same alerts; no row is locked while the POST is under
    way, so evaluations and `benchmon alerts ack` are not held up by a slow receiver."""
    if webhook.min_severity not in SEVERITIES:
        raise ValueError(f"min_severity must be one of {SEVERITIES}, not {webhook.min_severity!r}")
    with conn.transaction():
        locked = conn.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", NOTIFY_LOCK).fetchone()[0]
        if not locked:
            log.info("another process is sending alert notifications; skipped")
            return 0
        pending = pending_notifications(conn, webhook.min_severity)
        if not pending or not webhook.send(pending):
            return 0
        mark_notified(conn, [a.id for a in pending])
    return len(pending)
