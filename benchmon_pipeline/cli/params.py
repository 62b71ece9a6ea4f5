"""Argument types more than one command takes, checked by click: a bad value is a usage
error (exit 2) naming the flag, before the command starts a server or opens a socket."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

PORT = click.IntRange(0, 65535)  # what a socket takes


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
