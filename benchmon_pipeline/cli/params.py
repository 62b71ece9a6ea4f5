"""Argument types more than one command takes, checked by click: a bad value is a usage
error (exit 2) naming the flag, before the command starts a server or opens a socket."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import click

PORT = click.IntRange(0, 65535)  # what a socket takes
# a count of rows: PostgreSQL's integer, which the functions behind --limit take
LIMIT = click.IntRange(1, 2**31 - 1)


class HttpUrl(click.ParamType):
    """An http(s):// URL with a host (a Dagster UI, a webserver)."""

    name = "url"

    def convert(self, value, param, ctx):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(
                f"{value!r} is not an http(s):// URL (e.g. http://127.0.0.1:3000)", param, ctx
            )
        return value


HTTP_URL = HttpUrl()


class UtcTime(click.ParamType):
    """A date or an ISO 8601 time, as the exports write them (`2026-11-02T09:00:00Z`,
    `…+00:00`, fractions of a second); without an offset it is UTC. Returned in UTC."""

    name = "time"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                self.fail(
                    f"{value!r} is not a date or an ISO 8601 time (2026-11-01, "
                    "2026-11-01T09:00:00Z)",
                    param,
                    ctx,
                )
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


UTC_TIME = UtcTime()
